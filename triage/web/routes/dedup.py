"""Dedup review: possible duplicates side by side, differences marked; merge, keep apart, undo.

Calls the dedup library (:mod:`triage.store.dedup_review`, :mod:`triage.store.dedup_runs`);
every decision there is one transaction and logged with the reviewer. A merge or an
undo changes which records are screened, so the screening queue is rebuilt in the
background afterwards.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape

from triage.dedup.compare import fields_that_differ
from triage.records.model import Record
from triage.store.dedup_review import QueueItem, decide_pair, review_queue
from triage.store.dedup_runs import run_dedup, undo_merge_id
from triage.store.history import pair_decision_log
from triage.web.context import WebContext, context_of
from triage.web.highlight import word_diff
from triage.web.routes.reviewer import require_reviewer

__all__ = ["FIELDS", "router"]

router = APIRouter()

#: Fields compared side by side, in reading order: (label, how to get it as text).
FIELDS: tuple[tuple[str, str], ...] = (
    ("title", "title"), ("authors", "authors"), ("year", "year"), ("journal", "journal"), ("volume", "volume"),
    ("issue", "issue"), ("pages", "pages"), ("DOI", "doi"), ("PMID", "pmid"), ("type", "publication_type"),
    ("abstract", "abstract"),
)


def _text(record: Record, name: str) -> str:
    value = getattr(record, name)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _rows(item: QueueItem) -> list[dict[str, Any]]:
    """Each field of the pair; only fields that differ in substance are marked (an author
    list written "Fernández, NM" and "Fernández NM." is the same list)."""
    differ = fields_that_differ(item.a, item.b, tuple(name for _, name in FIELDS))
    rows = []
    for label, name in FIELDS:
        a, b = _text(item.a, name), _text(item.b, name)
        html_a, html_b = word_diff(a, b) if name in differ else (escape(a), escape(b))
        rows.append({"label": label, "a": html_a, "b": html_b, "differs": name in differ})
    return rows


def _recent(ctx: WebContext, limit: int = 10) -> list[dict[str, Any]]:
    """The latest review decisions, with the merge each made (undo-able while active)."""
    with ctx.project.reading() as session:
        recent = [asdict(entry) for entry in pair_decision_log(session, limit=limit)]
    return recent


@router.get("/dedup", response_class=HTMLResponse)
def dedup_page(request: Request, pair_id: int | None = None, skip: int = 0) -> Response:
    ctx = context_of(request)
    queue = review_queue(ctx.project)
    if pair_id is not None:
        chosen = next((item for item in queue if item.pair_id == pair_id), None)
    else:
        chosen = queue[skip % len(queue)] if queue else None
    return ctx.templates.TemplateResponse(request, "dedup.html", {
        "item": chosen, "rows": _rows(chosen) if chosen else [], "open": len(queue),
        "position": queue.index(chosen) + 1 if chosen else 0, "skip": skip, "recent": _recent(ctx),
    })


@router.post("/dedup/decide")
def dedup_decide(
    request: Request, pair_id: Annotated[int, Form()], decision: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """``merge`` or ``keep_apart`` one open pair (an unknown or closed pair is refused)."""
    reviewer = require_reviewer(request)
    ctx = context_of(request)
    decide_pair(ctx.project, pair_id, decision, reviewer=reviewer, note=note.strip() or None)
    if decision == "merge":
        ctx.screening.rebuild()
    return RedirectResponse("/dedup", status_code=303)


@router.post("/dedup/undo")
def dedup_undo(request: Request, merge_id: Annotated[int, Form()]) -> Response:
    """Reverse one merge (logged as the reviewer's decision, so no later run redoes it)."""
    reviewer = require_reviewer(request)
    ctx = context_of(request)
    undo_merge_id(ctx.project, merge_id, reviewer=reviewer, note="undone on the dedup page")
    ctx.screening.rebuild()
    return RedirectResponse("/dedup", status_code=303)


@router.post("/dedup/run")
def dedup_run(request: Request) -> Response:
    """Run deduplication (as ``triage dedup``): sure duplicates merged, possible ones queued here."""
    ctx = context_of(request)
    run_dedup(ctx.project)
    ctx.screening.rebuild()
    return RedirectResponse("/dedup", status_code=303)
