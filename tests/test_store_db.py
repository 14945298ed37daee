"""The project store: creation, WAL mode, schema revisions, and all-or-nothing transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from triage.errors import ProjectError
from triage.records.model import Provenance, Record
from triage.store.db import DB_FILE, Project
from triage.store.records import add_records
from triage.store.schema import RecordRow, SourceRow
from triage.store.versioning import head_revision


def test_init_creates_wal_store_at_current_schema(tmp_path: Path) -> None:
    project = Project.init(tmp_path / "p")
    assert project.schema_revision() == head_revision()
    project.close()
    conn = sqlite3.connect(tmp_path / "p" / DB_FILE)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"records", "sources", "decisions", "settings", "meta", "embeddings"} <= tables


def test_init_refuses_existing_project(tmp_path: Path) -> None:
    Project.init(tmp_path).close()
    with pytest.raises(ProjectError) as err:
        Project.init(tmp_path)
    assert str(err.value) == f"{tmp_path / DB_FILE} already exists; open it instead, or choose another directory"


def test_open_missing_project_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as err:
        Project.open(tmp_path)
    assert str(err.value) == (f"no triage project in {tmp_path}; run 'triage init' there first, or pass --project DIR; "
                              "a project kept in PostgreSQL needs its URL: --database URL, or set $TRIAGE_DATABASE")


def test_store_from_newer_triage_is_refused(tmp_path: Path) -> None:
    Project.init(tmp_path).close()
    conn = sqlite3.connect(tmp_path / DB_FILE)
    conn.execute("UPDATE alembic_version SET version_num='9999'")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError) as err:
        Project.open(tmp_path)
    assert str(err.value) == (
        f"{tmp_path / DB_FILE} was written by a newer triage (revision 9999); upgrade triage to open it"
    )


def test_open_migrates_a_store_without_schema(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / DB_FILE).close()  # an empty SQLite file: version 0
    project = Project.open(tmp_path)
    assert project.schema_revision() == head_revision()
    project.close()


def test_failed_transaction_leaves_nothing(project: Project) -> None:
    good = Record(title="A", provenance=Provenance("f.ris", "x", 1, 1))
    bad = Record(title="B", raw={"unserialisable": object()}, provenance=Provenance("f.ris", "x", 2, 5))
    with pytest.raises(TypeError), project.transaction() as session:
        source = SourceRow(file_name="f.ris", file_path="/f.ris", sha256="x", format="ris")
        session.add(source)
        session.flush()
        add_records(session, source.id, [good, bad])
    with project.reading() as session:
        assert session.scalar(select(func.count(RecordRow.id))) == 0
        assert session.scalar(select(func.count(SourceRow.id))) == 0


def test_settings_round_trip(project: Project) -> None:
    assert project.get_setting("preset", "default") == "default"
    project.set_setting("recall_target", 0.9)
    reopened = Project.open(project.directory, project.database)
    assert reopened.get_setting("recall_target") == 0.9
    reopened.close()


def test_the_written_down_head_is_alembics_head() -> None:
    """Opening a store compares with ``HEAD`` without Alembic: it must name the newest revision."""
    from triage.store.versioning import HEAD

    assert HEAD == head_revision()


def test_opening_a_store_at_head_is_one_checkout_and_two_statements(tmp_path: Path, database: str | None) -> None:
    """Opening reads whether the store holds a project and its revision on the one connection it
    checks the server with: a CLI command on PostgreSQL paid three checkouts (each a pre-ping round
    trip) and two reflection queries for it. Counted on the real driver's cursor and pool."""
    from store_calls import counted_store_calls

    Project.init(tmp_path / "p", database).close()
    with counted_store_calls() as calls:
        project = Project.open(tmp_path / "p", database)
    assert project.schema_revision() == head_revision()
    project.close()
    statements = calls.statements
    assert calls.checkouts == 1
    assert len(statements) == 2, statements
    assert "alembic_version" in statements[-1]


def test_open_refuses_an_empty_postgresql_database(tmp_path: Path, postgres_database: str) -> None:
    with pytest.raises(ProjectError, match="no triage project"):
        Project.open(tmp_path, postgres_database)
