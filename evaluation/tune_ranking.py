"""Quick screening simulation used to tune the ranking presets (developer tool).

Simulates a reviewer screening each labelled CSV in ``ScreeningCycle`` order (the real
loop: ``next(1)`` -> ``teach`` after every decision), with priors of one include and one
exclude drawn by seed, until every relevant record is found. Prints WSS@95, WSS@100,
recall@10% per dataset and preset, and the means. For reports use
``triage evaluate screening``; this script exists to iterate on presets quickly.

    nice .venv/bin/python evaluation/tune_ranking.py --preset default --preset elas_u4 \
        --seeds 2 ../shared/data/screening/Cohen_2006_ADHD.csv ...

``--criteria FILE`` with ``--priors 0`` measures the cold start (recall@10% with no
decisions). Records are read with triage's own reader (``load_labelled``) and their
embeddings come from the evaluation scripts' shared disk cache (``dataset_embeddings.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dataset_embeddings import dataset_embeddings

from triage.criteria import load_criteria
from triage.embeddings import load_encoder
from triage.evaluation.labelled import load_labelled
from triage.ranking.cycle import ScreeningCycle
from triage.ranking.presets import load_preset


def simulate(cycle: ScreeningCycle, y: np.ndarray, priors: tuple[int, int], seed: int) -> list[int]:
    """Screening order (prior indices first) until every relevant record is found."""
    rng = np.random.default_rng(seed)
    order: list[int] = []
    for label, count in ((1, priors[0]), (0, priors[1])):
        for index in rng.choice(np.flatnonzero(y == label), size=count, replace=False):
            cycle.teach(int(index), label)
            order.append(int(index))
    found, total = int(y[order].sum()), int(y.sum())
    while found < total:
        index = cycle.next(1)[0]
        cycle.teach(index, int(y[index]))
        order.append(index)
        found += int(y[index])
    return order


def metrics(order: list[int], y: np.ndarray, n_priors: int) -> dict[str, float]:
    """WSS@95/@100 and recall@10% over the records screened after the priors."""
    n, total = len(y), int(y.sum())
    screened = order[n_priors:]
    hits = np.cumsum(y[screened])
    prior_hits = int(y[order[:n_priors]].sum())
    pool_n, pool_rel = n - n_priors, total - prior_hits

    def wss(target: float) -> float:
        need = int(np.ceil(target * pool_rel))
        at = int(np.searchsorted(hits, need) + 1) if need else 0
        return (pool_n - at) / pool_n - (1 - target)

    k10 = int(np.ceil(0.10 * pool_n))
    recall10 = float(hits[min(k10, len(hits)) - 1]) / pool_rel if pool_rel and len(hits) else 0.0
    return {"wss95": wss(0.95), "wss100": wss(1.0), "recall10": recall10}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="+", type=Path)
    parser.add_argument("--preset", action="append", default=[])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--priors", default="1,1")
    parser.add_argument("--criteria", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    presets = args.preset or ["default"]
    priors = tuple(int(p) for p in args.priors.split(","))
    criteria = load_criteria(args.criteria) if args.criteria else None
    encoder_box: list = []
    results = []
    for path in args.data:
        ds = load_labelled(path)
        records, y = ds.records, ds.labels
        embeddings = None
        for name in presets:
            preset = load_preset(name)
            if preset.features.embeddings or criteria is not None:
                embeddings = dataset_embeddings(ds)
            for seed in range(args.seeds):
                start = time.perf_counter()
                if not encoder_box and criteria is not None:
                    encoder_box.append(load_encoder())
                cycle = ScreeningCycle(
                    records,
                    preset=preset,
                    criteria=criteria,
                    embeddings=embeddings,
                    encoder=encoder_box[0] if encoder_box else None,
                    random_state=seed,
                )
                order = simulate(cycle, y, (priors[0], priors[1]), seed)
                row = {
                    "dataset": path.stem,
                    "preset": name,
                    "seed": seed,
                    "n": len(y),
                    "relevant": int(y.sum()),
                }
                row.update(metrics(order, y, sum(priors)))
                row["seconds"] = round(time.perf_counter() - start, 2)
                results.append(row)
                print(json.dumps(row), flush=True)
    print("\nmeans over datasets and seeds:")
    for name in presets:
        mine = [r for r in results if r["preset"] == name]
        print(
            f"{name:14s} wss95 {np.mean([r['wss95'] for r in mine]):.4f}  "
            f"wss100 {np.mean([r['wss100'] for r in mine]):.4f}  recall10 {np.mean([r['recall10'] for r in mine]):.4f}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
