"""The estimated-against-true recall trace of a simulated screening, and its plot (``--plot``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from triage.evaluation.labelled import load_labelled
from triage.evaluation.plots import plot_recall_curves, plot_recall_estimates
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


def test_plots_draw_and_name_the_recall_target_asked_for(
        repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`evaluate screening --recall-target 0.9 --plot`: both figures drew their red target
    line at 95% whatever the target, with no legend entry saying what it was."""
    import matplotlib.axes

    drawn: list[float] = []
    real = matplotlib.axes.Axes.axhline

    def spy(self: matplotlib.axes.Axes, y: float = 0, *args: Any, **kwargs: Any) -> Any:
        drawn.append(y)
        return real(self, y, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "axhline", spy)
    ds = load_labelled(repo_root / "corpora" / "demo" / "demo_labelled.csv")
    result = simulate(ds.records, ds.labels, dataset="demo", preset="tfidf", seed=0)
    curves = plot_recall_curves([("demo", 0, result.ranked_labels())], tmp_path / "r.png", recall_target=0.9)
    estimates = plot_recall_estimates([("demo", 0, result.ordered_labels(), result.estimate_trace)],
                                      tmp_path / "e.png", recall_target=0.9)
    assert drawn == [90.0, 90.0]
    for svg in (curves[1], estimates[1]):  # matplotlib keeps each text drawn as paths in a comment
        assert "<!-- target 90% -->" in svg.read_text(encoding="utf-8")
