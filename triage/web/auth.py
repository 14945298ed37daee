"""Logins and roles for the web app on a team project.

A project with no users served on 127.0.0.1 is one person's and works without a login,
as before. Once the project has a user (``triage users add``), or the server listens
beyond loopback, every route except ``/login`` and ``/static`` needs one: a page
request without it is sent to ``/login``, a script (``Accept: application/json``) gets
401. Roles are checked on the server for every route (:data:`ROUTE_ACTIONS`, else
exports need ``export``, other pages ``view``, any other POST a lead), whatever the
page shows; a refused request gets 403. The logged-in user's name is the reviewer name
on every decision (:func:`triage.web.context.reviewer_of`), so nobody decides as
someone else.

The login cookie holds a random session id made at each login (a cookie planted before
login is never promoted: no session fixation); the store keeps only its SHA-256, so
logout and deactivation end it on the server. It is ``HttpOnly`` and ``SameSite=Lax``
(a link from an e-mail opens the page logged in; cross-site POSTs carry no cookie and no
CSRF token), ``Secure`` when the request came over HTTPS (the reverse proxy's
``X-Forwarded-Proto``) or when ``triage serve --secure-cookies`` says so. Starlette's
own ``SessionMiddleware`` keeps the session inside the signed cookie, so a copied
cookie could not be revoked at logout; hence sessions live in the store. Failed logins
are rate limited (:mod:`triage.web.limits`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from triage.errors import TriageError
from triage.roles import Action, check_allowed
from triage.store.users import (
    SESSION_LIFETIME,
    User,
    check_password,
    end_session,
    has_users,
    session_user,
    start_session,
)
from triage.web.context import context_of
from triage.web.csrf import SESSION_COOKIE, check_csrf, csrf_token
from triage.web.errors import error_payload, wants_json
from triage.web.limits import LoginLimiter
from triage.web.routes.reviewer import safe_next

__all__ = ["LOGIN_COOKIE", "ROUTE_ACTIONS", "AuthConfig", "LoginRequired", "authenticate", "install_auth",
           "route_action"]

LOGIN_COOKIE = "triage_login"

#: What each state-changing route (and each working page) does, for the role check.
ROUTE_ACTIONS: dict[tuple[str, str], Action] = {
    ("GET", "/screen"): "screen",
    ("GET", "/screen/card"): "screen",
    ("POST", "/conflicts/resolve"): "resolve",
    ("POST", "/screen/decide"): "screen",
    ("POST", "/screen/undo"): "screen",
    ("POST", "/history/change"): "screen",
    ("POST", "/dedup/decide"): "dedup_review",
    ("POST", "/dedup/undo"): "dedup_review",
    ("POST", "/dedup/run"): "dedup_run",
    ("GET", "/coding"): "code",
    ("POST", "/coding/decide"): "code",
    ("POST", "/coding/codes"): "code",
    ("POST", "/coding/attributes"): "code",
    ("POST", "/coding/span"): "code",
    ("POST", "/coding/team/allocate"): "settings",
    ("POST", "/coding/team/resolve"): "resolve",
    ("POST", "/coding/codebook/merge"): "codebook",  # the living codebook's structure: a lead's
    ("POST", "/coding/codebook/split"): "codebook",
    ("POST", "/coding/codebook/move"): "codebook",
    ("POST", "/coding/codebook/undo"): "codebook",
    ("GET", "/coding/next"): "code",
    ("POST", "/reviewer"): "view",  # harmless: a logged-in user's name is their login, not this cookie
    ("GET", "/users"): "users",  # the team's accounts: a lead's page
    ("POST", "/users/add"): "users",
    ("POST", "/users/role"): "users",
    ("POST", "/users/deactivate"): "users",
    ("POST", "/users/activate"): "users",
}


def route_action(method: str, path: str) -> Action:
    """The action a request is, by its route's path: listed, an export, a page, else a lead's POST."""
    if (method, path) in ROUTE_ACTIONS:
        return ROUTE_ACTIONS[(method, path)]
    if path == "/export" or path.startswith("/export/"):
        return "export"
    return "view" if method in ("GET", "HEAD") else "manage"


class LoginRequired(TriageError):
    """A team project's route was asked for without a valid login."""


@dataclass
class AuthConfig:
    """How this app checks logins (on ``app.state.auth``)."""

    #: The server listens beyond loopback: a login is needed even before the project has users.
    require_login: bool
    #: ``Secure`` login cookies: True/False as configured, None to follow the request's scheme.
    secure_cookies: bool | None
    limiter: LoginLimiter
    #: The project was seen with users (it stays a team project: users are deactivated, never deleted).
    team_seen: bool = False


