"""Dashboard pictures: the recall curve so far and the PRISMA 2020 flow diagram.

Drawn with matplotlib's object API on an Agg canvas (no ``pyplot``: it keeps global
figure state, and requests render in several threads at once). Each function returns
the file's bytes, ready to send.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from triage.store.prisma import PrismaCounts, UpdateCounts

__all__ = ["FORMATS", "prisma_diagram", "prisma_figure", "recall_curve_figure", "recall_curve_png"]

#: Flow-diagram formats offered for download, with their media types.
FORMATS: dict[str, str] = {"svg": "image/svg+xml", "png": "image/png"}


def _save(fig: Figure, fmt: str) -> bytes:
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format=fmt, dpi=110, bbox_inches="tight", metadata=None if fmt != "svg" else {"Date": None})
    return out.getvalue()


def recall_curve_png(labels: Sequence[int] | np.ndarray, n_total: int) -> bytes:
    """:func:`recall_curve_figure` as PNG bytes."""
    return _save(recall_curve_figure(labels, n_total), "png")


def recall_curve_figure(labels: Sequence[int] | np.ndarray, n_total: int) -> Figure:
    """Includes found against records screened, in decision order, beside random screening.

    ``labels``: 1 (include or maybe) / 0 (exclude) per decided record, oldest first.
    Without labels the picture says so rather than drawing an empty axis.
    """
    y = np.asarray(labels, dtype=np.int64)
    fig = Figure(figsize=(6.0, 3.4))
    ax = fig.add_subplot()
    if y.size == 0:
        ax.text(0.5, 0.5, "no decisions yet", ha="center", va="center", fontsize=12, color="#666")
        ax.set_axis_off()
        return fig
    found = np.concatenate([[0], np.cumsum(y)])
    x = np.arange(found.size)
    ax.plot(x, found, color="#1b6e8f", lw=2, label="includes and maybes found (triage order)")
    rate = y.sum() / max(1, y.size)
    ax.plot(x, rate * x, color="#999", ls="--", lw=1, label="same rate at random")
    ax.set_xlabel(f"records screened (of {n_total})")
    ax.set_ylabel("includes found")
    ax.set_xlim(0, max(1, x[-1]))
    ax.set_ylim(0, max(1, found[-1]) * 1.1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts of records: no 2.5 ticks
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return fig


def _box(fig: Figure, x: float, y: float, text: str) -> Text:
    return fig.text(x, y, text, ha="center", va="center", fontsize=9, wrap=True,
                    bbox={"boxstyle": "square,pad=0.6", "fc": "white", "ec": "#333", "lw": 1})


def _lines(title: str, n: int, details: dict[str, int], limit: int = 6, *, rest: str = "reasons") -> str:
    """A box's title, its count and its first ``limit`` details; the rest summed as "N more
    ``rest``"."""
    rows = [f"{title}\n(n = {n})"]
    items = list(details.items())
    rows += [f"  {name} (n = {k})" for name, k in items[:limit]]
    if len(items) > limit:
        rows.append(f"  {len(items) - limit} more {rest} (n = {sum(k for _, k in items[limit:])})")
    return "\n".join(rows)


def _sources(title: str, n: int, by_source: dict[str, int]) -> str:
    """The identification box: the databases with the most records first, the rest summed."""
    largest_first = dict(sorted(by_source.items(), key=lambda item: (-item[1], item[0])))
    return _lines(title, n, largest_first, rest="sources")


def prisma_diagram(counts: PrismaCounts, fmt: str, *, whole_review: bool = False) -> bytes:
    """The PRISMA 2020 flow diagram (databases only) from ``counts``, as SVG or PNG
    (:func:`prisma_figure`)."""
    return _save(prisma_figure(counts, whole_review=whole_review), fmt)


def prisma_figure(counts: PrismaCounts, *, whole_review: bool = False) -> Figure:
    """The PRISMA 2020 flow diagram (databases only) from ``counts``.

    Title/abstract screening and full-text assessment are separate boxes, as in the
    PRISMA 2020 template (Page et al. 2021, BMJ 372:n71); records not yet screened are
    stated so a diagram drawn mid-review is not mistaken for a final one. After a search
    update the newest round is drawn on the template for updated reviews, unless
    ``whole_review``: a search re-run before the first publication is reported as one flow.
    """
    if counts.update is not None and not whole_review:
        return _update_figure(counts.update)
    fig = Figure(figsize=(8.5, 9.0))
    left, right = 0.27, 0.76
    for y, label in zip((0.88, 0.53, 0.07), ("Identification", "Screening", "Included")):
        fig.text(0.02, y, label, rotation=90, ha="left", va="center", fontsize=10, weight="bold", color="#1b6e8f")
    _flow(fig, left, right, [
        _sources("Records identified from databases", counts.identified, counts.identified_by_source),
        f"Records screened\n(n = {counts.screened} of {counts.records_to_screen};\nnot yet screened n = {counts.undecided})",
        f"Reports sought for retrieval\n(n = {counts.included_title_abstract + counts.maybe}; maybe n = {counts.maybe})",
        f"Reports assessed for eligibility\n(n = {counts.full_text_assessed})",
        f"Studies included in review\n(n = {counts.included_studies})\nReports of included studies\n(n = {counts.included})",
    ], [
        f"Records removed before screening:\n  duplicate records (n = {counts.duplicates_removed})",
        _lines("Records excluded", counts.excluded, counts.excluded_reasons),
        _lines("Reports excluded", counts.full_text_excluded, counts.full_text_excluded_reasons),
    ])
    return fig


