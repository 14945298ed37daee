"""Options shared by several commands, so each is spelled and documented once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from triage.store.db import Project, default_project_dir

__all__ = ["EncodingOption", "ProjectOption", "open_project"]

ProjectOption = Annotated[
    Path | None,
    typer.Option("--project", "-p", help="Project directory (default: $TRIAGE_PROJECT or the current directory)."),
]

EncodingOption = Annotated[
    str | None,
    typer.Option("--encoding", help="Text encoding of the files (e.g. cp1252, gb18030); default: detected."),
]


def open_project(directory: Path | None) -> Project:
    """Open the project at ``directory`` or the default one (raises ProjectError)."""
    return Project.open(directory if directory is not None else default_project_dir())
