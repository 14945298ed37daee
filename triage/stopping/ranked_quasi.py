"""Ranked quasi-sampling: Callaghan & Müller-Hansen's test without drawing a sample.

Callaghan, M. W. & Müller-Hansen, F. (2020). "Statistical stopping criteria for automated
screening in systematic reviews". Systematic Reviews 9:273, doi:10.1186/s13643-020-01521-4,
section "ranked quasi-sampling" (``buscar``): the last ``m`` prioritised records are treated
as a random sample of the records left before them, for every ``m``. Conservative because a
ranking puts includes first, so the records it screened last are likelier includes than a
random draw from the rest; the promise is the random-sampling test's, made without
drawing.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import hypergeom

from triage.stopping.base import ScreeningHistory, StopDecision, check_target

__all__ = ["RankedQuasiSampling", "ranked_quasi_p"]


def ranked_quasi_p(labels: ArrayLike, n_total: int, *, recall_target: float = 0.95) -> float:
    """p-value of H0 "recall < target" by ranked quasi-sampling (CMH 2020, buscar).

    For every ``m``, the last ``m`` screened records are taken as a random sample of
    the ``n_total - k + m`` records unscreened before them; the smallest p-value over
    ``m`` is returned. Conservative because prioritised records are likelier includes
    than a random draw.
    """
    arr = np.asarray(labels, dtype=np.int64)
    k = arr.size
    if k == 0 or n_total <= 0:
        return 1.0
    found = int(arr.sum())
    found_in = np.cumsum(arr[::-1])
    sizes = _quasi_sample_sizes(found_in)
    found_in = found_in[sizes - 1]
    urn_pop = n_total - k + sizes
    k_tar = np.floor(found / recall_target - (found - found_in) + 1)
    with np.errstate(invalid="ignore"):
        p = hypergeom.cdf(found_in, urn_pop, np.minimum(k_tar, urn_pop), sizes)
    p = np.where(k_tar > urn_pop, 0.0, p)
    return float(np.nanmin(p))


def _quasi_sample_sizes(found_in: NDArray[np.int64]) -> NDArray[np.int64]:
    """The sample sizes ``m`` (1-based) at which the smallest ranked quasi-sampling p-value
    can occur: the first and last ``m`` of every run with the same includes in the sample.

    Within such a run the includes in the sample and the includes H0 puts in the urn are
    fixed while one more exclude joins both sample and urn at each step, so the unsampled
    rest keeps its size while the urn's share of includes falls: the p-value only falls
    along the run (hypergeometric tails are monotone in the population size), except where
    the urn is too small to hide H0's includes (p = 0), which is at the run's start. So
    the minimum over all ``m`` is the minimum over these ends: about twice the number of
    includes instead of every screened record, which keeps ``triage status`` and the
    recall bound fast at 50,000 records. Tested equal to the full scan.
    """
    k = found_in.size
    change = np.flatnonzero(np.diff(found_in)) + 1  # 0-based index where a new run starts
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change - 1, [k - 1]))
    return np.unique(np.concatenate((starts, ends))).astype(np.int64) + 1


class RankedQuasiSampling:
    """Stop when ranked quasi-sampling rejects "recall < target" at ``confidence``.

    ``recall`` is the recall so far it vouches for (the test inverted,
    :func:`~triage.stopping.recall_bound.recall_lower_bound`); it cannot tell how many more
    records it needs (``to_screen`` is ``None``): that depends on what they hold.
    """

    name: ClassVar[str] = "cmh_ranked"
    needs: ClassVar[frozenset[str]] = frozenset()
    guaranteed: ClassVar[bool] = True

    def __init__(self, with_bound: bool = True) -> None:
        #: False skips the recall bound (a bisection of tests) where only the decision is
        #: wanted, as in the benchmark's replay of thousands of checkpoints.
        self.with_bound = with_bound

    def promise(self, recall_target: float = 0.95, confidence: float = 0.95) -> str:
        return (f"with {confidence:.0%} confidence at least {recall_target:.0%} of the relevant records are found "
                "(the last records screened taken as a sample of the rest; conservative)")

    def decide(self, history: ScreeningHistory, *, recall_target: float = 0.95, confidence: float = 0.95) -> StopDecision:
        from triage.stopping.recall_bound import recall_lower_bound

        check_target(recall_target, confidence)
        if history.unscreened == 0:
            return StopDecision(True, 1.0, "lower bound", 0, "every record is screened")
        p = ranked_quasi_p(history.labels, history.n_total, recall_target=recall_target)
        bound = recall_lower_bound(history.labels, history.n_total, confidence=confidence) if self.with_bound else None
        stop = p < 1 - confidence
        return StopDecision(stop, bound, "lower bound", 0 if stop else None,
                            f"p = {p:.3g} for recall < {recall_target:.0%} (ranked quasi-sampling)")
