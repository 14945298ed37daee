"""Options shared by several commands, so each is spelled and documented once.

``--database`` is added here to every command that takes ``--project`` (and to
``init``) rather than to each command's signature: :func:`add_database_option` runs when
a command group is built (see :class:`triage.cli.app.TriageGroup`), the value (or
``$TRIAGE_DATABASE``) is kept in the click context, and :func:`open_project` uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from triage.store.db import DATABASE_ENV, Project, default_project_dir
from triage.store.schema import STAGES

__all__ = [
    "ClusterOption",
    "DatabaseOption",
    "EncodingOption",
    "ProjectOption",
    "StageOption",
    "add_database_option",
    "given_database",
    "open_project",
]

ProjectOption = Annotated[
    Path | None,
    typer.Option("--project", "-p", help="Project directory (default: $TRIAGE_PROJECT or the current directory)."),
]



def _known_stage(value: str) -> str:
    """The stage as given, or a usage error: an unknown one ('fulltext') was served as a
    stage nobody had screened, every record undecided."""
    if value not in STAGES:
        raise typer.BadParameter(f"unknown stage {value!r}; use one of: {', '.join(STAGES)}")
    return value


StageOption = Annotated[
    str, typer.Option("--stage", callback=_known_stage, help=f"Screening stage: {', '.join(STAGES)}."),
]

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        envvar=DATABASE_ENV,
        help="The project's database: a postgresql://USER@HOST:PORT/DB URL for a team server "
        "(default: $TRIAGE_DATABASE, else triage.sqlite in the project directory).",
    ),
]

EncodingOption = Annotated[
    str | None,
    typer.Option("--encoding", help="Text encoding of the files (e.g. cp1252, gb18030); default: detected."),
]

#: Where the ``--database`` value waits in the click context until a project is opened.
_META_KEY = "triage.database"
#: Commands that open projects without :func:`open_project` and cannot be handed ``--database``.
_WITHOUT_DATABASE: frozenset[str] = frozenset()


def _remember_database(ctx: Any, _param: Any, value: str | None) -> None:
    if value is not None or _META_KEY not in ctx.meta:  # a group's --database holds for its subcommands
        ctx.meta[_META_KEY] = value


def _database_param() -> Any:
    """A fresh ``--database`` click option, built by Typer from :data:`DatabaseOption`."""

    def _holder(database: DatabaseOption = None) -> None:  # only its signature is used
        pass

    holder = typer.Typer(add_completion=False)
    holder.command()(_holder)
    param = typer.main.get_command(holder).params[0]
    param.expose_value = False
    param.callback = _remember_database
    return param


def add_database_option(commands: Mapping[str, Any]) -> None:
    """Give every command among ``commands`` that opens a project the ``--database`` option."""
    for name, command in commands.items():
        opts = {opt for param in command.params for opt in getattr(param, "opts", ())}
        wanted = "--project" in opts or name == "init"
        if wanted and name not in _WITHOUT_DATABASE and "--database" not in opts:
            command.params.append(_database_param())


def given_database() -> str | None:
    """The ``--database`` of the running command (or ``$TRIAGE_DATABASE``); None for SQLite."""
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    return ctx.meta.get(_META_KEY) if ctx is not None else None


def open_project(directory: Path | None) -> Project:
    """Open the project at ``directory`` (or the default one) in its database (raises ProjectError)."""
    return Project.open(directory if directory is not None else default_project_dir(), given_database())


#: ``--cluster``: the stages that grow fastest (embeddings, dedup pair scoring) on a Dask cluster.
ClusterOption = Annotated[
    str | None,
    typer.Option("--cluster", metavar="ADDRESS",
                 help="Run the work on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:8786); "
                      "needs triage-review's 'cluster' extra (Dask) here and on every worker."),
]
