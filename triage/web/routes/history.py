"""The history page: find any past decision and change it (a new row; nothing is overwritten)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from triage.screening.reasons import reason_options
from triage.store.allocation import resolution_ids
from triage.store.blind import hidden_decision_ids
from triage.store.decisions import reasons_required, withdrawn_decision_ids
from triage.store.history import decision_log_page, reviewer_names
from triage.store.resolutions import refuse_a_third_decision
from triage.web.context import context_of, reviewer_of
from triage.web.routes.reviewer import require_reviewer

__all__ = ["PAGE_SIZE", "router"]

router = APIRouter()

#: Decisions per history page.
PAGE_SIZE = 50


@router.get("/history", response_class=HTMLResponse)
def history_page(
    request: Request,
    q: str = "",
    reviewer: str = "",
    decision: str = "",
    record_id: int | None = None,
    page: int = 1,
) -> Response:
    """Decisions newest first; ``q`` matches title words or a record id."""
    ctx = context_of(request)
    stage = ctx.screening.stage
    page = max(1, page)
    with ctx.project.reading() as session:
        hidden = hidden_decision_ids(session, viewer=reviewer_of(request), stages=(stage,))  # blind mode
        total, entries = decision_log_page(session, stage=stage, query=q, reviewer=reviewer, decision=decision,
                                           record_id=record_id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
                                           hidden=hidden)
        rows = [(entry, entry.title) for entry in entries]
        reviewers = reviewer_names(session)
        withdrawn = withdrawn_decision_ids(session, stage=stage, record_ids=sorted({e.record_id for e in entries}))
        required = reasons_required(session, stage)
        resolved = resolution_ids(session) & {entry.id for entry in entries}  # a lead's resolutions, marked as such
    me = reviewer_of(request)
    request_ids = {row.record_id: ctx.screening.request_id(row.record_id, me) for row, _ in rows} if me else {}
    filters = {"q": q, "reviewer": reviewer, "decision": decision}
    if record_id is not None:
        filters["record_id"] = str(record_id)
    pages = max(1, -(-total // PAGE_SIZE))
    return ctx.templates.TemplateResponse(request, "history.html", {
        "rows": rows, "total": total, "page": page, "pages": pages, "filters": filters,
        "query": urlencode({k: v for k, v in filters.items() if v}), "reviewers": reviewers,
        "reasons": reason_options(ctx.screening.criteria), "reason_required": required,  # the kept order has them
        "request_ids": request_ids, "withdrawn": withdrawn, "resolved": resolved,
    })


@router.post("/history/change")
def change_decision(
    request: Request,
    record_id: Annotated[int, Form()],
    decision: Annotated[str, Form()],
    request_id: Annotated[str, Form()],
    reasons: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    note: Annotated[str, Form()] = "",
) -> Response:
    """Append a new decision on a record by the current reviewer; the old one stays in the log."""
    reviewer = require_reviewer(request)
    ctx = context_of(request)
    # Checked here, not on the screening card's path: a record served for screening is never in
    # conflict, and that path is timed per key press. The CLI's 'decide' makes the same check.
    with ctx.project.reading() as session:
        refuse_a_third_decision(session, record_id, stage=ctx.screening.stage)
    ctx.screening.decide(
        record_id, decision, reviewer=reviewer, request_id=request_id, reasons=reasons, note=note.strip(),
        model="history page",
    )
    return RedirectResponse(f"/history?record_id={record_id}", status_code=303)
