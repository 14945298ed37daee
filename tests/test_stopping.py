"""Stopping rules: hand-computed hypergeometric cases and the CMH guarantee by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import hypergeom

from triage import stopping
from triage.errors import EvaluationError


def test_target_missing_follows_cmh() -> None:
    # 40 found before sampling, none in the sample, target 95%:
    # recall < .95 needs more than 40/.95 - 40 = 2.1 missing -> at least 3
    assert stopping.target_missing(40, 40, 0.95) == 3
    assert stopping.target_missing(100, 100, 0.95) == 6
    # includes found in the sample count towards the urn's content
    assert stopping.target_missing(42, 40, 0.95) == math.floor(42 / 0.95 - 40 + 1)


def test_hypergeometric_p_by_hand() -> None:
    # urn of 10 with 3 includes under H0, draw 5, see none: C(7,5)/C(10,5) = 21/252
    p = stopping.hypergeometric_p(10, 5, 0, 40, recall_target=0.95)
    assert p == pytest.approx(21 / 252)
    assert p == pytest.approx(hypergeom.cdf(0, 10, 3, 5))


def test_p_is_zero_when_the_urn_cannot_hide_enough() -> None:
    assert stopping.hypergeometric_p(2, 1, 0, 40) == 0.0


def test_random_sample_size_is_the_first_n_that_rejects() -> None:
    n = stopping.random_sample_size(1000, 40, recall_target=0.95, confidence=0.95)
    assert stopping.hypergeometric_p(1000, n, 0, 40) < 0.05
    assert stopping.hypergeometric_p(1000, n - 1, 0, 40) >= 0.05
    # more includes found so far -> more could be missing under H0 -> fewer draws needed
    assert stopping.random_sample_size(1000, 200) < n
    assert stopping.random_sample_size(0, 40) == 0


def test_sampling_p_values_match_the_scalar_test() -> None:
    sample = [0, 1, 0, 0, 0, 0, 1, 0]
    p = stopping.sampling_p_values(sample, 50, 20)
    found = np.cumsum(sample)
    for j in range(len(sample)):
        assert p[j] == pytest.approx(stopping.hypergeometric_p(50, j + 1, int(found[j]), 20))


def test_random_sample_size_checks_its_arguments() -> None:
    with pytest.raises(EvaluationError, match="recall target must be between 0 and 1"):
        stopping.random_sample_size(10, 1, recall_target=1.0)
    with pytest.raises(EvaluationError, match="confidence must be between 0 and 1"):
        stopping.random_sample_size(10, 1, confidence=0)


def test_cmh_random_sampling_keeps_its_guarantee() -> None:
    """Draw many urns where recall before sampling is just under target; the test may stop
    with recall below 95% in at most ~5% of runs."""
    rng = np.random.default_rng(1)
    failures = runs = 0
    for _ in range(400):
        found_before = int(rng.integers(20, 80))
        missing = stopping.target_missing(found_before, found_before, 0.95) + int(rng.integers(0, 2))
        urn_size = int(rng.integers(300, 1500))
        urn = np.zeros(urn_size, dtype=int)
        urn[:missing] = 1
        rng.shuffle(urn)
        p = stopping.sampling_p_values(urn, urn_size, found_before)
        hits = np.flatnonzero(p < 0.05)
        drawn = int(hits[0]) + 1 if hits.size else urn_size
        found_in = int(urn[:drawn].sum())
        runs += 1
        recall = (found_before + found_in) / (found_before + missing)
        failures += recall < 0.95
    assert failures / runs <= 0.07


def test_ranked_quasi_p() -> None:
    # nothing screened: no evidence
    assert stopping.ranked_quasi_p([], 100) == 1.0
    # everything screened: recall is known to be 1
    assert stopping.ranked_quasi_p([1] * 10 + [0] * 90, 100) == 0.0
    # early includes then a long run of excludes: strong evidence
    # 30 found, H0 needs >= 2 missing; last 900 of an urn of 970 held none:
    # p = C(968, 900) / C(970, 900) = 70 * 69 / (970 * 969)
    labels = [1] * 30 + [0] * 900
    assert stopping.ranked_quasi_p(labels, 1000) == pytest.approx(70 * 69 / (970 * 969))
    assert stopping.ranked_quasi_p(labels[:630], 1000) > 0.05
    # includes still coming: no evidence
    assert stopping.ranked_quasi_p([1, 0] * 50, 1000) > 0.5


def test_estimated_recall() -> None:
    assert stopping.estimated_recall(9, [0.5, 0.3, 0.2]) == pytest.approx(0.9)
    assert stopping.estimated_recall(0, []) == 0.0


def test_consecutive_irrelevant() -> None:
    assert stopping.consecutive_irrelevant([1, 0, 0, 1, 0, 0, 0]) == 3
    assert stopping.consecutive_irrelevant([0, 0]) == 2
    assert stopping.consecutive_irrelevant([0, 1]) == 0


def test_knee() -> None:
    labels = [1] * 20 + [0] * 400
    assert stopping.knee_point(labels) == 20
    # slope before 1, after 1/400: ratio 400 >= 156 - 20
    assert stopping.knee_stop(labels)
    assert not stopping.knee_stop(labels[:100])  # fewer than 150 screened
    assert not stopping.knee_stop([1, 0] * 200)  # no knee
