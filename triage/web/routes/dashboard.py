"""The dashboard: PRISMA 2020 counts, progress, stopping advice, recall curve, flow diagram."""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from triage.screening.advice import screening_labels, stopping_advice
from triage.screening.team import team_status
from triage.store.prisma import prisma_counts
from triage.web.context import WebContext, context_of
from triage.web.errors import NotFoundError
from triage.web.figures import FORMATS, prisma_diagram, recall_curve_png
from triage.web.state import decided_record_ids

__all__ = ["router", "unscreened_scores"]

router = APIRouter()


def unscreened_scores(ctx: WebContext) -> np.ndarray | None:
    """The model's inclusion probabilities of the undecided records from the app's own
    ranking (not a second queue build); None until it is built.

    ``stopping_advice`` without them would build a new queue: seconds at 50k records on
    every dashboard load. With them the dashboard runs the model's rules (the estimate, the
    weighted test) as ``triage status`` does, and recommends the same rule.
    """
    state = ctx.screening
    scored = state.model_scores()
    if scored is None:
        return None
    scores, record_ids = scored
    decided = decided_record_ids(ctx.project, state.stage)
    unseen = np.array([i for i, rid in enumerate(record_ids) if rid not in decided], dtype=np.int64)
    return np.asarray(scores)[unseen]


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    ctx = context_of(request)
    with ctx.project.reading() as session:
        counts = prisma_counts(session)
        team = team_status(session)  # per-reviewer progress, agreement per pair
    scores = unscreened_scores(ctx)
    advice = stopping_advice(ctx.project, stage=ctx.screening.stage, with_model=scores is not None,
                             probabilities_left=scores)
    progress = counts.screened / counts.records_to_screen if counts.records_to_screen else 0.0
    return ctx.templates.TemplateResponse(
        request, "dashboard.html", {"counts": counts, "advice": advice, "progress": progress, "formats": FORMATS,
                                   "team": team}
    )


@router.get("/figures/recall.png")
def recall_png(request: Request) -> Response:
    ctx = context_of(request)
    labels, _, n_total = screening_labels(ctx.project, ctx.screening.stage)
    return Response(recall_curve_png(labels, n_total), media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/figures/prisma.{fmt}")
def prisma_figure(request: Request, fmt: str, whole: bool = False) -> Response:
    """The PRISMA 2020 flow diagram as a download (SVG or PNG); after a search update the
    newest round's, or with ``?whole=1`` the whole review's."""
    if fmt not in FORMATS:
        raise NotFoundError(f"no flow diagram format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    ctx = context_of(request)
    with ctx.project.reading() as session:
        counts = prisma_counts(session)
    return Response(
        prisma_diagram(counts, fmt, whole_review=whole), media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="prisma-flow.{fmt}"', "Cache-Control": "no-store"},
    )
