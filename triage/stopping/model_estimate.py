"""The model's own recall estimate: includes found over includes found plus expected missing.

The classifier's inclusion probabilities of the unscreened records, summed, are the
includes it expects still to be missing; recall so far is then ``found / (found +
expected missing)``. Used by ASReview-style tools and studied as a stopping signal by
Yang, Lewis & Frieder (2021), "Heuristic stopping rules for technology-assisted review",
DocEng '21, doi:10.1145/3469096.3469873 (their "quant" rule sums the model's scores of
screened records instead of the labels; see :mod:`triage.stopping.quant`). A point
estimate with no guarantee: it is only as good as the probabilities' calibration.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from triage.stopping.base import ScreeningHistory, StopDecision, check_target

__all__ = ["MODEL_MIN_SCREENED", "ModelEstimate", "estimated_recall", "model_min_decisions"]

#: Share of the records screened before the model-based estimate is shown or used: with a
#: handful of decisions the classifier's probabilities say little about the rest.
MODEL_MIN_SCREENED = 0.05


def model_min_decisions(n_total: int, share: float = MODEL_MIN_SCREENED) -> int:
    """Decisions needed before :func:`estimated_recall` means something (``share`` of ``n_total``)."""
    return max(1, math.ceil(share * n_total))


def estimated_recall(found: int, unscreened_probabilities: ArrayLike) -> float:
    """Model-based recall so far: ``found / (found + sum of P(include) unscreened)``.

    ``unscreened_probabilities`` has shape ``(m,)``, values in [0, 1]. A point estimate
    that is only as good as the classifier's calibration.
    """
    probs = np.asarray(unscreened_probabilities, dtype=float)
    expected_missing = float(np.clip(probs, 0, 1).sum())
    if found + expected_missing == 0:
        return 0.0
    return found / (found + expected_missing)


class ModelEstimate:
    """Stop when :func:`estimated_recall` reaches the target, once ``min_share`` of the
    records is screened (:data:`MODEL_MIN_SCREENED`). No confidence is involved."""

    name: ClassVar[str] = "model_estimate"
    needs: ClassVar[frozenset[str]] = frozenset({"probabilities"})
    guaranteed: ClassVar[bool] = False

    def __init__(self, min_share: float = MODEL_MIN_SCREENED) -> None:
        self.min_share = min_share

    def promise(self, recall_target: float = 0.95, confidence: float = 0.95) -> str:
        return (f"the model expects at least {recall_target:.0%} of the relevant records to be found "
                "(a point estimate, no guarantee)")

    def decide(self, history: ScreeningHistory, *, recall_target: float = 0.95, confidence: float = 0.95) -> StopDecision:
        check_target(recall_target, confidence)
        need = model_min_decisions(history.n_total, self.min_share)
        if history.unscreened == 0:
            return StopDecision(True, 1.0, "estimate", 0, "every record is screened")
        if history.unscreened_probabilities is None or history.screened < need:
            return StopDecision(False, None, "estimate", None, f"not yet: shown from {need} decisions")
        estimate = estimated_recall(history.found, history.unscreened_probabilities)
        stop = estimate >= recall_target
        missing = float(np.clip(history.unscreened_probabilities, 0, 1).sum())
        return StopDecision(stop, estimate, "estimate", 0 if stop else None,
                            f"recall ~ {estimate:.1%} (expected {missing:.1f} includes unscreened)")
