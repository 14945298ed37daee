"""Schema revisions: a project made before Alembic upgrades in place with every row kept,
revision 0001 is exactly that old schema, and a new store matches the models."""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from triage.store.base import Base
from triage.store.db import DB_FILE, Project, database_url
from triage.store.decisions import current_decisions
from triage.store.versioning import BASELINE, _config, head_revision

OLD_PROJECT = Path(__file__).resolve().parent / "data" / "project_051dfc7"


def _all_rows(db: Path, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of a SQLite file, read with the sqlite3 module (not triage);
    with ``columns``, only those columns of those tables (what an older schema had)."""
    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    rows = {}
    for t in tables:
        if columns is not None and t not in columns:
            continue
        wanted = ", ".join(f'"{c}"' for c in columns[t]) if columns is not None else "*"
        rows[t] = conn.execute(f'SELECT {wanted} FROM "{t}" ORDER BY rowid').fetchall()
    conn.close()
    return rows


def _columns(db: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    out = {t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')] for t in tables}
    conn.close()
    return out


def _schema(db: Path) -> dict[str, object]:
    """Tables with their columns (name, type, nullable), indexes, foreign and unique keys."""
    engine = create_engine(f"sqlite:///{db}")
    insp = inspect(engine)
    out: dict[str, object] = {}
    for table in sorted(set(insp.get_table_names()) - {"alembic_version"}):
        out[table] = (
            [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)],
            sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(table)),
            sorted((tuple(f["constrained_columns"]), f["referred_table"]) for f in insp.get_foreign_keys(table)),
            sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
        )
    engine.dispose()
    return out


def test_project_from_051dfc7_upgrades_in_place_with_every_row(tmp_path: Path) -> None:
    shutil.copytree(OLD_PROJECT, tmp_path / "old")
    db = tmp_path / "old" / DB_FILE
    before, old_columns = _all_rows(db), _columns(db)
    assert before["meta"] == [("schema_version", "1")] and "alembic_version" not in before
    assert len(before["records"]) == 33 and len(before["decisions"]) == 5

    with Project.open(tmp_path / "old") as project:
        assert project.schema_revision() == head_revision()
        with project.reading() as session:
            in_force = current_decisions(session)
        assert {r: d.decision for r, d in in_force.items()} == {1: "include", 2: "exclude", 3: "include"}
        assert project.get_setting("recall_target") == 0.9

    assert _all_rows(db)["alembic_version"] == [(head_revision(),)]
    after = _all_rows(db, old_columns)  # later revisions add tables and columns, never change a row
    assert after.pop("meta") == [("schema_version", "2")]  # triage before Alembic now refuses it
    before.pop("meta")
    assert after == before
    added = _all_rows(db)
    assert all(value is None for row in added["sources"] for value in row[len(old_columns["sources"]):])
    assert added["search_rounds"] == [] and added["database_searches"] == []
    assert added["criteria_versions"] == [] and added["coding_memos"] == []
    assert added["users"] == [] and added["user_sessions"] == []  # still a one-person project


def test_reopening_an_upgraded_project_changes_nothing(tmp_path: Path) -> None:
    shutil.copytree(OLD_PROJECT, tmp_path / "old")
    Project.open(tmp_path / "old").close()
    once = _all_rows(tmp_path / "old" / DB_FILE)
    Project.open(tmp_path / "old").close()
    assert _all_rows(tmp_path / "old" / DB_FILE) == once


def test_baseline_revision_is_the_schema_of_051dfc7(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'baseline.sqlite'}")
    with engine.begin() as connection:
        command.upgrade(_config(connection), BASELINE)
    engine.dispose()
    assert _schema(tmp_path / "baseline.sqlite") == _schema(OLD_PROJECT / DB_FILE)


def test_new_store_schema_equals_the_models(project: Project) -> None:
    with project.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def _old_store(kind: str, directory: Path, request: pytest.FixtureRequest) -> str | None:
    """A store one revision behind: the 051dfc7 SQLite project, or PostgreSQL at the baseline."""
    if kind == "sqlite":
        shutil.copytree(OLD_PROJECT, directory, dirs_exist_ok=True)
        return None
    database: str = request.getfixturevalue("postgres_database")
    engine = create_engine(database_url(directory, database))
    with engine.begin() as connection:
        command.upgrade(_config(connection), BASELINE)
    engine.dispose()
    return database


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_opening_an_old_store_from_many_threads_at_once_upgrades_it_once(
    tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    """Web requests opening one old store: Alembic's globals are used by one thread at a time."""
    database = _old_store(kind, tmp_path, request)
    start = threading.Barrier(6)
    revisions: list[str | None] = []

    def open_it() -> None:
        start.wait()
        with Project.open(tmp_path, database) as project:
            revisions.append(project.schema_revision())

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert revisions == [head_revision()] * 6


def _open_in_process(start: Any, results: Any, directory: Path, database: str | None) -> None:
    start.wait()
    try:
        with Project.open(directory, database) as project:
            results.put(project.schema_revision())
    except Exception as exc:  # noqa: BLE001  (any failure goes back to the test, which fails on it)
        results.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_team_members_opening_an_old_store_at_once_upgrade_it_once(
    tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    """Separate processes (team members' commands) meet the store's lock and find the work done."""
    database = _old_store(kind, tmp_path, request)
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(4), context.Queue()
    members = [context.Process(target=_open_in_process, args=(start, results, tmp_path, database)) for _ in range(4)]
    for member in members:
        member.start()
    outcomes = [results.get(timeout=60) for _ in members]
    for member in members:
        member.join(timeout=60)
    assert outcomes == [head_revision()] * 4
