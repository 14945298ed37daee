"""Peer comparison: triage's presets vs ASReview LAB 3.0.8 (ELAS u4) on labelled datasets.

One command (from the repository root)::

    .venv/bin/python evaluation/compare_asreview.py                 # all 28 datasets, 5 seeds
    .venv/bin/python evaluation/compare_asreview.py --datasets Cohen_2006_ADHD,SYNERGY_Sep_2021 --seeds 2

It creates ``evaluation/.asreview-venv`` with ``asreview==3.0.8`` on first use (and
``torch==2.13.0`` first, should that ASReview pull in torch), then for every dataset and
seed draws the priors once with triage's :func:`draw_priors` and gives the *same*
prior indices to both tools. triage runs through ``triage.evaluation.simulate``
(the real ``ScreeningCycle``); ASReview through its own ``Simulate`` class
(``evaluation/asreview_sim.py``, in its venv), with the rows triage read, so both see
identical records. Metrics and the label-only stopping rules are computed for both
orders by ``triage.metrics`` / ``triage.stopping``; ASReview gives no probabilities, so
the model-based estimate is triage-only.

Each finished run is cached in ``evaluation/.cache/compare/`` so an interrupted full
run resumes; ``--fresh`` ignores the cache. Writes ``evaluation/reports/screening.md``
and ``screening.csv`` and prints where they went.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "evaluation"))  # sibling modules when loaded by path (tests)

from dataset_embeddings import dataset_embeddings

from triage import metrics
from triage.evaluation.labelled import LabelledSet, load_labelled
from triage.evaluation.report import bound_summary, rule_summary
from triage.evaluation.simulate import (
    StoppingConfig,
    draw_priors,
    evaluate_rules,
    recall_bound_checks,
    simulate,
)

DATA = REPO.parent / "shared" / "data" / "screening"
VENV = REPO / "evaluation" / ".asreview-venv"
CACHE = REPO / "evaluation" / ".cache" / "compare"
REPORTS = REPO / "evaluation" / "reports"
ASREVIEW = "asreview==3.0.8"
TORCH = "torch==2.13.0"
ASREVIEW_TOOL = "asreview:elas_u4"
COLUMNS = ("dataset", "seed", "tool", "n", "relevant", "wss95", "wss100", "recall5", "recall10", "recall20",
           "atd", "erf10", "loss", "seconds")
RULES = ("cmh_random", "cmh_ranked", "knee", "consecutive_irrelevant", "model_estimate")


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_asreview_venv() -> Path:
    """Create the ASReview venv on first use; returns its Python."""
    py = venv_python()
    if py.exists() and subprocess.run([str(py), "-c", "import asreview"], capture_output=True, check=False).returncode == 0:
        return py
    print(f"creating {VENV} with {ASREVIEW} (once)...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(py), "-m", "pip", "install", "-q"]
    report = VENV / "dry-run.json"
    subprocess.run([*pip, "--dry-run", "--report", str(report), ASREVIEW], check=True)
    wanted = {i["metadata"]["name"].lower() for i in json.loads(report.read_text())["install"]}
    if "torch" in wanted:
        subprocess.run([*pip, TORCH], check=True)
    subprocess.run([*pip, ASREVIEW], check=True)
    return py


def dataset_paths(names: str | None) -> list[Path]:
    every = sorted(p for p in DATA.glob("*.csv") if p.name != "INDEX.csv")
    if not names:
        return every
    by_stem = {p.stem: p for p in every}
    out = []
    for name in (n.strip() for n in names.split(",") if n.strip()):
        if name not in by_stem:
            raise SystemExit(f"unknown dataset {name!r}; valid: {', '.join(by_stem)}")
        out.append(by_stem[name])
    return out


def write_rows_csv(ds: LabelledSet, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "abstract", "label"])
        for record, label in zip(ds.records, ds.labels):
            w.writerow([record.title or "", record.abstract or "", int(label)])


def score_order(ds: LabelledSet, order: list[int], n_priors: int, seed: int) -> dict[str, Any]:
    """Metrics (priors left out) and label-only stopping rules for a screening order."""
    seen = set(order)
    full = list(order) + [i for i in range(ds.n) if i not in seen]
    y = ds.labels[np.asarray(full[n_priors:], dtype=np.int64)]
    row = {
        "wss95": metrics.wss(y, 0.95), "wss100": metrics.wss(y, 1.0), "recall5": metrics.recall_at(y, 0.05),
        "recall10": metrics.recall_at(y, 0.10), "recall20": metrics.recall_at(y, 0.20), "atd": metrics.atd(y),
        "erf10": metrics.erf(y, 0.10), "loss": metrics.loss(y),
    }
    rules = evaluate_rules(ds.labels, full, seed=seed, config=StoppingConfig())
    row["stopping"] = {k: v.to_dict() for k, v in rules.items()}
    row["recall_bound"] = recall_bound_checks(ds.labels, order, ds.n, confidence=StoppingConfig().confidence)
    return row


def run_asreview(py: Path, ds: LabelledSet, priors: list[int], seed: int) -> dict[str, Any]:
    data = CACHE / "data" / f"{ds.name}.csv"
    if not data.exists():
        write_rows_csv(ds, data)
    cmd = [str(py), str(REPO / "evaluation" / "asreview_sim.py"), "simulate", "--data", str(data),
           "--prior-idx", ",".join(map(str, priors)), "--seed", str(seed), "--model", "elas_u4"]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ASReview failed on {ds.name} seed {seed}:\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout)
    # The order itself is cached: metrics, stopping rules and the recall bound are scored
    # from it with today's triage code on every report (asreview_scores), so a change there
    # never needs ASReview's runs again.
    return {"order": out["order"], "n_priors": out["n_priors"], "seconds": out["seconds"], "version": out["asreview"]}


def asreview_scores(ds: LabelledSet, run: dict[str, Any], seed: int) -> dict[str, Any]:
    """A cached ASReview run (its order) scored with the current metrics and stopping code."""
    return {**score_order(ds, run["order"], run["n_priors"], seed), "seconds": run["seconds"], "version": run["version"]}


def run_triage(ds: LabelledSet, preset: str, seed: int, priors: tuple[int, int]) -> dict[str, Any]:
    from triage.ranking.presets import load_preset

    extra = {"embeddings": dataset_embeddings(ds)} if load_preset(preset).features.embeddings else None
    result = simulate(ds.records, ds.labels, dataset=ds.name, preset=preset, seed=seed, priors=priors,
                      cycle_kwargs=extra)
    row = result.to_dict()
    row["model"] = result.model_name
    return row


def code_hash(preset: str, extra: Sequence[Path] = ()) -> str:
    """Short hash of the code and preset a triage run depends on: a changed model, cycle,
    simulation or stopping rule is a new run, not a stale cache hit. ``extra``: further
    files the run reads (the cold-start study adds the criteria code and file)."""
    digest = hashlib.sha256()
    files = [*sorted((REPO / "triage" / "ranking").glob("*.py")), REPO / "triage" / "evaluation" / "simulate.py",
             *sorted((REPO / "triage" / "stopping").glob("*.py")), REPO / "triage" / "metrics.py", REPO / "models" / f"{preset}.toml",
             *extra]
    for path in files:
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def git_state() -> str:
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()

    dirty = git("status", "--porcelain", "--", "triage", "models")
    return git("rev-parse", "--short", "HEAD") + (" with uncommitted changes" if dirty else "")


def cached(key: str, fresh: bool, fn: Any) -> dict[str, Any]:
    path = CACHE / f"{key}.json"
    if path.exists() and not fresh:
        return dict(json.loads(path.read_text()))
    row = fn()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(row))
    return row


def mean(rows: list[dict[str, Any]], key: str) -> float:
    return float(np.mean([r[key] for r in rows])) if rows else float("nan")


def write_report(rows: list[dict[str, Any]], args: argparse.Namespace, tools: list[str], wall: float) -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    csv_path = REPORTS / "screening.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([*COLUMNS, *(f"{r}_{k}" for r in RULES for k in ("stopped_at", "recall", "work_saved"))])
        for r in rows:
            stop = [r["stopping"].get(rule, {}).get(k, "") for rule in RULES for k in ("stopped_at", "recall", "work_saved")]
            w.writerow([*(round(r[c], 6) if isinstance(r[c], float) else r[c] for c in COLUMNS), *stop])
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    base = "triage:default" if "triage:default" in tools else tools[0]
    lines = [
        "# Screening simulation: triage vs ASReview LAB",
        "",
        (f"Generated by `{' '.join(['python', 'evaluation/compare_asreview.py', *sys.argv[1:]])}` "
         f"on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; this invocation {wall / 60:.1f} min "
         f"(finished runs are reused from evaluation/.cache); the runs themselves took "
         f"{sum(float(r['seconds']) for r in rows) / 60:.1f} min in all."),
        "",
        f"- Datasets ({len(datasets)}): {', '.join(datasets)}",
        *([(f"- A subset: {len(datasets)} of the {len(dataset_paths(None))} shared reviews and {args.seeds} seeds, run "
            "this way to fit a shared 2-core machine; the whole comparison is `compare_asreview.py --seeds 5` over "
            "every review (about 2 CPU-hours).")] if len(datasets) < len(dataset_paths(None)) or args.seeds < 5 else []),
        (f"- Seeds: 0..{args.seeds - 1} per dataset; priors {args.priors} (includes,excludes) drawn per seed by "
         "triage's `draw_priors` and given to both tools as the same indices."),
        f"- Tools: {', '.join(tools)}. ASReview: {ASREVIEW}, ELAS u4 (its default), via its `Simulate` class.",
        (f"- triage preset versions used: {', '.join(sorted({str(r.get('model', '')) for r in rows if r.get('model')}))}; "
         f"code: commit {git_state()}; ranking code hashes: "
         f"{', '.join(sorted({str(r.get('code', '')) for r in rows if r.get('code')}))}."),
        (f"- Machine: {platform.platform()}, Python {platform.python_version()}, shared CPU (timings are "
         "indicative; other jobs ran beside them)."),
        ("- Metrics leave the priors out (as ASReview Insights does); stopping results count them as screened. "
         "`seconds`: wall time of one whole simulated screening (features + every retrain); triage's runs go on "
         "past the last include until its model-based stopping rule fires, ASReview's stop there, and sentence "
         "embeddings (presets that use them) are computed once per dataset beforehand and not counted, as a "
         "project stores them once. `evaluation/bench_retrain.py` is the like-for-like latency comparison."),
        ("- ASReview's simulation stops at the last relevant record; the rest is padded in file order "
         "(all irrelevant), as ASReview pads it."),
        "",
        "## Mean over all runs",
        "",
        "| tool | runs | WSS@95 | WSS@100 | recall@10% | ATD | loss | seconds/run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    by_tool = {t: [r for r in rows if r["tool"] == t] for t in tools}
    for t in tools:
        rs = by_tool[t]
        lines.append(f"| {t} | {len(rs)} | {mean(rs, 'wss95'):.3f} | {mean(rs, 'wss100'):.3f} | "
                     f"{mean(rs, 'recall10'):.3f} | {mean(rs, 'atd'):.3f} | {mean(rs, 'loss'):.3f} | "
                     f"{mean(rs, 'seconds'):.1f} |")
    if ASREVIEW_TOOL in tools:
        lines += ["", f"Ratios {base} / ASReview ELAS u4 (of the means): "]
        a, b = by_tool[ASREVIEW_TOOL], by_tool[base]
        for key, label in (("wss95", "WSS@95"), ("recall10", "recall@10%"), ("atd", "ATD (lower is better)"),
                           ("seconds", "seconds per run")):
            lines.append(f"- {label}: {mean(b, key) / mean(a, key):.3f}")
    lines += ["", "## Per dataset (mean over seeds)", "",
              "| dataset | n | relevant | " + " | ".join(f"{t} WSS@95 | {t} R@10% | {t} ATD | {t} s" for t in tools)
              + " |", "|---|---|---|" + "---|" * (4 * len(tools))]
    wins = 0
    for d in datasets:
        cells = []
        first = next(r for r in rows if r["dataset"] == d)
        for t in tools:
            rs = [r for r in by_tool[t] if r["dataset"] == d]
            cells.append(f"{mean(rs, 'wss95'):.3f} | {mean(rs, 'recall10'):.3f} | {mean(rs, 'atd'):.3f} | "
                         f"{mean(rs, 'seconds'):.1f}")
        if ASREVIEW_TOOL in tools:
            tb = mean([r for r in by_tool[base] if r["dataset"] == d], "wss95")
            ta = mean([r for r in by_tool[ASREVIEW_TOOL] if r["dataset"] == d], "wss95")
            wins += tb > ta
        lines.append(f"| {d} | {first['n']} | {first['relevant']} | " + " | ".join(cells) + " |")
    if ASREVIEW_TOOL in tools:
        lines += ["", f"{base} has the higher mean WSS@95 on {wins} of {len(datasets)} datasets."]
    lines += ["", "## Stopping rules (target recall 0.95, confidence 0.95)", "",
              "`reached`: share of runs whose recall at the stop was >= 0.95. `work saved`: 1 - screened/n.", "",
              "| tool | rule | runs | reached | mean recall | mean work saved |", "|---|---|---|---|---|---|"]
    for t in tools:
        for rule, s in rule_summary(by_tool[t]).items():
            lines.append(f"| {t} | {rule} | {int(s['runs'])} | {s['reached']:.1%} | {s['recall']:.3f} | "
                         f"{s['work_saved']:.1%} |")
    lines += ["", ("Rules: `cmh_random` Callaghan & Müller-Hansen (2020) hypergeometric test after switching to "
                   "random sampling (switch after max(25, 2.5% of n) irrelevant in a row); `cmh_ranked` the same "
                   "paper's ranked quasi-sampling; `knee` Cormack & Grossman (2016); `consecutive_irrelevant` "
                   "max(50, 5% of n) in a row (the rule `triage status` shows); `model_estimate` triage's "
                   "classifier probabilities (triage only). See `triage/stopping/` and `stopping.md`."),
              "", ("Why the statistical rules save little on small reviews: with r includes found, 'recall < 95%' "
                   "needs only floor(r/0.95 - r + 1) includes still missing (1 while r < 19, 3 at r = 40), and ruling "
                   "out so few by random sampling takes most of what is left (about 95%, 78%, 63% of it for 1, 2, 3). "
                   "The guarantee (`reached` >= 95%) holds wherever the switch to sampling happens."),
              ""]
    lines += bound_lines(tools, by_tool)
    lines += ["", "Full table: `screening.csv` (one row per dataset, seed and tool)."]
    md = REPORTS / "screening.md"
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return md


def bound_lines(tools: list[str], by_tool: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The report's section on the recall lower bound `triage status` shows."""
    lines = ["## Recall so far, at least (the bound `triage status` shows)", "",
             ("After every 10% of the records screened, `triage.stopping.recall_lower_bound` (the ranked "
              "quasi-sampling test inverted: the highest recall it can vouch for at 95% confidence) against the "
              "true recall at that point. `held`: share of looks where true recall >= bound (claimed: 95%); "
              "`held before all found`: the same over the looks taken while includes were still missing, the "
              "ones that test the claim; `gap`: mean true recall minus bound."), "",
             "| tool | runs | looks | held | looks before all found | held before all found | gap |",
             "|---|---|---|---|---|---|---|"]
    for t in tools:
        rs = [r for r in by_tool[t] if r.get("recall_bound")]
        b = bound_summary(rs)
        if not b:
            lines.append(f"| {t} | 0 | - | - | - | - | - |")
            continue
        lines.append(f"| {t} | {len(rs)} | {int(b['checks'])} | {b['held']:.1%} | {int(b['checks_before_all_found'])} "
                     f"| {b['held_before_all_found']:.1%} | {b['mean_gap']:.3f} |")
    if any(not r.get("recall_bound") for t in tools for r in by_tool[t]):
        lines += ["", ("Runs without the bound are triage runs cached before it was measured (their cache keeps "
                       "metrics, not orders; ASReview's keeps its orders); `--fresh` reruns them.")]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", help="Comma-separated dataset names (file stems); default: all.")
    parser.add_argument("--seeds", type=int, default=5, help="Seeds 0..N-1 per dataset (default 5).")
    parser.add_argument("--presets", default=None, help="Comma-separated triage presets (default: all in models/).")
    parser.add_argument("--priors", default="1,1", help="Prior includes,excludes (default 1,1).")
    parser.add_argument("--no-asreview", action="store_true", help="Run triage only.")
    parser.add_argument("--fresh", action="store_true", help="Ignore cached runs.")
    parser.add_argument("--no-report", action="store_true",
                        help="Only fill the run cache (e.g. half the datasets in each of two processes); "
                             "a later run over all datasets writes the report from it.")
    parser.add_argument("--embed-only", action="store_true",
                        help="Only compute (and cache) each dataset's sentence embeddings, then stop.")
    args = parser.parse_args(argv)
    if args.embed_only:
        for path in dataset_paths(args.datasets):
            dataset_embeddings(load_labelled(path))
        return 0
    from triage.ranking.presets import list_presets, load_preset

    presets = args.presets.split(",") if args.presets else list_presets()
    priors = tuple(int(x) for x in args.priors.split(","))
    py = None if args.no_asreview else ensure_asreview_venv()
    tools = [f"triage:{p}" for p in presets] + ([] if py is None else [ASREVIEW_TOOL])
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    for path in dataset_paths(args.datasets):
        ds = load_labelled(path)
        for seed in range(args.seeds):
            prior_idx = draw_priors(ds.labels, priors[0], priors[1], seed)
            tag = f"{ds.name}-s{seed}-p{args.priors.replace(',', '_')}"
            for preset in presets:
                label = load_preset(preset).label.replace("@", "-v") + "-" + code_hash(preset)
                row = cached(f"{tag}-triage-{label}", args.fresh, lambda ds=ds, preset=preset, seed=seed: run_triage(ds, preset, seed, priors))
                rows.append({**row, "tool": f"triage:{preset}", "code": f"{preset}:{code_hash(preset)}"})
                print(f"{ds.name} seed {seed} triage:{preset}: WSS@95 {row['wss95']:.3f} "
                      f"R@10 {row['recall10']:.3f} {row['seconds']:.1f}s", flush=True)
            if py is not None:
                run = cached(f"{tag}-asreview-order", args.fresh,
                             lambda ds=ds, prior_idx=prior_idx, seed=seed: run_asreview(py, ds, prior_idx, seed))
                row = asreview_scores(ds, run, seed)
                rows.append({**row, "tool": ASREVIEW_TOOL, "dataset": ds.name, "seed": seed, "n": ds.n,
                             "relevant": ds.relevant})
                print(f"{ds.name} seed {seed} asreview: WSS@95 {row['wss95']:.3f} "
                      f"R@10 {row['recall10']:.3f} {row['seconds']:.1f}s", flush=True)
    if args.no_report:
        print(f"{len(rows)} runs cached; report left alone (--no-report)")
        return 0
    md = write_report(rows, args, tools, time.perf_counter() - start)
    print(f"report written to {md} and {md.with_suffix('.csv')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
