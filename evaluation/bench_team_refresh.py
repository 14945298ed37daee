"""The team server's retrainer refresh, alone: reading the whole decision log against reading
the rows appended since (issue 16), and how long a request thread waits behind it.

Starts a throwaway PostgreSQL and makes a project of ``--records`` records as
``bench_team_load.py`` does, with ``--decisions`` decisions by 20 reviewers, and
builds the web app's :class:`~triage.web.state.ScreeningState` on it. Then, ``--rounds``
times each and alternating: five new decisions, one refresh (sync with the store, retrain,
rank the head, explain it) with the whole log read, or with the appended rows only. A
thread that sleeps 1 ms in a loop stands for a request: its longest wake-up delay during a
refresh is how long the refresh kept the interpreter from it.

    nice .venv/bin/python evaluation/bench_team_refresh.py --records 50000 --decisions 2000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_team_load import postgres_project

from triage.store.db import Project
from triage.store.decisions import record_decision
from triage.web.state import ScreeningState

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REPORT = ROOT / "evaluation" / "reports" / "team_load_refresh.md"


def refreshes(state: ScreeningState, project: Project, *, whole_log: bool, rounds: int,
              rng: random.Random) -> list[tuple[float, float, float, float]]:
    """Per round: sync seconds, sync + refresh seconds, CPU seconds, longest 1 ms sleep."""
    queue = state.wait_ready()
    ids = list(queue.record_ids)
    gaps: list[float] = []
    stop = threading.Event()

    def request() -> None:
        while not stop.is_set():
            began = time.perf_counter()
            time.sleep(0.001)
            gaps.append(time.perf_counter() - began)

    sleeper = threading.Thread(target=request, daemon=True)
    sleeper.start()
    out = []
    try:
        for n in range(rounds):
            with project.transaction() as session:
                for k in range(5):
                    record_decision(session, rng.choice(ids), "exclude", reviewer=f"reviewer{k:02d}",
                                    request_id=f"refresh-{whole_log}-{n}-{k}-{rng.random()}")
            if whole_log:
                queue._in_force = None  # forget the last read: the sync reads the whole log, as before
            gaps.clear()
            cpu, began = time.process_time(), time.perf_counter()
            queue.sync()
            synced = time.perf_counter() - began
            state.refresh_now()
            out.append((synced, time.perf_counter() - began, time.process_time() - cpu, max(gaps, default=0.0)))
    finally:
        stop.set()
        sleeper.join()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--decisions", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    args = parser.parse_args(argv)
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(prefix="triage-refresh-") as tmp, postgres_project(Path(tmp), args.records) as made:
        env, where = made
        with Project.open(where, env["TRIAGE_DATABASE"]) as project:
            state = ScreeningState(project)
            try:
                ids = list(state.wait_ready(1800).record_ids)
                with project.transaction() as session:
                    for n, rid in enumerate(rng.sample(ids, args.decisions)):
                        record_decision(session, rid, "include" if n % 10 == 0 else "exclude",
                                        reviewer=f"reviewer{n % 20:02d}", request_id=f"setup-{n}")
                loads = [os.getloadavg()[0]]
                runs: dict[bool, list[tuple[float, float, float, float]]] = {True: [], False: []}
                for whole_log in (True, False, True, False):
                    runs[whole_log] += refreshes(state, project, whole_log=whole_log, rounds=args.rounds, rng=rng)
                    loads.append(os.getloadavg()[0])
            finally:
                state.stop()

    def median_ms(rows: list[tuple[float, float, float, float]], i: int) -> str:
        return f"{statistics.median(r[i] for r in rows) * 1000:.0f}"

    lines = [
        f"# Retrainer refresh: {args.records:,} records, {args.decisions:,} decisions, PostgreSQL",
        "",
        (f"Command: `nice .venv/bin/python evaluation/bench_team_refresh.py --records {args.records} --decisions "
         f"{args.decisions}{f' --rounds {args.rounds}' if args.rounds != 8 else ''}`"),
        "",
        (f"Machine: {os.cpu_count()} cores shared with other work, load average (1 min) from {min(loads):.1f} to "
         f"{max(loads):.1f}. Medians of {2 * args.rounds} refreshes each, the two ways alternating in blocks of "
         f"{args.rounds}; five new decisions before each (preset tfidf)."),
        "",
        "| sync reads | sync (ms) | sync + retrain + rank + explain (ms) | CPU (ms) | longest 1 ms sleep of another thread (ms) |",
        "|---|---|---|---|---|",
    ]
    for whole_log, name in ((True, "the whole log (before)"), (False, "rows appended since (after)")):
        rows = runs[whole_log]
        lines.append(f"| {name} | {median_ms(rows, 0)} | {median_ms(rows, 1)} | {median_ms(rows, 2)} | "
                     f"{median_ms(rows, 3)} |")
    args.report.write_text("\n".join(lines) + "\n")
    print(args.report.read_text())


if __name__ == "__main__":
    main()
