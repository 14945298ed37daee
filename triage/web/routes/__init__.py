"""One router per page; :func:`triage.web.app.create_app` mounts every one in ``ROUTERS``
behind the CSRF check."""

from __future__ import annotations

from fastapi import APIRouter

from triage.web.routes import (
    coding,
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
    live.router,
    users.router,
)
