"""The users page (issue 16): a lead lists the team with roles and active flags, adds a user,
changes a role, deactivates one; a reviewer gets 403 for the page and every form; a form
without the CSRF token is refused. SQLite and PostgreSQL (the ``database`` fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _auth_support import TEAM, build_project, log_in, team_app
from _web_support import HTML, JSON
from fastapi.testclient import TestClient

from triage.store.db import Project
from triage.store.users import User, list_users


@pytest.fixture()
def team_dir(tmp_path: Path, database: str | None) -> Path:
    return build_project(tmp_path / "review", database)


def _users(path: Path, database: str | None) -> dict[str, User]:
    with Project.open(path, database) as project, project.reading() as session:
        return {u.name: u for u in list_users(session)}


def _post(client: TestClient, token: str, path: str, **form: str) -> int:
    return client.post(path, data={**form, "csrf_token": token}, headers=HTML, follow_redirects=False).status_code


def test_a_lead_lists_adds_changes_and_deactivates_users(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database) as lead:
        token = log_in(lead, "ana")
        page = lead.get("/users", headers=HTML)
        assert page.status_code == 200
        for name, (role, _) in TEAM.items():
            assert f'<tr id="user-{name}"><td>{name}</td><td>{role}</td>' in page.text
        assert page.text.count("<td>active</td>") == len(TEAM)
        assert 'href="/users"' in page.text  # in a lead's menu
        assert _post(lead, token, "/users/add", name="dan", role="reviewer", password="dan-long-secret-4") == 303
        assert _post(lead, token, "/users/role", name="dan", role="coder") == 303
        assert _post(lead, token, "/users/deactivate", name="ben") == 303
        users = _users(team_dir, database)
        assert (users["dan"].role, users["dan"].active) == ("coder", True)
        assert users["ben"].active is False and users["ben"].deactivated_at is not None
        assert "deactivated" in lead.get("/users", headers=HTML).text
        refused = lead.post("/users/add", data={"name": "dan", "role": "reviewer", "password": "another-secret-5",
                                                 "csrf_token": token}, headers=HTML)
        assert refused.status_code == 400 and "exists already" in refused.text
        assert lead.post("/users/deactivate", data={"name": "ana", "csrf_token": token},
                         headers=HTML).status_code == 400  # the only active lead stays
        assert _post(lead, token, "/users/activate", name="ben") == 303
    assert _users(team_dir, database)["ben"].active is True
    with team_app(team_dir, database) as dan:  # the added user logs in with the password the lead set
        log_in(dan, "dan", "dan-long-secret-4")
        assert dan.get("/users", headers=HTML).status_code == 403


def test_a_reviewer_gets_403_for_the_page_and_every_form(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database) as ben:
        token = log_in(ben, "ben")
        assert ben.get("/users", headers=HTML).status_code == 403
        assert 'href="/users"' not in ben.get("/", headers=HTML).text
        for path, form in (("/users/add", {"name": "eve", "role": "lead", "password": "eve-long-secret-6"}),
                           ("/users/role", {"name": "ben", "role": "lead"}),
                           ("/users/deactivate", {"name": "ana"})):
            answer = ben.post(path, data=form, headers={**JSON, "X-CSRF-Token": token})
            assert answer.status_code == 403, path
            assert answer.json()["error"]["kind"] == "AccessError"
    users = _users(team_dir, database)
    assert "eve" not in users and users["ben"].role == "reviewer" and users["ana"].active


def test_a_users_form_without_the_csrf_token_is_refused(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database) as lead:
        log_in(lead, "ana")
        answer = lead.post("/users/add", data={"name": "eve", "role": "reviewer", "password": "eve-long-secret-6"},
                           headers=JSON)
        assert answer.status_code == 403 and answer.json()["error"]["kind"] == "CsrfError"
    assert "eve" not in _users(team_dir, database)
