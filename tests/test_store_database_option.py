"""``--database`` / ``$TRIAGE_DATABASE``: a project on PostgreSQL driven by the same commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.db import DB_FILE, Project
from triage.store.decisions import current_decisions
from triage.store.schema import RecordRow

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"


def _run(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_commands_work_on_postgresql_with_database_option(tmp_path: Path, postgres_database: str) -> None:
    review = str(tmp_path / "review")
    url = ["--database", postgres_database]
    _run("init", review, "--criteria", str(DEMO / "criteria.toml"), *url)
    _run("import", str(DEMO / "embase.ris"), str(DEMO / "scopus.csv"), "-p", review, *url)
    _run("dedup", "-p", review, *url)
    _run("decide", "1", "exclude", "--reason", "setting", "-r", "ana", "-p", review, *url)
    assert "excluded" in _run("status", "-p", review, *url)
    assert not (tmp_path / "review" / DB_FILE).exists()  # nothing went to SQLite
    with Project.open(review, postgres_database) as project, project.reading() as session:
        assert session.scalar(select(func.count()).select_from(RecordRow)) == 420 + 329
        assert current_decisions(session)[1].reasons == ("setting",)


def test_triage_database_environment_variable_is_read(tmp_path: Path, postgres_database: str) -> None:
    env = {"TRIAGE_DATABASE": postgres_database}
    _run("init", str(tmp_path / "review"), env=env)
    _run("import", str(DEMO / "embase.ris"), "-p", str(tmp_path / "review"), env=env)
    assert "420 records" in _run("records", "-p", str(tmp_path / "review"), env=env)
    assert not (tmp_path / "review" / DB_FILE).exists()


def test_a_database_that_is_no_project_or_no_url_says_what_to_do(tmp_path: Path, postgres_database: str) -> None:
    result = CliRunner().invoke(app, ["status", "-p", str(tmp_path), "--database", postgres_database])
    assert result.exit_code == 1
    assert result.output == (
        f"error: no triage project in {postgres_database}; run 'triage init --database URL' first, or check the URL\n"
    )
    result = CliRunner().invoke(app, ["init", str(tmp_path), "--database", "mysql://db/review"])
    assert result.output == (
        "error: cannot use 'mysql://db/review' as a project database; give a "
        "postgresql://USER@HOST:PORT/DBNAME URL, or leave --database out for SQLite\n"
    )


def test_a_server_that_is_down_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["status", "-p", str(tmp_path), "--database", "postgresql://nobody@127.0.0.1:1/x"])
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot connect to postgresql://nobody@127.0.0.1:1/x: ")
    assert result.output.rstrip().endswith("; check the URL and that the server runs")
    assert "Traceback" not in result.output


def _commands(group: Any, prefix: str = "") -> dict[str, Any]:
    out = {}
    for name, command in group.commands.items():
        out[prefix + name] = command
        if hasattr(command, "commands"):
            out.update(_commands(command, prefix + name + " "))
    return out


def test_every_command_that_opens_a_project_takes_database() -> None:
    commands = _commands(typer.main.get_command(app))
    opening = {name for name, c in commands.items() if any("--project" in p.opts for p in c.params)} | {"init"}
    without = {name for name in opening if not any("--database" in p.opts for p in commands[name].params)}
    assert len(opening) > 25
    assert without == set()  # serve too (issue 16: triage serve --database URL)
