"""The recall reached so far, at least, with a stated confidence: the statistical tests inverted.

Callaghan, M. W. & Müller-Hansen, F. (2020), Systematic Reviews 9:273,
doi:10.1186/s13643-020-01521-4 (``buscar``'s recall estimate): the largest target whose
H0 "recall < target" the evidence rejects.
"""

from __future__ import annotations

import bisect

import numpy as np
from numpy.typing import ArrayLike

from triage.errors import EvaluationError
from triage.stopping.base import check_confidence
from triage.stopping.p_values import hypergeometric_p, ranked_quasi_p

__all__ = ["recall_lower_bound"]


def recall_lower_bound(
    labels: ArrayLike, n_total: int, *, confidence: float = 0.95, random_tail: int = 0, resolution: float = 0.001
) -> float:
    """Recall reached so far, at least, with ``confidence``: the statistical test inverted.

    The test above answers one question ("is recall >= 95%?"). Reviewers also ask "how
    far along are we?"; the honest answer with a guarantee is the largest target ``t``
    for which H0 "recall < t" is rejected at ``1 - confidence`` (buscar's recall
    estimate, Callaghan & Müller-Hansen 2020). The test is the one :func:`stopping
    advice <triage.screening.advice.stopping_advice>` uses: the last ``random_tail``
    labels as a random sample of the records unscreened before it, or ranked
    quasi-sampling when ``random_tail`` is 0. The p-value only rises with the target, so
    the bound is found by bisection over the targets on a grid of step ``resolution``: the
    highest one rejected, so never overstated, and an exact grid value (0.009, not
    0.009000000000000001) for scripts that read it.
    Returns 1.0 once every record is screened and 0.0 before any include is found or
    when the evidence rules out nothing.
    """
    check_confidence(confidence)
    if not 0 < resolution <= 0.5:
        raise EvaluationError(f"resolution must be in (0, 0.5], got {resolution}")
    arr = np.asarray(labels, dtype=np.int64)
    k, found = arr.size, int(arr.sum())
    if k >= n_total > 0:
        return 1.0
    if found == 0:
        return 0.0
    alpha = 1 - confidence
    tail = min(max(random_tail, 0), k)

    def p_value(target: float) -> float:
        if tail:
            sample = arr[k - tail:]
            in_sample = int(sample.sum())
            return hypergeometric_p(n_total - k + tail, tail, in_sample, found - in_sample, recall_target=target)
        return ranked_quasi_p(arr, n_total, recall_target=target)

    steps = round(1 / resolution)
    grid = range(1, steps)  # targets step/steps, strictly between 0 and 1
    # bisect's key search over the grid (the test's p-value rises with the target): the
    # first target the evidence cannot reject; the one before it is the bound.
    first_kept = bisect.bisect_left(grid, True, key=lambda step: p_value(step / steps) >= alpha)
    return grid[first_kept - 1] / steps if first_kept else 0.0
