# Moved here from evaluation/bench_retrain.py (its name is the triage-vs-ASReview benchmark of issue 5).
"""Decision-to-next-record latency of ``ScreeningCycle`` at 10k and 50k records.

Builds corpora of real titles and abstracts from ``../shared/data/screening`` (all
datasets pooled; repeated with a suffix to reach the size), labels ``--labelled``
records (5% includes), then times ``teach`` + ``next(1)`` for ``--steps`` decisions:
one retrain and rerank each, the step a reviewer waits for. Prints median and 90th
percentile milliseconds per preset and size.

    nice .venv/bin/python evaluation/bench_retrain.py --sizes 10000 50000 --preset default --preset elas_u4
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tune_ranking import read_labelled

from triage.ranking.cycle import ScreeningCycle
from triage.records.model import Record

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "screening"


def corpus(size: int) -> list[Record]:
    pool: list[Record] = []
    for path in sorted(SHARED.glob("*.csv")):
        if path.name != "INDEX.csv":
            pool.extend(read_labelled(path)[0])
    records = []
    for i in range(size):
        base = pool[i % len(pool)]
        copy = i // len(pool)
        title = base.title if not copy else f"{base.title or ''} (copy {copy})"
        records.append(Record(title=title, abstract=base.abstract))
    return records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--preset", action="append", default=[])
    parser.add_argument("--labelled", type=int, default=500)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    for size in args.sizes:
        records = corpus(size)
        for name in args.preset or ["default"]:
            start = time.perf_counter()
            cycle = ScreeningCycle(records, preset=name, random_state=0)
            build = time.perf_counter() - start
            for index in rng.choice(size, size=args.labelled, replace=False):
                cycle.teach(int(index), int(rng.random() < 0.05))
            cycle.next(1)
            times = []
            for _ in range(args.steps):
                index = cycle.next(1)[0]
                start = time.perf_counter()
                cycle.teach(index, int(rng.random() < 0.05))
                cycle.next(1)
                times.append(time.perf_counter() - start)
            ms = np.array(times) * 1000
            print(
                f"{name:12s} n={size:6d} features={cycle._X.shape[1]:8d} build {build:6.1f} s  "
                f"step median {np.median(ms):6.1f} ms  p90 {np.percentile(ms, 90):6.1f} ms",
                flush=True,
            )


if __name__ == "__main__":
    main()
