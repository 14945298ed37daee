"""One router per page; :func:`triage.web.app.create_app` mounts every one in ``ROUTERS``
behind the CSRF check."""

from __future__ import annotations

from fastapi import APIRouter

from triage.web.routes import (
    coding,
    coding_team,
    conflicts,
    dashboard,
    dedup,
    export,
    history,
    live,
    reviewer,
    screening,
    users,
)
from triage.web.routes import synthesis as synthesis_page

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    dashboard.router,
    reviewer.router,
    screening.router,
    history.router,
    dedup.router,
    coding.router,
    export.router,
    conflicts.router,
    synthesis_page.router,
    coding_team.router,
    live.router,
    users.router,
)
