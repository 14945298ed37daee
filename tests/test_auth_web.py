"""Logins and roles in the web app on a team project (issue 16), on SQLite and PostgreSQL.

Real HTTP through the app's test client: every route asks for a login, roles are
enforced on the server whatever the page shows, CSRF stays, the session id is new at
login, the password is never stored or logged, failed logins are rate limited, a
deactivated user is shut out with their decisions kept, and a one-person project on
loopback works without any login.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from _auth_support import TEAM, build_project, log_in, page_token, team_app
from _web_support import HTML, JSON, card_fields
from fastapi.routing import APIRoute
from sqlalchemy import MetaData, String, Table, Text, inspect, select

from triage.store.db import Project
from triage.store.decisions import decision_history
from triage.store.users import deactivate
from triage.web.auth import LOGIN_COOKIE
from triage.web.csrf import SESSION_COOKIE
from triage.web.limits import LoginLimiter
from triage.web.routes import ROUTERS

#: The test client's host, as its cookie jar names it (a cookie set for it is replaced by the server's).
HOST = "testserver.local"


@pytest.fixture()
def team_dir(tmp_path: Path, database: str | None) -> Path:
    return build_project(tmp_path / "review", database)


def _routes() -> list[tuple[str, str]]:
    """(method, concrete path) for every route of every page's router."""
    out = []
    for route in (r for router in ROUTERS for r in router.routes):
        if isinstance(route, APIRoute):
            path = re.sub(r"\{[^}]+\}", "csv", route.path)
            out.extend((method, path) for method in sorted(route.methods))
    return out


def _decide_on_screen(client, token: str) -> int:  # type: ignore[no-untyped-def]
    client.app.state.triage.screening.wait_ready(60)
    fields = {**card_fields(client.get("/screen", headers=HTML).text), "decision": "include", "csrf_token": token}
    response = client.post("/screen/decide", data=fields, headers=JSON)
    assert response.status_code == 200, response.text
    return int(fields["record_id"])


def test_every_route_without_a_login_goes_to_the_login_page_or_gets_401(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database) as client:
        routes = _routes()
        assert len(routes) > 20 and ("POST", "/screen/decide") in routes and ("GET", "/export/records.csv") in routes
        for method, path in routes:
            page = client.request(method, path, headers=HTML, follow_redirects=False)
            assert page.status_code == 303, (method, path, page.status_code)
            assert page.headers["location"] == (f"/login?next={path}" if method == "GET" else "/login?next=/")
            script = client.request(method, path, headers=JSON)
            assert script.status_code == 401, (method, path)
            assert script.json() == {"error": {"kind": "LoginRequired", "message": "log in first",
                                               "hint": "log in at /login"}}
        assert client.get("/static/app.css").status_code == 200
        assert client.get("/login", headers=HTML).status_code == 200
        assert client.get("/", headers=HTML, follow_redirects=True).url.path == "/login"
    with Project.open(team_dir, database) as project, project.reading() as session:
        assert decision_history(session) == []


def test_a_reviewers_forged_post_to_a_lead_route_is_refused(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database) as client:
        token = log_in(client, "ben")
        response = client.post("/dedup/run", headers={**JSON, "X-CSRF-Token": token})
        assert response.status_code == 403
        assert response.json() == {"error": {
            "kind": "AccessError", "message": "ben is a reviewer and may not run deduplication over the project",
            "hint": "ask a lead to do it"}}
        for path in ("/export", "/export/decisions.csv", "/export/records.ris", "/export/codebook.json"):
            assert client.get(path, headers=JSON).status_code == 403, path
        assert client.post("/coding/decide", data={"segment_id": "1", "code_id": "x", "decision": "accept"},
                           headers={**JSON, "X-CSRF-Token": token}).status_code == 403
        resolved = client.post("/conflicts/resolve", data={"record_id": "1", "decision": "include", "note": "mine"},
                               headers={**JSON, "X-CSRF-Token": token})
        assert resolved.status_code == 403 and "may not resolve conflicts" in resolved.json()["error"]["message"]
        assert client.get("/", headers=HTML).status_code == 200  # reading is allowed
        _decide_on_screen(client, token)  # screening is a reviewer's work
    with team_app(team_dir, database) as coder:
        token = log_in(coder, "cat")
        assert coder.get("/screen", headers=HTML).status_code == 403
        assert coder.post("/screen/undo", headers={**JSON, "X-CSRF-Token": token}).status_code == 403
    with team_app(team_dir, database) as lead:
        log_in(lead, "ana")
        export = lead.get("/export/decisions.csv")
        assert export.status_code == 200 and "ben" in export.text
    with Project.open(team_dir, database) as project, project.reading() as session:
        assert [row.reviewer for row in decision_history(session)] == ["ben"]


