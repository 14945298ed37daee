"""The target method with the quantile binomial confidence bound (QBCB).

Cormack, G. V. & Grossman, M. R. (2016). "Engineering quality and reliability in
technology-assisted review". SIGIR '16, doi:10.1145/2911451.2911510 (the target method);
Lewis, D. D., Yang, E. & Frieder, O. (2021). "Certifying one-phase technology-assisted
reviews". CIKM '21, doi:10.1145/3459637.3482415 (QBCB). Before (or beside) prioritised
screening, records are drawn uniformly at random from the whole collection until the
draw holds ``r`` includes: the target set, a random sample of the relevant records.
Screening in ranked order stops once it has reached ``j`` of them, with ``j`` the smallest
count that a recall below the target makes unlikely: ``j - 1`` is the ``confidence``
quantile of Binomial(``r``, target). The promise is statistical; the cost is the random
draw, which grows as the share of includes falls (about ``r / prevalence`` records), and
at a 95% target with 95% confidence ``r`` must be at least 59.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

from scipy.stats import binom

from triage.stopping.base import ScreeningHistory, StopDecision, check_target

__all__ = ["TargetQBCB", "qbcb_required", "qbcb_sample_includes"]


@lru_cache(maxsize=1024)  # pure and asked at every checkpoint of a screening
def qbcb_required(sample_includes: int, recall_target: float, confidence: float) -> int:
    """``j``: target-set includes screening must reach; ``sample_includes + 1`` when none
    suffices (the target set is too small for this target and confidence)."""
    return int(binom.ppf(confidence, sample_includes, recall_target)) + 1


@lru_cache(maxsize=64)
def qbcb_sample_includes(recall_target: float, confidence: float) -> int:
    """The smallest target set ``r`` for which QBCB can stop before every one of them is
    found, i.e. ``qbcb_required(r) <= r`` (59 at 95%/95%, 29 at 90%/95%, 14 at 80%/95%)."""
    check_target(recall_target, confidence)
    r = 1
    while qbcb_required(r, recall_target, confidence) > r:
        r += 1
    return r


class TargetQBCB:
    """Stop once ranked screening has reached ``qbcb_required`` of the target set's includes.

    ``history.target_sample`` is ``(includes in the target set, how many of them screening
    has reached, records in the target set)``; without it the rule says how many target
    includes the review needs. ``sample_includes`` fixes ``r`` (default: the smallest that
    works for the target and confidence).
    """

    name: ClassVar[str] = "target_qbcb"
    needs: ClassVar[frozenset[str]] = frozenset({"target_sample"})
    guaranteed: ClassVar[bool] = True

    def __init__(self, sample_includes: int | None = None) -> None:
        self.sample_includes = sample_includes

    def includes_wanted(self, recall_target: float, confidence: float) -> int:
        return self.sample_includes or qbcb_sample_includes(recall_target, confidence)

    def promise(self, recall_target: float = 0.95, confidence: float = 0.95) -> str:
        return (f"with {confidence:.0%} confidence at least {recall_target:.0%} of the relevant records are found "
                f"(a random target set of {self.includes_wanted(recall_target, confidence)} relevant records, "
                "drawn first, is found by the ranking)")

    def decide(self, history: ScreeningHistory, *, recall_target: float = 0.95, confidence: float = 0.95) -> StopDecision:
        check_target(recall_target, confidence)
        if history.unscreened == 0:
            return StopDecision(True, None, "none", 0, "every record is screened")
        wanted = self.includes_wanted(recall_target, confidence)
        if history.target_sample is None:
            return StopDecision(False, None, "none", None,
                                f"draw random records until {wanted} of them are relevant (the target set)")
        r, reached, size = history.target_sample
        need = qbcb_required(r, recall_target, confidence)
        stop = reached >= need
        return StopDecision(stop, None, "none", 0 if stop else None,
                            f"{reached} of the {r} target-set includes reached (needs {need}; target set of {size} records)")
