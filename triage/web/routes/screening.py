"""Screening one record at a time, keyboard first.

The page loads once; afterwards ``static/screen.js`` posts each decision with
``Accept: application/json`` and swaps in the next record's card, which the server
renders (escaped, highlighted) and returns inside JSON. Without scripts the same forms
post normally and are redirected back to ``/screen``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from triage.screening.reasons import PICK_KEYS, reason_options
from triage.store.db import Session
from triage.store.decisions import reasons_required
from triage.store.records import has_records
from triage.store.studies import other_reports
from triage.web.context import WebContext, context_of, reviewer_of
from triage.web.highlight import element_classes, highlight
from triage.web.routes.reviewer import require_reviewer
from triage.web.state import Card

__all__ = ["card_context", "parse_ids", "router"]

router = APIRouter()

#: How long the screening page waits for the ranking to be built (seconds at 50k records)
#: before showing a page that reloads itself instead of hanging.
PREPARING_WAIT_S = 2.0


def parse_ids(text: str | None) -> list[int]:
    """Record ids from ``"3,5,8"`` (the skipped-for-later list the page keeps); junk ignored."""
    return [int(part) for part in (text or "").split(",") if part.strip().isdigit()]


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def exclusion_reasons(ctx: WebContext, card: Card) -> list[str]:
    """Reasons offered when excluding this record (see
    :func:`~triage.screening.reasons.reason_options`): the limits it seems to break, the
    criteria's own exclude phrases, then each SPICE element."""
    return reason_options(ctx.screening.criteria, card.explanation.suggested_exclusions if card.explanation else [])


def card_context(ctx: WebContext, card: Card | None, reviewer: str, notice: str | None = None,
                 session: Session | None = None) -> dict[str, Any]:
    """Everything ``_card.html`` needs; record text is escaped by :func:`highlight`.
    ``session``: the request's reading session, if it has one."""
    if card is None:
        if session is None:
            with ctx.project.reading() as reading:
                imported = has_records(reading)
        else:
            imported = has_records(session)
        return {"card": None, "notice": notice, "imported": imported}
    criteria = ctx.screening.criteria  # the kept order's while a restarted server builds its ranking
    elements = ctx.screening.criteria_elements
    classes = element_classes(elements)
    matches = card.explanation.matches if card.explanation else {}
    descriptions = {name: el.description for name, el in criteria.elements.items()} if criteria else {}
    return {
        "card": card,
        "notice": notice,
        "title_html": highlight(card.record.title or "(no title)", matches, "title", classes),
        "abstract_html": highlight(card.record.abstract, matches, "abstract", classes),
        "legend": [(name, classes[name], descriptions.get(name, "")) for name in elements],
        "terms": card.explanation.matched_terms() if card.explanation else {},
        "classes": classes,
        "reasons": exclusion_reasons(ctx, card),
        "pick_keys": PICK_KEYS,
        **_card_facts(ctx, card.record_id, reviewer, session),
    }


def _card_facts(ctx: WebContext, record_id: int, reviewer: str, session: Session | None) -> dict[str, Any]:
    """What the card reads from the store, in one session: its request id, whether an
    exclusion needs a reason, and the study's other reports."""
    if session is None:
        with ctx.project.reading() as own:
            return _card_facts(ctx, record_id, reviewer, own)
    stage = ctx.screening.stage
    return {
        "reason_required": reasons_required(session, stage),
        "request_id": ctx.screening.request_id(record_id, reviewer, session),
        "other_reports": other_reports(session, record_id, stage=stage, groups=ctx.screening.study_groups(session)),
    }


def _card_json(request: Request, ctx: WebContext, card: Card | None, reviewer: str, notice: str | None,
               session: Session | None = None) -> Response:
    html = ctx.render(request, "_card.html", **card_context(ctx, card, reviewer, notice, session))
    return JSONResponse({
        "html": html, "record_id": card.record_id if card else None, "notice": notice,
        "decided": bool(card and card.decided),
    })


@router.get("/screen", response_class=HTMLResponse)
def screen_page(request: Request, skip: str = "", record_id: int | None = None) -> Response:
    reviewer = reviewer_of(request)
    if reviewer is None:
        return RedirectResponse("/reviewer?next=/screen", status_code=303)
    ctx = context_of(request)
    if not ctx.screening.is_servable(wait=PREPARING_WAIT_S):
        return ctx.templates.TemplateResponse(request, "preparing.html",
                                              {"records": None, "embedding": ctx.screening.embedding}, status_code=503,
                                              headers={"Retry-After": "3"})
    card = ctx.screening.card(skip=parse_ids(skip), record_id=record_id, reviewer=reviewer)
    return ctx.templates.TemplateResponse(request, "screen.html", card_context(ctx, card, reviewer))


@router.get("/screen/card")
def next_card(request: Request, skip: str = "", record_id: int | None = None) -> Response:
    """The card alone (JSON), for skip-for-later and for a tab catching up."""
    reviewer = require_reviewer(request)
    ctx = context_of(request)
    with ctx.project.reading() as session:
        card = ctx.screening.card(skip=parse_ids(skip), record_id=record_id, reviewer=reviewer, session=session)
        return _card_json(request, ctx, card, reviewer, None, session)


@router.post("/screen/decide")
def decide(
    request: Request,
    record_id: Annotated[int, Form()],
    decision: Annotated[str, Form()],
    request_id: Annotated[str, Form()],
    reasons: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    note: Annotated[str, Form()] = "",
    score: Annotated[float | None, Form()] = None,
    rank: Annotated[int | None, Form()] = None,
    model: Annotated[str, Form()] = "",
    skip: Annotated[str, Form()] = "",
    all_reports: Annotated[bool, Form()] = False,
) -> Response:
    """Record a decision, then answer with the next record (JSON) or a redirect (plain form)."""
    reviewer = require_reviewer(request)
    ctx = context_of(request)
    row, new = ctx.screening.decide(
        record_id, decision, reviewer=reviewer, request_id=request_id, reasons=reasons, note=note.strip(),
        score=score, rank=rank, model=model, all_reports=all_reports,
    )
    notice = None
    if not new:
        notice = (
            f"record {record_id} was already decided in another tab or by a double click "
            f"({row.decision} by {row.reviewer}); recorded once"
        )
    if not _wants_json(request):
        return RedirectResponse("/screen", status_code=303)
    with ctx.project.reading() as session:  # the next card's reads share one connection
        card = ctx.screening.card(skip=[r for r in parse_ids(skip) if r != record_id], reviewer=reviewer,
                                  session=session)
        response = _card_json(request, ctx, card, reviewer, notice, session)
    response.headers["X-Decision-Id"] = str(row.id)
    return response


@router.post("/screen/undo")
def undo(request: Request) -> Response:
    """Withdraw the reviewer's latest decision (a ``retract`` row) and show that record again."""
    reviewer = require_reviewer(request)
    ctx = context_of(request)
    record_id = ctx.screening.undo(reviewer=reviewer)
    notice = f"undid your decision on record {record_id}" if record_id is not None else "nothing to undo"
    if not _wants_json(request):
        target = f"/screen?record_id={record_id}" if record_id is not None else "/screen"
        return RedirectResponse(target, status_code=303)
    card = ctx.screening.card(record_id=record_id) if record_id is not None else ctx.screening.card(reviewer=reviewer)
    return _card_json(request, ctx, card, reviewer, notice)
