"""The conflicts page: records whose decisions differ, with each side's reasons, resolved by
a lead with a note; agreement per pair of reviewers (kappa, PABAK, percent agreement)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from triage.screening.team import team_status
from triage.store.decisions import decisions_in_force
from triage.store.records import get_record
from triage.store.resolutions import resolutions, resolve_conflict
from triage.web.context import context_of
from triage.web.routes.reviewer import require_reviewer

__all__ = ["router"]

router = APIRouter()


@router.get("/conflicts", response_class=HTMLResponse)
def conflicts_page(request: Request) -> Response:
    """Every record in conflict at the app's stage, each decision with its reviewer and reasons."""
    ctx = context_of(request)
    stage = ctx.screening.stage
    with ctx.project.reading() as session:
        conflicts = decisions_in_force(session, stage=stage).conflicts
        rows = [(rid, (get_record(session, rid) or None), list(decisions)) for rid, decisions in sorted(conflicts.items())]
        titles = {rid: (row.title if row is not None else None) for rid, row, _ in rows}
        resolved = resolutions(session, stage=stage)
        team = team_status(session)
    return ctx.templates.TemplateResponse(request, "conflicts.html", {
        "conflicts": [(rid, titles[rid], decisions) for rid, _, decisions in rows],
        "resolved": resolved, "agreement": [a for a in team["agreement"] if a["stage"] == stage], "stage": stage,
    })


@router.post("/conflicts/resolve")
def resolve(
    request: Request,
    record_id: Annotated[int, Form()],
    decision: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    reasons: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    """A lead settles one conflict; the resolution is logged with who, when and the note."""
    lead = require_reviewer(request)
    # Only a lead resolves on a team project: checked before this runs (web.auth.ROUTE_ACTIONS).
    ctx = context_of(request)
    with ctx.project.transaction() as session:
        resolve_conflict(session, record_id, decision, lead=lead, note=note, stage=ctx.screening.stage,
                         reasons=[r for r in reasons if r.strip()])
    ctx.screening.kick()
    return RedirectResponse("/conflicts", status_code=303)
