"""The stopping rules behind one interface: promises, costs, and the new rules by hand and by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom, nbinom

from triage import stopping
from triage.evaluation.simulate import StoppingConfig, evaluate_rules
from triage.stopping import (
    RULES,
    CalibratedModel,
    ConsecutiveIrrelevant,
    ModelEstimate,
    QuantCI,
    RandomSampling,
    ScreeningHistory,
    StopDecision,
    TargetQBCB,
    WeightedQuasiSampling,
)
from triage.stopping.calibrated import missing_upper
from triage.stopping.quant import quant_estimate
from triage.stopping.random_sampling import draws_to_reject
from triage.stopping.weighted_quasi import weighted_quasi_p

#: Names other modules imported from the single-module ``triage.stopping`` before it
#: became a package: they must keep working.
OLD_NAMES = (
    "MODEL_MIN_SCREENED", "consecutive_irrelevant", "estimated_recall", "hypergeometric_p", "knee_point",
    "knee_stop", "model_min_decisions", "random_sample_size", "ranked_quasi_p", "recall_lower_bound",
    "sampling_p_values", "target_missing",
)


def test_the_package_keeps_every_old_name_and_pins_its_exports() -> None:
    for name in OLD_NAMES:
        assert name in stopping.__all__ and hasattr(stopping, name), name
    assert sorted(stopping.__all__) == sorted(set(stopping.__all__))
    for name in stopping.__all__:
        assert hasattr(stopping, name), name


def history(labels: list[int], n_total: int, **kwargs: object) -> ScreeningHistory:
    return ScreeningHistory.of(labels, n_total, **kwargs)  # type: ignore[arg-type]


def test_every_rule_answers_through_the_same_interface() -> None:
    rng = np.random.default_rng(0)
    labels = [1] * 30 + [0] * 270
    probs = rng.uniform(0, 0.01, 700)
    h = history(labels, 1000, unscreened_probabilities=probs, screened_probabilities=np.r_[np.full(30, 0.9), np.full(270, 0.05)],
                shown_probabilities=np.full(300, 0.1), target_sample=(59, 40, 600))
    assert set(RULES) == {"cmh_random", "cmh_ranked", "target_qbcb", "model_estimate", "quant_ci",
                          "calibrated_model", "weighted_quasi", "consecutive_irrelevant", "knee"}
    for name, rule in RULES.items():
        assert rule.name == name
        decision = rule.decide(h, recall_target=0.9, confidence=0.9)
        assert isinstance(decision, StopDecision) and isinstance(decision.stop, bool) and decision.detail
        words = rule.promise(0.9, 0.8)
        if rule.guaranteed:  # a statistical promise names its confidence and target
            assert "with 80% confidence at least 90% of the relevant records are found" in words
        else:
            assert "guarantee" in words or "heuristic" in words or "says nothing" in words
    # a review screened to the end stops every rule
    done = history([1, 0, 0, 1], 4, unscreened_probabilities=np.zeros(0), screened_probabilities=np.ones(4),
                   shown_probabilities=np.ones(4), target_sample=(1, 1, 1))
    assert all(rule.decide(done).stop for rule in RULES.values())


def test_random_sampling_says_how_many_to_draw_and_then_tests_the_draw() -> None:
    rule = RandomSampling()
    before = history([1] * 40 + [0] * 60, 1100)
    first = rule.decide(before)
    assert not first.stop
    assert first.to_screen == stopping.random_sample_size(1000, 40)
    # draw exactly that many, all irrelevant: the test rejects
    drawn = history([1] * 40 + [0] * 60 + [0] * first.to_screen, 1100, random_tail=first.to_screen)
    after = rule.decide(drawn)
    assert after.stop and after.to_screen == 0 and after.recall is not None and after.recall > 0
    # one include among the draws: more to draw, and exactly enough more
    one = [1] * 40 + [0] * 60 + [1] + [0] * 99
    partial = rule.decide(history(one, 1100, random_tail=100))
    assert not partial.stop and partial.to_screen is not None
    more = partial.to_screen
    assert stopping.hypergeometric_p(1000, 100 + more, 1, 40) < 0.05 <= stopping.hypergeometric_p(1000, 99 + more, 1, 40)
    assert more == draws_to_reject(1000, 100, 1, 40, recall_target=0.95, confidence=0.95)


def test_consecutive_rule_is_the_one_reviewers_see_in_simulations_too() -> None:
    assert stopping.run_threshold(400) == 50
    assert stopping.run_threshold(5000) == 250
    rule = ConsecutiveIrrelevant()
    assert not rule.decide(history([1] + [0] * 49, 400)).stop
    assert rule.decide(history([1] + [0] * 50, 400)).stop
    assert rule.decide(history([1] + [0] * 10, 400)).to_screen == 40
    # the simulations' default measures that same rule (it used to be 100 in a row)
    y = np.zeros(400, dtype=np.int64)
    y[[0, 1, 200]] = 1
    order = list(range(400))
    rules = evaluate_rules(y, order, seed=0, config=StoppingConfig())
    assert rules["consecutive_irrelevant"].stopped_at == 2 + stopping.run_threshold(400)


def test_qbcb_needs_the_binomial_quantile_by_hand() -> None:
    # r = 59, target 95%: P(X <= 58) = 1 - 0.95**59 = 0.9515 >= 0.95, so j - 1 = 58: all 59 needed
    assert 1 - 0.95**59 >= 0.95 > 1 - 0.95**58
    assert stopping.qbcb_sample_includes(0.95, 0.95) == 59
    assert stopping.qbcb_required(59, 0.95, 0.95) == 59
    # with a larger target set some may be missed: r = 100 needs the 95% quantile of Bin(100, .95) plus one
    assert stopping.qbcb_required(100, 0.95, 0.95) == int(binom.ppf(0.95, 100, 0.95)) + 1 == 99
    rule = TargetQBCB()
    assert not rule.decide(history([1, 0], 100)).stop  # no target set drawn yet
    assert "59" in rule.decide(history([1, 0], 100)).detail
    assert rule.decide(history([1, 0], 100, target_sample=(59, 59, 80))).stop
    assert not rule.decide(history([1, 0], 100, target_sample=(59, 58, 80))).stop


def test_qbcb_keeps_its_promise_by_simulation() -> None:
    """A review of 300 includes found in a random order by the ranking (the hardest case
    for the target set: nothing ties it to the ranking): recall when the required target
    includes are reached falls below 90% in at most 5% of draws (plus sampling slack)."""
    rng = np.random.default_rng(7)
    relevant, target, confidence = 300, 0.90, 0.95
    r = stopping.qbcb_sample_includes(target, confidence)
    need = stopping.qbcb_required(r, target, confidence)
    fails = 0
    trials = 2000
    for _ in range(trials):
        found_order = rng.permutation(relevant)  # rank at which each include is found
        target_set = rng.choice(relevant, r, replace=False)
        stop_at = np.sort(found_order[target_set])[need - 1] + 1  # includes found when the need-th is reached
        fails += stop_at < math.ceil(target * relevant)
    assert fails / trials <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / trials)


def test_quant_estimate_by_hand() -> None:
    seen, unseen = np.array([0.9, 0.5]), np.array([0.1, 0.5])
    estimate, variance = quant_estimate(seen, unseen)
    s, u = 1.4, 0.6
    v_seen, v_all = 0.09 + 0.25, 0.09 + 0.25 + 0.09 + 0.25
    assert estimate == pytest.approx(s / (s + u))
    assert variance == pytest.approx(s**2 / (s + u) ** 4 * v_all + v_seen / (s + u) ** 2)
    rule = QuantCI(nstd=0, min_screened=2)
    h = history([1, 0], 4, unscreened_probabilities=unseen, screened_probabilities=seen)
    assert rule.decide(h, recall_target=0.7).stop and not rule.decide(h, recall_target=0.75).stop


def test_model_estimate_waits_for_its_share_then_compares_with_the_target() -> None:
    rule = ModelEstimate(min_share=0.05)
    few = history([1] * 4, 100, unscreened_probabilities=np.zeros(96))
    assert rule.decide(few).recall is None and not rule.decide(few).stop  # 4 of 100 < 5%
    h = history([1] * 19 + [0], 100, unscreened_probabilities=np.full(80, 1 / 80))
    assert rule.decide(h).recall == pytest.approx(19 / 20)
    assert rule.decide(h, recall_target=0.95).stop and not rule.decide(h, recall_target=0.96).stop


def test_calibrated_bound_is_the_negative_binomial_quantile_and_grows_with_evidence() -> None:
    unseen = np.full(500, 0.002)  # the model expects one include unscreened
    labels, shown = np.zeros(50, dtype=np.int64), np.full(50, 0.02)  # window expected 1, found 0
    got = missing_upper(unseen, labels, shown, prior=2.0, confidence=0.95)
    assert got == int(nbinom.ppf(0.95, 2.0, 3.0 / (3.0 + 1.0)))
    # includes in the window the model did not expect raise the bound
    surprised = missing_upper(unseen, np.r_[np.ones(3, dtype=np.int64), labels[3:]], shown, prior=2.0, confidence=0.95)
    assert surprised > got
    assert missing_upper(unseen, labels, shown, prior=2.0, confidence=0.99) >= got
    assert missing_upper(np.zeros(10), labels, shown, prior=2.0, confidence=0.95) == 0
    rule = CalibratedModel(window=0.1, min_window=50, prior=2.0, min_share=0.05)
    found = [1] * 100 + [0] * 400
    h = history(found, 1000, unscreened_probabilities=unseen, shown_probabilities=np.full(500, 0.02))
    decision = rule.decide(h, recall_target=0.95, confidence=0.95)
    assert decision.recall == pytest.approx(100 / (100 + got))
    assert decision.stop == (100 / (100 + got) >= 0.95)


def test_weighted_quasi_p_is_the_conditional_binomial_test_by_hand() -> None:
    # 10 includes found, 95% target: H0 puts K = floor(10 / 0.95 - 10 + 1) = 1 include in the rest;
    # a window of weight 19 against a rest of weight 1, no include in it: P(Bin(1, 0.95) <= 0) = 0.05
    window = np.zeros(50, dtype=np.int64)
    assert weighted_quasi_p(window, np.full(50, 19 / 50), 1.0, 10, recall_target=0.95) == pytest.approx(0.05)
    # two includes in the window: P(Bin(3, share) <= 2)
    two = np.r_[np.ones(2, dtype=np.int64), window[2:]]
    share = 19 / 20
    assert weighted_quasi_p(two, np.full(50, 19 / 50), 1.0, 10, recall_target=0.95) == pytest.approx(binom.cdf(2, 3, share))
    # the more the rest weighs, the weaker the evidence
    assert weighted_quasi_p(window, np.full(50, 19 / 50), 5.0, 10, recall_target=0.95) > 0.05
    # nothing left to weigh: nothing can hide there
    assert weighted_quasi_p(window, np.full(50, 0.1), 0.0, 10, recall_target=0.95) == 0.0


def test_weighted_quasi_stops_where_the_model_puts_the_rest_far_below_the_window() -> None:
    found = [1] * 40 + [0] * 460  # 500 screened, the last 460 irrelevant
    shown = np.r_[np.full(40, 0.8), np.full(460, 0.05)]
    low_rest = history(found, 1000, unscreened_probabilities=np.full(500, 1e-4), shown_probabilities=shown)
    flat_rest = history(found, 1000, unscreened_probabilities=np.full(500, 0.05), shown_probabilities=shown)
    trusting = WeightedQuasiSampling(exponent=1.0)
    assert trusting.decide(low_rest).stop
    # a rest the model rates like the window is the uniform case: 500 unscreened against a window
    # of at most 250 screened cannot rule out 3 missing includes
    assert not trusting.decide(flat_rest).stop
    # exponent 0 weighs every record alike: the model's view of the rest no longer matters
    uniform = WeightedQuasiSampling(exponent=0.0)
    assert uniform.decide(low_rest).stop == uniform.decide(flat_rest).stop is False
    # without the model's probabilities the rule cannot test
    assert not trusting.decide(history(found, 1000)).stop
    assert "if the rest is no likelier" in trusting.promise()
