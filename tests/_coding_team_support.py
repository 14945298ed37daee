"""A coding project with a team of users, for the team-coding tests."""

from __future__ import annotations

from pathlib import Path

from _web_support import build_coding_demo

from triage.store.db import Project
from triage.store.users import add_user


def coding_team_project(path: Path, database: str | None, team: dict[str, tuple[str, str]]) -> Path:
    """:func:`build_coding_demo` at ``path`` with ``team`` (name -> (role, password)) as its users."""
    build_coding_demo(path)
    with Project.open(path, database) as project, project.transaction() as session:
        for name, (role, password) in team.items():
            add_user(session, name, role, password)
    return path
