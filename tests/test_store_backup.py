"""``triage backup`` / ``triage restore``: a restore keeps every decision (and every other row),
on SQLite (backup API) and PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.db import DB_FILE, Project
from triage.store.decisions import decision_history, record_decision
from triage.store.transfer import copy_project, table_rows

OLD_PROJECT = Path(__file__).resolve().parent / "data" / "project_051dfc7"


def _rows(project: Project) -> dict[str, list[dict[str, object]]]:
    with project.engine.connect() as connection:
        return table_rows(connection)


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture()
def review(tmp_path: Path, database: str | None) -> Project:
    """The 051dfc7 fixture project with more decisions, on the parametrized database."""
    shutil.copytree(OLD_PROJECT, tmp_path / "sqlite")
    sqlite_file = f"sqlite:///{tmp_path / 'sqlite' / DB_FILE}"  # not $TRIAGE_DATABASE
    with Project.open(tmp_path / "sqlite", sqlite_file) as original:
        if database is None:
            project = Project.open(tmp_path / "sqlite")
        else:
            project, _ = copy_project(original, tmp_path / "sqlite", database)
    with project.transaction() as session:
        for record_id in range(4, 12):
            record_decision(session, record_id, "include" if record_id % 2 else "exclude", reviewer="cy",
                            reasons=("population",), note=f"note {record_id}")
    return project


def test_restore_into_a_new_project_keeps_every_row(
    review: Project, tmp_path: Path, database: str | None, request: pytest.FixtureRequest
) -> None:
    before = _rows(review)
    assert len(before["decisions"]) == 13
    where = ["-p", str(review.directory)] + (["--database", database] if database else [])
    _run("backup", str(tmp_path / "review.backup"), *where)
    if database is None:
        target = ["-p", str(tmp_path / "restored")]
    else:
        target = ["-p", str(tmp_path / "restored"), "--database", request.getfixturevalue("postgres_database")]
    assert "restored" in _run("restore", str(tmp_path / "review.backup"), *target)
    with Project.open(tmp_path / "restored", target[3] if database else None) as restored:
        assert _rows(restored) == before
    review.close()


def test_restore_replace_brings_back_the_decision_log_as_backed_up(
    review: Project, tmp_path: Path, database: str | None
) -> None:
    where = ["-p", str(review.directory)] + (["--database", database] if database else [])
    _run("backup", str(tmp_path / "review.backup"), *where)
    with review.reading() as session:
        backed_up = [(d.id, d.record_id, d.decision, d.reviewer, d.note) for d in decision_history(session)]
    with review.transaction() as session:
        record_decision(session, 20, "include", reviewer="late")
    review.close()

    refused = CliRunner().invoke(app, ["restore", str(tmp_path / "review.backup"), *where])
    assert refused.exit_code == 1 and "already holds a triage project" in refused.output
    _run("restore", str(tmp_path / "review.backup"), "--replace", *where)
    with Project.open(review.directory, database) as restored, restored.reading() as session:
        assert [(d.id, d.record_id, d.decision, d.reviewer, d.note) for d in decision_history(session)] == backed_up


def test_a_file_that_is_no_backup_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    result = CliRunner().invoke(app, ["restore", str(tmp_path / "notes.txt"), "-p", str(tmp_path / "new")])
    assert result.output == f"error: {tmp_path / 'notes.txt'} is not a triage backup; give a file written by 'triage backup'\n"
