"""Moving a project's store as a whole: ``triage migrate --to URL`` copies it between
SQLite and PostgreSQL; ``triage backup FILE`` and ``triage restore FILE`` save and bring back
a copy (SQLite backup API, or pg_dump/pg_restore)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from triage.cli.acting import TeamMemberOption, act_as
from triage.cli.app import app, console
from triage.cli.options import ProjectOption, given_database, open_project
from triage.store.db import DB_FILE, default_project_dir, project_exists

__all__ = ["backup_command", "migrate_command", "restore_command"]


def _target(to: str, directory: Path) -> tuple[Path, str | None]:
    """``--to`` as (project directory, database): a URL, or a directory for a SQLite file."""
    if "://" in to:
        if to.startswith("sqlite:"):
            return Path(to.split("///", 1)[-1]).resolve().parent, to
        return directory, to
    target = Path(to).resolve()
    return target, f"sqlite:///{target / DB_FILE}"  # explicit: $TRIAGE_DATABASE names the source


@app.command("migrate")
def migrate_command(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="Where to copy the project: a postgresql://USER@HOST:PORT/DB URL (an empty database), "
            "or a directory for a new triage.sqlite.",
        ),
    ],
    project_dir: ProjectOption = None,
) -> None:
    """Copy the project into another database (SQLite <-> PostgreSQL) with every row and id kept."""
    from triage.store.transfer import copy_project

    with open_project(project_dir) as source:
        directory, database = _target(to, source.directory)
        target, counts = copy_project(source, directory, database)
        with target:
            criteria = source.get_setting("criteria_file")
            if isinstance(criteria, str) and directory != source.directory and (source.directory / criteria).is_file():
                shutil.copyfile(source.directory / criteria, directory / criteria)
            console.print(f"copied {escape(source.location)} to {escape(target.location)}")
            table = Table("table", "rows")
            for name, n in counts.items():
                table.add_row(name, str(n))
            console.print(table)
            if target.dialect == "sqlite":
                console.print(f"Open it with --project {escape(str(directory))} (its {DB_FILE}).")
            else:
                console.print(f"Open it with --database {escape(target.location)} (or set TRIAGE_DATABASE).")


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="Backup file to write (replaced only once the copy is complete).")],
    project_dir: ProjectOption = None,
    reviewer: TeamMemberOption = None,
) -> None:
    """Back up the project's store: a consistent copy while others keep working."""
    from triage.store.backup import backup_project

    with open_project(project_dir) as project:
        act_as(project, reviewer, "backup")  # on a team project, a lead's job
        backup_project(project, file)
        console.print(f"backed up {escape(project.location)} to {escape(str(file))}")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A file written by 'triage backup'.")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite the project already there (its current store is lost).")
    ] = False,
    project_dir: ProjectOption = None,
    reviewer: TeamMemberOption = None,
) -> None:
    """Restore a backup as the project in --project / --database (a new one unless --replace)."""
    from triage.store.backup import restore_project

    directory = project_dir if project_dir is not None else default_project_dir()
    if replace and project_exists(directory.resolve(), given_database()):
        with open_project(directory) as existing:
            act_as(existing, reviewer, "backup")  # replacing a team project is its lead's call
    with restore_project(file, directory.resolve(), given_database(), replace=replace) as project:
        console.print(f"restored {escape(str(file))} into {escape(project.location)}")
