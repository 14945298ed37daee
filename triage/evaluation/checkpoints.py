"""A model-based stopping rule judged on a simulated screening, from the classifier's
probabilities kept at checkpoints.

A rule that reads only labels needs only the screening order. A rule that reads the model
(:class:`~triage.stopping.WeightedQuasiSampling`, what ``triage status`` recommends where
every decision kept the probability it was shown with) also needs, at the moment it is
asked, the probabilities of the records not yet screened and of those screened as each was
shown. A simulation keeps them every ``ceil(n / CHECKPOINTS)`` decisions and the rule is
asked there: a stop up to 0.5% of the records later than one asked after every decision,
never earlier. The stopping benchmark (``evaluation/bench_stopping.py``) and ``triage
evaluate screening`` judge the rule this one way.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from triage.stopping.base import ScreeningHistory, StoppingRule

__all__ = ["CHECKPOINTS", "checkpoint_every", "decide_at_checkpoint", "shown_probabilities"]

#: Probabilities are kept about this many times per screening.
CHECKPOINTS = 200


def checkpoint_every(n: int) -> int:
    """Decisions between checkpoints on a review of ``n`` records."""
    return max(1, math.ceil(n / CHECKPOINTS))


def shown_probabilities(order: NDArray[np.int64], checkpoints: NDArray[np.int64],
                        probabilities: NDArray[np.floating]) -> NDArray[np.float64]:
    """Each record's probability when it was shown, in screening ``order``: from the last
    checkpoint at or before its position (the first checkpoint for the records screened
    before it, the priors). ``probabilities[j]`` is the cycle's after ``checkpoints[j]``
    decisions."""
    positions = np.arange(order.size)
    row = np.clip(np.searchsorted(checkpoints, positions, side="right") - 1, 0, None)
    return np.asarray(probabilities[row, order], dtype=float)


def decide_at_checkpoint(rule: StoppingRule, labels: NDArray[np.int64], order: NDArray[np.int64], screened: int,
                         probabilities: NDArray[np.floating], shown: NDArray[np.float64], *,
                         recall_target: float, confidence: float) -> bool:
    """Whether ``rule`` stops after ``screened`` records of ``order`` (the records in
    screening order, every one of the review), given the cycle's ``probabilities`` then and
    each screened record's ``shown`` probability."""
    seq = labels[order]
    probs = np.asarray(probabilities, dtype=float)
    history = ScreeningHistory(labels=seq[:screened], n_total=int(order.size),
                               unscreened_probabilities=probs[order[screened:]],
                               screened_probabilities=probs[order[:screened]], shown_probabilities=shown[:screened])
    return rule.decide(history, recall_target=recall_target, confidence=confidence).stop
