"""The p-values of the Callaghan & Mueller-Hansen stopping tests, shared by the rules.

Callaghan, M. W. & Mueller-Hansen, F. (2020). Statistical stopping criteria for automated
screening in systematic reviews. Systematic Reviews 9, 273. The random-sampling test
(:func:`hypergeometric_p`) and its ranked quasi-sampling variant (:func:`ranked_quasi_p`)
are used by their rules (:mod:`.random_sampling`, :mod:`.ranked_quasi`) and inverted into a
recall lower bound (:mod:`.recall_bound`); kept here so none of those imports another.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import hypergeom

from triage.errors import EvaluationError

__all__ = ["hypergeometric_p", "ranked_quasi_p", "target_missing"]


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

