"""Shared pieces of the team-login tests: a demo project with users, and logging a client in.

The project is built per test with the real CLI (``init`` + ``import`` of the demo
export) in the database the ``database`` fixture names, so these tests run on SQLite
and on PostgreSQL. Users are added through the store, as ``triage users add`` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _web_support import DEMO, HTML, fast_queue
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from triage.cli.main import app as cli
from triage.store.db import Project
from triage.store.users import add_user
from triage.web.app import create_app

#: name -> (role, password) of the team in every team project here.
TEAM = {
    "ana": ("lead", "ana-long-secret-1"),
    "ben": ("reviewer", "ben-long-secret-2"),
    "cat": ("coder", "cat-long-secret-3"),
}


def build_project(path: Path, database: str | None, *, team: bool = True) -> Path:
    """The demo review at ``path`` (store in ``database``), with :data:`TEAM` as users if ``team``."""
    runner = CliRunner()
    for args in (["init", str(path), "--criteria", str(DEMO / "criteria.toml")],
                 ["import", str(DEMO / "embase.ris"), "-p", str(path)]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    if team:
        with Project.open(path, database) as project, project.transaction() as session:
            for name, (role, password) in TEAM.items():
                add_user(session, name, role, password)
    return path


def page_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token in the page's ``<meta>`` tag."""
    match = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', client.get(path, headers=HTML).text)
    assert match is not None
    return match.group(1)


def log_in(client: TestClient, name: str, password: str | None = None) -> str:
    """Log ``client`` in as ``name`` through the login form; the CSRF token valid afterwards."""
    response = client.post("/login", data={"name": name, "password": password or TEAM[name][1], "next": "/",
                                           "csrf_token": page_token(client)}, headers=HTML, follow_redirects=False)
    assert response.status_code == 303, response.text
    return page_token(client, "/")


@contextmanager
def team_app(path: Path, database: str | None, **options: object) -> Iterator[TestClient]:
    """A running app on the project at ``path`` and one browser (not logged in)."""
    app = create_app(path, database=database, queue_factory=fast_queue, secret=b"test-secret", **options)  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield client


#: A second reviewer, for tests of two reviewers working at once (live updates, allocations).
SECOND_REVIEWER = ("dan", "dan-long-secret-4")


def build_team_of_two_reviewers(path: Path, database: str | None) -> Path:
    """:func:`build_project` with :data:`SECOND_REVIEWER` added as a reviewer beside ben."""
    build_project(path, database)
    with Project.open(path, database) as project, project.transaction() as session:
        add_user(session, SECOND_REVIEWER[0], "reviewer", SECOND_REVIEWER[1])
    return path
