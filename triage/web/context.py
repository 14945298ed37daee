"""What every route reaches: the app-wide :class:`WebContext` and the reviewer cookie.

Kept apart from :mod:`triage.web.app` so that the routes import this module and the app
factory imports the routes, with no import running back up (``app`` -> ``routes`` ->
``context``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from triage.store.db import Project
from triage.web.csrf import csrf_token
from triage.web.state import ScreeningState

__all__ = ["REVIEWER_COOKIE", "WebContext", "common_values", "context_of", "reviewer_of"]

REVIEWER_COOKIE = "triage_reviewer"


@dataclass
class WebContext:
    """The app-wide objects every route reaches through :func:`context_of`."""

    project: Project
    screening: ScreeningState
    templates: Jinja2Templates
    coding: Any  # routes.coding.CodingModels: the sentence encoder, loaded on first use

    def render(self, request: Request, name: str, **context: Any) -> str:
        """A template rendered to a string (page fragments sent inside JSON)."""
        values = common_values(request)
        values.update(context)
        return self.templates.get_template(name).render(request=request, **values)


def context_of(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.triage
    return ctx


def reviewer_of(request: Request) -> str | None:
    """The logged-in user's name on a team project (see :mod:`triage.web.auth`), else the
    reviewer name chosen at the start (cookie), or None."""
    user = getattr(request.state, "user", None)
    if user is not None:
        return str(user.name)
    name = request.cookies.get(REVIEWER_COOKIE, "").strip()
    return name or None


def common_values(request: Request) -> dict[str, Any]:
    """Values every template sees: the CSRF token, the reviewer, the project's name."""
    ctx = context_of(request)
    return {
        "csrf_token": csrf_token(request),
        "reviewer": reviewer_of(request),
        "user": getattr(request.state, "user", None),
        "project_name": ctx.project.directory.name,
    }
