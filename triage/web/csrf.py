"""CSRF protection: a token per browser session, checked on every POST.

The app listens on localhost, but any web page the reviewer opens could still post a
form to it. Each browser gets a random session cookie (``SameSite=Strict``); the token
is an HMAC of that session id under a secret made per app, so a page on another origin
can neither read nor forge it. Pages carry the token in a ``<meta>`` tag and in every
form; scripts send it as the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triage.errors import TriageError

__all__ = ["CSRF_HEADER", "SESSION_COOKIE", "CsrfError", "SessionMiddleware", "check_csrf", "csrf_token"]

SESSION_COOKIE = "triage_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


class CsrfError(TriageError):
    """A state-changing request came without the page's CSRF token (or with a wrong one)."""


class SessionMiddleware:
    """Give every browser a random session id (cookie) and remember it on ``request.state``.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` runs each request in a task
    of its own with streams between them, a cost every key press of a team paid twice
    over for two lines of work (``evaluation/reports/team_load.md``)."""

    def __init__(self, app: ASGIApp, *, secret: bytes) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = HTTPConnection(scope).cookies.get(SESSION_COOKIE, "")
        fresh = len(session) != 43  # token_urlsafe(32) is 43 characters
        if fresh:
            session = secrets.token_urlsafe(32)
        state = scope.setdefault("state", {})
        state["session_id"] = session
        state["csrf_secret"] = self.secret
        if not fresh:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = Response()
                cookie.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="strict")
                headers = MutableHeaders(scope=message)
                for name, value in cookie.raw_headers:
                    if name == b"set-cookie":
                        headers.append("set-cookie", value.decode("latin-1"))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def csrf_token(request: Request) -> str:
    """The token pages embed for this browser session."""
    secret: bytes = request.state.csrf_secret
    session: str = request.state.session_id
    return hmac.new(secret, session.encode(), hashlib.sha256).hexdigest()


async def check_csrf(request: Request) -> None:
    """Router dependency: refuse a POST whose token is missing or wrong (GETs pass)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, csrf_token(request)):
        raise CsrfError("missing or invalid CSRF token", hint="reload the page and try again")