def _update_figure(update: UpdateCounts) -> Figure:
    """The PRISMA 2020 flow diagram for updated reviews: the newest round's records in the
    main column, the studies of the previous version beside them, and the total."""
    fig = Figure(figsize=(10.5, 9.0))
    previous, left, right = 0.15, 0.47, 0.82
    fig.text(0.5, 0.975, f"Search update: {update.round}", ha="center", va="center", fontsize=11, weight="bold")
    for y, label in zip((0.88, 0.53, 0.07), ("Identification", "Screening", "Included")):
        fig.text(0.01, y, label, rotation=90, ha="left", va="center", fontsize=10, weight="bold", color="#1b6e8f")
    before = _box(fig, previous, _ROWS[0], "Previous studies\n\nStudies included in\nprevious version of review\n"
                                          f"(n = {update.previous_included})")
    main = _flow(fig, left, right, [
        _sources("Records identified in this round", update.identified, update.identified_by_source)
        + _searches(update.searches),
        (f"New records screened\n(n = {update.screened} of {update.records_to_screen};\n"
        f"not yet screened n = {update.records_to_screen - update.screened})"),
        f"Reports sought for retrieval\n(n = {update.included_title_abstract})",
        f"Reports assessed for eligibility\n(n = {update.full_text_assessed})",
        (f"New studies included in review (n = {update.included})\n"
        f"Total studies included in review (n = {update.total_included})"),
    ], [
        ("Records removed before screening:\n  duplicates, of each other or of\n"
        f"  studies found before (n = {update.duplicates_removed})"),
        _lines("Records excluded", update.excluded, update.excluded_reasons),
        _lines("Reports excluded", update.full_text_excluded, update.full_text_excluded_reasons),
    ])
    # down the left column, then into the total (a straight line crossed the main column's boxes)
    _arrow(fig, before, main[-1], connection="angle,angleA=90,angleB=0,rad=0")
    return fig


#: The rows of the flow's five main boxes (identification to inclusion), and the three of them
#: with a box beside (removed before screening, records excluded, reports excluded).
_ROWS = (0.88, 0.64, 0.42, 0.24, 0.07)
_ROWS_BESIDE = (0, 1, 3)


def _flow(fig: Figure, left: float, right: float, main: list[str], beside: list[str]) -> list[Text]:
    """The PRISMA flow's boxes, both templates alike: ``main`` down the column at ``left``,
    ``beside`` at ``right`` on the rows of :data:`_ROWS_BESIDE`, joined by arrows; returns the
    main column's boxes."""
    column = [_box(fig, left, y, text) for y, text in zip(_ROWS, main, strict=True)]
    for above, below in pairwise(column):
        _arrow(fig, above, below)
    for row, text in zip(_ROWS_BESIDE, beside, strict=True):
        _arrow(fig, column[row], _box(fig, right, _ROWS[row], text))
    return column


def _searches(searches: list[dict[str, object]]) -> str:
    """The round's recorded searches under its identification box (PRISMA-S)."""
    if not searches:
        return ""
    lines = ["Searched:"]
    for search in searches[:6]:
        where = ", ".join(str(search[k]) for k in ("platform", "searched_on") if search.get(k))
        hits = f": {search['hits']} hits" if search.get("hits") is not None else ""
        lines.append(f"  {search['database']}{f' ({where})' if where else ''}{hits}")
    return "\n" + "\n".join(lines)


def _arrow(fig: Figure, start: Text, end: Text, connection: str = "arc3") -> None:
    """An arrow from box ``start`` to box ``end``, drawn from edge to edge: matplotlib clips it
    at both boxes' frames, wherever their text made them end (fixed coordinates left arrows
    floating in mid-air beside boxes of another size). Drawn after the boxes (zorder), whose
    frames are placed when their text is drawn."""
    patch_a, patch_b = start.get_bbox_patch(), end.get_bbox_patch()
    fig.add_artist(FancyArrowPatch(start.get_position(), end.get_position(), transform=fig.transFigure,
                                   patchA=patch_a, patchB=patch_b, shrinkA=0, shrinkB=0, connectionstyle=connection,
                                   mutation_scale=12,
                                   arrowstyle="->", color="#333", zorder=5))
