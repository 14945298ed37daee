"""Quant and QuantCI: recall estimated from the model's scores alone, with a variance margin.

Yang, E., Lewis, D. D. & Frieder, O. (2021). "Heuristic stopping rules for
technology-assisted review". DocEng '21, doi:10.1145/3469096.3469873. With calibrated
probabilities ``p_i`` for every record, the expected number of includes among the screened
records is ``S = sum of p_i screened`` and in all records ``S + U``; recall is estimated
as ``S / (S + U)``. Treating each record's relevance as an independent Bernoulli(``p_i``),
the delta method gives the estimate's variance
``S^2 / (S+U)^4 * V_all + V_screened / (S+U)^2`` with ``V = sum p_i (1 - p_i)``; QuantCI
stops when the estimate minus ``nstd`` standard deviations reaches the target (the
paper's two-sided 95% margin is ``nstd = 2``). A heuristic: the variance is the model's,
not the reviewer's, and no confidence is promised.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from triage.stopping.base import ScreeningHistory, StopDecision, check_target

__all__ = ["QuantCI", "quant_estimate"]


def quant_estimate(screened_probabilities: np.ndarray, unscreened_probabilities: np.ndarray) -> tuple[float, float]:
    """``(recall estimate, its variance)`` from the probabilities of the screened and the
    unscreened records (shapes ``(k,)`` and ``(n - k,)``)."""
    seen = np.clip(np.asarray(screened_probabilities, dtype=float), 0, 1)
    unseen = np.clip(np.asarray(unscreened_probabilities, dtype=float), 0, 1)
    s, u = float(seen.sum()), float(unseen.sum())
    if s + u <= 0:
        return 0.0, 0.0
    v_seen = float((seen * (1 - seen)).sum())
    v_all = v_seen + float((unseen * (1 - unseen)).sum())
    variance = s * s / (s + u) ** 4 * v_all + v_seen / (s + u) ** 2
    return s / (s + u), variance


class QuantCI:
    """Stop when the Quant estimate less ``nstd`` standard deviations reaches the target,
    with at least ``min_screened`` records screened (the paper waits for a first batch)."""

    name: ClassVar[str] = "quant_ci"
    needs: ClassVar[frozenset[str]] = frozenset({"probabilities"})
    guaranteed: ClassVar[bool] = False

    def __init__(self, nstd: float = 2.0, min_screened: int = 50) -> None:
        self.nstd = nstd
        self.min_screened = min_screened

    def promise(self, recall_target: float = 0.95, confidence: float = 0.95) -> str:
        return (f"the model's scores put recall at {recall_target:.0%} or more, {self.nstd:g} standard deviations "
                "below its estimate (Yang et al.'s QuantCI; no guarantee)")

    def decide(self, history: ScreeningHistory, *, recall_target: float = 0.95, confidence: float = 0.95) -> StopDecision:
        check_target(recall_target, confidence)
        if history.unscreened == 0:
            return StopDecision(True, 1.0, "estimate", 0, "every record is screened")
        seen, unseen = history.screened_probabilities, history.unscreened_probabilities
        if seen is None or unseen is None or history.screened < self.min_screened:
            return StopDecision(False, None, "estimate", None, f"not yet: shown from {self.min_screened} decisions")
        estimate, variance = quant_estimate(seen, unseen)
        low = estimate - self.nstd * math.sqrt(variance)
        stop = low >= recall_target
        return StopDecision(stop, estimate, "estimate", 0 if stop else None,
                            f"recall ~ {estimate:.1%}, {low:.1%} at {self.nstd:g} standard deviations below")
