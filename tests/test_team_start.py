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


def test_agreement_says_which_disagreements_a_lead_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            repo_root: Path) -> None:
    # Before: after the lead resolved both, 'triage agreement' still said of its table
    # "these wait for a lead" and showed nothing of the resolutions.
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    proj = str(tmp_path / "review")
    assert runner.invoke(app, ["init", proj]).exit_code == 0
    assert runner.invoke(app, ["import", str(repo_root / "corpora" / "demo" / "embase.ris"), "-p", proj]).exit_code == 0
    assert runner.invoke(app, ["allocate", "--reviewers", "ana,ben", "--double", "all", "--by", "lea",
                               "-p", proj]).exit_code == 0
    for rid, ana, ben in [(1, "include", "exclude"), (2, "exclude", "include"), (3, "include", "exclude")]:
        for who, decision in (("ana", ana), ("ben", ben)):
            done = runner.invoke(app, ["decide", str(rid), decision, "--reviewer", who, "-p", proj])
            assert done.exit_code == 0, done.output
    for rid in (1, 2):
        done = runner.invoke(app, ["resolve", str(rid), "include", "--note", "in scope", "--by", "lea", "-p", proj])
        assert done.exit_code == 0, done.output
    result = runner.invoke(app, ["agreement", "-p", proj], terminal_width=200)
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.startswith("│")}
    assert "include (lea)" in rows["1"] and "include (lea)" in rows["2"] and "(lea)" not in rows["3"]
    said = " ".join(result.output.split())
    assert "(1 of them) wait for a lead" in said
