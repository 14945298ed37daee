"""Stopping rules for prioritised screening: pure functions of labels and scores.

``labels`` is always the labels (1 include, 0 exclude) of the records screened so
far, in screening order, shape ``(k,)``; ``n_total`` the number of records in the
review. Nothing here prints or touches a store.

Rules and their sources:

- :func:`hypergeometric_p` / :func:`random_sample_size`: the statistical test of
  Callaghan & Müller-Hansen (2020), "Statistical stopping criteria for automated
  screening in systematic reviews", Systematic Reviews 9:273,
  doi:10.1186/s13643-020-01521-4. After prioritised screening, records are drawn at
  random from the rest; H0 "recall is below the target" is rejected when observing
  that few includes in the sample would be unlikely (hypergeometric). Rejecting H0
  at confidence ``c`` gives the reviewer a guarantee: stopping misses the target with
  probability at most ``1 - c``.
- :func:`ranked_quasi_p`: the same paper's "ranked quasi-sampling": the last ``m``
  prioritised records are treated as a sample of the records left before them (a
  conservative assumption, since the ranking puts includes first), for every ``m``.
- :func:`recall_lower_bound`: the same tests inverted: the recall reached so far, at
  least, with the chosen confidence (the guarantee-backed answer to "how far along?").
- :func:`estimated_recall`: model-based recall estimate: includes found divided by
  includes found plus the sum of the classifier's inclusion probabilities over the
  unscreened records (expected includes still missing, if the probabilities are
  calibrated). A point estimate with no guarantee.
- :func:`consecutive_irrelevant`: the common heuristic "stop after N irrelevant in a
  row" (e.g. Ros et al. 2017; the SAFE procedure of Boetje & van de Schoot 2024 uses a
  variant). No guarantee.
- :func:`knee_stop`: the knee method of Cormack & Grossman (2016), "Engineering
  quality and reliability in technology-assisted review", SIGIR '16,
  doi:10.1145/2911451.2911510: stop when the slope of the gain curve before its knee
  is at least ``156 - min(relevant found, 150)`` times the slope after it and at
  least 150 records have been screened.
"""

from __future__ import annotations

import bisect
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import hypergeom

from triage.errors import EvaluationError

__all__ = [
    "MODEL_MIN_SCREENED",
    "consecutive_irrelevant",
    "estimated_recall",
    "hypergeometric_p",
    "knee_point",
    "knee_stop",
    "model_min_decisions",
    "random_sample_size",
    "ranked_quasi_p",
    "recall_lower_bound",
    "sampling_p_values",
    "target_missing",
]


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise EvaluationError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")


def _check_target(recall_target: float, confidence: float) -> None:
    if not 0 < recall_target < 1:
        raise EvaluationError(f"recall target must be between 0 and 1 (exclusive), got {recall_target}")
    _check_confidence(confidence)


def target_missing(found_total: int, found_before: int, recall_target: float) -> int:
    """Smallest number of includes the sampled urn would hold if recall were below target.

    With ``found_total`` includes seen in all (before and during the sample) and
    ``found_before`` seen before the urn was sampled, recall ``< recall_target`` means
    the urn held more than ``found_total / target - found_before`` includes
    (Callaghan & Müller-Hansen 2020, eq. for K_tar): ``floor(found_total / target -
    found_before + 1)``.
    """
    return math.floor(found_total / recall_target - found_before + 1)


def hypergeometric_p(
    n_urn: int, n_sampled: int, found_in_sample: int, found_before: int, *, recall_target: float = 0.95
) -> float:
    """p-value of H0 "recall < target" after a random sample from the unscreened records.

    ``n_urn`` records were unscreened when random sampling began; ``n_sampled`` of them
    were drawn uniformly without replacement and ``found_in_sample`` were includes;
    ``found_before`` includes were found before sampling. The p-value is the chance of
    seeing at most ``found_in_sample`` includes if the urn held the fewest includes
    compatible with H0. Stop when it falls below ``1 - confidence``.
    """
    if n_sampled < 0 or n_sampled > n_urn or found_in_sample > n_sampled:
        raise EvaluationError("sample must be drawn from the urn: 0 <= found <= sampled <= urn size")
    k_tar = target_missing(found_before + found_in_sample, found_before, recall_target)
    if k_tar > n_urn:  # the urn is too small to hide that many includes: H0 impossible
        return 0.0
    return float(hypergeom.cdf(found_in_sample, n_urn, k_tar, n_sampled))


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
    _check_target(recall_target, confidence)
    if n_unscreened <= 0:
        return 0
    alpha = 1 - confidence
    lo, hi = 0, n_unscreened
    if hypergeometric_p(n_unscreened, hi, 0, found, recall_target=recall_target) >= alpha:
        return n_unscreened
    while lo < hi:  # p falls as n grows: binary search the first n with p < alpha
        mid = (lo + hi) // 2
        if hypergeometric_p(n_unscreened, mid, 0, found, recall_target=recall_target) < alpha:
            hi = mid
        else:
            lo = mid + 1
    return lo


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
    _check_confidence(confidence)
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


def consecutive_irrelevant(labels: ArrayLike) -> int:
    """Number of irrelevant records screened since the last include (run length)."""
    arr = np.asarray(labels, dtype=np.int64)
    hits = np.flatnonzero(arr)
    return int(arr.size if hits.size == 0 else arr.size - hits[-1] - 1)


def knee_point(labels: ArrayLike) -> int:
    """Rank of the knee of the gain curve (records screened at the knee, 1-based).

    The knee is the point of the cumulative-includes curve farthest from the straight
    line between the origin and the current point (Cormack & Grossman 2016).
    """
    arr = np.asarray(labels, dtype=np.int64)
    k = arr.size
    if k == 0:
        return 0
    gain = np.cumsum(arr).astype(float)
    x = np.arange(1, k + 1, dtype=float)
    # distance to the line through (0, 0) and (k, gain[-1]), up to a constant factor
    dist = gain * k - x * gain[-1]
    return int(np.argmax(dist) + 1)


def knee_stop(labels: ArrayLike, *, min_screened: int = 150) -> bool:
    """Cormack & Grossman's knee rule with their adjusted target ratio.

    Slope ratio ``(found to knee / knee) / ((found after knee + 1) / (k - knee))`` must
    reach ``156 - min(found, 150)``, with at least ``min_screened`` records screened.
    """
    arr = np.asarray(labels, dtype=np.int64)
    k = arr.size
    found = int(arr.sum())
    if k < min_screened or found == 0:
        return False
    knee = knee_point(arr)
    if knee >= k:
        return False
    before = arr[:knee].sum() / knee
    after = (arr[knee:].sum() + 1) / (k - knee)
    return bool(before / after >= 156 - min(found, 150))
