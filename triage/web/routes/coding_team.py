"""Coding as a team: allocation and progress, kappa per code per pair of coders, the segments
coders differ on (resolved by a lead with a note), the codebook's history; each coder's
next segment; one segment's decisions as JSON, blind where the segment is coded twice.

The living codebook's merge, split, move and undo (``triage codebook``'s) are here too, a
lead's, each logged with who made it; after one the page offers to undo it at once.

Role checks run on the server before any of these (:mod:`triage.web.auth`): the POST routes
here are a lead's (any POST not listed there is); the pages are readable by anyone logged in,
and show only segments two coders have coded, so blind coding holds on them by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from triage.coding.agreement import pairwise_agreement
from triage.coding.codebook import UNDOABLE
from triage.roles import Action, allowed
from triage.store import coding as store
from triage.store import coding_team as team
from triage.store.allocation import parse_share
from triage.store.code_decisions import shared_code_decisions
from triage.store.codebook_changes import merge_codes, move_code, parse_assignments, split_code, undo_change
from triage.store.coding_allocation import coding_allocation, set_coding_allocation, units_of
from triage.store.db import Session
from triage.web.context import context_of, reviewer_of
from triage.web.errors import NotFoundError, wants_json
from triage.web.routes.reviewer import require_reviewer

__all__ = ["router"]

router = APIRouter()


def _may(request: Request, action: Action) -> bool:
    """Whether the page should offer a lead's form: a team user's role, else a chosen name."""
    user = getattr(request.state, "user", None)
    if user is not None:
        return allowed(user.role, action)
    return reviewer_of(request) is not None


@router.get("/coding/team", response_class=HTMLResponse)
def coding_team_page(request: Request, resolved: bool = False, changed: int | None = None) -> Response:
    """Allocation, progress, agreement per pair, disagreements and codebook history (HTML or JSON)."""
    ctx = context_of(request)
    with ctx.project.reading() as session:
        codebook = store.load_codebook(session)
        allocation = coding_allocation(session)
        progress = team.coder_progress(session, codebook)
        applied, coded = team.coding_by_unit(session, codebook)
        reports = pairwise_agreement(applied, coded, [c.id for c in codebook.codable()])
        disagreements = team.coding_disagreements(session, codebook, resolved=resolved)
        history = team.codebook_history(session)
        resolutions = team.coding_resolutions(session)
    if wants_json(request):
        return JSONResponse({
            "allocation": None if allocation is None else {
                "coders": list(allocation.coders), "double_share": allocation.double_share, "seed": allocation.seed,
                "set_by": allocation.set_by, "created_at": allocation.created_at.isoformat()},
            "coders": [p.__dict__ for p in progress],
            "agreement": [r.to_dict() for r in reports],
            "disagreements": [d.to_dict() for d in disagreements],
            "history": [{"code_id": c.code_id, "action": c.action, "detail": c.detail, "coder": c.coder,
                         "created_at": c.created_at.isoformat()} for c in history],
        })
    return ctx.templates.TemplateResponse(request, "coding_team.html", {
        "allocation": allocation, "progress": progress, "reports": reports, "disagreements": disagreements,
        "history": history, "resolutions": resolutions, "names": {c.id: c.name for c in codebook.codes()},
        "show_resolved": resolved, "can_resolve": _may(request, "resolve"), "can_allocate": _may(request, "settings"),
        "can_edit_codebook": _may(request, "codebook"), "codes": [(c, depth) for c, _, depth in codebook.walk()],
        "codable": codebook.codable(), "themes": [c for c in codebook.codes() if not c.codable],
        "changed": next((c for c in history if c.id == changed and c.action in UNDOABLE), None),
        "undone": {int(c.detail.get("change", 0)) for c in history if c.action == "undo"},
    })


@router.post("/coding/team/allocate")
def coding_team_allocate(
    request: Request,
    coders: Annotated[str, Form()],
    double: Annotated[str, Form()] = "0",
    seed: Annotated[int, Form()] = 0,
) -> Response:
    """A lead allocates coding (logged with who and when); only a lead gets here (web.auth)."""
    lead = require_reviewer(request)
    with context_of(request).project.transaction() as session:
        set_coding_allocation(session, coders=coders.split(","), double_share=parse_share(double), set_by=lead, seed=seed)
    return RedirectResponse("/coding/team", status_code=303)


@router.post("/coding/team/resolve")
def coding_team_resolve(
    request: Request,
    segment_id: Annotated[int, Form()],
    note: Annotated[str, Form()] = "",
    codes: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    """A lead settles one segment: the codes that apply and a note (logged with who and when)."""
    lead = require_reviewer(request)
    with context_of(request).project.transaction() as session:
        team.resolve_coding_disagreement(session, store.load_codebook(session), segment_id,
                                         [c for c in codes if c.strip()], lead=lead, note=note)
    return RedirectResponse(f"/coding/team#segment-{segment_id}", status_code=303)


def _codebook_edit(request: Request, edit: Callable[[Session, str], object]) -> RedirectResponse:
    """Make one codebook change as the acting lead, then back to the codebook panel, which
    offers to undo that change right there."""
    lead = require_reviewer(request)
    with context_of(request).project.transaction() as session:
        edit(session, lead)
        change = team.codebook_history(session)[-1].id
    return RedirectResponse(f"/coding/team?changed={change}#codebook", status_code=303)


@router.post("/coding/codebook/merge")
def codebook_merge(request: Request, source: Annotated[str, Form()], target: Annotated[str, Form()]) -> Response:
    """A lead merges ``source`` into ``target`` (``triage codebook merge``), logged with who; undo offered after."""
    return _codebook_edit(request, lambda session, lead: merge_codes(session, source, target, coder=lead))


@router.post("/coding/codebook/move")
def codebook_move(request: Request, code_id: Annotated[str, Form()], parent: Annotated[str, Form()] = "") -> Response:
    """A lead moves a code under another theme (none: to the top), as ``triage codebook move``."""
    return _codebook_edit(request, lambda session, lead: move_code(session, code_id, parent.strip() or None,
                                                                   coder=lead))


@router.post("/coding/codebook/split")
def codebook_split(
    request: Request,
    code_id: Annotated[str, Form()],
    into: Annotated[str, Form()],
    rest: Annotated[str, Form()] = "",
    assign: Annotated[str, Form()] = "",
) -> Response:
    """A lead splits a code into new codes (names comma-separated); coded segments go to ``rest``
    but those named on ``assign`` lines (``SEGMENT=CODE``), as ``triage codebook split``."""
    names = [n.strip() for n in into.split(",") if n.strip()]
    targets = parse_assignments([line.strip() for line in assign.splitlines() if line.strip()])
    return _codebook_edit(request, lambda session, lead: split_code(session, code_id, names, targets, coder=lead,
                                                                    rest=rest.strip() or None))


@router.post("/coding/codebook/undo")
def codebook_undo(
    request: Request,
    change: Annotated[int | None, Form()] = None,
) -> Response:
    """A lead undoes history row ``change`` (default: the latest merge, split or move), as
    ``triage codebook undo``: coded segments, examples and memos go back with it."""
    lead = require_reviewer(request)
    with context_of(request).project.transaction() as session:
        undo_change(session, coder=lead, change_id=change)
    return RedirectResponse("/coding/team#codebook", status_code=303)


@router.get("/coding/next")
def coding_next(request: Request) -> Response:
    """The coder's next segment from their own allocation: the coding page at it (JSON: the segment)."""
    coder = require_reviewer(request)  # a team user whose role may code (web.auth)
    with context_of(request).project.reading() as session:
        todo = team.segments_to_code(session, store.load_codebook(session), coder, limit=1)
        segment = todo[0] if todo else None
        found = None if segment is None else {
            "segment_id": segment.id, "document_id": segment.document_id, "text": segment.text}
    if wants_json(request):
        return JSONResponse({"coder": coder, "next": found})
    if found is None:
        return RedirectResponse("/coding/team", status_code=303)
    return RedirectResponse(f"/coding?document={found['document_id']}&segment={found['segment_id']}", status_code=303)


@router.get("/coding/segments/{segment_id}")
def coding_segment(request: Request, segment_id: int) -> Response:
    """One segment and the decisions on it (and its spans) that the viewer may see: on a segment
    coded twice, another coder's only once two have coded it."""
    viewer = reviewer_of(request)
    with context_of(request).project.reading() as session:
        segment = store.segments_by_id(session, [segment_id]).get(segment_id)
        if segment is None:
            raise NotFoundError(f"no segment {segment_id}", hint="see 'triage code next' for ids")
        codebook = store.load_codebook(session)
        decisions = shared_code_decisions(session, codebook, viewer=viewer)
        units = units_of(session, {segment_id} | {d.segment_id for d in decisions})
        allocation = coding_allocation(session)
        body: dict[str, Any] = {
            "segment_id": segment.id, "document_id": segment.document_id, "text": segment.text,
            "coded_twice": allocation is not None and allocation.twice(units[segment_id]),
            "decisions": [{"segment_id": d.segment_id, "code_id": d.code_id, "decision": d.decision,
                           "coder": d.coder, "created_at": d.created_at.isoformat()}
                          for d in decisions if units[d.segment_id] == units[segment_id]],
        }
    return JSONResponse(body)
