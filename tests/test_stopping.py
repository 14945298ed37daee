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


def test_recall_lower_bound_inverts_the_test() -> None:
    labels = [1] * 30 + [0] * 900
    bound = stopping.recall_lower_bound(labels, 1000)
    # the test rejects "recall < bound" and fails to reject just above it
    assert stopping.ranked_quasi_p(labels, 1000, recall_target=bound) < 0.05
    assert stopping.ranked_quasi_p(labels, 1000, recall_target=bound + 0.001) >= 0.05
    assert 0.5 < bound < 1.0
    # more evidence (a longer run of excludes) can only raise it; fewer decisions lower it
    assert stopping.recall_lower_bound(labels[:500], 1000) < bound
    assert stopping.recall_lower_bound([1] * 30 + [0] * 960, 1000) >= bound
    # a higher confidence asks for more: a lower bound
    assert stopping.recall_lower_bound(labels, 1000, confidence=0.99) <= bound
    assert stopping.recall_lower_bound(labels, 1000, confidence=0.999) < bound


def test_recall_lower_bound_edge_cases() -> None:
    assert stopping.recall_lower_bound([], 100) == 0.0
    assert stopping.recall_lower_bound([0] * 50, 100) == 0.0
    assert stopping.recall_lower_bound([1] * 10 + [0] * 90, 100) == 1.0
    with pytest.raises(EvaluationError, match="confidence must be between 0 and 1"):
        stopping.recall_lower_bound([1, 0], 10, confidence=1.0)
    with pytest.raises(EvaluationError, match="resolution must be in"):
        stopping.recall_lower_bound([1, 0], 10, resolution=0)
    # a coarser grid: the highest rejected tenth
    assert stopping.recall_lower_bound([1] * 30 + [0] * 900, 1000, resolution=0.1) == 0.9


def test_recall_lower_bound_with_a_random_sample_matches_the_sampling_test() -> None:
    # 40 found in ranked order, then 300 random draws from the 960 left with none found
    labels = [1] * 40 + [0] * 300
    bound = stopping.recall_lower_bound(labels, 1300, random_tail=300)
    assert stopping.hypergeometric_p(960 + 300, 300, 0, 40, recall_target=bound) < 0.05
    assert stopping.hypergeometric_p(960 + 300, 300, 0, 40, recall_target=bound + 0.001) >= 0.05


@pytest.mark.slow  # 999 targets x 4 orders: 24 s on a 2-core CPU
def test_recall_lower_bound_is_the_highest_rejected_target_on_the_grid() -> None:
    # Against the definition, target by target: ranked sequences with includes thinning
    # out, as a good ranking gives. The bound is an exact grid value (no float noise).
    rng = np.random.default_rng(7)
    for _ in range(4):
        n_total, k = 2000, int(rng.integers(200, 1500))
        labels = (rng.random(k) < np.linspace(0.3, 0.0, k)).astype(int)
        rejected = [t for t in range(1, 1000)
                    if stopping.ranked_quasi_p(labels, n_total, recall_target=t / 1000) < 0.05]
        expected = max(rejected) / 1000 if rejected else 0.0
        bound = stopping.recall_lower_bound(labels, n_total)
        assert bound == expected
        assert f"{bound}" == f"{round(bound, 3)}"


def test_recall_lower_bound_holds_in_simulated_screening() -> None:
    """A screening run where includes come early but not all at once: at every checkpoint the
    true recall is at least the bound in (nearly) every run: the guarantee it claims."""
    rng = np.random.default_rng(7)
    checks = below = 0
    for _ in range(60):
        n, relevant = int(rng.integers(400, 1500)), int(rng.integers(10, 80))
        y = np.zeros(n, dtype=int)
        y[:relevant] = 1
        # a ranking better than random: includes' positions drawn with a bias towards the front
        keys = rng.random(n) ** np.where(y == 1, 3.0, 1.0)
        order = y[np.argsort(keys)]
        for share in (0.2, 0.4, 0.6):
            screened = order[: int(share * n)]
            bound = stopping.recall_lower_bound(screened, n)
            checks += 1
            below += screened.sum() / relevant < bound
    assert below / checks <= 0.05


def _ranked_quasi_p_every_m(labels: np.ndarray, n_total: int, recall_target: float) -> float:
    """The ranked quasi-sampling p-value by the definition: the minimum over every m."""
    k, found = labels.size, int(labels.sum())
    best = 1.0
    for m in range(1, k + 1):
        found_in = int(labels[k - m:].sum())
        urn = n_total - k + m
        k_tar = math.floor(found / recall_target - (found - found_in) + 1)
        p = 0.0 if k_tar > urn else float(hypergeom.cdf(found_in, urn, k_tar, m))
        best = min(best, p)
    return best


def test_ranked_quasi_p_checks_only_run_ends_but_equals_the_full_scan() -> None:
    rng = np.random.default_rng(3)
    for _ in range(150):
        n = int(rng.integers(5, 400))
        k = int(rng.integers(1, n + 1))
        rate = float(rng.choice([0.02, 0.1, 0.4]))
        labels = (rng.random(k) < rate * np.linspace(1, 0, k) ** float(rng.choice([0.5, 2.0]))).astype(np.int64)
        target = float(rng.choice([0.5, 0.9, 0.95, 0.99]))
        assert stopping.ranked_quasi_p(labels, n, recall_target=target) == pytest.approx(
            _ranked_quasi_p_every_m(labels, n, target), rel=1e-12, abs=1e-15
        )
