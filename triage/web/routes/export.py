"""Export buttons: what ``triage export`` and ``triage status --json`` write, as downloads."""

from __future__ import annotations

import csv
import io
import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from triage.screening.advice import stopping_advice
from triage.store.blind import hidden_decision_ids
from triage.store.decisions import decision_history
from triage.store.prisma import prisma_counts
from triage.store.schema import STAGES
from triage.store.selection import SUBSETS, select_items
from triage.web.context import context_of, reviewer_of
from triage.web.errors import NotFoundError

__all__ = ["RECORD_FORMATS", "router"]

router = APIRouter()

#: Headings for the screening stages ("full_text" is "Full text", not "full/text").
STAGE_NAMES = {"title_abstract": "Title and abstract", "full_text": "Full text"}

#: Record formats: name -> (file extension, media type), as ``triage export --format``.
RECORD_FORMATS: dict[str, tuple[str, str]] = {
    "ris": ("ris", "application/x-research-info-systems"),
    "bibtex": ("bib", "application/x-bibtex"),
    "csv": ("csv", "text/csv"),
}


def _download(body: str | bytes, name: str, media_type: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/export", response_class=HTMLResponse)
def export_page(request: Request) -> Response:
    ctx = context_of(request)
    with ctx.project.reading() as session:
        counts = prisma_counts(session)
    sizes = {
        "all": counts.records_to_screen, "included": counts.included_title_abstract, "excluded": counts.excluded,
        "maybe": counts.maybe, "undecided": counts.undecided, "decided": counts.screened - counts.conflicts,
        "conflicts": counts.conflicts, "inherited": counts.inherited,
        "new": counts.update.records_to_screen if counts.update is not None else 0,
    }
    return ctx.templates.TemplateResponse(request, "export.html", {
        "subsets": SUBSETS, "sizes": sizes, "formats": RECORD_FORMATS, "stages": STAGES,
        "stage_names": STAGE_NAMES,
        "extras": extra_exports(),
        "update_round": counts.update.round if counts.update is not None else None,
    })


@router.get("/export/records.{fmt}")
def export_records(request: Request, fmt: str, subset: str = "all", stage: str = "title_abstract") -> Response:
    """Records with their decisions and reasons, as ``triage export --subset --stage --format``."""
    if fmt not in RECORD_FORMATS:
        raise NotFoundError(f"no record format {fmt!r}", hint=f"use one of: {', '.join(RECORD_FORMATS)}")
    if stage not in STAGES:
        raise NotFoundError(f"no stage {stage!r}", hint=f"use one of: {', '.join(STAGES)}")
    from triage.records.writers import render_records

    ctx = context_of(request)
    with ctx.project.reading() as session:
        items = select_items(session, subset=subset, stage=stage)
    ext, media_type = RECORD_FORMATS[fmt]
    return _download(render_records(items, fmt), f"{ctx.project.directory.name}-{subset}.{ext}", media_type)


@router.get("/export/status.json")
def export_status(request: Request) -> Response:
    """PRISMA counts and stopping advice, the same JSON as ``triage status --json``."""
    ctx = context_of(request)
    with ctx.project.reading() as session:
        data = prisma_counts(session).to_dict()
    data["stopping"] = stopping_advice(ctx.project, stage=ctx.screening.stage, with_model=False)
    return _download(json.dumps(data, indent=2, ensure_ascii=False), "status.json", "application/json")


@router.get("/export/decisions.csv")
def export_decisions(request: Request) -> Response:
    """The whole append-only decision log (every row, retractions included), for audit."""
    ctx = context_of(request)
    out = io.StringIO()
    writer = csv.writer(out)
    columns = ["id", "record_id", "stage", "decision", "reasons", "note", "reviewer", "created_at", "score",
               "rank", "model"]
    writer.writerow(columns)
    with ctx.project.reading() as session:
        hidden = hidden_decision_ids(session, viewer=reviewer_of(request))  # blind mode
        for row in decision_history(session):
            if row.id in hidden:
                continue
            values = [getattr(row, c) for c in columns]
            values[4] = "; ".join(row.reasons or [])
            values[7] = row.created_at.isoformat()
            writer.writerow(["" if v is None else v for v in values])
    return _download(out.getvalue(), "decisions.csv", "text/csv")


def extra_exports() -> list[tuple[str, str]]:
    """Coding downloads (``triage codebook export``, ``triage code export``), as (label, url)."""
    from triage.web.routes.coding import CODEBOOK_FORMATS

    codebook = [(f"Codebook ({fmt.upper()})", f"/export/codebook.{fmt}") for fmt in CODEBOOK_FORMATS]
    return [*codebook, ("Coded segments (CSV)", "/export/coded-segments.csv"),
            ("Coded segment counts per code, study, perspective (CSV)", "/export/coded-counts.csv"),
            ("Synthesis: studies by theme, for GRADE-CERQual (CSV)", "/export/synthesis.csv")]