def test_a_post_without_the_csrf_token_is_refused_even_logged_in(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database) as client:
        response = client.post("/login", data={"name": "ana", "password": TEAM["ana"][1]}, headers=JSON)
        assert response.status_code == 403 and response.json()["error"]["kind"] == "CsrfError"
        assert LOGIN_COOKIE not in client.cookies
        log_in(client, "ana")
        response = client.post("/screen/undo", headers=JSON)
        assert response.status_code == 403 and response.json()["error"]["kind"] == "CsrfError"
        assert client.post("/logout", headers=JSON).status_code == 403
        # a script logging in gets the new session's token with the answer, and it works
        answer = client.post("/login", data={"name": "ana", "password": TEAM["ana"][1],
                                             "csrf_token": page_token(client)}, headers=JSON).json()
        assert answer["csrf_token"] == page_token(client, "/")
        response = client.post("/logout", headers={**JSON, "X-CSRF-Token": answer["csrf_token"]}, follow_redirects=False)
        assert response.status_code == 303


def test_login_makes_a_new_session_id_and_logout_ends_it(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database) as client:
        token_before = page_token(client)
        csrf_session_before = client.cookies[SESSION_COOKIE]
        client.cookies.set(LOGIN_COOKIE, "planted-by-an-attacker", domain=HOST)  # a fixated id is never promoted
        assert client.get("/", headers=JSON).status_code == 401
        response = client.post("/login", data={"name": "ben", "password": TEAM["ben"][1], "csrf_token": token_before},
                               headers=HTML, follow_redirects=False)
        assert response.status_code == 303
        cookies = response.headers.get_list("set-cookie")
        login_cookie = next(c for c in cookies if c.startswith(LOGIN_COOKIE + "="))
        assert "httponly" in login_cookie.lower() and "samesite=lax" in login_cookie.lower()
        assert "secure" not in login_cookie.lower()  # plain HTTP on loopback: Secure would lose the cookie
        session_id = client.cookies[LOGIN_COOKIE]
        assert session_id != "planted-by-an-attacker" and len(session_id) == 43
        assert client.cookies[SESSION_COOKIE] != csrf_session_before
        assert page_token(client, "/") != token_before  # the pre-login CSRF token is dead
        assert client.get("/", headers=JSON).status_code == 200
        again = log_in(client, "ben")
        assert client.cookies[LOGIN_COOKIE] != session_id  # each login a new id
        old = client.cookies[LOGIN_COOKIE]
        assert client.post("/logout", headers={**HTML, "X-CSRF-Token": again}, follow_redirects=False).status_code == 303
        client.cookies.set(LOGIN_COOKIE, old, domain=HOST)  # a copy of the cookie is dead on the server too
        assert client.get("/", headers=JSON).status_code == 401
        client.cookies.set(LOGIN_COOKIE, session_id, domain=HOST)
        assert client.get("/", headers=JSON).status_code == 401


def test_secure_cookies_behind_tls_are_configurable(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database, secure_cookies=True) as client:
        response = client.post("/login", data={"name": "ana", "password": TEAM["ana"][1],
                                               "csrf_token": page_token(client)}, headers=JSON)
        assert (response.json()["user"], response.json()["role"]) == ("ana", "lead")
        login_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(LOGIN_COOKIE))
        assert "; secure" in login_cookie.lower()


def test_the_password_is_never_in_the_store_or_the_log(
    team_dir: Path, database: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, SQLAlchemy's statements and parameters included
    password = TEAM["ben"][1]
    with team_app(team_dir, database) as client:
        client.post("/login", data={"name": "ben", "password": password + "x", "csrf_token": page_token(client)},
                    headers=JSON)
        log_in(client, "ben")
        assert client.get("/", headers=JSON).status_code == 200
    assert caplog.records and password not in caplog.text
    with Project.open(team_dir, database) as project, project.engine.connect() as connection:
        inspector = inspect(connection)
        searched = 0
        for table in inspector.get_table_names():
            columns = Table(table, MetaData(), autoload_with=connection).columns
            for column in columns:
                if isinstance(column.type, (String, Text)):
                    values = connection.execute(select(column)).scalars().all()
                    searched += len(values)
                    assert not any(password in str(v) for v in values if v is not None), (table, column.name)
            if table == "users":
                hashes = connection.execute(select(columns["password_hash"])).scalars().all()
                assert len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes)
        assert searched > 100


def test_failed_logins_are_rate_limited_per_user_and_per_address(team_dir: Path, database: str | None) -> None:
    now = [0.0]
    with team_app(team_dir, database) as client:
        # the per-name default (5); 6 per address instead of 20 keeps the test to a few argon2 checks
        client.app.state.auth.limiter = LoginLimiter(per_address=6, clock=lambda: now[0])

        def attempt(name: str, password: str) -> int:
            return client.post("/login", data={"name": name, "password": password, "csrf_token": page_token(client)},
                               headers=JSON).status_code

        assert [attempt("ben", "wrong-guess") for _ in range(5)] == [401] * 5
        refused = client.post("/login", data={"name": "ben", "password": TEAM["ben"][1],
                                              "csrf_token": page_token(client)}, headers=JSON)
        assert refused.status_code == 429 and refused.json()["error"]["kind"] == "TooManyLogins"
        assert refused.headers["retry-after"] == str(15 * 60)
        assert attempt(" BEN ", TEAM["ben"][1]) == 429  # the same name however it is typed
        # the address's sixth failure (another name): now nobody is checked from this address
        assert attempt("someone", "guess-guess") == 401
        assert attempt("cat", TEAM["cat"][1]) == 429
        now[0] += 15 * 60 + 1  # the window has passed
        assert attempt("ben", TEAM["ben"][1]) == 200
        assert attempt("cat", TEAM["cat"][1]) == 200


