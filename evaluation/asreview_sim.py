"""Run ASReview LAB's own simulation; executed by the ASReview venv's Python, not triage's.

Used by ``compare_asreview.py`` and ``bench_retrain.py`` through a subprocess, so
ASReview and its pinned dependencies never meet triage's. Two modes:

``simulate``: ASReview's ``Simulate`` with a named model (default ``elas_u4``), the
given prior indices labelled first and the global NumPy seed set, exactly as
``asreview simulate --prior-idx ... --seed ...`` does; prints JSON with the screening
order (row positions), seconds and versions.

``bench``: one retrain + rerank step of the model on a CSV, timed ``--repeat`` times
after the features are built; prints JSON with the times in ms.

Input CSVs have columns ``title``, ``abstract``, ``label`` (written by the caller from
triage's own reader, so both tools see identical rows).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pandas as pd


def _cycles(model: str):  # type: ignore[no-untyped-def]
    from asreview.learner import ActiveLearningCycle
    from asreview.models.models import get_ai_config
    from asreview.models.queriers import TopDown
    from asreview.models.stoppers import IsFittable

    meta = get_ai_config(model)["value"]
    return [ActiveLearningCycle(querier=TopDown(), stopper=IsFittable()), ActiveLearningCycle.from_meta(meta)]


def simulate(args: argparse.Namespace) -> dict:
    import asreview
    from asreview.simulation.simulate import Simulate

    df = pd.read_csv(args.data, keep_default_na=False, dtype={"title": str, "abstract": str})
    labels = df["label"].astype(int).to_numpy()
    np.random.seed(args.seed)
    start = time.perf_counter()
    sim = Simulate(df[["title", "abstract"]], labels, _cycles(args.model), print_progress=False)
    priors = [int(i) for i in args.prior_idx.split(",") if i != ""]
    if priors:
        sim.label(priors)
    sim.review()
    seconds = time.perf_counter() - start
    order = [int(i) for i in sim._results["record_id"].tolist()]
    return {
        "order": order,
        "n_priors": len(priors),
        "seconds": seconds,
        "model": args.model,
        "asreview": asreview.__version__,
    }


def bench(args: argparse.Namespace) -> dict:
    import asreview
    from asreview.learner import ActiveLearningCycle
    from asreview.models.models import get_ai_config

    df = pd.read_csv(args.data, keep_default_na=False, dtype={"title": str, "abstract": str})
    labels = df["label"].astype(int).to_numpy()
    labelled = np.array([int(i) for i in args.labelled.split(",")])
    cycle = ActiveLearningCycle.from_meta(get_ai_config(args.model)["value"])
    t0 = time.perf_counter()
    X = cycle.transform(df[["title", "abstract"]])
    features_s = time.perf_counter() - t0
    pool = np.setdiff1d(np.arange(len(df)), labelled)
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        cycle.fit(X[labelled], labels[labelled])
        ranked = pool[cycle.rank(X[pool])]
        _ = int(ranked[0])
        times.append((time.perf_counter() - t) * 1000)
    return {"ms": times, "features_s": features_s, "n": len(df), "asreview": asreview.__version__}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("simulate")
    s.add_argument("--data", required=True)
    s.add_argument("--prior-idx", default="")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--model", default="elas_u4")
    b = sub.add_parser("bench")
    b.add_argument("--data", required=True)
    b.add_argument("--labelled", required=True)
    b.add_argument("--repeat", type=int, default=5)
    b.add_argument("--model", default="elas_u4")
    args = parser.parse_args(argv)
    out = simulate(args) if args.mode == "simulate" else bench(args)
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
