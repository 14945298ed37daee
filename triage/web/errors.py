"""The one place web requests turn errors into responses, all with one shape.

Library code raises :class:`~triage.errors.TriageError`; here it becomes JSON
``{"error": {"kind", "message", "hint"}}`` for scripts (``fetch`` from the pages, which
send ``Accept: application/json``) or the same three fields on an HTML page for a
browser. Unknown routes and malformed form fields get the same shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from triage.errors import AccessError, TriageError
from triage.web.csrf import CsrfError

__all__ = ["STATUS", "NotFoundError", "error_payload", "install_error_handlers", "wants_json"]


class NotFoundError(TriageError):
    """A page or item the request names does not exist."""


#: HTTP status per error kind; any other TriageError is the user's input (400).
STATUS: dict[type[TriageError], int] = {CsrfError: 403, NotFoundError: 404, AccessError: 403}


def error_payload(kind: str, message: str, hint: str | None) -> dict[str, Any]:
    return {"error": {"kind": kind, "message": message, "hint": hint}}


def wants_json(request: Request) -> bool:
    """Whether to answer in JSON: scripts ask for it, or do not ask for HTML."""
    accept = request.headers.get("accept", "")
    return "application/json" in accept or "text/html" not in accept


def _respond(request: Request, status: int, kind: str, message: str, hint: str | None) -> Response:
    if wants_json(request):
        return JSONResponse(error_payload(kind, message, hint), status_code=status)
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request, "error.html", {"kind": kind, "message": message, "hint": hint}, status_code=status
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    async def triage_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TriageError)
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
        return _respond(request, status, type(exc).__name__, exc.message, exc.hint)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        kind = "NotFoundError" if exc.status_code == 404 else "HTTPError"
        return _respond(request, exc.status_code, kind, str(exc.detail).lower(), None)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}" for e in exc.errors()
        )
        return _respond(request, 422, "InvalidRequest", f"invalid request ({problems})", "check the form fields")

    app.add_exception_handler(TriageError, triage_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
