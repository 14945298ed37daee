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


def _commands(hint: str) -> list[list[str]]:
    """The command line a hint gives after its colon, split as a shell would (``&&`` between)."""
    import shlex

    line = hint.split(": ", 1)[1].split(" (", 1)[0]
    words = shlex.split(line)
    commands: list[list[str]] = [[]]
    for word in words:
        if word == "&&":
            commands.append([])
        else:
            commands[-1].append(word)
    return commands


def test_a_backup_of_the_other_kind_names_the_commands_that_restore_it(tmp_path: Path) -> None:
    """A SQLite backup restored with --database postgresql://... said only 'restore it into a
    project of the same kind, then move it with triage migrate --to': the hint now gives the
    command line to run, with the file, a new folder for it and the URL filled in."""
    shutil.copytree(OLD_PROJECT, tmp_path / "my review")
    backup = tmp_path / "my review.backup"
    _run("backup", str(backup), "-p", str(tmp_path / "my review"))
    url = "postgresql://ana:secret@db.example.org:5432/review"
    result = CliRunner().invoke(app, ["restore", str(backup), "-p", str(tmp_path / "team"), "--database", url])
    assert result.exit_code == 1 and "Traceback" not in result.output
    scratch = tmp_path / "my review-sqlite"
    assert result.output == (
        f"error: {backup} is a SQLite backup and the project's database is PostgreSQL "
        "(postgresql://ana:***@db.example.org:5432/review); restore it into a new SQLite project, then copy "
        f"that into the PostgreSQL database: triage restore '{backup}' -p '{scratch}' && triage migrate --to "
        "postgresql://ana@db.example.org:5432/review -p "
        f"'{scratch}' (its password from PGPASSWORD or ~/.pgpass)\n")
    assert not scratch.exists() and not (tmp_path / "team").exists()  # nothing made by the refusal


def test_the_commands_a_cross_kind_restore_names_restore_it(
    review: Project, tmp_path: Path, database: str | None, request: pytest.FixtureRequest
) -> None:
    """Run the hint's commands as a user would: every row of the backup arrives in the project
    of the other kind (SQLite backup into PostgreSQL, and PostgreSQL backup into SQLite)."""
    before = _rows(review)
    where = ["-p", str(review.directory)] + (["--database", database] if database else [])
    _run("backup", str(tmp_path / "review.backup"), *where)
    review.close()
    other = request.getfixturevalue("postgres_database")
    target = ["-p", str(tmp_path / "target")] + (["--database", other] if database is None else [])
    refused = CliRunner().invoke(app, ["restore", str(tmp_path / "review.backup"), *target],
                                 env={"TRIAGE_DATABASE": ""} if database else {})
    assert refused.exit_code == 1, refused.output
    commands = _commands(refused.output.split("; ", 1)[1])
    assert [c[:2] for c in commands] == [["triage", "restore"], ["triage", "migrate"]]
    if database is not None:  # a PostgreSQL backup: the hint's USER@HOST/DB is an empty database of the user's
        commands = [[other if "USER@HOST" in word else word for word in c] for c in commands]
    for command in commands:
        _run(*command[1:])
    with Project.open(tmp_path / "target", other if database is None else f"sqlite:///{tmp_path / 'target' / DB_FILE}") as restored:
        assert _rows(restored) == before


def test_the_password_never_reaches_a_pg_tools_command_line() -> None:
    """pg_dump / pg_restore get the database as --dbname on their command line, which every user
    of the machine reads (`ps`); the URL's password was left in it (``URL.set(password=None)``
    keeps a password). It goes through PGPASSWORD only."""
    from sqlalchemy.engine import make_url

    from triage.store.backup import pg_conninfo

    url = make_url("postgresql+psycopg://ana:s3cret@db.example.org:5433/review?sslmode=require")
    assert pg_conninfo(url) == "postgresql://ana@db.example.org:5433/review?sslmode=require"
    assert pg_conninfo(make_url("postgresql+psycopg://ana@localhost/review")) == "postgresql://ana@localhost/review"
