"""Recall curves of simulated screening as PNG and SVG (matplotlib, Agg backend)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from triage.metrics import recall_curve

__all__ = ["plot_recall_curves"]


def _resample(curve: NDArray[np.float64], grid: NDArray[np.float64]) -> NDArray[np.float64]:
    x = np.linspace(0, 1, curve.size)
    return np.interp(grid, x, curve)


def plot_recall_curves(
    runs: Sequence[tuple[str, int, NDArray[np.int64]]], path: str | Path, *, title: str | None = None
) -> list[Path]:
    """Plot one panel per dataset: each seed's recall curve, their mean, random and perfect.

    ``runs`` holds ``(dataset, seed, ranked_labels)`` with the labels in screening order
    (priors left out). Writes ``path`` (PNG) and the same name with ``.svg``; returns both.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(name for name, _, _ in runs))
    cols = min(3, len(datasets))
    rows = int(np.ceil(len(datasets) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.4 * rows), squeeze=False)
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
        ax.axhline(95, color="tab:red", lw=0.8, alpha=0.6)
        ax.set_title(f"{name} ({n} ranked, {rel} relevant)", fontsize=10)
        ax.set_xlabel("records screened after the priors (%)")
        ax.set_ylabel("relevant found (%)")
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 102)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    for ax in list(axes.flat)[len(datasets):]:
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
