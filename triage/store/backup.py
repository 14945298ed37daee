"""Backing up and restoring a whole project store.

SQLite: SQLite's online backup API (a consistent copy while others keep writing; a file
copy of a WAL database can miss committed pages). PostgreSQL: ``pg_dump`` in its custom
format and ``pg_restore`` in one transaction. A backup file names its own kind by its
first bytes, so ``restore`` needs no flag. A restored project opens like any other, so a
backup from an older triage is upgraded on the way in.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from triage.errors import ProjectError
from triage.store.db import DATABASE_ENV, DB_FILE, Project, database_url, project_exists

__all__ = ["backup_kind", "backup_project", "restore_project"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


def backup_kind(path: Path) -> str:
    """``sqlite`` or ``postgresql`` from the file's first bytes (ProjectError if neither)."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise ProjectError(f"{path} is not a triage backup", hint="give a file written by 'triage backup'")


def backup_project(project: Project, target: Path) -> None:
    """Write a consistent copy of the project's store to ``target`` (replaced only when complete)."""
    if not target.parent.is_dir():  # sqlite3 says only "unable to open database file"
        raise FileNotFoundError(2, "No such file or directory", str(target))
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    if project.dialect == "sqlite":
        with project.engine.connect() as connection:
            source: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
            finally:
                copy.close()
    else:
        _run_pg("pg_dump", ["--format=custom", "--no-owner", f"--file={partial}"], project.engine.url)
    os.replace(partial, target)


def restore_project(backup: Path, directory: Path, database: str | None, *, replace: bool = False) -> Project:
    """Restore ``backup`` as the project in ``directory`` / ``database`` and open it.

    The target must hold no project unless ``replace`` is given; then its store is
    overwritten by the backup as a whole (nothing of the current store is kept).
    """
    kind = backup_kind(backup)
    url = database_url(directory, database)
    if kind != url.get_backend_name():
        raise _other_kind(backup, kind, directory, url)
    if not replace and project_exists(directory, database):
        raise ProjectError(
            f"{directory if kind == 'sqlite' else _without_driver(url)} already holds a triage project",
            hint="restore into a new directory or an empty database, or pass --replace to overwrite it",
        )
    if kind == "sqlite":
        assert url.database is not None
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        source, copy = sqlite3.connect(backup), sqlite3.connect(url.database)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
    else:
        clean = ["--clean", "--if-exists"] if replace else []
        _run_pg("pg_restore", ["--single-transaction", "--no-owner", *clean, str(backup)], url)
    return Project.open(directory, database)


_KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _other_kind(backup: Path, kind: str, directory: Path, url: URL) -> ProjectError:
    """The refusal of a backup of the other kind than the project's database, with the command
    line that restores it there: into a new store of the backup's kind, then ``triage migrate``.

    A SQLite backup goes through a new folder beside it (the backup itself is not opened: opening
    a store can upgrade it); the PostgreSQL URL is given without its password (libpq reads it
    from PGPASSWORD or ~/.pgpass), never printed. A PostgreSQL backup needs a PostgreSQL
    database to be restored into, which only the user can name: USER@HOST/DB stand for it.
    """
    import shlex

    if kind == "sqlite":
        scratch = backup.with_name(f"{backup.stem}-sqlite")
        for n in range(2, 1000):
            if not scratch.exists():
                break
            scratch = backup.with_name(f"{backup.stem}-sqlite-{n}")
        where = f"-p {shlex.quote(str(scratch))}"
        if os.environ.get(DATABASE_ENV):  # it names the PostgreSQL database: the new project's file is said outright
            where += f" --database {shlex.quote(f'sqlite:///{scratch / DB_FILE}')}"
        target = pg_conninfo(url)
        commands = (f"triage restore {shlex.quote(str(backup))} {where} && triage migrate --to {shlex.quote(target)} "
                    f"{where}" + (" (its password from PGPASSWORD or ~/.pgpass)" if url.password is not None else ""))
        hint = f"restore it into a new SQLite project, then copy that into the PostgreSQL database: {commands}"
    else:
        postgres = "postgresql://USER@HOST/DB"
        commands = (f"triage restore {shlex.quote(str(backup))} --database {postgres} && triage migrate --to "
                    f"{shlex.quote(str(directory))} --database {postgres}")
        hint = (f"restore it into an empty PostgreSQL database, then copy that into this folder's SQLite project: "
                f"{commands} (USER@HOST/DB: an empty database on a PostgreSQL server you can use)")
    return ProjectError(
        f"{backup} is a {_KIND_NAMES[kind]} backup and the project's database is "
        f"{_KIND_NAMES[url.get_backend_name()]} ({_without_driver(url) if kind == 'sqlite' else url.database})",
        hint=hint,
    )


def _without_driver(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


def _run_pg(tool: str, args: list[str], url: URL) -> None:
    """Run a PostgreSQL client tool on ``url``; the password goes through the environment."""
    program = shutil.which(tool) or _newest_server_tool(tool)
    env: dict[str, Any] = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    result = subprocess.run([program, f"--dbname={pg_conninfo(url)}", *args], capture_output=True, text=True, env=env,
                            check=False)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no message"])[0]
        raise ProjectError(f"{tool} failed on {_without_driver(url)}: {reason}", hint="nothing was replaced")


def pg_conninfo(url: URL) -> str:
    """``url`` as libpq's tools take it, without its driver and without its password: a
    command line is readable by every user of the machine (``ps``), so the password goes
    through PGPASSWORD. (``URL.set(password=None)`` keeps the password: None means "leave
    it" there; the URL is built anew.)"""
    return URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                      query=url.query).render_as_string(hide_password=False)


def _newest_server_tool(tool: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise ProjectError(f"{tool} is not installed", hint="install PostgreSQL's client tools (apt-get install postgresql-client)")
    return str(found[-1])
