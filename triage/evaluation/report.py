"""Presenting simulation results: the ``--json`` list, a Rich table, summary means."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

__all__ = ["JSON_KEYS", "METRIC_KEYS", "RULE_LABELS", "bound_summary", "results_caption", "results_table", "rule_summary", "stopping_table", "summarise", "write_json"]

#: Keys of each ``--json`` object, in order (a contract: tests pin it).
JSON_KEYS: tuple[str, ...] = (
    "dataset", "seed", "n", "relevant", "preset", "wss95", "wss100", "recall5", "recall10",
    "recall20", "atd", "erf10", "loss", "seconds", "stopping", "recall_bound",
)
METRIC_KEYS: tuple[str, ...] = ("wss95", "wss100", "recall5", "recall10", "recall20", "atd", "erf10", "loss")


def write_json(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Write the list of per-dataset-and-seed objects, pretty-printed, UTF-8."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(list(rows), indent=2) + "\n", encoding="utf-8")
    return out


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Mean of each metric and of ``seconds`` over ``rows``."""
    return {k: float(np.mean([r[k] for r in rows])) for k in (*METRIC_KEYS, "seconds")} if rows else {}


def rule_summary(rows: Sequence[dict[str, Any]], recall_target: float = 0.95) -> dict[str, dict[str, float]]:
    """Per stopping rule: share of runs reaching ``recall_target``, mean recall, mean work saved."""
    names = sorted({name for r in rows for name in r["stopping"]})
    out: dict[str, dict[str, float]] = {}
    for name in names:
        got = [r["stopping"][name] for r in rows if name in r["stopping"]]
        out[name] = {
            "runs": float(len(got)),
            "reached": float(np.mean([g["recall"] >= recall_target - 1e-9 for g in got])),
            "recall": float(np.mean([g["recall"] for g in got])),
            "work_saved": float(np.mean([g["work_saved"] for g in got])),
        }
        sizes = [r.get("n") for r in rows if name in r["stopping"]]
        if all(size is not None for size in sizes):
            # A rule that never fires screens everything and "reaches" any target: say how often it fired.
            out[name]["stopped"] = float(np.mean([g["stopped_at"] < size for g, size in zip(got, sizes)]))
    return out


#: What each simulated rule is in the words of ``triage status`` (and the literature's).
RULE_LABELS: dict[str, str] = {
    "cmh_ranked": "statistical (Callaghan & Müller-Hansen), ranked quasi-sampling: the test on the records "
                  "screened last, as triage status runs it before any random sample",
    "cmh_random": "the same test on a random sample of the rest, drawn once ranked screening has run dry "
                  "(Callaghan & Müller-Hansen 2020; status: preset 'random')",
    "weighted_quasi": "model-weighted quasi-sampling (ours): what triage status recommends where every decision "
                      "kept the probability it was shown with; asked at checkpoints every 0.5% of the records, as "
                      "the stopping benchmark asks it; an assumption, not a guarantee",
    "model_estimate": "model estimate: found / (found + the model's expected includes left); no guarantee",
    "consecutive_irrelevant": "consecutive irrelevant (5% of the records in a row, at least 50); heuristic",
    "knee": "knee method (Cormack & Grossman 2016); heuristic",
}


def bound_summary(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """How often the "recall so far >= X%" bound held, pooled over the looks of all ``rows``
    (see :func:`triage.evaluation.simulate.recall_bound_checks`); empty without looks."""
    looks = [r["recall_bound"] for r in rows if r.get("recall_bound")]
    checks = sum(b["checks"] for b in looks)
    open_checks = sum(b["checks_before_all_found"] for b in looks)
    if not checks:
        return {}
    return {
        "checks": float(checks),
        "held": sum(b["held"] * b["checks"] for b in looks) / checks,
        "checks_before_all_found": float(open_checks),
        "held_before_all_found": (
            sum(b["held_before_all_found"] * b["checks_before_all_found"] for b in looks) / open_checks
            if open_checks else 1.0
        ),
        "mean_gap": sum(b["mean_gap"] * b["checks"] for b in looks) / checks,
    }


def results_caption(priors: tuple[int, int] = (1, 1)) -> str:
    """What the results table's columns measure, in words: a methodologist meets ATD and
    loss here first, and n / rel count records the measures leave out (the priors)."""
    inc, exc = priors
    kept = (f"the measures leave out the priors ({inc} include{'' if inc == 1 else 's'}, {exc} "
            f"exclude{'' if exc == 1 else 's'})" if inc or exc else "no priors (cold start)")
    return ("WSS@95: work saved over sampling at 95% recall (share of the records); R@10%: recall after 10% of "
            "the records; ATD: average time to discovery (mean share of the records screened when each include "
            "was found; lower is better); loss: ASReview's loss (area between the perfect and this recall curve; "
            f"0 is perfect); sec: wall-clock seconds. n and rel count the whole file; {kept}.")


def results_table(rows: Sequence[dict[str, Any]], title: str = "Simulated screening",
                  priors: tuple[int, int] = (1, 1)) -> Table:
    """One line per dataset and seed, plus a mean line, with :func:`results_caption` under it;
    all keys are in the JSON (stopping: :func:`stopping_table`)."""
    table = Table(title=title, caption=results_caption(priors), caption_justify="left")
    table.add_column("dataset", overflow="ellipsis", min_width=16)
    for col in ("seed", "n", "rel", "WSS@95", "R@10%", "ATD", "loss", "sec"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            r["dataset"], str(r["seed"]), str(r["n"]), str(r["relevant"]), f"{r['wss95']:.3f}",
            f"{r['recall10']:.3f}", f"{r['atd']:.3f}", f"{r['loss']:.3f}", f"{r['seconds']:.1f}",
        )
    if len(rows) > 1:
        mean = summarise(rows)
        table.add_row(
            "mean", "", "", "", f"{mean['wss95']:.3f}", f"{mean['recall10']:.3f}", f"{mean['atd']:.3f}",
            f"{mean['loss']:.3f}", f"{mean['seconds']:.1f}", style="bold",
        )
    return table


def stopping_table(rows: Sequence[dict[str, Any]], recall_target: float = 0.95, confidence: float = 0.95) -> Table:
    """Per stopping rule over all runs: how often it stopped before the last record, how often
    it reached the target, mean recall and mean work saved; each rule named as status names it."""
    summary = rule_summary(rows, recall_target)
    table = Table(title=f"Stopping rules (target recall {recall_target:.0%}, confidence {confidence:.0%})",
                  caption="\n".join(f"{name}: {RULE_LABELS[name]}" for name in summary if name in RULE_LABELS),
                  caption_justify="left")
    table.add_column("rule", min_width=len("consecutive_irrelevant"))
    # Short headers: the table must fit an 80-column terminal or CI log uncropped.
    for col in ("runs", "stopped", "reached", "recall", "work saved"):
        table.add_column(col, justify="right")
    for name, s in summary.items():
        stopped = f"{s['stopped']:.0%}" if "stopped" in s else ""
        table.add_row(name, str(int(s["runs"])), stopped, f"{s['reached']:.0%}", f"{s['recall']:.3f}",
                      f"{s['work_saved']:.1%}")
    return table
