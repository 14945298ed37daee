"""A model estimate calibrated on the review's own latest decisions, with Poisson margins (ours).

The model estimate (:mod:`triage.stopping.model_estimate`) trusts the classifier's
probabilities as they are. Two things make it stop early: the probabilities of the
records it has not shown are miscalibrated by an unknown factor, and even calibrated
ones only give the *expected* number missing. This rule checks both on the review itself:

1. Calibration. The records screened most recently (the last ``window`` share of the
   screened, at least ``min_window``) were shown with a probability each
   (``history.shown_probabilities``: the model's probability when the record was
   shown, before its label was known) and got labels. Their includes ``x`` against the
   sum ``e`` of those probabilities estimate the factor by which the model misjudges
   the records it is now reaching, the ones nearest the unscreened rest; the factor is
   taken at its upper Poisson bound, ``gamma = chi2(1 - a/2, 2(x+1)) / 2 / e`` (Garwood
   1936, Biometrika 28:437).
2. Chance. The unscreened records then hide ``Poisson(gamma * sum p)`` includes at most
   as many as its ``1 - a/2`` quantile ``M``; stop when ``found / (found + M)`` reaches the
   target (``a = 1 - confidence``, split between the two steps).

It assumes what the recent records show about the model's calibration carries over to
the rest, which the ranking makes plausible (they are the rest's most likely part) but not
certain: a heuristic with stated margins, judged by the benchmark on reviews it was not
tuned on (``evaluation/bench_stopping.py``), not a guarantee. Without shown probabilities
the factor is 1 (the model taken as calibrated).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from scipy.stats import chi2, poisson

from triage.stopping.base import ScreeningHistory, StopDecision, check_target
from triage.stopping.model_estimate import MODEL_MIN_SCREENED, model_min_decisions

__all__ = ["CalibratedModel", "calibration_factor", "missing_upper"]


def calibration_factor(labels: np.ndarray, shown: np.ndarray, alpha: float) -> float:
    """Upper ``1 - alpha`` Poisson bound of includes over the includes the shown
    probabilities expected, for a window of screened records (1.0 when they expected none)."""
    expected = float(np.clip(shown, 0, 1).sum())
    found = int(np.asarray(labels).sum())
    upper = float(chi2.ppf(1 - alpha, 2 * (found + 1))) / 2
    return upper / expected if expected > 0 else 1.0


def missing_upper(unscreened_probabilities: np.ndarray, factor: float, alpha: float) -> int:
    """Upper ``1 - alpha`` quantile of includes still missing: Poisson with mean ``factor``
    times the sum of the unscreened probabilities (a sum of rare Bernoullis; Poisson is the
    wider of the two)."""
    mean = factor * float(np.clip(unscreened_probabilities, 0, 1).sum())
    return int(poisson.ppf(1 - alpha, mean)) if mean > 0 else 0


class CalibratedModel:
    """Stop when ``found / (found + missing_upper)`` reaches the target (see the module doc)."""

    name: ClassVar[str] = "calibrated_model"
    needs: ClassVar[frozenset[str]] = frozenset({"probabilities"})
    guaranteed: ClassVar[bool] = False

    def __init__(self, window: float = 0.1, min_window: int = 50, min_share: float = MODEL_MIN_SCREENED) -> None:
        self.window = window
        self.min_window = min_window
        self.min_share = min_share

    def promise(self, recall_target: float = 0.95, confidence: float = 0.95) -> str:
        return (f"at least {recall_target:.0%} of the relevant records are found with {confidence:.0%} confidence "
                "if the model is as well calibrated on the rest as on the latest records screened "
                "(tested on reviews it was not tuned on; no guarantee)")

    def decide(self, history: ScreeningHistory, *, recall_target: float = 0.95, confidence: float = 0.95) -> StopDecision:
        check_target(recall_target, confidence)
        if history.unscreened == 0:
            return StopDecision(True, 1.0, "estimate", 0, "every record is screened")
        need = model_min_decisions(history.n_total, self.min_share)
        unseen = history.unscreened_probabilities
        if unseen is None or history.screened < need:
            return StopDecision(False, None, "estimate", None, f"not yet: shown from {need} decisions")
        alpha = (1 - confidence) / 2
        factor = 1.0
        shown = history.shown_probabilities
        if shown is not None and shown.size == history.screened:
            size = min(history.screened, max(self.min_window, math.ceil(self.window * history.screened)))
            factor = calibration_factor(history.labels[-size:], shown[-size:], alpha)
        missing = missing_upper(unseen, factor, alpha)
        found = history.found
        recall = found / (found + missing) if found + missing else 0.0
        stop = recall >= recall_target
        return StopDecision(stop, recall, "estimate", 0 if stop else None,
                            f"at most {missing} includes unscreened (calibration x{factor:.2f}); recall >= {recall:.1%}")
