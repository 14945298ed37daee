"""The users page: a lead lists the team (role, active or not), adds a user, changes a role,
deactivates or reactivates one. The store's rules hold here as at the CLI (``triage users``):
a taken name or a short password is refused with its reason, the last active lead cannot be
demoted or deactivated, a deactivated user's decisions stay theirs and their sessions end.

Only a lead reaches these routes (each is listed as ``users`` in
:data:`~triage.web.auth.ROUTE_ACTIONS`); the CSRF check covers every form, as on every router.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from triage.errors import TriageError
from triage.roles import ROLES
from triage.store.db import Session
from triage.store.users import activate, add_user, deactivate, has_users, list_users, set_role
from triage.web.context import context_of

__all__ = ["router"]

router = APIRouter()


def _page(request: Request, problem: str | None = None, status: int = 200) -> Response:
    ctx = context_of(request)
    with ctx.project.reading() as session:
        users = list_users(session)
    return ctx.templates.TemplateResponse(request, "users.html", {"users": users, "roles": ROLES, "problem": problem},
                                          status_code=status)


def _done(request: Request, change: Callable[[Session], object]) -> Response:
    """Run ``change`` (a store call in one transaction); the page again, or it with the reason it failed."""
    ctx = context_of(request)
    try:
        with ctx.project.transaction() as session:
            change(session)
    except TriageError as exc:
        return _page(request, str(exc), status=400)
    return RedirectResponse("/users", status_code=303)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request) -> Response:
    return _page(request)


@router.post("/users/add")
def add(request: Request, name: Annotated[str, Form()], role: Annotated[str, Form()],
        password: Annotated[str, Form()]) -> Response:
    """Add an active user. The first user of a one-person project must be a lead (else nobody
    could manage the team it becomes)."""
    def change(session: Session) -> None:
        if role != "lead" and not has_users(session):
            raise TriageError("the first user must be a lead", hint="add yourself as lead first")
        add_user(session, name, role, password)

    return _done(request, change)


@router.post("/users/role")
def change_role(request: Request, name: Annotated[str, Form()], role: Annotated[str, Form()]) -> Response:
    return _done(request, lambda session: set_role(session, name, role))


@router.post("/users/deactivate")
def deactivate_user(request: Request, name: Annotated[str, Form()]) -> Response:
    return _done(request, lambda session: deactivate(session, name))


@router.post("/users/activate")
def activate_user(request: Request, name: Annotated[str, Form()]) -> Response:
    return _done(request, lambda session: activate(session, name))
