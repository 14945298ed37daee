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


def _team_project(tmp_path: Path, repo_root: Path, *allocate: str) -> str:
    """The demo's Embase export in a new SQLite project, screening allocated to ana and ben."""
    proj = str(tmp_path / "review")
    assert runner.invoke(app, ["init", proj]).exit_code == 0
    assert runner.invoke(app, ["import", str(repo_root / "corpora" / "demo" / "embase.ris"), "-p", proj]).exit_code == 0
    assert runner.invoke(app, ["settings", "preset", "tfidf", "-p", proj]).exit_code == 0
    done = runner.invoke(app, ["allocate", "--reviewers", "ana,ben", *allocate, "--by", "lea", "-p", proj])
    assert done.exit_code == 0, done.output
    return proj


def test_agreement_says_which_disagreements_a_lead_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            repo_root: Path) -> None:
    # Before: after the lead resolved both, 'triage agreement' still said of its table
    # "these wait for a lead" and showed nothing of the resolutions.
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    proj = _team_project(tmp_path, repo_root, "--double", "all")
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


def test_what_each_reviewer_was_shown_is_kept_with_their_cli_decision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      repo_root: Path) -> None:
    # Found in session 16's team trial: 'triage next' kept what it showed in one project-wide
    # setting, so when ben asked for his records after ana, ana's 'decide' found nothing of
    # hers: her decisions lost the rank, score and probability shown (and with them the
    # weighted stopping test), or took ben's where both were shown the same record.
    import json

    from triage.store.db import Project
    from triage.store.decisions import decision_history

    monkeypatch.delenv(DATABASE_ENV, raising=False)
    proj = _team_project(tmp_path, repo_root)
    shown = {}
    for who in ("ana", "ben"):
        result = runner.invoke(app, ["next", "--reviewer", who, "-n", "2", "--json", "-p", proj])
        assert result.exit_code == 0, result.output
        shown[who] = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert not {s["id"] for s in shown["ana"]} & {s["id"] for s in shown["ben"]}  # each their own records
    for who in ("ana", "ben"):
        first = shown[who][0]
        done = runner.invoke(app, ["decide", str(first["id"]), "include", "--reviewer", who, "-p", proj])
        assert done.exit_code == 0, done.output
    with Project.open(proj) as project, project.reading() as session:
        rows = {row.reviewer: (row.rank, row.score, row.model, row.probability) for row in decision_history(session)}
    for who in ("ana", "ben"):
        rank, score, model, probability = rows[who]
        assert (rank, model) == (shown[who][0]["rank"], shown[who][0]["model"]), who
        assert score == pytest.approx(shown[who][0]["score"], abs=1e-5) and probability is not None


def test_deciding_a_conflict_between_two_reviewers_points_to_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     repo_root: Path) -> None:
    # Found in session 16's team trial: 'triage conflicts' said "settle one with triage decide";
    # the lead's 'decide 210 include' on a record ana and ben had screened twice was recorded
    # as a third screening decision and the conflict stayed, now three-way.
    from triage.store.db import Project
    from triage.store.decisions import decision_history, decisions_in_force

    monkeypatch.delenv(DATABASE_ENV, raising=False)
    proj = _team_project(tmp_path, repo_root, "--double", "all")
    for who, decision in (("ana", "include"), ("ben", "exclude")):
        assert runner.invoke(app, ["decide", "1", decision, "--reviewer", who, "-p", proj]).exit_code == 0
    refused = runner.invoke(app, ["decide", "1", "include", "--reviewer", "lea", "-p", proj])
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    assert "triage resolve 1" in " ".join(refused.output.split())
    with Project.open(proj) as project, project.reading() as session:
        assert len(decision_history(session)) == 2
    help_text = " ".join(runner.invoke(app, ["conflicts", "--help"], terminal_width=200).output.split())
    assert "triage resolve" in help_text
    done = runner.invoke(app, ["resolve", "1", "include", "--note", "in scope", "--by", "lea", "-p", proj])
    assert done.exit_code == 0, done.output
    with Project.open(proj) as project, project.reading() as session:
        assert decisions_in_force(session).decisions[1].decision == "include"