def test_the_limiter_defaults_are_5_per_name_and_20_per_address_in_15_minutes() -> None:
    now = [100.0]
    limiter = LoginLimiter(clock=lambda: now[0])
    for i in range(20):
        assert limiter.retry_after(f"user{i}", "10.0.0.1") is None
        limiter.failed(f"user{i}", "10.0.0.1")
    assert limiter.retry_after("someone-else", "10.0.0.1") == 900
    assert limiter.retry_after("someone-else", "10.0.0.2") is None  # another address is not held back
    for _ in range(5):
        limiter.failed("ana", "10.0.0.3")
    assert limiter.retry_after("ana", "10.0.0.4") == 900  # the name is held back from any address
    now[0] += 600
    assert limiter.retry_after("ana", "10.0.0.4") == 300
    limiter.succeeded("ana")
    assert limiter.retry_after("ana", "10.0.0.4") is None
    now[0] += 301
    assert limiter.retry_after("someone-else", "10.0.0.1") is None


def test_a_deactivated_user_cannot_log_in_and_their_decisions_stay(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database) as client:
        token = log_in(client, "ben")
        record_id = _decide_on_screen(client, token)
        with Project.open(team_dir, database) as project, project.transaction() as session:
            deactivate(session, "ben")
        assert client.get("/", headers=JSON).status_code == 401  # the open session ended with it
        response = client.post("/login", data={"name": "ben", "password": TEAM["ben"][1],
                                               "csrf_token": page_token(client)}, headers=JSON)
        assert response.status_code == 401 and response.json()["error"]["message"] == "wrong name or password"
        log_in(client, "ana")
        history = client.get(f"/history?record_id={record_id}", headers=HTML)
        assert history.status_code == 200 and "<td>ben</td>" in history.text
    with Project.open(team_dir, database) as project, project.reading() as session:
        assert [(r.record_id, r.reviewer) for r in decision_history(session)] == [(record_id, "ben")]


def test_a_logged_in_user_decides_as_themselves_only(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database) as client:
        token = log_in(client, "ben")
        response = client.post("/reviewer", data={"name": "ana", "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        client.cookies.set("triage_reviewer", "ana", domain=HOST)
        _decide_on_screen(client, token)
        assert "signed in as <strong>ben</strong>" in client.get("/", headers=HTML).text
    with Project.open(team_dir, database) as project, project.reading() as session:
        assert [r.reviewer for r in decision_history(session)] == ["ben"]


def test_beyond_loopback_every_page_needs_a_login_even_without_users(tmp_path: Path, database: str | None) -> None:
    path = build_project(tmp_path / "solo", database, team=False)
    with team_app(path, database, require_login=True) as client:
        assert client.get("/", headers=JSON).status_code == 401
        assert client.get("/screen", headers=HTML, follow_redirects=False).headers["location"] == "/login?next=/screen"
        assert "triage users add NAME --role lead" in client.get("/login", headers=HTML).text


def test_a_one_person_project_on_loopback_needs_no_login(tmp_path: Path, database: str | None) -> None:
    path = build_project(tmp_path / "solo", database, team=False)
    with team_app(path, database) as client:
        assert client.get("/", headers=HTML).status_code == 200
        assert client.get("/export/decisions.csv").status_code == 200
        screen = client.get("/screen", headers=HTML, follow_redirects=False)
        assert screen.headers["location"] == "/reviewer?next=/screen"  # as before: choose a name
        token = page_token(client, "/reviewer")
        client.post("/reviewer", data={"name": "solo", "csrf_token": token})
        _decide_on_screen(client, token)
    with Project.open(path, database) as project, project.reading() as session:
        assert [r.reviewer for r in decision_history(session)] == ["solo"]


def test_a_route_nobody_listed_is_a_leads_and_exports_are_leads() -> None:
    """New POST routes (a conflicts page, say) are refused to all but a lead until listed."""
    from triage.roles import allowed
    from triage.web.auth import route_action

    assert route_action("POST", "/some/new/route") == "manage"
    assert [role for role in ("lead", "reviewer", "coder") if allowed(role, "manage")] == ["lead"]
    assert route_action("GET", "/export/anything.csv") == route_action("GET", "/export") == "export"
    assert route_action("GET", "/history") == "view"
    posts = {path for router in ROUTERS for r in router.routes if isinstance(r, APIRoute) and "POST" in r.methods
             for path in [r.path]}
    assert {path for path in posts if route_action("POST", path) == "manage"} == set()  # each one decided
