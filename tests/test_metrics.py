"""triage.metrics against hand-computed cases and ASReview LAB 3.0.8's own loss."""

from __future__ import annotations

import pytest

from triage import metrics
from triage.errors import EvaluationError

# 10 records, relevant at positions 1, 3 and 6 (1-based).
ORDER = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0]


def test_recall_curve_starts_at_zero_and_ends_at_one() -> None:
    curve = metrics.recall_curve(ORDER)
    assert curve.tolist() == pytest.approx([0, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 2 / 3, 1, 1, 1, 1, 1])


def test_wss_by_hand() -> None:
    # 95% of 3 relevant needs all 3: found after 6 of 10 records -> (10 - 6) / 10 - 0.05
    assert metrics.wss(ORDER, 0.95) == pytest.approx(0.35)
    assert metrics.wss(ORDER, 1.0) == pytest.approx(0.4)
    # 2/3 recall reached after 3 records -> 7/10 - 1/3
    assert metrics.wss(ORDER, 2 / 3) == pytest.approx(0.7 - 1 / 3)


def test_records_to_recall_has_no_floating_point_off_by_one() -> None:
    # 0.95 * 100 is 95.00000000000001 in floating point; 95 found must be enough
    labels = [1] * 100 + [0] * 100
    assert metrics.records_to_recall(labels, 0.95) == 95


def test_recall_at_rounds_the_screened_count_up() -> None:
    assert metrics.recall_at(ORDER, 0.10) == pytest.approx(1 / 3)  # 1 record
    assert metrics.recall_at(ORDER, 0.25) == pytest.approx(2 / 3)  # ceil(2.5) = 3 records
    assert metrics.recall_at(ORDER, 0.0) == 0.0
    assert metrics.recall_at(ORDER, 1.0) == 1.0


def test_erf_is_recall_beyond_random() -> None:
    # 1 of 3 found in the first 10%; random finds 0.3 of them
    assert metrics.erf(ORDER, 0.10) == pytest.approx((1 - 0.3) / 3)


def test_atd_is_mean_fraction_screened_per_relevant() -> None:
    assert metrics.atd(ORDER) == pytest.approx((1 + 3 + 6) / 3 / 10)
    assert metrics.atd([0, 0, 0, 1]) == 1.0


# Pinned from ASReview LAB 3.0.8 itself: in evaluation/.asreview-venv,
#   from asreview.metrics import loss; loss(labels)
# gave these values (run once on 2026-11-27).
ASREVIEW_LOSS = [
    ([1, 0, 1, 0, 0, 1, 0, 0, 0, 0], 0.19047619047619047),
    ([0, 0, 0, 1, 1], 1.0),
    ([1, 1, 0, 0, 0, 0], 0.0),
    ([0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], 0.3125),
]


@pytest.mark.parametrize(("labels", "expected"), ASREVIEW_LOSS)
def test_loss_matches_asreview(labels: list[int], expected: float) -> None:
    assert metrics.loss(labels) == pytest.approx(expected, abs=1e-12)


def test_loss_matches_asreview_on_its_own_simulation() -> None:
    """ASReview 3.0.8 ELAS u4 on SYNERGY_Donners_2021, priors [235, 164], seed 0
    (``evaluation/asreview_sim.py simulate``), labels after the priors padded with zeros
    as ``Simulate.review`` pads them: relevant at these 1-based positions of 256, and
    ``asreview.metrics.loss`` of that list was 0.06700118063754427."""
    labels = [0] * 256
    for pos in (2, 4, 5, 6, 7, 13, 15, 18, 22, 33, 34, 36, 40, 97):
        labels[pos - 1] = 1
    assert metrics.loss(labels) == pytest.approx(0.06700118063754427, abs=1e-12)
    assert metrics.wss(labels, 1.0) == pytest.approx((256 - 97) / 256)


def test_perfect_and_worst_orders() -> None:
    best, worst = [1, 1, 0, 0, 0], [0, 0, 0, 1, 1]
    assert metrics.wss(best, 1.0) == pytest.approx(0.6)
    assert metrics.loss(best) == 0.0 and metrics.loss(worst) == 1.0
    assert metrics.wss(worst, 1.0) == 0.0


def test_bad_labels_are_evaluation_errors() -> None:
    with pytest.raises(EvaluationError, match="no relevant records"):
        metrics.wss([0, 0, 0])
    with pytest.raises(EvaluationError, match="labels must be 0 or 1"):
        metrics.atd([1, 2])
    with pytest.raises(EvaluationError, match="loss needs at least one irrelevant record"):
        metrics.loss([1, 1])
    with pytest.raises(EvaluationError, match="recall level must be in"):
        metrics.wss(ORDER, 0)


def test_kappa_is_left_to_scikit_learn() -> None:
    """Cohen's kappa comes from sklearn's ``cohen_kappa_score`` (as in screening and coding
    agreement); metrics keeps no hand-written copy of it."""
    assert not hasattr(metrics, "cohen_kappa")
