"""A model estimate calibrated on the review's own latest decisions, with a predictive bound (ours).

The model estimate (:mod:`triage.stopping.model_estimate`) trusts the classifier's
probabilities as they are. Two things make it stop early: the probabilities of the
records not yet shown are miscalibrated by an unknown factor, and even calibrated ones
give only the *expected* number missing. This rule learns the factor on the review itself
and stops on an upper bound of the includes missing, not on their expectation:

1. Calibration. The records screened most recently (the last ``window`` share of the
   screened, at least ``min_window``) were shown with a probability each
   (``history.shown_probabilities``: the model's probability when the record was shown,
   before its label was known) and got labels: ``x`` includes where the probabilities
   expected ``e``. The factor ``gamma`` by which the model misjudges the records it is
   now reaching (the nearest to the unscreened rest) gets a Gamma(``prior``, ``prior``)
   prior (mean 1: calibrated, as strong as ``prior`` includes of evidence) and so the
   posterior Gamma(``prior + x``, ``prior + e``): the standard conjugate Poisson-rate update.
2. Prediction. The unscreened records hide ``Poisson(gamma * sum p)`` includes; with gamma
   drawn from its posterior that is negative binomial (the model SWIFT-Active Screener
   uses for its recall estimate: Howard et al. (2020), "SWIFT-Active Screener", Systematic
   Reviews 9:73, doi:10.1186/s13643-020-01324-7). ``M`` is its ``confidence`` quantile;
   stop when ``found / (found + M)`` reaches the target.

It assumes what the latest records show about the model's calibration carries over to
the rest, which the ranking makes plausible (they are the rest's likeliest part) but not
certain: a heuristic with a stated margin, whose settings were chosen on the tune half of
the shared reviews and which is judged on the other half
(``evaluation/bench_stopping.py``), not a guarantee. Without shown probabilities the
posterior is the prior.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from scipy.stats import nbinom

from triage.stopping.base import ScreeningHistory, StopDecision, check_target
from triage.stopping.model_estimate import MODEL_MIN_SCREENED, model_min_decisions

__all__ = ["CalibratedModel", "missing_upper"]


def missing_upper(
    unscreened_probabilities: np.ndarray, window_labels: np.ndarray, window_shown: np.ndarray, *,
    prior: float, confidence: float,
) -> int:
    """Upper ``confidence`` quantile of the includes still missing (see the module doc):
    negative binomial with shape ``prior + x`` and success probability ``b / (b + lam)``,
    ``b = prior + e``, ``lam`` the sum of the unscreened probabilities."""
    lam = float(np.clip(unscreened_probabilities, 0, 1).sum())
    if lam <= 0:
        return 0
    shape = prior + float(np.asarray(window_labels).sum())
    rate = prior + float(np.clip(window_shown, 0, 1).sum())
    return int(nbinom.ppf(confidence, shape, rate / (rate + lam)))


class CalibratedModel:
    """Stop when ``found / (found + missing_upper)`` reaches the target (see the module doc)."""

    name: ClassVar[str] = "calibrated_model"
    needs: ClassVar[frozenset[str]] = frozenset({"probabilities"})
    guaranteed: ClassVar[bool] = False

    def __init__(
        self, window: float = 0.25, min_window: int = 50, prior: float = 0.5, min_share: float = MODEL_MIN_SCREENED
    ) -> None:
        # window 0.25, prior 0.5: chosen on the tune half of evaluation/stopping_split.csv
        # (80 tfidf screenings; 12 settings of window 0.1-1.0 and prior 0.5-2): the most work
        # saved (25.9%; 38.4% over 2,000 records) of those reaching 95% recall at 95% in
        # every group. Judged on the report half in evaluation/reports/stopping.md.
        self.window = window
        self.min_window = min_window
        self.prior = prior
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
        shown = history.shown_probabilities
        if shown is not None and shown.size == history.screened:
            size = min(history.screened, max(self.min_window, math.ceil(self.window * history.screened)))
            window_labels, window_shown = history.labels[-size:], shown[-size:]
        else:
            window_labels, window_shown = np.zeros(0, dtype=np.int64), np.zeros(0)
        missing = missing_upper(unseen, window_labels, window_shown, prior=self.prior, confidence=confidence)
        found = history.found
        recall = found / (found + missing) if found + missing else 0.0
        stop = recall >= recall_target
        return StopDecision(stop, recall, "estimate", 0 if stop else None,
                            f"at most {missing} includes unscreened at {confidence:.0%}; recall >= {recall:.1%}")
