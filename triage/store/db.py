"""Opening, creating and migrating a project store; the one transaction helper.

A project is a directory holding ``triage.sqlite`` (SQLite in WAL mode, so a web view
can read while the CLI writes). Every write goes through :meth:`Project.transaction`:
it commits on success and rolls back on any exception, so a failed or killed import
leaves the project as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from triage.errors import ProjectError
from triage.store import schema, schema_coding, schema_dedup  # noqa: F401  (register tables)
from triage.store.base import Base

__all__ = ["DB_FILE", "SCHEMA_VERSION", "Project", "default_project_dir"]

DB_FILE = "triage.sqlite"


def _create_v1(conn: Connection) -> None:
    """Version 1: every table as declared today."""
    Base.metadata.create_all(conn)


#: Ordered schema migrations: ``MIGRATIONS[i]`` brings a store from version ``i`` to ``i+1``.
#: Append new steps (never edit old ones) so a project made today opens after an upgrade.
MIGRATIONS: list[Callable[[Connection], None]] = [_create_v1]
SCHEMA_VERSION = len(MIGRATIONS)


def default_project_dir() -> Path:
    """``$TRIAGE_PROJECT`` if set, else the current directory."""
    return Path(os.environ.get("TRIAGE_PROJECT", ".")).resolve()


def _make_engine(db_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{db_path}", future=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    return engine


class Project:
    """An open review project: its directory, engine and session factory."""

    def __init__(self, directory: Path, engine: Engine) -> None:
        self.directory = directory
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def db_path(self) -> Path:
        return self.directory / DB_FILE

    @classmethod
    def init(cls, directory: str | Path) -> Project:
        """Create a new project store in ``directory`` (created if missing)."""
        path = Path(directory).resolve()
        if (path / DB_FILE).exists():
            raise ProjectError(
                f"{path / DB_FILE} already exists", hint="open it instead, or choose another directory"
            )
        path.mkdir(parents=True, exist_ok=True)
        project = cls(path, _make_engine(path / DB_FILE))
        project.migrate()
        return project

    @classmethod
    def open(cls, directory: str | Path | None = None) -> Project:
        """Open an existing project, migrating its schema forward if it is older."""
        path = Path(directory).resolve() if directory is not None else default_project_dir()
        if not (path / DB_FILE).exists():
            raise ProjectError(
                f"no triage project in {path}",
                hint="run 'triage init' there first, or pass --project DIR",
            )
        project = cls(path, _make_engine(path / DB_FILE))
        project.migrate()
        return project

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("meta"):
                return 0
            value = conn.execute(text("SELECT value FROM meta WHERE key='schema_version'")).scalar()
            return int(value) if value is not None else 0

    def migrate(self) -> None:
        """Apply pending migrations, each in its own transaction."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise ProjectError(
                f"{self.db_path} was written by a newer triage (schema {current} > {SCHEMA_VERSION})",
                hint="upgrade triage to open it",
            )
        for version in range(current, SCHEMA_VERSION):
            with self.engine.begin() as conn:
                MIGRATIONS[version](conn)
                conn.execute(
                    text("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', :v)"),
                    {"v": str(version + 1)},
                )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on error."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only (nothing is committed)."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def get_setting(self, key: str, default: object = None) -> object:
        with self.reading() as s:
            row = s.get(schema.Setting, key)
            return row.value if row is not None else default

    def set_setting(self, key: str, value: object) -> None:
        with self.transaction() as s:
            s.merge(schema.Setting(key=key, value=value))

    def delete_setting(self, key: str) -> None:
        """Forget ``key``: readers fall back to its default."""
        with self.transaction() as s:
            row = s.get(schema.Setting, key)
            if row is not None:
                s.delete(row)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


