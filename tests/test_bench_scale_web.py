"""The scale benchmark's web step (evaluation/bench_scale.py, evaluation/serve_runs.py): a
real ``triage serve`` process on a small project, key presses over HTTP."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from _evaluation_support import load_evaluation_script

from triage.store.db import Project
from triage.store.decisions import decision_history


@pytest.mark.slow  # a server process started and left to go idle: 10-25 s on the shared machine
def test_web_step_times_each_key_press_and_records_each_decision(repo_root: Path, tmp_path: Path) -> None:
    bench = load_evaluation_script(repo_root, "bench_scale")
    cli_runs = load_evaluation_script(repo_root, "cli_runs")
    data = tmp_path / "records.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "abstract"])
        for i in range(30):
            topic = "depression in mothers" if i % 3 == 0 else "soil erosion on farms"
            writer.writerow([f"Study {i} of {topic}", f"We measured {topic} in cohort {i}."])
    project = tmp_path / "p"
    env = dict(os.environ, TRIAGE_EMBEDDINGS="background")
    env.pop("TRIAGE_DATABASE", None)
    for args in (["init", str(project)], ["import", str(data), "-p", str(project)],
                 ["settings", "preset", "tfidf", "-p", str(project)], ["next", "-n", "1", "-p", str(project)]):
        cli_runs.run_triage(*args, env=env)

    result = bench.web_step(project, env, decisions=3, think=0.0, log=tmp_path / "serve.log")

    assert 0 < result["opening_p50_ms"] <= result["opening_max_ms"]
    assert 0 < result["warm_p50_ms"] <= result["warm_p95_ms"] <= result["warm_max_ms"]
    assert result["first_card_s"] <= result["idle_s"]
    assert result["rss_mb"] > 0 and result["peak_rss_mb"] >= result["rss_mb"]
    with Project.open(project) as opened, opened.reading() as session:
        rows = [(row.reviewer, row.record_id, row.decision) for row in decision_history(session)]
    # Two rounds of three key presses, each a new record, the first of each round an include.
    assert [reviewer for reviewer, _, _ in rows] == ["bench"] * 6
    assert len({record for _, record, _ in rows}) == 6
    assert [decision for _, _, decision in rows] == ["include", "exclude", "exclude"] * 2
