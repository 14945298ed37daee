"""CLI latency once the ranking state exists, at 5,000 and 50,000 records (issue 17).

Builds a project from the shared screening datasets (every title and abstract pooled,
repeated with a suffix to reach the size; no labels), with the shared example criteria
and the default preset, then times whole ``triage`` processes (start-up included):

* ``import``: the CSV into a new project;
* first ``next -n 1``: builds TF-IDF, criteria scores and the first order (embeddings are
  left to the background run, which this script stops at once: on a shared 2-core
  machine it would run for the rest of the benchmark; the order says they are pending);
* ``next -n 1`` and ``status`` again: served from the kept order and advice;
* ``decide`` then ``next -n 1``: a rebuild after a decision that reuses words and criteria.

Wall seconds and CPU seconds (user + sys of the child) per call, median of ``--repeat``
calls; the peer is the same command with the kept state removed (what every call cost
before issue 17). Writes ``evaluation/reports/latency.md``.

    nice .venv/bin/python evaluation/bench_cli_latency.py --sizes 5000 50000
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_runs import SHARED, run_triage, write_pooled_corpus

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "evaluation" / "reports" / "latency.md"


def timed(*args: str, env: dict[str, str]) -> tuple[float, float, str]:
    """(wall s, CPU s, stdout) of one ``triage`` process."""
    run = run_triage(*args, env=env)
    return run.wall, run.cpu, run.stdout


def stop_background(project: Path) -> None:
    lock = project / "embedding.lock"
    for _ in range(1200):  # the run writes its lock once Python and triage are loaded
        if lock.exists():
            break
        time.sleep(0.1)
    try:
        os.kill(int(lock.read_text().strip()), signal.SIGTERM)
    except (OSError, ValueError):
        return
    time.sleep(1)
    lock.unlink(missing_ok=True)


def forget_state(project: Path, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-c", ("import sys\nfrom triage.store.db import Project\n"
                    "from triage.store.ranking_state import clear_ranking_state\n"
                    "with Project.open(sys.argv[1]) as p, p.transaction() as s: clear_ranking_state(s)"), str(project)],
                   check=True, env=env)


def median(values: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(v[0] for v in values), statistics.median(v[1] for v in values)


def run_size(size: int, repeat: int, work: Path, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    corpus = work / f"records-{size}.csv"
    write_pooled_corpus(corpus, size)
    project = work / f"p{size}"
    timed("init", str(project), "--criteria", str(SHARED / "examples" / "criteria-parental-mental-health.toml"),
          env=env)
    out: dict[str, tuple[float, float]] = {}
    wall, cpu, _ = timed("import", str(corpus), "-p", str(project), env=env)
    out["import"] = (wall, cpu)
    wall, cpu, first = timed("next", "-n", "1", "--json", "-p", str(project), env=env)
    stop_background(project)
    out["first next -n 1 (builds the state)"] = (wall, cpu)
    out["import + first ranked record"] = (out["import"][0] + wall, out["import"][1] + cpu)
    out["next -n 1 (kept order)"] = median([timed("next", "-n", "1", "-p", str(project), env=env)[:2]
                                             for _ in range(repeat)])
    timed("status", "-p", str(project), env=env)  # keeps the advice
    out["status (kept advice)"] = median([timed("status", "-p", str(project), env=env)[:2] for _ in range(repeat)])
    record = first.splitlines()[0].split('"id": ')[1].split(",")[0]
    timed("decide", record, "include", "--reviewer", "bench", "-p", str(project), env=env)
    wall, cpu, _ = timed("next", "-n", "1", "-p", str(project), env=env)
    stop_background(project)
    out["next -n 1 after a decision (rebuild, words and criteria kept)"] = (wall, cpu)
    forget_state(project, env)
    wall, cpu, _ = timed("next", "-n", "1", "-p", str(project), env=env)
    stop_background(project)
    out["peer: next -n 1 with no kept state (every call before)"] = (wall, cpu)
    forget_state(project, env)
    wall, cpu, _ = timed("status", "-p", str(project), env=env)
    stop_background(project)
    out["peer: status with no kept state"] = (wall, cpu)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 50_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    env = dict(os.environ, TRIAGE_EMBEDDINGS="background")
    env.pop("TRIAGE_DATABASE", None)
    results: dict[int, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="triage-latency-") as tmp:
        for size in args.sizes:
            results[size] = run_size(size, args.repeat, Path(tmp), env)
            print(size, results[size], flush=True)
    load = os.getloadavg()[0]
    lines = [
        "# CLI latency with the ranking state kept in the project (issue 17)",
        "",
        (f"Command: `nice .venv/bin/python evaluation/bench_cli_latency.py --sizes {' '.join(map(str, args.sizes))}"
        f" --repeat {args.repeat}`"),
        "",
        (f"Machine: {os.cpu_count()} cores; 1-minute load average at the end {load:.1f} (other jobs ran beside it:"
        " wall seconds wait for the CPU, CPU seconds do not). Whole processes, start-up included; default preset,"
        " the shared example criteria (parental mental health), records pooled from ../shared/data/screening."),
        ("Embeddings: left to the background run, stopped at once here (the order is ranked on words and criteria"
        " and says so)."),
        "",
        "| step | " + " | ".join(f"{size:,} records: wall s / CPU s" for size in args.sizes) + " |",
        "|---|" + "---|" * len(args.sizes),
    ]
    for step in results[args.sizes[0]]:
        cells = [f"{results[s][step][0]:.2f} / {results[s][step][1]:.2f}" for s in args.sizes]
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    for size in args.sizes:
        r = results[size]
        peer, kept = r["peer: next -n 1 with no kept state (every call before)"], r["next -n 1 (kept order)"]
        speed = peer[1] / kept[1] if kept[1] else float("inf")
        lines.append("")
        lines.append(f"{size:,} records: `next -n 1` from the kept order takes {speed:.1f}x less CPU than"
                     " rebuilding the ranking (the peer).")
    REPORT.write_text("\n".join(lines) + "\n")
    shutil.rmtree(Path(tempfile.gettempdir()) / "unused", ignore_errors=True)
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
