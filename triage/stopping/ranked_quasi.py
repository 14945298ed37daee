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

from triage.stopping.base import ScreeningHistory, StopDecision, check_target
from triage.stopping.p_values import ranked_quasi_p
from triage.stopping.recall_bound import recall_lower_bound

__all__ = ["RankedQuasiSampling", "ranked_quasi_p"]






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
        check_target(recall_target, confidence)
        if history.unscreened == 0:
            return StopDecision(True, 1.0, "lower bound", 0, "every record is screened")
        p = ranked_quasi_p(history.labels, history.n_total, recall_target=recall_target)
        bound = recall_lower_bound(history.labels, history.n_total, confidence=confidence) if self.with_bound else None
        stop = p < 1 - confidence
        return StopDecision(stop, bound, "lower bound", 0 if stop else None,
                            f"p = {p:.3g} for recall < {recall_target:.0%} (ranked quasi-sampling)")
