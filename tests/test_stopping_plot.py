"""The estimated-against-true recall trace of a simulated screening, and its plot (``--plot``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from triage.evaluation.labelled import load_labelled
from triage.evaluation.plots import plot_recall_estimates
from triage.evaluation.simulate import simulate


def test_trace_holds_the_model_estimate_status_would_show_and_plots(repo_root: Path, tmp_path: Path) -> None:
    ds = load_labelled(repo_root / "corpora" / "demo" / "demo_labelled.csv")
    result = simulate(ds.records, ds.labels, dataset="demo", preset="tfidf", seed=0)
    trace = result.estimate_trace
    screened = [t for t, _ in trace]
    assert len(trace) >= 3 and screened == sorted(set(screened))
    assert all(0.0 <= e <= 1.0 for _, e in trace)
    # each point is taken while includes are still missing, about every 2% of the records
    labels = result.ordered_labels()
    assert all(labels[:t].sum() < ds.relevant for t in screened)
    assert min(np.diff(screened)) >= ds.n // 50
    written = plot_recall_estimates([("demo", 0, labels, trace)], tmp_path / "est.png", title="demo")
    assert [p.suffix for p in written] == [".png", ".svg"] and written[0].stat().st_size > 10_000
