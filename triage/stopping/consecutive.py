"""The "N irrelevant in a row" heuristic, with the one threshold both reviewers and benchmarks use.

Stopping after a run of irrelevant records is the most common rule in practice (e.g. Ros,
Bjarnason & Runeson (2017), "A machine learning approach for semi-automated search and
selection in literature studies", EASE '17, doi:10.1145/3084226.3084243; the SAFE
procedure of Boetje & van de Schoot (2024), Systematic Reviews 13:81,
doi:10.1186/s13643-024-02502-7, uses a variant). It promises nothing: a long run says
the ranking has run dry, not how much it missed.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from triage.stopping.base import ScreeningHistory, StopDecision, check_target

__all__ = ["ConsecutiveIrrelevant", "consecutive_irrelevant", "run_threshold"]

def consecutive_irrelevant(labels: ArrayLike) -> int:
    """Number of irrelevant records screened since the last include (run length)."""
    arr = np.asarray(labels, dtype=np.int64)
    hits = np.flatnonzero(arr)
    return int(arr.size if hits.size == 0 else arr.size - hits[-1] - 1)


def run_threshold(n_total: int) -> int:
    """The run ``triage status`` shows and the benchmarks measure: 5% of the records, at
    least 50 (a rule of thumb in the spirit of SAFE's "5% of the records in a row"). One
    definition, so a measured rule is the rule shown."""
    return max(50, round(0.05 * n_total))


class ConsecutiveIrrelevant:
    """Stop after :func:`run_threshold` irrelevant records in a row (or ``run`` if given)."""

    name: ClassVar[str] = "consecutive_irrelevant"
    needs: ClassVar[frozenset[str]] = frozenset()
    guaranteed: ClassVar[bool] = False

    def __init__(self, run: int | None = None) -> None:
        self.run = run

    def threshold(self, n_total: int) -> int:
        return self.run if self.run is not None else run_threshold(n_total)

    def promise(self, recall_target: float = 0.95, confidence: float = 0.95) -> str:
        return "the ranking has run dry (a run of irrelevant records); says nothing about recall (heuristic)"

    def decide(self, history: ScreeningHistory, *, recall_target: float = 0.95, confidence: float = 0.95) -> StopDecision:
        check_target(recall_target, confidence)
        run = consecutive_irrelevant(history.labels)
        threshold = self.threshold(history.n_total)
        stop = run >= threshold or history.unscreened == 0
        return StopDecision(stop, None, "none", 0 if stop else min(threshold - run, history.unscreened),
                            f"{run} irrelevant in a row (heuristic threshold {threshold})")