def _config(request: Request) -> AuthConfig:
    config: AuthConfig = request.app.state.auth
    return config


def authenticate(request: Request) -> None:
    """Router dependency (before the CSRF check): on a team project, a logged-in user whose role
    may do this route; puts the user on ``request.state.user``."""
    project = context_of(request).project
    token = request.cookies.get(LOGIN_COOKIE)
    config = _config(request)
    with project.reading() as session:
        # Users are never deleted (a lead deactivates them), so a project seen with users
        # stays a team project: asked once, not on every request.
        config.team_seen = config.team_seen or has_users(session)
        team = config.require_login or config.team_seen
        user = session_user(session, token) if team and token else None
    request.state.user = user
    if not team:
        return
    if user is None:
        raise LoginRequired("log in first", hint="log in at /login")
    route = request.scope.get("route")
    action = route_action(request.method, getattr(route, "path", request.url.path))
    check_allowed(user.name, user.role, action)


def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if wants_json(request):
        return JSONResponse(error_payload("LoginRequired", exc.message, exc.hint), status_code=401)
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = back if request.method == "GET" else "/"
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


router = APIRouter()


def _login_page(request: Request, next: str, status: int = 200, problem: str | None = None,
                headers: dict[str, str] | None = None) -> Response:
    ctx = context_of(request)
    with ctx.project.reading() as session:
        team = _config(request).require_login or has_users(session)
        no_users = not has_users(session)
    return ctx.templates.TemplateResponse(
        request, "login.html", {"next": safe_next(next), "problem": problem, "team": team, "no_users": no_users},
        status_code=status, headers=headers,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next)


def _refuse(request: Request, status: int, kind: str, message: str, hint: str, next: str,
            headers: dict[str, str] | None = None) -> Response:
    if wants_json(request):
        return JSONResponse(error_payload(kind, message, hint), status_code=status, headers=headers)
    return _login_page(request, next, status, f"{message}; {hint}", headers)


def _secure(request: Request) -> bool:
    configured = _config(request).secure_cookies
    return configured if configured is not None else request.url.scheme == "https"


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password (rate limited); on success a new session id in a new cookie."""
    ctx, limiter = context_of(request), _config(request).limiter
    address = request.client.host if request.client is not None else "unknown"
    wait = limiter.retry_after(name, address)
    if wait is not None:
        return _refuse(request, 429, "TooManyLogins", "too many failed logins",
                       f"wait {(wait + 59) // 60} min and try again, or ask a lead to reset your password",
                       next, headers={"Retry-After": str(wait)})
    token: str | None = None
    with ctx.project.transaction() as session:
        user: User | None = check_password(session, name, password)
        if user is not None:
            if (earlier := request.cookies.get(LOGIN_COOKIE)) is not None:
                end_session(session, earlier)
            token = start_session(session, user)
    if user is None or token is None:
        limiter.failed(name, address)
        return _refuse(request, 401, "LoginError", "wrong name or password",
                       "check both (a deactivated user cannot log in)", next)
    limiter.succeeded(name)
    # A new CSRF session too: a token seen before login is no good after it.
    request.state.session_id = secrets.token_urlsafe(32)
    if wants_json(request):  # scripts (the load benchmark's clients) get the token to send next
        response: Response = JSONResponse({"user": user.name, "role": user.role, "csrf_token": csrf_token(request)})
    else:
        response = RedirectResponse(safe_next(next), status_code=303)
    secure = _secure(request)
    response.set_cookie(LOGIN_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True,
                        samesite="lax", secure=secure)
    response.set_cookie(SESSION_COOKIE, request.state.session_id, httponly=True, samesite="strict", secure=secure)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """End this browser's session on the server and forget its cookie."""
    token = request.cookies.get(LOGIN_COOKIE)
    if token:
        with context_of(request).project.transaction() as session:
            end_session(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(LOGIN_COOKIE, httponly=True, samesite="lax", secure=_secure(request))
    return response


def install_auth(app: FastAPI, *, require_login: bool, secure_cookies: bool | None,
                 limiter: LoginLimiter | None = None) -> None:
    """Put the login routes (CSRF-checked, no login needed) and their config on ``app``."""
    app.state.auth = AuthConfig(require_login, secure_cookies, limiter or LoginLimiter())
    app.add_exception_handler(LoginRequired, _login_required)
    app.include_router(router, dependencies=[Depends(check_csrf)])
