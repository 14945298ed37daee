"""The stopping benchmark's replay and summaries (evaluation/bench_stopping.py) on a made-up screening."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from _evaluation_support import load_evaluation_script

from triage import stopping


@pytest.fixture(scope="module")
def bench(repo_root: Path) -> ModuleType:
    return load_evaluation_script(repo_root, "bench_stopping")


def made_up_run(bench: ModuleType, n: int = 400) -> object:
    """Includes at screening positions 0-9 and 150; checkpoints every 2 records; the model
    gives the unscreened includes 0.5 and everything else 0.01."""
    labels = np.zeros(n, dtype=np.int64)
    order = np.arange(n)[::-1].copy()  # records in reverse index order
    for position in [*range(10), 150]:
        labels[order[position]] = 1
    checkpoints = np.arange(2, n, 2)
    probabilities = np.full((checkpoints.size, n), 0.01, dtype=np.float32)
    probabilities[:, labels == 1] = 0.5
    return bench.Run(dataset="toy", seed=0, tool="triage:toy", labels=labels, order=order, n_priors=2,
                     checkpoints=checkpoints, probabilities=probabilities, seconds=0.0)


def test_replay_stops_each_rule_at_the_first_checkpoint_it_says_stop(bench: ModuleType) -> None:
    run = made_up_run(bench)
    # 50 irrelevant in a row (400 records: max(50, 20)) first end at position 10 + 50 = 60
    assert bench.replay(run, stopping.ConsecutiveIrrelevant(), 0.95, 0.95) == (60, 10)
    # the model expects 0.5 of an include in the one left and 0.01 for each other record: after
    # the 11th include, 11 / (11 + 0.01 m) >= 0.9 needs m <= 122 unscreened: the checkpoint at 278
    stopped_at, found = bench.replay(run, stopping.ModelEstimate(min_share=0.05), 0.9, 0.95)
    assert found == 11 and stopped_at == 278
    # a rule that never stops screens everything
    assert bench.replay(run, stopping.Knee(min_screened=10_000), 0.95, 0.95) == (400, 11)


def test_shown_probabilities_come_from_the_checkpoint_before_each_record(bench: ModuleType) -> None:
    run = made_up_run(bench)
    run.probabilities[1:, :] = 0.2  # every checkpoint after the first
    shown = bench.shown_probabilities(run)
    assert shown.shape == (400,)
    assert shown[3] == pytest.approx(0.5)  # positions 2 and 3: the first checkpoint (after 2), an include
    assert shown[4] == pytest.approx(0.2)
    assert shown[0] == pytest.approx(0.5)  # priors take the first checkpoint's
    assert shown[20] == pytest.approx(0.2)


def test_target_method_counts_its_sample_as_screened(bench: ModuleType) -> None:
    run = made_up_run(bench, n=400)
    rule = stopping.TargetQBCB()
    # at 80% / 90% the target set needs 11 includes, all the review has, and all 11 must be reached
    assert rule.includes_wanted(0.8, 0.9) == 11 == stopping.qbcb_required(11, 0.8, 0.9)
    stopped_at, found = bench.replay(run, rule, 0.8, 0.9)
    # the ranking reaches the last at position 150 (checkpoint 152); the random draw that found
    # all 11 counts as screened too
    assert found == 11 and stopped_at >= 152


def test_summary_reports_clopper_pearson_and_failures(bench: ModuleType) -> None:
    low, high = bench.clopper_pearson(40, 40)
    assert low == pytest.approx(0.025 ** (1 / 40)) and high == 1.0
    stops = [bench.Stop("t", "toy", s, 100, 10, "r", 0.95, 0.95, 50, 10 if s else 8) for s in range(5)]
    got = bench.summary(stops)
    assert got["runs"] == 5 and got["reached"] == pytest.approx(0.8) and got["failed"] == 1
    assert got["missed_when_failed"] == 2.0 and got["saved_mean"] == pytest.approx(0.5)
    ok, why = bench.meets_goals(stops)
    assert not ok and "all reached 80.0%" in why


def test_thin_groups_lists_each_set_of_screenings_groups_under_40_runs(bench: ModuleType) -> None:
    # 40 runs of a review of 3,000 records (2% includes) and 3 of one of 500 (10% includes)
    big = [bench.Stop("triage:a", "big", s, 3000, 60, "r", 0.95, 0.95, 100, 60) for s in range(40)]
    small = [bench.Stop("triage:a", "small", s, 500, 50, "r", 0.95, 0.95, 100, 50) for s in range(3)]
    other_rule = [bench.Stop("triage:a", "big", s, 3000, 60, "q", 0.95, 0.95, 100, 60) for s in range(40)]
    only_big = [bench.Stop("triage:b", "big", s, 3000, 60, "r", 0.95, 0.95, 100, 60) for s in range(40)]
    thin = bench.thin_groups([*big, *small, *other_rule, *only_big])
    assert thin["triage:a"] == ["under 1,000 records (3)", "includes over 10% (3)"]
    assert thin["triage:b"] == []


def test_uncached_names_each_missing_set_and_the_command_that_computes_it(bench: ModuleType) -> None:
    run = made_up_run(bench)
    run.tool = "triage:default"
    line = bench.uncached([run], ["tfidf", "default"], ["dual"], (5, 10), (4, 10))
    assert "\n" not in line
    assert "triage:tfidf (none for ranking code" in line
    assert "stopping_orders.py --presets tfidf --seeds 5 --big-seeds 10" in line
    assert "triage:default (" not in line  # one of its screenings is cached
    assert "stopping_scenarios.py --presets default --scenarios dual --seeds 4 --big-seeds 10" in line
    assert bench.uncached([run], ["default"], [], (5, 10), (4, 10)) == ""
