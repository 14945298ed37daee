"""The FastAPI factory for ``triage serve``: one project, its pages, and their shared state.

Everything a request needs lives on the :class:`WebContext` that :func:`create_app`
puts on ``app.state.triage`` (project, screening state with its retrainer thread,
templates); nothing is kept in module globals, so two apps (two tests, two projects)
never share anything. Every router is mounted with :func:`~triage.web.csrf.check_csrf`,
so no POST route can forget it.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from triage.embeddings import Encoder
from triage.screening.queue import ScreeningQueue
from triage.store.db import Project
from triage.web.auth import authenticate, install_auth
from triage.web.context import REVIEWER_COOKIE, WebContext, common_values, context_of, reviewer_of
from triage.web.csrf import SessionMiddleware, check_csrf
from triage.web.errors import install_error_handlers
from triage.web.routes import ROUTERS
from triage.web.routes.coding import CodingModels
from triage.web.state import ScreeningState

# REVIEWER_COOKIE, WebContext, context_of and reviewer_of live in triage.web.context (the
# routes import them from there); they are re-exported here for callers of the app.
__all__ = ["REVIEWER_COOKIE", "WebContext", "context_of", "create_app", "reviewer_of"]

HERE = Path(__file__).resolve().parent


def create_app(
    project_dir: str | Path,
    *,
    queue_factory: Callable[[Project], ScreeningQueue] | None = None,
    secret: bytes | None = None,
    stage: str = "title_abstract",
    encoder: Encoder | None = None,
    database: str | None = None,
    require_login: bool = False,
    secure_cookies: bool | None = None,
) -> FastAPI:
    """Build the app for the project in ``project_dir`` (raises ProjectError if none).

    ``queue_factory`` builds the screening queue (default: the project's preset); it
    runs once, in the retrainer thread started with the app. ``secret`` signs CSRF
    tokens (default: random per process, so tokens die with the server). ``encoder``
    (sentence embeddings for code suggestions) is loaded on first use when not given.
    ``database`` names the project's store (``--database``; default ``$TRIAGE_DATABASE`` or
    the SQLite file). ``require_login`` (the server listens beyond loopback) asks for a login
    even before the project has users; ``secure_cookies`` see :mod:`triage.web.auth`.
    """
    project = Project.open(project_dir, database)
    screening = ScreeningState(project, stage=stage, queue_factory=queue_factory)
    templates = Jinja2Templates(directory=str(HERE / "templates"), context_processors=[common_values])

    coding = CodingModels(project, encoder)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        screening.start()
        coding.warm_up()
        try:
            yield
        finally:
            coding.close()
            screening.stop()
            project.close()

    app = FastAPI(title="triage", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.triage = WebContext(project=project, screening=screening, templates=templates, coding=coding)
    app.state.templates = templates
    app.add_middleware(SessionMiddleware, secret=secret or secrets.token_bytes(32))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    install_error_handlers(app)

    install_auth(app, require_login=require_login, secure_cookies=secure_cookies)
    for router in ROUTERS:
        app.include_router(router, dependencies=[Depends(authenticate), Depends(check_csrf)])

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg")

    return app
