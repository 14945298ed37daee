"""Screening metrics: pure functions of a screening order's labels.

Every function takes ``labels``: the relevance labels (1 include, 0 exclude), shape
``(n,)``, **in the order the records were screened**, covering every record of the
dataset (records never screened go at the end, in any order, as ASReview pads them).
Priors are left out by the caller, as ASReview and ASReview Insights do by default, so
that the metrics measure the ranking, not the luck of the draw.

Definitions (n records, R relevant):

- recall curve: ``found(k) / R`` after ``k`` records screened, ``k = 0..n``.
- WSS@r (work saved over sampling, Cohen et al. 2006): ``(n - k_r) / n - (1 - r)``,
  where ``k_r`` is the number screened when recall first reaches ``r``.
- recall@p%: recall after ``ceil(p% * n)`` records screened.
- ERF@p% (extra relevant found, ASReview Insights): relevant found in the first
  ``ceil(p% * n)`` records minus what random screening finds there on average
  (``R * p%``), as a fraction of ``R``.
- ATD (average time to discovery, Ferdinands et al. 2023): the mean over relevant
  records of the fraction of the dataset screened when it was found.
- loss (ASReview LAB 3, ``asreview.metrics.loss``): the area between the perfect and
  the actual recall curves, normalised so 0 is perfect and 1 the worst ordering.

All results are floats in [0, 1] except WSS and ERF, which may be negative (worse
than random).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from triage.errors import EvaluationError

__all__ = [
    "atd",
    "erf",
    "loss",
    "recall_at",
    "recall_curve",
    "records_to_recall",
    "wss",
]

_EPS = 1e-9


def _labels(labels: ArrayLike) -> NDArray[np.int64]:
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.size == 0:
        raise EvaluationError("labels must be a non-empty 1-d sequence of 0/1 in screening order")
    if not np.isin(arr, (0, 1)).all():
        raise EvaluationError("labels must be 0 or 1")
    arr = arr.astype(np.int64)
    if arr.sum() == 0:
        raise EvaluationError("no relevant records", hint="the metric needs at least one label 1")
    return arr


def recall_curve(labels: ArrayLike) -> NDArray[np.float64]:
    """Recall after 0, 1, ..., n records screened; shape ``(n + 1,)``, starts at 0."""
    arr = _labels(labels)
    return np.concatenate(([0.0], np.cumsum(arr) / arr.sum()))


def records_to_recall(labels: ArrayLike, r: float) -> int:
    """Number of records screened when recall first reaches ``r`` (0 < r <= 1).

    ``r * R`` is rounded up with a small tolerance, so that 95% of 100 relevant is 95
    records found, not 96 through floating-point error.
    """
    if not 0 < r <= 1:
        raise EvaluationError(f"recall level must be in (0, 1], got {r}")
    arr = _labels(labels)
    needed = max(1, math.ceil(r * arr.sum() - _EPS))
    return int(np.searchsorted(np.cumsum(arr), needed) + 1)


def wss(labels: ArrayLike, r: float = 0.95) -> float:
    """Work saved over sampling at recall ``r`` (fraction of the dataset)."""
    arr = _labels(labels)
    n = arr.size
    return float((n - records_to_recall(arr, r)) / n - (1 - r))


def _n_screened(n: int, fraction: float) -> int:
    if not 0 <= fraction <= 1:
        raise EvaluationError(f"fraction screened must be in [0, 1], got {fraction}")
    return min(n, math.ceil(fraction * n - _EPS))


def recall_at(labels: ArrayLike, fraction: float) -> float:
    """Recall after screening ``fraction`` (0-1) of the records, rounded up."""
    arr = _labels(labels)
    k = _n_screened(arr.size, fraction)
    return float(arr[:k].sum() / arr.sum())


def erf(labels: ArrayLike, fraction: float = 0.10) -> float:
    """Extra relevant found after ``fraction`` screened, beyond random, as share of R."""
    arr = _labels(labels)
    k = _n_screened(arr.size, fraction)
    total = arr.sum()
    return float((arr[:k].sum() - total * fraction) / total)


def atd(labels: ArrayLike) -> float:
    """Average fraction of the dataset screened to find each relevant record."""
    arr = _labels(labels)
    positions = np.flatnonzero(arr) + 1
    return float(positions.mean() / arr.size)


def loss(labels: ArrayLike) -> float:
    """ASReview's loss: normalised area between the perfect and actual recall curves.

    Same formula as ``asreview.metrics.loss`` (ASReview LAB 3.0.8):
    ``(R * (n - (R - 1) / 2) - sum(cumsum(labels))) / (R * (n - R))``. Needs both
    classes present.
    """
    arr = _labels(labels)
    n, total = arr.size, int(arr.sum())
    if total == n:
        raise EvaluationError("loss needs at least one irrelevant record")
    return float((total * (n - (total - 1) / 2) - np.cumsum(arr).sum()) / (total * (n - total)))
