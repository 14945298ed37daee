"""Dedup engine alone on a built scale project: keys streamed from the store, then blocking,
scoring and clustering (``find_duplicates_keys``), without the store writes.

``bench_scale.py`` times the whole ``triage dedup`` process (keys, scoring, merges written);
this script answers the quality questions of a million-record run in about a third of
its time, so a rule can be checked at 1,000,000 without rerunning the whole benchmark:
false merges (each pair named with its truth clusters), pair recall, and pair recall per
planted copy (copy 0 is the shared sets themselves, copies 1+ renamed by ``build_scaled``).

    nice .venv/bin/python evaluation/dedup_engine_scale.py /tmp/dedupz/k1m --records 1000000

builds the records (``build_scaled``, abstracts kept, as ``bench_scale.py`` does) and the
project (``triage init`` + ``triage import``) in that new folder first; given an existing
folder (``bench_scale.py --keep``'s) it reads the project ``p`` there.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dedup import build_scaled
from cli_runs import TRIAGE

from triage.dedup.engine import find_duplicates_keys
from triage.store.db import Project
from triage.store.dedup_runs import stream_keys
from triage.store.records import raw_values


def build_project(folder: Path, records: int) -> None:
    """The scale benchmark's records and an imported project ``folder/p``."""
    folder.mkdir(parents=True)
    data = folder / "records.csv"
    build_scaled(records, data, keep_abstracts=True)
    env = dict(os.environ, TRIAGE_EMBEDDINGS="background")
    subprocess.run([TRIAGE, "init", str(folder / "p")], check=True, env=env, capture_output=True)
    subprocess.run([TRIAGE, "import", str(data), "-p", str(folder / "p")], check=True, env=env,
                   capture_output=True)


def per_copy(truth: dict[int, str], found_pairs: set[tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """Planted copy -> (true pairs found, true pairs); truth values are ``copy:cluster``."""
    members: dict[str, list[int]] = {}
    for rid, cluster in truth.items():
        members.setdefault(cluster, []).append(rid)
    found: Counter[int] = Counter()
    total: Counter[int] = Counter()
    for cluster, ids in members.items():
        copy = int(cluster.split(":", 1)[0])
        for a, b in itertools.combinations(sorted(ids), 2):
            total[copy] += 1
            found[copy] += (a, b) in found_pairs
    return {copy: (found[copy], total[copy]) for copy in sorted(total)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="folder holding project p (built there first with --records)")
    parser.add_argument("--records", type=int, default=None, help="build this many records in a new folder")
    args = parser.parse_args(argv)
    if args.records:
        started = time.perf_counter()
        build_project(args.folder, args.records)
        print(f"built and imported {args.records} records in {time.perf_counter() - started:.0f} s", flush=True)
    project = args.folder / "p"
    wall, cpu = time.perf_counter(), time.process_time()
    with Project.open(project) as p, p.reading() as session:
        ids, keys = stream_keys(session)
    keys_cpu = time.process_time() - cpu
    result = find_duplicates_keys(keys)
    engine_cpu = time.process_time() - cpu
    engine_wall = time.perf_counter() - wall
    del keys
    with Project.open(project) as p, p.reading() as session:
        truth = raw_values(session, "cluster_id")
    merged: set[tuple[int, int]] = set()
    false_pairs = []
    for group in result.groups:
        for x, y in itertools.combinations(sorted(ids[i] for i in group), 2):
            merged.add((x, y))
            if truth[x] != truth[y]:
                false_pairs.append([x, y, truth[x], truth[y]])
    copies = per_copy(truth, merged)
    true_pairs = sum(t for _, t in copies.values())
    renamed = [f / t for c, (f, t) in copies.items() if c and t]
    summary = {
        "records": len(ids), "true_pairs": true_pairs, "merged_pairs": len(merged), "false_merges": len(false_pairs),
        "pair_recall": round((len(merged) - len(false_pairs)) / true_pairs, 4) if true_pairs else 1.0,
        "copy0_recall": round(copies[0][0] / copies[0][1], 4) if copies.get(0, (0, 0))[1] else None,
        "renamed_copies": len(renamed),
        "renamed_recall_mean": round(statistics.mean(renamed), 4) if renamed else None,
        "renamed_recall_sd": round(statistics.pstdev(renamed), 4) if renamed else None,
        "renamed_recall_range": [round(min(renamed), 4), round(max(renamed), 4)] if renamed else None,
        "renamed_pooled_recall": round(sum(f for c, (f, _) in copies.items() if c)
                                       / max(1, sum(t for c, (_, t) in copies.items() if c)), 4),
        "possible": len(result.possible), "related": len(result.related), "compared": result.compared,
        "keys_cpu_s": round(keys_cpu), "engine_cpu_s": round(engine_cpu), "engine_wall_s": round(engine_wall),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "load": [round(x, 1) for x in os.getloadavg()],
    }
    print(json.dumps(summary), flush=True)
    print(json.dumps({"false_pairs": false_pairs}), flush=True)
    print(json.dumps({"per_copy": copies}), flush=True)


if __name__ == "__main__":
    main()
