"""Scale benchmark (issue 17): import, deduplicate, rank and serve N realistic records.

Builds N records from the shared dedup benchmarks (``bench_dedup.build_scaled``: renamed
copies of every record with their abstracts, perturbed fields, the truth files' own
duplicates planted in every copy), then runs whole ``triage`` processes on a new project
and times each step with its CPU seconds and the peak memory of any step so far:

    init, import (CSV), dedup, first ``next -n 1`` under the ``tfidf`` preset (builds the
    ranking state), ``next -n 1`` and ``status`` from the kept state.

Dedup is scored against the planted truth (pairs within one cluster): false merges and
pair recall. ``--database URL`` runs the same on PostgreSQL (an empty database).

    nice .venv/bin/python evaluation/bench_scale.py --records 1000000
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dedup import build_scaled
from cli_runs import run_triage

ROOT = Path(__file__).resolve().parents[1]


def step(name: str, args: list[str], env: dict[str, str], results: list[dict[str, object]]) -> str:
    run = run_triage(*args, env=env)
    results.append({"step": name, "wall_s": round(run.wall, 2), "cpu_s": round(run.cpu, 2),
                    "peak_rss_mb_so_far": round(run.peak_rss_mb)})
    print(results[-1], flush=True)
    return run.stdout


def dedup_quality(project: Path, env: dict[str, str]) -> dict[str, object]:
    """False merges and pair recall of the project's merge groups against ``cluster_id``."""
    code = (
        "import json, sys\n"
        "from triage.store.db import Project\n"
        "from triage.store.groups import current_groups\n"
        "from triage.store.records import raw_values\n"
        "with Project.open(sys.argv[1], sys.argv[2] or None) as p, p.reading() as s:\n"
        "    print(json.dumps({'groups': current_groups(s), 'truth': raw_values(s, 'cluster_id')}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(project), env.get("TRIAGE_DATABASE", "")],
                          capture_output=True, text=True, check=True, env=env)
    data = json.loads(done.stdout)
    groups = {int(k): int(v) for k, v in data["groups"].items()}
    truth = {int(k): v for k, v in data["truth"].items()}
    members: dict[int, list[int]] = {}
    for rid, group in groups.items():
        members.setdefault(group, []).append(rid)
    merged_pairs = false_merges = 0
    for ids in members.values():
        for a, b in itertools.combinations(ids, 2):
            merged_pairs += 1
            false_merges += truth.get(a) != truth.get(b)
    clusters = Counter(truth.values())
    true_pairs = sum(n * (n - 1) // 2 for n in clusters.values())
    found = merged_pairs - false_merges
    return {"records": len(groups), "true_pairs": true_pairs, "merged_pairs": merged_pairs,
            "false_merges": false_merges, "pair_recall": round(found / true_pairs, 4) if true_pairs else 1.0}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--database", default=None, help="PostgreSQL URL of an empty database (default: SQLite)")
    parser.add_argument("--report", type=Path, default=ROOT / "evaluation" / "reports" / "scale.md")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the records and the project in this new folder and keep them (to study the merges)")
    args = parser.parse_args(argv)
    env = dict(os.environ, TRIAGE_EMBEDDINGS="background")
    env.pop("TRIAGE_DATABASE", None)
    if args.database:
        env["TRIAGE_DATABASE"] = args.database
    results: list[dict[str, object]] = []
    with contextlib.ExitStack() as stack:
        if args.keep:
            args.keep.mkdir(parents=True)
            tmp = str(args.keep)
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="triage-scale-"))
        data = Path(tmp) / "records.csv"
        started = time.perf_counter()
        n = build_scaled(args.records, data, keep_abstracts=True)
        print(f"built {n} records in {time.perf_counter() - started:.0f} s", flush=True)
        project = Path(tmp) / "p"
        step("init", ["init", str(project)], env, results)
        step("import", ["import", str(data), "-p", str(project)], env, results)
        step("dedup", ["dedup", "-p", str(project)], env, results)
        quality = dedup_quality(project, env)
        print(quality, flush=True)
        step("settings preset tfidf", ["settings", "preset", "tfidf", "-p", str(project)], env, results)
        step("first next -n 1 (builds the ranking state)", ["next", "-n", "1", "-p", str(project)], env, results)
        for _ in range(3):
            step("next -n 1 (kept order)", ["next", "-n", "1", "-p", str(project)], env, results)
        step("status (builds the kept advice)", ["status", "-p", str(project)], env, results)
        step("status (kept advice)", ["status", "-p", str(project)], env, results)
    store = "PostgreSQL" if args.database else "SQLite"
    lines = [
        f"# Scale benchmark: {n:,} records on {store}",
        "",
        f"Command: `nice .venv/bin/python evaluation/bench_scale.py --records {args.records}`"
        + (" --database URL" if args.database else ""),
        "",
        (f"Machine: {os.cpu_count()} cores, 1-minute load average at the end {os.getloadavg()[0]:.1f} (a shared"
        " machine: wall seconds include waiting for the CPU). Whole `triage` processes, start-up included."),
        "",
        "| step | wall s | CPU s | peak RSS so far MB |",
        "|---|---|---|---|",
        *[f"| {r['step']} | {r['wall_s']} | {r['cpu_s']} | {r['peak_rss_mb_so_far']} |" for r in results],
        "",
        (f"Dedup against the planted truth: {quality['false_merges']} false merges of {quality['merged_pairs']:,}"
        f" merged pairs; pair recall {quality['pair_recall']} ({quality['true_pairs']:,} true pairs)."),
    ]
    args.report.write_text("\n".join(lines) + "\n")
    print(args.report.read_text())


if __name__ == "__main__":
    main()
