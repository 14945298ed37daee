"""Opening, creating and upgrading a project store; the one transaction helper.

A project is a directory (criteria file, exports) plus a database: by default
``triage.sqlite`` in the directory (SQLite in WAL mode, so a web view can read while the
CLI writes), or a PostgreSQL database named by ``--database`` / ``$TRIAGE_DATABASE`` for
a team server. Every write goes through :meth:`Project.transaction`: it commits on
success and rolls back on any exception, so a failed or killed import leaves the project
as it was. Schema versions are Alembic revisions (:mod:`triage.store.versioning`).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from triage.errors import ProjectError
from triage.store import (  # noqa: F401  (register tables)
    schema,
    schema_allocation,
    schema_coding,
    schema_dedup,
    schema_ranking,
    schema_users,
)
from triage.store.versioning import HEAD, store_state, stored_revision, upgrade

#: ``Session`` is re-exported as the store's session type: code outside ``triage/store`` annotates
#: the session it is handed with it and never imports SQLAlchemy itself (one door to the data).
__all__ = [
    "DATABASE_ENV",
    "DB_FILE",
    "Project",
    "Session",
    "StoreUnavailable",
    "database_url",
    "default_project_dir",
    "project_exists",
]

DB_FILE = "triage.sqlite"
#: Environment variable naming the project's database when ``--database`` is not given.
DATABASE_ENV = "TRIAGE_DATABASE"
#: Dialects a project can live in.
DIALECTS = ("sqlite", "postgresql")


def default_project_dir() -> Path:
    """``$TRIAGE_PROJECT`` if set, else the current directory."""
    return Path(os.environ.get("TRIAGE_PROJECT", ".")).resolve()


def database_url(directory: Path, database: str | None = None) -> URL:
    """The project's database: ``database``, else ``$TRIAGE_DATABASE``, else the SQLite file.

    ``postgresql://`` URLs use psycopg 3 (SQLAlchemy's plain ``postgresql`` means psycopg2).
    """
    given = database or os.environ.get(DATABASE_ENV) or None
    if given is None:
        return URL.create("sqlite", database=str(directory / DB_FILE))
    try:
        url = make_url(given.replace("postgres://", "postgresql://", 1))
    except ArgumentError:
        url = None
    if url is None or url.get_backend_name() not in DIALECTS:
        raise ProjectError(
            f"cannot use {given!r} as a project database",
            hint="give a postgresql://USER@HOST:PORT/DBNAME URL, or leave --database out for SQLite",
        )
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


#: Connections a PostgreSQL project keeps open per process (as many again may open at a peak).
POOL_SIZE = 20


def _make_engine(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        # Timestamps come back in UTC whatever the server's zone, as triage stores them.
        # A team server answers tens of requests at once (each opens a few short sessions):
        # SQLAlchemy's default pool of 5 (+10 overflow) made them queue for a connection
        # (evaluation/reports/team_load.md); a PostgreSQL backend per pooled connection.
        return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_SIZE,
                             connect_args={"options": "-c timezone=UTC"})
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    return engine


def project_exists(directory: Path, database: str | None = None) -> bool:
    """Whether ``directory`` / ``database`` already holds a triage project (nothing is changed)."""
    url = database_url(directory, database)
    if url.get_backend_name() == "sqlite":
        return bool(url.database) and Path(str(url.database)).exists()
    engine, (holds, _revision) = _connect(url)
    engine.dispose()
    return holds


class Project:
    """An open review project: its directory, engine and session factory."""

    def __init__(self, directory: Path, engine: Engine) -> None:
        self.directory = directory
        self.engine = engine
        #: What to pass as ``database`` to open this project again (None: the SQLite file).
        default = engine.dialect.name == "sqlite" and engine.url.database == str(directory / DB_FILE)
        self.database: str | None = None if default else engine.url.render_as_string(hide_password=False)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # The session :meth:`reads_together` shares with every :meth:`reading` of its thread.
        self._shared = threading.local()
        # A project dropped without close() (``open_project(p).reading()``) still hands its
        # server connections back: PostgreSQL would otherwise hold them until exit.
        weakref.finalize(self, engine.dispose)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def location(self) -> str:
        """Where the data lives, for messages: the SQLite file, or the URL without its password."""
        return _shown(self.engine.url)

    @classmethod
    def init(
        cls, directory: str | Path, database: str | None = None, *, contents: Callable[[Connection], None] | None = None
    ) -> Project:
        """Create a new project in ``directory`` (created if missing), its store in ``database``.

        ``contents`` fills the new store in the same transaction that creates its schema
        (used to copy a project): if it fails, no store is left behind.
        """
        path = Path(directory).resolve()
        url = database_url(path, database)
        sqlite_file = Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
        if sqlite_file is not None and sqlite_file.exists():
            raise ProjectError(f"{sqlite_file} already exists", hint="open it instead, or choose another directory")
        path.mkdir(parents=True, exist_ok=True)
        if sqlite_file is not None:
            sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        engine, (holds, _revision) = _connect(url)
        project = cls(path, engine)
        if sqlite_file is None and holds:
            project.close()
            raise ProjectError(
                f"{project.location} already holds a triage project",
                hint="open it with --database, or create an empty database for the new project",
            )
        try:
            upgrade(project.engine, project.location, contents)
        except BaseException:
            project.close()
            if sqlite_file is not None:
                for leftover in (sqlite_file, *(sqlite_file.with_name(sqlite_file.name + s) for s in ("-wal", "-shm"))):
                    leftover.unlink(missing_ok=True)
            raise
        return project

    @classmethod
    def open(cls, directory: str | Path | None = None, database: str | None = None) -> Project:
        """Open an existing project, upgrading its schema if it is older."""
        path = Path(directory).resolve() if directory is not None else default_project_dir()
        url = database_url(path, database)
        if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
            # A team's project lives in PostgreSQL, not in its directory: the usual miss
            # is a command run without the URL that 'triage init --database' was given.
            raise ProjectError(
                f"no triage project in {path}",
                hint=f"run 'triage init' there first, or pass --project DIR; a project kept in PostgreSQL "
                     f"needs its URL: --database URL, or set ${DATABASE_ENV}",
            )
        engine, (holds, revision) = _connect(url)
        project = cls(path, engine)
        if not holds and url.get_backend_name() != "sqlite":
            project.close()
            raise ProjectError(
                f"no triage project in {project.location}",
                hint="run 'triage init --database URL' first, or check the URL",
            )
        if revision != HEAD:
            project.migrate()
        return project

    def schema_revision(self) -> str | None:
        """The Alembic revision the store is at (``None`` for an empty store)."""
        with self.engine.connect() as conn:
            return stored_revision(conn)

    def migrate(self) -> None:
        """Bring the schema to the newest revision, in one transaction."""
        upgrade(self.engine, self.location)

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
        """A session for reads only (nothing is committed); queries may memoise their
        answers in ``session.info`` for its lifetime (``read_only``). Inside
        :meth:`reads_together` (this thread), its shared session."""
        shared: Session | None = getattr(self._shared, "session", None)
        if shared is not None:
            yield shared
            return
        session = self._sessions()
        session.info["read_only"] = True
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def reads_together(self) -> Iterator[None]:
        """Within it, every :meth:`reading` (and :meth:`get_setting`) of this thread reads through
        one session: one connection checkout, and on PostgreSQL one read-only REPEATABLE READ
        transaction, so what is read together is one snapshot.

        For a command made of many small reads by code that each open their own session
        (``triage status``: settings, criteria, kept summaries, counts, advice): on PostgreSQL
        each session was a pool checkout with its pre-ping, a round trip to the server, 26 for
        one status. Writes (:meth:`transaction`) still go through sessions of their own; a
        read after one may not see it (PostgreSQL's snapshot, and the session's identity map)."""
        if getattr(self._shared, "session", None) is not None:
            yield  # already inside one: the outer one's session
            return
        with self.reading() as session:
            if self.dialect == "postgresql":
                session.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                                      "postgresql_readonly": True})
            self._shared.session = session
            try:
                yield
            finally:
                self._shared.session = None

    def get_setting(self, key: str, default: object = None) -> object:
        with self.reading() as s:
            if s is getattr(self._shared, "session", None):  # every setting in one statement, once
                values: dict[str, object] | None = s.info.get("settings")
                if values is None:
                    values = s.info["settings"] = {row.key: row.value for row in s.scalars(select(schema.SettingRow))}
                return values.get(key, default)
            row = s.get(schema.SettingRow, key)
            return row.value if row is not None else default

    def set_setting(self, key: str, value: object) -> None:
        with self.transaction() as s:
            s.merge(schema.SettingRow(key=key, value=value))

    def delete_setting(self, key: str) -> None:
        """Forget ``key``: readers fall back to its default."""
        with self.transaction() as s:
            row = s.get(schema.SettingRow, key)
            if row is not None:
                s.delete(row)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()




#: What a store operation raises when the database is busy past its timeout (SQLite's lock) or its
#: connection fails: work that can wait for a later try (a background refit) catches this, and no code
#: outside the store names SQLAlchemy's exception.
StoreUnavailable = OperationalError


def _connect(url: URL) -> tuple[Engine, tuple[bool, str | None]]:
    """An engine for ``url``, checked by connecting once (a server that is down says so here),
    and what that connection found (:func:`~triage.store.versioning.store_state`)."""
    engine = _make_engine(url)
    try:
        with engine.connect() as connection:
            state = store_state(connection)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        raise ProjectError(
            f"cannot connect to {_shown(url)}: {reason}", hint="check the URL and that the server runs"
        ) from None
    return engine, state


def _shown(url: URL) -> str:
    """A database as users name it: the SQLite file, or the URL without driver or password."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)
