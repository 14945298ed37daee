"""The synthesis page: the study-by-theme matrix a synthesis reports and a GRADE-CERQual
assessment starts from, with the same table as CSV (``triage code synthesis``).

For every theme and code: how many segments, which studies support it (reports of one study,
linked as #8's study groups, count once), which perspectives, segments per study, and
quotations to check the finding against (:func:`triage.coding.synthesis.synthesis_table`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from triage.coding.synthesis import synthesis_table
from triage.store import code_decisions as appl
from triage.store import coding as store
from triage.store.coding_in_force import synthesis_rows
from triage.web.context import context_of
from triage.web.routes.coding import _csv, _download

__all__ = ["router"]

router = APIRouter()

#: Quotations per theme or code on the page and in the CSV (``triage code synthesis --quotes``).
QUOTES = 3


def _table(request: Request, coder: str, quotes: int) -> tuple[list[dict[str, object]], list[str], int, int]:
    """The matrix of the coding in force (``coder``'s own if named), the coders, and how many
    segments hold codes coders dispute unresolved and how many coded once wait, blind, for a
    second coder (neither counted: :mod:`triage.store.coding_in_force`)."""
    with context_of(request).project.reading() as session:
        codebook = store.load_codebook(session)
        found = synthesis_rows(session, codebook, coder or None)
        table = synthesis_table(found.rows, codebook, quotes=quotes)
        coders = sorted({d.coder for d in appl.current_code_decisions(session, codebook) if d.decision == "accept"})
    return table, coders, len(found.disputed_units), len(found.awaiting_units)


@router.get("/coding/synthesis", response_class=HTMLResponse)
def synthesis_page(request: Request, coder: str = "") -> Response:
    """The matrix: themes and codes down, studies across, counts in the cells, quotes beside."""
    table, coders, disputed, awaiting = _table(request, coder, QUOTES)
    studies = [key.removeprefix("study: ") for key in (table[0] if table else {}) if key.startswith("study: ")]
    depth: dict[str, int] = {}
    for row in table:
        depth[str(row["code_id"])] = depth.get(str(row["parent"]), -1) + 1 if row["parent"] else 0
    return context_of(request).templates.TemplateResponse(request, "synthesis.html", {
        "table": table, "studies": studies, "depth": depth, "coders": coders, "coder": coder,
        "csv": "/export/synthesis.csv" + (f"?coder={coder}" if coder else ""),
        "coded": any(row["segments"] for row in table), "disputed": disputed,
        "awaiting": awaiting,
    })


@router.get("/export/synthesis.csv")
def export_synthesis(request: Request, coder: str = "", quotes: int = QUOTES) -> Response:
    """The matrix as ``triage code synthesis OUT.csv`` writes it."""
    table, *_ = _table(request, coder, quotes)
    return _download(_csv(table, list(table[0]) if table else ["code_id"]), "synthesis.csv", "text/csv")
