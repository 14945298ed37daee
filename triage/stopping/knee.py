"""The knee method: stop when the gain curve has flattened.

Cormack, G. V. & Grossman, M. R. (2016). "Engineering quality and reliability in
technology-assisted review". SIGIR '16, doi:10.1145/2911451.2911510: stop when the slope
of the cumulative-includes curve before its knee is at least ``156 - min(relevant found,
150)`` times the slope after it, and at least 150 records have been screened. Reliable in
their TREC runs, with no stated confidence: a heuristic.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from triage.stopping.base import ScreeningHistory, StopDecision, check_target

__all__ = ["Knee", "knee_point", "knee_stop"]

def knee_point(labels: ArrayLike) -> int:
    """Rank of the knee of the gain curve (records screened at the knee, 1-based).

    The knee is the point of the cumulative-includes curve farthest from the straight
    line between the origin and the current point (Cormack & Grossman 2016).
    """
    arr = np.asarray(labels, dtype=np.int64)
    k = arr.size
    if k == 0:
        return 0
    gain = np.cumsum(arr).astype(float)
    x = np.arange(1, k + 1, dtype=float)
    # distance to the line through (0, 0) and (k, gain[-1]), up to a constant factor
    dist = gain * k - x * gain[-1]
    return int(np.argmax(dist) + 1)


def knee_stop(labels: ArrayLike, *, min_screened: int = 150) -> bool:
    """Cormack & Grossman's knee rule with their adjusted target ratio.

    Slope ratio ``(found to knee / knee) / ((found after knee + 1) / (k - knee))`` must
    reach ``156 - min(found, 150)``, with at least ``min_screened`` records screened.
    """
    arr = np.asarray(labels, dtype=np.int64)
    k = arr.size
    found = int(arr.sum())
    if k < min_screened or found == 0:
        return False
    knee = knee_point(arr)
    if knee >= k:
        return False
    before = arr[:knee].sum() / knee
    after = (arr[knee:].sum() + 1) / (k - knee)
    return bool(before / after >= 156 - min(found, 150))


class Knee:
    """:func:`knee_stop` through the common interface."""

    name: ClassVar[str] = "knee"
    needs: ClassVar[frozenset[str]] = frozenset()
    guaranteed: ClassVar[bool] = False

    def __init__(self, min_screened: int = 150) -> None:
        self.min_screened = min_screened

    def promise(self, recall_target: float = 0.95, confidence: float = 0.95) -> str:
        return "the gain curve has flattened (Cormack & Grossman's knee); no stated recall (heuristic)"

    def decide(self, history: ScreeningHistory, *, recall_target: float = 0.95, confidence: float = 0.95) -> StopDecision:
        check_target(recall_target, confidence)
        stop = knee_stop(history.labels, min_screened=self.min_screened) or history.unscreened == 0
        return StopDecision(stop, None, "none", 0 if stop else None,
                            f"knee at {knee_point(history.labels)} of {history.screened} screened")
