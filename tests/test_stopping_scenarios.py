"""The stopping benchmark's team settings (evaluation/stopping_scenarios.py) and ASReview's cached orders."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from _evaluation_support import load_evaluation_script


def load(repo_root: Path, name: str) -> ModuleType:
    return load_evaluation_script(repo_root, name)


@pytest.fixture(scope="module")
def scenarios(repo_root: Path) -> ModuleType:
    return load(repo_root, "stopping_scenarios")


def test_the_update_round_is_a_seeded_share_with_an_include_in_each_round(scenarios: ModuleType) -> None:
    labels = np.zeros(1000, dtype=np.int64)
    labels[[3, 500]] = 1  # two includes: one must land in each round
    for seed in range(5):
        update = scenarios.update_records(labels, seed)
        assert update.size == 300 and np.all(np.diff(update) > 0)
        first = np.setdiff1d(np.arange(1000), update)
        assert labels[update].sum() == 1 and labels[first].sum() == 1
        assert np.array_equal(update, scenarios.update_records(labels, seed))
    assert not np.array_equal(scenarios.update_records(labels, 0), scenarios.update_records(labels, 1))


def test_dual_screening_keeps_a_wrong_decision_only_where_both_reviewers_erred(scenarios: ModuleType) -> None:
    labels = np.r_[np.ones(20_000, dtype=np.int64), np.zeros(80_000, dtype=np.int64)]
    in_force = scenarios.decisions_in_force(labels, 0, miss=0.2, false_include=0.05)
    lost = 1 - in_force[:20_000].mean()
    added = in_force[20_000:].mean()
    # both reviewers miss an include: 0.2 ** 2 = 4%; both include an irrelevant one: 0.25%
    assert lost == pytest.approx(0.04, abs=0.006)
    assert added == pytest.approx(0.0025, abs=0.001)
    assert np.array_equal(in_force, scenarios.decisions_in_force(labels, 0, miss=0.2, false_include=0.05))
    assert np.array_equal(scenarios.decisions_in_force(labels, 0, miss=0.0, false_include=0.0), labels)


def test_asreview_orders_cached_by_the_comparison_load_as_label_only_runs(
    repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = load(repo_root, "stopping_orders")
    from triage.evaluation.labelled import LabelledSet

    labels = np.array([1, 0, 0, 1, 0, 0, 0, 0], dtype=np.int64)
    ds = LabelledSet(name="toy", path="toy.csv", records=[], labels=labels)
    monkeypatch.setattr(orders, "COMPARE_CACHE", tmp_path)
    assert orders.load_asreview_run(ds, 0) is None
    (tmp_path / "toy-s0-p1_1-asreview-order.json").write_text(
        json.dumps({"order": [3, 1, 0], "n_priors": 2, "seconds": 1.5, "version": "3.0.8"}))
    run = orders.load_asreview_run(ds, 0)
    assert run.tool == "asreview:elas_u4" and run.n_priors == 2
    assert run.order.tolist() == [3, 1, 0, 2, 4, 5, 6, 7]  # padded in file order, as ASReview pads it
    assert run.probabilities.shape == (0, 8) and run.checkpoints.tolist() == list(range(1, 9))


def test_rules_that_read_the_model_are_left_out_on_orders_without_probabilities(repo_root: Path) -> None:
    bench = load(repo_root, "bench_stopping")
    from triage import stopping

    labels = np.zeros(300, dtype=np.int64)
    labels[:12] = 1
    run = bench.Run(dataset="toy", seed=0, tool="asreview:elas_u4", labels=labels, order=np.arange(300), n_priors=2,
                    checkpoints=np.arange(2, 301, 2), probabilities=np.zeros((0, 300), dtype=np.float32), seconds=0.0)
    rules = {"consecutive_irrelevant": stopping.ConsecutiveIrrelevant(), "weighted_quasi": stopping.WeightedQuasiSampling()}
    stops = bench.replay_all([run], rules, (0.95,), (0.95,))
    assert {s.rule for s in stops} == {"consecutive_irrelevant"}
    # 50 irrelevant in a row after the 12th include (position 12): the checkpoint at 62
    assert [(s.stopped_at, s.found) for s in stops] == [(62, 12)]
    with pytest.raises(ValueError, match="needs the model's probabilities"):
        bench.replay(run, rules["weighted_quasi"], 0.95, 0.95)
