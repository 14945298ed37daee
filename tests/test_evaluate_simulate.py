"""The simulation loop's logic, with a fixed-order stand-in for ScreeningCycle.

The stand-in (tests/_fake_cycle.py) only makes the order known in advance; the CLI
tests in test_evaluate_screening.py run the real ScreeningCycle.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _fake_cycle import FixedOrderCycle

from triage import stopping
from triage.errors import EvaluationError
from triage.evaluation.report import JSON_KEYS, bound_summary, rule_summary
from triage.evaluation.simulate import (
    StoppingConfig,
    draw_priors,
    evaluate_rules,
    recall_bound_checks,
    simulate,
)
from triage.records.model import Record

N = 400
LABELS = np.zeros(N, dtype=np.int64)
LABELS[[5, 17, 40, 41, 90, 150, 151, 300]] = 1
RECORDS = [Record(title=f"record {i}") for i in range(N)]
# The stand-in ranks by score: index order here, so screening order is 0, 1, 2, ...
SCORES = np.linspace(1, 0, N)


def make_cycles() -> tuple[list[FixedOrderCycle], object]:
    made: list[FixedOrderCycle] = []

    def factory(records: object, **kwargs: object) -> FixedOrderCycle:
        made.append(FixedOrderCycle(records, SCORES, **kwargs))
        return made[-1]

    return made, factory


def test_priors_are_drawn_with_the_seed() -> None:
    a = draw_priors(LABELS, 1, 1, seed=3)
    assert a == draw_priors(LABELS, 1, 1, seed=3)
    assert LABELS[a[0]] == 1 and LABELS[a[1]] == 0
    assert draw_priors(LABELS, 0, 0, seed=3) == []
    with pytest.raises(EvaluationError, match="8 prior includes leave none of the 8 relevant records to find"):
        draw_priors(LABELS, 8, 0, seed=0)


def test_loop_teaches_priors_then_retrains_after_every_decision() -> None:
    made, factory = make_cycles()
    result = simulate(RECORDS, LABELS, dataset="toy", seed=3, cycle_factory=factory)
    cycle = made[0]
    priors = draw_priors(LABELS, 1, 1, seed=3)
    assert result.order[:2] == priors
    assert cycle.calls[:2] == [("teach", priors[0]), ("teach", priors[1])]
    # after the priors: next, teach, next, teach, ... (one decision per retrain) until all found
    body = cycle.calls[2:]
    assert body[0] == ("next", 1) and body[1][0] == "teach"
    # the rest of the order is the stand-in's ranking, skipping the priors
    rest = [i for i in range(N) if i not in priors]
    assert result.order[2:] == rest
    assert result.n == N and result.relevant == 8


def test_simulation_stops_once_all_relevant_are_found_when_no_rule_needs_more() -> None:
    # model-based rule fires early (the stand-in's scores sum to far below target), so the
    # loop ends at the last include
    config = StoppingConfig(model_min_screened=0.0)

    class Confident(FixedOrderCycle):
        def inclusion_probabilities(self) -> np.ndarray:
            return np.zeros(N)

    result = simulate(RECORDS, LABELS, seed=0, priors=(0, 0), config=config,
                      cycle_factory=lambda r, **k: Confident(r, SCORES, **k))
    assert result.n_simulated == 301  # index 300 is the last include
    assert len(result.order) == N  # the rest appended for the metrics


def test_json_object_has_exactly_the_contract_keys() -> None:
    _, factory = make_cycles()
    row = simulate(RECORDS, LABELS, dataset="toy", seed=1, priors=(0, 0), cycle_factory=factory).to_dict()
    assert tuple(row) == JSON_KEYS
    assert set(row["stopping"]) == {"consecutive_irrelevant", "knee", "cmh_ranked", "cmh_random", "model_estimate",
                                    "weighted_quasi"}
    for rule in row["stopping"].values():
        assert set(rule) == {"stopped_at", "recall", "work_saved", "promise"}
        assert rule["work_saved"] == pytest.approx(1 - rule["stopped_at"] / N, abs=1e-6)
    # cold start, index order: 8 includes, last at position 301
    assert row["wss100"] == pytest.approx((N - 301) / N)
    assert row["recall5"] == pytest.approx(2 / 8)  # first 20 records hold 5 and 17


def test_rules_on_a_known_order() -> None:
    order = list(range(N))
    rules = evaluate_rules(LABELS, order, seed=0, config=StoppingConfig(consecutive=100))
    # index 151 is screened at position 152; the gap to index 300 is the first run of
    # 100 irrelevant, ending at position 152 + 100 = 252
    assert rules["consecutive_irrelevant"].stopped_at == 252
    assert rules["consecutive_irrelevant"].recall == pytest.approx(7 / 8)
    summary = rule_summary([{"stopping": {k: v.to_dict() for k, v in rules.items()}}])
    assert summary["consecutive_irrelevant"]["reached"] == 0.0


def test_label_count_mismatch_is_an_evaluation_error() -> None:
    with pytest.raises(EvaluationError, match="400 records but 3 labels"):
        simulate(RECORDS, [1, 0, 0])


def test_recall_bound_checks_compare_the_bound_with_the_truth() -> None:
    _, factory = make_cycles()
    result = simulate(RECORDS, LABELS, dataset="toy", seed=1, priors=(0, 0), cycle_factory=factory)
    got = result.to_dict()["recall_bound"]
    # looks after every 40 records (10% of 400) that the simulation screened
    seq = LABELS[np.asarray(result.order[: result.n_simulated])]
    looks = [t for t in range(40, 400, 40) if t <= result.n_simulated]
    bounds = [stopping.recall_lower_bound(seq[:t], N) for t in looks]
    recalls = [seq[:t].sum() / 8 for t in looks]
    assert got["checks"] == len(looks) >= 7
    assert got["checks_before_all_found"] == sum(r < 1 for r in recalls) == 7  # index 300 is the last include
    assert got["held"] == pytest.approx(np.mean([r >= b for r, b in zip(recalls, bounds)]))
    assert got["mean_gap"] == pytest.approx(np.mean(np.subtract(recalls, bounds)))
    assert max(bounds) > 0  # the long runs of excludes do vouch for something


def test_recall_bound_checks_catch_a_bound_that_fails() -> None:
    # 20 includes at the front, then excludes, and 20 more includes hidden at the very end:
    # the run of excludes makes the bound vouch for far more than the true 50%.
    y = np.zeros(1000, dtype=np.int64)
    y[:20] = 1
    y[980:] = 1
    got = recall_bound_checks(y, list(range(1000)), 1000)
    assert got["checks"] == 9 and got["checks_before_all_found"] == 9
    assert got["held"] < 0.5
    assert got["mean_gap"] < 0
    pooled = bound_summary([{"recall_bound": got}, {"recall_bound": {**got, "held": 1.0}}])
    assert pooled["checks"] == 18
    assert pooled["held"] == pytest.approx((got["held"] + 1.0) / 2)
    assert bound_summary([{"recall_bound": {}}]) == {}
