"""Schema versions of a project store, kept by Alembic (revisions in ``store/migrations``).

Opening a project brings its schema to the newest revision in one transaction, so a
failed upgrade leaves the store as it was. Stores written before Alembic (up to commit
051dfc7) carry ``meta.schema_version = 1`` and no ``alembic_version`` table: they are
stamped as revision ``0001`` (the schema of that time, frozen) and upgraded from there.
A store at a revision this triage does not know was written by a newer triage and is
refused rather than guessed at.

Alembic is imported inside the functions: ``triage --help`` should not pay for it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, select, text

from triage.errors import ProjectError
from triage.store.schema import MetaRow

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["BASELINE", "HEAD", "MIGRATIONS_DIR", "head_revision", "new_revision", "store_state", "stored_revision", "upgrade"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: The revision that freezes the schema of triage before Alembic (commit 051dfc7).
BASELINE = "0001"
#: ``meta.schema_version`` of stores made before Alembic.
LEGACY_VERSION = 1
#: PostgreSQL advisory lock key held while a store is upgraded (any fixed 64-bit number).
_UPGRADE_LOCK = 0x7472696167650001


def _config(connection: Connection | None = None) -> Config:
    """An in-memory Alembic config: no ``alembic.ini`` is needed anywhere."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this triage knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "triage/store/migrations/versions holds no revision"
    return head


def stored_revision(connection: Connection) -> str | None:
    """The revision a store is at; ``None`` for an empty store, :data:`BASELINE` for a legacy one."""
    from alembic.runtime.migration import MigrationContext

    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is not None or not inspect(connection).has_table("meta"):
        return revision
    return BASELINE if _legacy_version(connection) == LEGACY_VERSION else None


def _legacy_version(connection: Connection) -> int:
    value = connection.execute(select(MetaRow.value).where(MetaRow.key == "schema_version")).scalar()
    return int(value) if value is not None else 0


#: The newest revision, written down so that opening a store that is already there needs
#: no Alembic import (a third of a second per command); tests check it against Alembic's head.
HEAD = "0013_leftovers"


def store_state(connection: Connection) -> tuple[bool, str | None]:
    """Whether the store holds a triage schema (any revision, or the pre-Alembic one), and the
    revision in its ``alembic_version`` (``None`` without one).

    Read on the connection that opening a project makes anyway, so that opening a store already at
    :data:`HEAD` costs no further connection checkout (each a pre-ping round trip on PostgreSQL)
    and no reflection query: PostgreSQL asks ``to_regclass``, which resolves names through the
    search path as the store's own unqualified queries do.
    """
    if connection.dialect.name == "postgresql":
        versioned, legacy = connection.execute(
            text("SELECT to_regclass('alembic_version') IS NOT NULL, to_regclass('meta') IS NOT NULL")
        ).one()
    else:
        tables = set(inspect(connection).get_table_names())
        versioned, legacy = "alembic_version" in tables, "meta" in tables
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar() if versioned else None
    return bool(versioned or legacy), revision


def _at_head(engine: Engine) -> bool:
    """True if the store is at :data:`HEAD`: one query, no Alembic."""
    with engine.connect() as connection:
        return store_state(connection)[1] == HEAD


def upgrade(engine: Engine, where: str, contents: Callable[[Connection], None] | None = None) -> None:
    """Bring the store behind ``engine`` to the newest revision (``where`` names it in errors).

    ``contents``, if given, runs in the same transaction after the schema is made (it
    fills a new store). A store already at the newest revision is only read.
    """
    if contents is None and _at_head(engine):
        return
    with _ALEMBIC_IN_USE, engine.begin() as connection:
        _lock_store(connection)
        _upgrade_in(connection, where)
        if contents is not None:
            contents(connection)


#: Alembic keeps the running migration in module globals (``alembic.context``), so two
#: threads of one process (web requests opening a project) must not run it at once.
_ALEMBIC_IN_USE = threading.Lock()


def _lock_store(connection: Connection) -> None:
    """Keep other processes out until this transaction ends; they then find the work done.

    Team members may open an old project at once. PostgreSQL: an advisory lock. SQLite:
    ``BEGIN IMMEDIATE`` takes the write lock before the revision is read (the driver
    would otherwise begin only at the first write, after the check).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK})
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _upgrade_in(connection: Connection, where: str) -> None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = _config(connection)
    scripts = ScriptDirectory.from_config(config)
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is None and inspect(connection).has_table("meta"):
        legacy = _legacy_version(connection)
        if legacy > LEGACY_VERSION:
            raise _newer(where, f"schema {legacy}")
        if legacy == LEGACY_VERSION:
            command.stamp(config, BASELINE)
            revision = BASELINE
    if revision is not None and revision not in {s.revision for s in scripts.walk_revisions()}:
        raise _newer(where, f"revision {revision}")
    if revision != scripts.get_current_head():
        command.upgrade(config, "head")


def _newer(where: str, what: str) -> ProjectError:
    return ProjectError(f"{where} was written by a newer triage ({what})", hint="upgrade triage to open it")


def new_revision(message: str) -> None:
    """Write the next revision script, autogenerated against a fresh SQLite store at head.

    For developers: run ``python -m triage.store.versioning revision "what changed"``.
    """
    import tempfile

    from alembic import command
    from sqlalchemy import create_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/head.sqlite")
        upgrade(engine, "the scratch store")
        with engine.begin() as connection:
            config = _config(connection)
            number = len(list((MIGRATIONS_DIR / "versions").glob("[0-9]*.py"))) + 1
            command.revision(config, message, autogenerate=True, rev_id=f"{number:04d}")
        engine.dispose()


if __name__ == "__main__":  # pragma: no cover (a developer's tool)
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit('usage: python -m triage.store.versioning revision "what changed"')
    new_revision(sys.argv[2])
