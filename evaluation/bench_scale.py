"""Scale benchmark (issue 17): import, deduplicate, rank and serve N realistic records.

Builds N records from the shared dedup benchmarks (``bench_dedup.build_scaled``: renamed
copies of every record with their abstracts, perturbed fields, the truth files' own
duplicates planted in every copy), then runs whole ``triage`` processes on a new project
and times each step with its CPU seconds and the peak memory of any step so far:

    init, import (CSV), dedup, first ``next -n 1`` under the ``tfidf`` preset (builds the
    ranking state), ``next -n 1`` and ``status`` from the kept state.

Then the web app: ``triage serve`` on the project (a free port of 127.0.0.1), a reviewer
named as on the screening page, and ``--web-decisions`` key presses timed over HTTP (the
decision posted, the next card's JSON received), each after ``--think`` seconds of
reading: first at once (the server serves the kept order while it builds its ranking),
then again once the server's CPU is idle (its ranking built), with its memory.

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

import httpx
from bench_dedup import build_scaled
from cli_runs import run_triage
from report_files import write_keeping_hand_written
from serve_runs import (
    JSON,
    CardError,
    choose_reviewer,
    free_port,
    percentiles,
    server_memory_mb,
    start_server,
    time_decisions,
    wait_until_idle,
)

ROOT = Path(__file__).resolve().parents[1]


def step(name: str, args: list[str], env: dict[str, str], results: list[dict[str, object]]) -> str:
    run = run_triage(*args, env=env)
    results.append({"step": name, "wall_s": round(run.wall, 2), "cpu_s": round(run.cpu, 2),
                    "peak_rss_mb_so_far": round(run.peak_rss_mb), "load_1m": round(os.getloadavg()[0], 1)})
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


def web_step(project: Path, env: dict[str, str], decisions: int, think: float, log: Path) -> dict[str, float]:
    """Key press to next card over HTTP on ``triage serve`` (see the module's docstring)."""
    port = free_port()
    started = time.perf_counter()
    server = start_server(project, port, env, log, wait_s=900)
    result = {"answered_s": time.perf_counter() - started}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=900) as client:
            csrf = choose_reviewer(client, "bench")
            card = client.get("/screen/card", headers=JSON).json()
            result["first_card_s"] = time.perf_counter() - started
            opening = time_decisions(client, csrf, card, decisions, think=think)
            result["opening_p50_ms"], result["opening_p95_ms"] = percentiles(opening.latencies)
            result["opening_max_ms"] = max(opening.latencies) * 1000
            wait_until_idle(server.pid)
            result["idle_s"] = time.perf_counter() - started
            assert opening.last_card is not None
            warm = time_decisions(client, csrf, opening.last_card, decisions, think=think)
            result["warm_p50_ms"], result["warm_p95_ms"] = percentiles(warm.latencies)
            result["warm_max_ms"] = max(warm.latencies) * 1000
            result["rss_mb"], result["peak_rss_mb"] = server_memory_mb(server.pid)
    except (httpx.HTTPError, CardError) as failed:
        raise CardError(f"{failed!r} (the server's exit status: {server.poll()})") from failed
    finally:
        server.terminate()
        server.wait(timeout=120)
    print({k: round(v, 1) for k, v in result.items()}, flush=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--database", default=None, help="PostgreSQL URL of an empty database (default: SQLite)")
    parser.add_argument("--report", type=Path, default=ROOT / "evaluation" / "reports" / "scale.md")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the records and the project in this new folder and keep them (to study the merges)")
    parser.add_argument("--web-decisions", type=int, default=40,
                        help="key presses timed on the web app, at once and again once it is idle (0: no web step)")
    parser.add_argument("--think", type=float, default=0.5, help="seconds a reviewer reads each card (web step)")
    parser.add_argument("--web-only", type=Path, default=None, metavar="PROJECT",
                        help="only the web step, on this project (e.g. one kept with --keep); prints, writes no report")
    args = parser.parse_args(argv)
    env = dict(os.environ, TRIAGE_EMBEDDINGS="background")
    env.pop("TRIAGE_DATABASE", None)
    if args.database:
        env["TRIAGE_DATABASE"] = args.database
    if args.web_only:
        web_step(args.web_only, env, args.web_decisions, args.think, args.web_only.parent / "serve.log")
        return
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
        web: dict[str, float] | str | None = None
        if args.web_decisions:
            try:
                web = web_step(project, env, args.web_decisions, args.think, Path(tmp) / "serve.log")
            except (httpx.HTTPError, CardError, SystemExit) as failed:  # the steps above still get their report
                web = f"the web step failed: {failed!r}; server log: {(Path(tmp) / 'serve.log').read_text()[-500:]!r}"
                print(web, flush=True)
    store = "PostgreSQL" if args.database else "SQLite"
    loads = [float(str(r["load_1m"])) for r in results]
    lines = [
        f"# Scale benchmark: {n:,} records on {store}",
        "",
        f"Command: `nice .venv/bin/python evaluation/bench_scale.py --records {args.records}"
        + (" --database URL" if args.database else "") + "`",
        "",
        (f"Machine: {os.cpu_count()} cores, 1-minute load average after each step {min(loads):.1f}-{max(loads):.1f}"
         f" ({os.getloadavg()[0]:.1f} at the end; a shared machine: wall seconds include waiting for the CPU)."
         " Whole `triage` processes, start-up included."),
        "",
        "| step | wall s | CPU s | peak RSS so far MB | load (1 min) after |",
        "|---|---|---|---|---|",
        *[f"| {r['step']} | {r['wall_s']} | {r['cpu_s']} | {r['peak_rss_mb_so_far']} | {r['load_1m']} |"
          for r in results],
        "",
        (f"Dedup against the planted truth: {quality['false_merges']} false merges of {quality['merged_pairs']:,}"
        f" merged pairs; pair recall {quality['pair_recall']} ({quality['true_pairs']:,} true pairs)."),
        "",
        *(web_lines(web, args.web_decisions, args.think) if isinstance(web, dict) else [web or ""]),
    ]
    write_keeping_hand_written(args.report, "\n".join(lines))
    print(args.report.read_text())


def web_lines(web: dict[str, float], decisions: int, think: float) -> list[str]:
    return [
        "## Web app: key press to next record",
        "",
        (f"`triage serve` on the project (127.0.0.1, a free port), one reviewer named on the reviewer page; each key"
         f" press is the screening page's request (`POST /screen/decide`, `Accept: application/json`), timed from"
         f" sending it to the next card's JSON received, {decisions} decisions (every eighth an include), each after"
         f" {think:g} s of reading. The server answered after {web['answered_s']:.1f} s and served the first card"
         f" {web['first_card_s']:.1f} s after its start; its CPU was idle (ranking built, retrained) after"
         f" {web['idle_s']:.1f} s."),
        "",
        "| key presses | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|",
        (f"| at once after the first card (the server building its ranking) | {web['opening_p50_ms']:.0f} |"
         f" {web['opening_p95_ms']:.0f} | {web['opening_max_ms']:.0f} |"),
        (f"| once the server was idle (its ranking built; it retrains as decisions come) | {web['warm_p50_ms']:.0f} |"
         f" {web['warm_p95_ms']:.0f} | {web['warm_max_ms']:.0f} |"),
        "",
        (f"Server memory after the key presses: {web['rss_mb']:,.0f} MB resident, peak {web['peak_rss_mb']:,.0f} MB."),
        "",
    ]


if __name__ == "__main__":
    main()
