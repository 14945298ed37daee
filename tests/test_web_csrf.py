"""Every state-changing request is a POST that carries the page's CSRF token."""

from __future__ import annotations

from pathlib import Path

from _web_support import HTML, JSON, card_fields, demo_dir, demo_template, web_client  # noqa: F401
from fastapi.routing import APIRoute

from triage.store.db import Project
from triage.store.decisions import decision_history
from triage.web.routes import ROUTERS


def test_every_post_route_refuses_a_request_without_the_token(demo_dir: Path) -> None:
    with web_client(demo_dir) as (client, token):
        posts = [r.path for router in ROUTERS for r in router.routes if isinstance(r, APIRoute) and "POST" in r.methods]
        assert {"/reviewer", "/screen/decide", "/screen/undo", "/history/change"} <= set(posts)
        fields = {**card_fields(client.get("/screen", headers=HTML).text), "decision": "include", "name": "eve"}
        del fields["csrf_token"]
        for path in posts:
            response = client.post(path, data=fields, headers=JSON)
            assert response.status_code == 403, (path, response.text)
            assert response.json() == {"error": {
                "kind": "CsrfError", "message": "missing or invalid CSRF token", "hint": "reload the page and try again",
            }}
        # a wrong token, and a real token from another browser session, are refused too
        assert client.post("/screen/undo", headers={**JSON, "X-CSRF-Token": "0" * 64}).status_code == 403
        other = client.__class__(client.app)
        other_token = other.get("/reviewer", headers=HTML).text.split('name="csrf-token" content="')[1][:64]
        assert other_token != token
        response = client.post("/screen/decide", data={**fields, "csrf_token": other_token}, headers=JSON)
        assert response.status_code == 403
        page = client.post("/screen/undo", headers=HTML)
        assert page.status_code == 403 and "missing or invalid CSRF token" in page.text
    with Project.open(demo_dir) as project, project.reading() as session:
        assert decision_history(session) == []


def test_the_session_cookie_is_http_only_and_same_site(demo_dir: Path) -> None:
    with web_client(demo_dir, reviewer=None) as (client, _):
        fresh = client.__class__(client.app)
        cookie = fresh.get("/", headers=HTML).headers["set-cookie"].lower()
        assert "triage_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
