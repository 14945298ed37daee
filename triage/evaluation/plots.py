"""Recall curves of simulated screening as PNG and SVG (matplotlib, Agg backend)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from triage.metrics import recall_curve

__all__ = ["plot_recall_curves", "plot_recall_estimates"]


def _resample(curve: NDArray[np.float64], grid: NDArray[np.float64]) -> NDArray[np.float64]:
    x = np.linspace(0, 1, curve.size)
    return np.interp(grid, x, curve)


def _panels(count: int) -> tuple[Any, Any]:
    """A figure with ``count`` panels, three to a row (matplotlib's Agg backend: no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(3, count)
    rows = int(np.ceil(count / cols))
    return plt.subplots(rows, cols, figsize=(5.2 * cols, 4.4 * rows), squeeze=False)


def _save(fig: Any, axes: Any, used: int, path: str | Path, title: str | None) -> list[Path]:
    """Hide unused panels, write ``path`` as PNG and an SVG beside it, close the figure."""
    import matplotlib.pyplot as plt

    for ax in list(axes.flat)[used:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    png = Path(path)
    if png.suffix.lower() != ".png":
        png = png.with_suffix(".png")
    png.parent.mkdir(parents=True, exist_ok=True)
    svg = png.with_suffix(".svg")
    fig.savefig(png, dpi=120)
    fig.savefig(svg)
    plt.close(fig)
    return [png, svg]


def _target_line(ax: Any, recall_target: float) -> None:
    """The recall the stopping rules aim for (``--recall-target``), named in the legend."""
    ax.axhline(100 * recall_target, color="tab:red", lw=0.8, alpha=0.6, label=f"target {recall_target:.0%}")


def plot_recall_curves(
    runs: Sequence[tuple[str, int, NDArray[np.int64]]], path: str | Path, *, recall_target: float = 0.95,
    title: str | None = None,
) -> list[Path]:
    """Plot one panel per dataset: each seed's recall curve, their mean, random and perfect.

    ``runs`` holds ``(dataset, seed, ranked_labels)`` with the labels in screening order
    (priors left out); a red line marks ``recall_target``. Writes ``path`` (PNG) and the same
    name with ``.svg``; returns both.
    """
    datasets = list(dict.fromkeys(name for name, _, _ in runs))
    fig, axes = _panels(len(datasets))
    grid = np.linspace(0, 1, 501)
    for ax, name in zip(axes.flat, datasets):
        mine = [(seed, y) for d, seed, y in runs if d == name]
        curves = []
        for seed, y in mine:
            curve = recall_curve(y)
            curves.append(_resample(curve, grid))
            ax.plot(np.linspace(0, 100, curve.size), curve * 100, color="tab:blue", alpha=0.3, lw=1,
                    label="each seed" if seed == mine[0][0] else None)
        ax.plot(grid * 100, np.mean(curves, axis=0) * 100, color="tab:blue", lw=2.2, label="mean")
        y0 = mine[0][1]
        n, rel = y0.size, int(y0.sum())
        ax.plot([0, 100], [0, 100], color="grey", ls="--", lw=1.2, label="random")
        ax.plot([0, 100 * rel / n, 100], [0, 100, 100], color="tab:green", ls=":", lw=1.5, label="perfect")
        _target_line(ax, recall_target)
        ax.set_title(f"{name} ({n} ranked, {rel} relevant)", fontsize=10)
        ax.set_xlabel("records screened after the priors (%)")
        ax.set_ylabel("relevant found (%)")
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 102)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    return _save(fig, axes, len(datasets), path, title)


def plot_recall_estimates(
    runs: Sequence[tuple[str, int, NDArray[np.int64], Sequence[tuple[int, float]]]],
    path: str | Path,
    *,
    confidence: float = 0.95,
    recall_target: float = 0.95,
    title: str | None = None,
) -> list[Path]:
    """One panel per dataset: what ``triage status`` would have said against the truth.

    ``runs`` holds ``(dataset, seed, labels, trace)``: ``labels`` of every record in
    screening order (priors first), ``trace`` the model's recall estimates as
    ``(records screened, estimate)`` (:attr:`SimulationResult.estimate_trace`). At each
    traced point the panel shows the true recall so far, the model's estimate and the
    recall lower bound at ``confidence`` (:func:`triage.stopping.recall_lower_bound`), one
    faint line per seed, and ``recall_target`` in red. An honest estimate hugs the truth; the
    bound stays below it. The legend goes where it hides least: the estimates run low and to
    the right, where the recall curves' legend sits.
    Writes ``path`` (PNG) and an SVG beside it; returns both.
    """
    from triage.stopping import recall_lower_bound

    datasets = list(dict.fromkeys(name for name, _, _, _ in runs))
    fig, axes = _panels(len(datasets))
    for ax, name in zip(axes.flat, datasets):
        mine = [(seed, y, trace) for d, seed, y, trace in runs if d == name]
        for k, (_, y, trace) in enumerate(mine):
            if not trace:
                continue
            n, total = y.size, max(1, int(y.sum()))
            at = np.array([t for t, _ in trace])
            found = np.cumsum(y)[at - 1] / total
            bound = [recall_lower_bound(y[:t], n, confidence=confidence) for t in at]
            x = 100 * at / n
            first = k == 0
            ax.plot(x, 100 * found, color="black", lw=1.2, alpha=0.6, label="true recall" if first else None)
            ax.plot(x, [100 * e for _, e in trace], color="tab:orange", lw=1.2, alpha=0.6,
                    label="model estimate" if first else None)
            ax.plot(x, 100 * np.asarray(bound), color="tab:blue", lw=1.2, alpha=0.6,
                    label=f"lower bound ({confidence:.0%})" if first else None)
        y0 = mine[0][1]
        _target_line(ax, recall_target)
        ax.set_title(f"{name} ({y0.size} records, {int(y0.sum())} relevant)", fontsize=10)
        ax.set_xlabel("records screened (%)")
        ax.set_ylabel("recall (%)")
        ax.set_ylim(0, 102)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
    return _save(fig, axes, len(datasets), path, title)
