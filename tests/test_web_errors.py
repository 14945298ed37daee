"""One error shape for every failure the web app reports, and the ``triage serve`` command's errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from _web_support import HTML, JSON, demo_dir, demo_template, web_client  # noqa: F401
from typer.testing import CliRunner

from triage.cli.main import app as cli
from triage.errors import ProjectError
from triage.web.app import create_app


def test_errors_share_one_shape_as_json_and_as_a_page(demo_dir: Path) -> None:
    with web_client(demo_dir) as (client, token):
        missing = client.get("/no/such/page", headers=JSON)
        assert missing.status_code == 404
        assert missing.json() == {"error": {"kind": "NotFoundError", "message": "not found", "hint": None}}
        page = client.get("/no/such/page", headers=HTML)
        assert page.status_code == 404 and '<p class="message" data-kind="NotFoundError">not found</p>' in page.text
        unknown = client.get("/screen/card?record_id=99999", headers=JSON)
        assert unknown.status_code == 400
        assert unknown.json()["error"] == {
            "kind": "TriageError", "message": "no record 99999 to screen in this project",
            "hint": "see the history page for ids",
        }
        malformed = client.post("/screen/decide", data={"csrf_token": token, "record_id": "x"}, headers=JSON)
        assert malformed.status_code == 422
        error = malformed.json()["error"]
        assert error["kind"] == "InvalidRequest" and error["message"].startswith("invalid request (record_id: ")
        bad_page = client.get("/screen?record_id=99999", headers=HTML)
        assert bad_page.status_code == 400 and "no record 99999 to screen in this project" in bad_page.text


def test_create_app_needs_a_project(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as info:
        create_app(tmp_path)
    assert info.value.message == f"no triage project in {tmp_path}"


def test_serve_command_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["serve", "-p", str(tmp_path)])
    assert result.exit_code == 1
    assert "error: no triage project in" in result.output and "Traceback" not in result.output
    result = runner.invoke(cli, ["serve", "--port", "70000", "-p", str(tmp_path)])
    assert result.exit_code == 1 and "error: --port must be between 1 and 65535; got 70000" in result.output


def test_serve_on_a_port_in_use_says_so_before_claiming_to_serve(tmp_path: Path) -> None:
    """A user started a second 'triage serve' and read 'triage is serving ... at
    http://127.0.0.1:8793/' followed by uvicorn's 'address already in use'."""
    import socket

    assert CliRunner().invoke(cli, ["init", str(tmp_path / "review")]).exit_code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port), "-p", str(tmp_path / "review")])
    assert result.exit_code == 1, result.output
    assert "is serving" not in result.output
    assert " ".join(result.output.split()) == (
        f"error: port {port} on 127.0.0.1 is in use (another 'triage serve'?); stop that one, "
        "or pick another port with --port N"
    )
