"""Under a coding allocation a coder codes only the segments given to them: accepting or
refusing a code on another coder's segment is refused with one line (CLI and web); a lead
codes anything; withdrawing is always allowed. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _auth_support import log_in, team_app
from _coding_team_support import coding_team_project
from _web_support import JSON, build_coding_demo
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.code_decisions import current_code_decisions
from triage.store.coding import load_codebook
from triage.store.db import Project

runner = CliRunner()

TEAM = {"ana": ("lead", "ana-long-secret-1"), "cat": ("coder", "cat-long-secret-3"),
        "dan": ("coder", "dan-long-secret-4")}


def run(*args: str, ok: bool = True) -> Any:
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _queue(path: Path, coder: str) -> list[int]:
    out = run("code", "next", "-n", "1000", "--json", "--coder", coder, "-p", str(path)).output
    return [json.loads(line)["segment_id"] for line in out.splitlines() if line.startswith("{")]


def _applied(path: Path, database: str | None) -> set[tuple[int, str, str]]:
    with Project.open(path, database) as project, project.reading() as session:
        return {(d.segment_id, d.code_id, d.coder) for d in current_code_decisions(session, load_codebook(session))}


@pytest.fixture()
def team_dir(tmp_path: Path, database: str | None) -> Path:
    path = coding_team_project(tmp_path / "review", database, TEAM)
    run("code", "allocate", "--coders", "cat,dan", "--double", "0", "--by", "ana", "-p", str(path))
    return path


def test_a_coder_cannot_code_another_coders_segment_on_the_cli(team_dir: Path, database: str | None) -> None:
    p = ["-p", str(team_dir)]
    theirs = _queue(team_dir, "cat")[0]
    assert theirs not in _queue(team_dir, "dan")
    for args in (["accept", str(theirs), "fear-of-removal"], ["reject", str(theirs), "fear-of-removal"],
                 ["accept", str(theirs), "fear-of-removal", "--span", "0:5"]):
        refused = run("code", *args, "--coder", "dan", *p, ok=False)
        assert refused.exit_code == 1
        assert f"segment {theirs} is not allocated to dan" in refused.output
        assert "Traceback" not in refused.output and len(refused.output.strip().splitlines()) <= 2
    assert _applied(team_dir, database) == set()
    run("code", "accept", str(theirs), "fear-of-removal", "--coder", "cat", *p)  # their own
    run("code", "accept", str(theirs), "trusted-worker", "--coder", "ana", *p)  # a lead codes anything
    run("code", "retract", str(theirs), "fear-of-removal", "--coder", "dan", *p)  # withdrawing is harmless
    assert _applied(team_dir, database) == {(theirs, "fear-of-removal", "cat"), (theirs, "trusted-worker", "ana")}


def test_without_users_the_allocation_binds_coders_and_not_who_set_it(tmp_path: Path, database: str | None) -> None:
    path = build_coding_demo(tmp_path / "review")
    p = ["-p", str(path)]
    run("code", "allocate", "--coders", "cat,dan", "--double", "0", "--by", "lea", *p)
    theirs = _queue(path, "cat")[0]
    assert "is not allocated to eve" in run("code", "accept", str(theirs), "fear-of-removal", "--coder", "eve", *p,
                                             ok=False).output
    run("code", "accept", str(theirs), "fear-of-removal", "--coder", "lea", *p)


def test_a_coder_cannot_code_another_coders_segment_on_the_web(team_dir: Path, database: str | None) -> None:
    theirs = _queue(team_dir, "cat")[0]
    with team_app(team_dir, database) as dan_client:
        ana_client = TestClient(dan_client.app)
        browsers = {"dan": (dan_client, log_in(dan_client, "dan", TEAM["dan"][1])),
                    "ana": (ana_client, log_in(ana_client, "ana", TEAM["ana"][1]))}
        for path, form in (("/coding/decide", {"decision": "accept"}), ("/coding/span", {"start": "0", "end": "5"})):
            client, token = browsers["dan"]
            refused = client.post(path, data={"segment_id": str(theirs), "code_id": "fear-of-removal", **form,
                                              "csrf_token": token}, headers=JSON, follow_redirects=False)
            assert refused.status_code == 400, path
            assert refused.json()["error"]["message"] == f"segment {theirs} is not allocated to dan"
        client, token = browsers["ana"]
        done = client.post("/coding/decide", data={"segment_id": str(theirs), "code_id": "fear-of-removal",
                                                   "decision": "accept", "csrf_token": token}, follow_redirects=False)
        assert done.status_code == 303
    assert _applied(team_dir, database) == {(theirs, "fear-of-removal", "ana")}
