"""Found by trying the team server as a new lead (session 16): a project kept outside its
directory (PostgreSQL, or any --database) must say so when it is made and when it is missed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.db import DATABASE_ENV

runner = CliRunner()


def test_a_project_in_another_database_says_how_to_open_it_again(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # README's team steps: 'triage init myreview --database URL', then 'triage users add ana -p myreview'.
    # Before: init said only "Created project in DIR", and the next command, without the URL,
    # said "no triage project in DIR; run 'triage init' there first" (it had been run).
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    url = f"sqlite:///{tmp_path / 'server' / 'review.sqlite'}"
    made = runner.invoke(app, ["init", str(tmp_path / "review"), "--database", url])
    assert made.exit_code == 0, made.output
    said = " ".join(made.output.split())
    assert "--database" in said and DATABASE_ENV in said
    missed = runner.invoke(app, ["users", "list", "-p", str(tmp_path / "review")])
    assert missed.exit_code != 0
    said = " ".join(missed.output.split())
    assert "no triage project in" in said and "--database" in said and DATABASE_ENV in said
    assert "Traceback" not in missed.output
    found = runner.invoke(app, ["users", "list", "-p", str(tmp_path / "review"), "--database", url])
    assert found.exit_code == 0, found.output
