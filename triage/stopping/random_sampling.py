"""Callaghan & Müller-Hansen's statistical stopping test with a random sample.

Callaghan, M. W. & Müller-Hansen, F. (2020). "Statistical stopping criteria for automated
screening in systematic reviews". Systematic Reviews 9:273, doi:10.1186/s13643-020-01521-4
(the method behind the ``buscar`` package). After prioritised screening, records are drawn
uniformly at random from the rest; H0 "recall is below the target" is rejected when seeing
that few includes in the sample would be unlikely (hypergeometric). Rejecting H0 at
confidence ``c`` is the promise: stopping misses the target with probability at most
``1 - c``, wherever the switch to sampling happened.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import hypergeom

from triage.errors import EvaluationError
from triage.stopping.base import ScreeningHistory, StopDecision, check_target
from triage.stopping.p_values import hypergeometric_p, target_missing
from triage.stopping.recall_bound import recall_lower_bound

__all__ = ["RandomSampling", "draws_to_reject", "hypergeometric_p", "random_sample_size", "sampling_p_values", "target_missing"]






def sampling_p_values(
    sample_labels: ArrayLike, n_urn: int, found_before: int, *, recall_target: float = 0.95
) -> NDArray[np.float64]:
    """:func:`hypergeometric_p` after each draw of a random sample, shape ``(m,)``.

    ``sample_labels`` are the labels of the records drawn from the urn of ``n_urn``, in
    draw order; entry ``j`` is the p-value after ``j + 1`` draws.
    """
    drawn = np.asarray(sample_labels, dtype=np.int64)
    if drawn.size > n_urn:
        raise EvaluationError("sample must be drawn from the urn: more draws than records")
    found_in = np.cumsum(drawn)
    sizes = np.arange(1, drawn.size + 1)
    k_tar = np.floor((found_before + found_in) / recall_target - found_before + 1)
    p = hypergeom.cdf(found_in, n_urn, np.minimum(k_tar, n_urn), sizes)
    return np.where(k_tar > n_urn, 0.0, p).astype(float)


def random_sample_size(
    n_unscreened: int, found: int, *, recall_target: float = 0.95, confidence: float = 0.95
) -> int:
    """How many random records to screen to stop, if none of them is an include.

    The answer to the reviewer's question "how many more?" at the switch to random
    sampling: the smallest ``n`` with ``hypergeometric_p(n_unscreened, n, 0, found) <
    1 - confidence``. Each include found in the sample raises it; the caller recomputes.
    Returns ``n_unscreened`` when only screening everything can reject H0.
    """
    check_target(recall_target, confidence)
    if n_unscreened <= 0:
        return 0
    return draws_to_reject(n_unscreened, 0, 0, found, recall_target=recall_target, confidence=confidence)


def draws_to_reject(
    n_urn: int, drawn: int, found_in_sample: int, found_before: int, *, recall_target: float, confidence: float
) -> int:
    """Further random draws needed to reject H0 if none of them is an include: the smallest
    ``m`` with the sample of ``drawn`` grown by ``m`` excludes rejecting at ``confidence``
    (``n_urn - drawn`` when only drawing everything can). The p-value falls as ``m``
    grows, so a binary search finds it."""
    alpha = 1 - confidence
    lo, hi = 0, n_urn - drawn
    if hypergeometric_p(n_urn, drawn + hi, found_in_sample, found_before, recall_target=recall_target) >= alpha:
        return hi
    while lo < hi:
        mid = (lo + hi) // 2
        if hypergeometric_p(n_urn, drawn + mid, found_in_sample, found_before, recall_target=recall_target) < alpha:
            hi = mid
        else:
            lo = mid + 1
    return lo


class RandomSampling:
    """The test on the random sample at the end of the history (``history.random_tail``).

    Before any random draw it cannot stop; ``to_screen`` then says how many random
    records to draw (if none of them is an include). ``recall`` is the recall so far that
    the sample vouches for at ``confidence`` (:func:`~triage.stopping.recall_bound.recall_lower_bound`).
    """

    name: ClassVar[str] = "cmh_random"
    needs: ClassVar[frozenset[str]] = frozenset({"random_sample"})
    guaranteed: ClassVar[bool] = True

    def promise(self, recall_target: float = 0.95, confidence: float = 0.95) -> str:
        return (f"with {confidence:.0%} confidence at least {recall_target:.0%} of the relevant records are found "
                "(tested on a random sample of the unscreened records)")

    def decide(self, history: ScreeningHistory, *, recall_target: float = 0.95, confidence: float = 0.95) -> StopDecision:
        check_target(recall_target, confidence)
        tail = min(max(history.random_tail, 0), history.screened)
        found = history.found
        if history.unscreened == 0:
            return StopDecision(True, 1.0, "lower bound", 0, "every record is screened")
        if tail == 0:
            more = random_sample_size(history.unscreened, found, recall_target=recall_target, confidence=confidence)
            return StopDecision(False, None, "lower bound", more,
                                f"draw {more} random unscreened records to test recall >= {recall_target:.0%}")
        sample = history.labels[history.screened - tail:]
        in_sample = int(sample.sum())
        p = hypergeometric_p(history.unscreened + tail, tail, in_sample, found - in_sample, recall_target=recall_target)
        bound = recall_lower_bound(history.labels, history.n_total, confidence=confidence, random_tail=tail)
        stop = p < 1 - confidence
        more = 0 if stop else draws_to_reject(history.unscreened + tail, tail, in_sample, found - in_sample,
                                               recall_target=recall_target, confidence=confidence)
        return StopDecision(stop, bound, "lower bound", more,
                            f"p = {p:.3g} for recall < {recall_target:.0%} after {tail} random draws")

