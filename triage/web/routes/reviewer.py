"""Choosing the reviewer name at the start; it is kept in a cookie and put on every decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from triage.errors import DecisionError
from triage.store.history import reviewer_names
from triage.web.context import REVIEWER_COOKIE, context_of, reviewer_of

__all__ = ["require_reviewer", "router", "safe_next"]

router = APIRouter()

#: Longest reviewer name accepted (names go into every decision row and the history page).
MAX_NAME = 80


def safe_next(target: str | None) -> str:
    """Only a path on this server (never ``//other.host``) may follow the reviewer form."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def require_reviewer(request: Request) -> str:
    """The chosen reviewer, or a DecisionError telling the page to ask for one."""
    name = reviewer_of(request)
    if name is None:
        raise DecisionError("no reviewer chosen", hint="choose your reviewer name at /reviewer first")
    return name


@router.get("/reviewer", response_class=HTMLResponse)
def reviewer_form(request: Request, next: str = "/screen") -> Response:
    if getattr(request.state, "user", None) is not None:  # a team project: the login is the name
        return RedirectResponse(safe_next(next), status_code=303)
    ctx = context_of(request)
    with ctx.project.reading() as session:
        known = reviewer_names(session)
    return ctx.templates.TemplateResponse(request, "reviewer.html", {"next": safe_next(next), "known": known})


@router.post("/reviewer")
def choose_reviewer(name: Annotated[str, Form()], next: Annotated[str, Form()] = "/screen") -> Response:
    name = " ".join(name.split())
    if not name:
        raise DecisionError("a reviewer name cannot be empty", hint="type the name to record on your decisions")
    if len(name) > MAX_NAME:
        raise DecisionError(f"a reviewer name has at most {MAX_NAME} characters", hint="use a shorter name")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(REVIEWER_COOKIE, name, samesite="strict", max_age=60 * 60 * 24 * 365)
    return response
