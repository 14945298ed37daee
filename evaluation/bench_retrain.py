"""Benchmark: one retrain + rerank step at 10k and 50k records, triage vs ASReview, one run.

    .venv/bin/python evaluation/bench_retrain.py [--sizes 10000,50000] [--repeat 5] [--presets default,elas_u4]

The scaled sets are built from the shared screening datasets (``../shared/data/
screening``): every file's records in name order, concatenated, and repeated (whole
records again, a ``[copy k]`` mark added to the title so texts differ) until the size is
reached; the shared data hold about 37k records, so 50k repeats about a third. Labels
are the files' own. The step measured is what a reviewer waits for after a decision:
triage: ``teach`` one more decision then ``next(1)`` (retrain on every label, rescore all
records, pick the next); ASReview (ELAS u4, in its venv via ``asreview_sim.py bench``):
``fit`` on the labelled rows then ``rank`` the pool. Both start from the same 500
labelled records (50 includes, 450 excludes, seeded) with features already built; the
median of ``--repeat`` steps is reported. Writes ``evaluation/reports/retrain.md``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "evaluation"))

from stand_in import stand_in_embeddings

from triage.evaluation.labelled import load_labelled
from triage.records.model import Record

DATA = REPO.parent / "shared" / "data" / "screening"
CACHE = REPO / "evaluation" / ".cache" / "bench"
REPORT = REPO / "evaluation" / "reports" / "retrain.md"


def scaled_set(size: int) -> tuple[list[Record], np.ndarray]:
    pool: list[tuple[Record, int]] = []
    for path in sorted(p for p in DATA.glob("*.csv") if p.name != "INDEX.csv"):
        ds = load_labelled(path)
        pool.extend(zip(ds.records, (int(v) for v in ds.labels)))
    records: list[Record] = []
    labels: list[int] = []
    copy = 0
    while len(records) < size:
        for record, label in pool:
            if len(records) == size:
                break
            title = record.title or ""
            records.append(Record(title=f"{title} [copy {copy}]" if copy else title, abstract=record.abstract))
            labels.append(label)
        copy += 1
    return records, np.asarray(labels)


def labelled_start(labels: np.ndarray, seed: int = 0) -> list[int]:
    rng = np.random.default_rng(seed)
    inc = rng.choice(np.flatnonzero(labels == 1), 50, replace=False)
    exc = rng.choice(np.flatnonzero(labels == 0), 450, replace=False)
    return [int(i) for i in (*inc, *exc)]


def bench_triage(records: list[Record], labels: np.ndarray, start: list[int], preset: str, repeat: int) -> dict:
    from triage.ranking.cycle import ScreeningCycle
    from triage.ranking.presets import load_preset

    extra = {}
    if load_preset(preset).features.embeddings:
        # Timing only: see stand_in.py (a retrain reads stored vectors, never the model).
        extra["embeddings"] = stand_in_embeddings(len(records))
    t0 = time.perf_counter()
    cycle = ScreeningCycle(records, preset=preset, random_state=0, **extra)
    build = time.perf_counter() - t0
    for i in start:
        cycle.teach(i, int(labels[i]))
    cycle.next(1)  # first fit, not timed (as ASReview's features are built beforehand)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        shown = cycle.next(1)[0]
        cycle.teach(shown, int(labels[shown]))
        cycle.next(1)
        times.append((time.perf_counter() - t) * 1000)
    return {"ms": times, "build_s": build}


def bench_asreview(records: list[Record], labels: np.ndarray, start: list[int], repeat: int) -> dict:
    import json

    py = REPO / "evaluation" / ".asreview-venv" / "bin" / "python"
    CACHE.mkdir(parents=True, exist_ok=True)
    data = CACHE / f"scaled-{len(records)}.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "abstract", "label"])
        for r, y in zip(records, labels):
            w.writerow([r.title or "", r.abstract or "", int(y)])
    cmd = [str(py), str(REPO / "evaluation" / "asreview_sim.py"), "bench", "--data", str(data),
           "--labelled", ",".join(map(str, start)), "--repeat", str(repeat)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ), check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return dict(json.loads(proc.stdout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--presets", default="default,elas_u4")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    presets = args.presets.split(",")
    rows = []
    for size in sizes:
        records, labels = scaled_set(size)
        start = labelled_start(labels)
        asr = bench_asreview(records, labels, start, args.repeat)
        asr_ms = float(np.median(asr["ms"]))
        print(f"{size}: asreview elas_u4 {asr_ms:.1f} ms", flush=True)
        for preset in presets:
            tri = bench_triage(records, labels, start, preset, args.repeat)
            tri_ms = float(np.median(tri["ms"]))
            print(f"{size}: triage {preset} {tri_ms:.1f} ms", flush=True)
            rows.append((size, preset, tri_ms, asr_ms, tri["build_s"], asr["features_s"]))
    lines = [
        "# Retrain + rerank latency: triage vs ASReview LAB 3.0.8 (ELAS u4)",
        "",
        (f"Generated by `python evaluation/bench_retrain.py {' '.join(sys.argv[1:])}` on "
         f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.platform()}, Python "
         f"{platform.python_version()}, {os.cpu_count()} CPUs shared with other jobs (indicative)."),
        "",
        ("Scaled sets built from the shared screening datasets (concatenated; repeated with a `[copy k]` title mark "
         "beyond their ~37k records). 500 records labelled (50 includes, 450 excludes, seed 0); features built "
         f"beforehand; median of {args.repeat} steps. triage step = `next(1)` + `teach` + `next(1)` "
         "(retrain, rescore all, pick); ASReview step = `fit` + `rank` of the pool. Presets with sentence "
         "embeddings (`default`) get random unit vectors of the model's size (384) in their place: a retrain "
         "only reads the stored vectors; computing them (once per record, about 30 records/s on this CPU) "
         "is not part of a retrain and not in `features s`."),
        "",
        ("| records | triage preset | triage ms | ASReview ms | ratio triage/ASReview | triage features s | "
         "ASReview features s |"),
        "|---|---|---|---|---|---|---|",
    ]
    for size, preset, tri_ms, asr_ms, build, feat in rows:
        lines.append(f"| {size} | {preset} | {tri_ms:.1f} | {asr_ms:.1f} | {tri_ms / asr_ms:.2f} | {build:.1f} | "
                     f"{feat:.1f} |")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"report written to {REPORT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
