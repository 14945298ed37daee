"""The PRISMA flow diagrams' arrows join their boxes, wherever the boxes' text made them end."""

from __future__ import annotations

import math

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from matplotlib.transforms import Bbox

from triage.store.prisma import PrismaCounts, UpdateCounts
from triage.web.figures import prisma_figure


def _gap(a: Bbox, b: Bbox) -> float:
    """Pixels between two boxes (0 where they touch or overlap)."""
    return math.hypot(max(0.0, b.x0 - a.x1, a.x0 - b.x1), max(0.0, b.y0 - a.y1, a.y0 - b.y1))


def _joins(fig: Figure) -> list[list[int]]:
    """For each arrow, the boxes (index in drawing order) its ends reach within 3 pixels."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in fig.texts if t.get_bbox_patch() is not None]
    arrows = [a.get_window_extent(renderer) for a in fig.artists if isinstance(a, FancyArrowPatch)]
    assert arrows
    return [[i for i, box in enumerate(boxes) if _gap(arrow, box) <= 3] for arrow in arrows]


COUNTS = PrismaCounts(identified=1119, identified_by_source={"Embase": 420, "PsycINFO": 357, "Scopus": 329,
                                                            "PubMed": 13},
                      duplicates_removed=512, records_to_screen=607, screened=6, undecided=601, excluded=2,
                      excluded_reasons={"perspective: children's or adolescents' own views only": 1,
                                        "evaluation: cross-sectional survey": 1},
                      included_title_abstract=3, maybe=1, full_text_assessed=1, included=1, included_studies=1)
UPDATE = UpdateCounts(round="2026-update", identified=13, identified_by_source={"PubMed": 13}, duplicates_removed=8,
                      records_to_screen=5, previous_included=1, total_included=1,
                      searches=[{"database": "MEDLINE", "platform": "Ovid", "searched_on": "2026-11-30", "hits": 13}])


@pytest.mark.parametrize("update", [False, True])
def test_every_arrow_joins_two_boxes_and_crosses_none(update: bool) -> None:
    """Arrows were drawn at fixed places: they floated between boxes, up to 60 pixels short of
    them, and the updated review's arrow from the previous studies crossed the main column."""
    counts = PrismaCounts(**{**COUNTS.__dict__, "update": UPDATE}) if update else COUNTS
    joins = _joins(prisma_figure(counts))
    assert all(len(boxes) == 2 for boxes in joins), joins
    assert len(joins) == (8 if update else 7)
