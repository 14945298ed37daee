"""What the decisions in force cost to read whole where there are many merges (the web's settled
set at a start on a kept order that is no longer current, e.g. after ``kill -9``).

A server that starts on the order the project kept serves it at once; if anything was decided,
merged or imported since that order was kept (a server killed between two writes of it: they
come every 5 s), its first card waits for the whole settled set
(:func:`~triage.store.decisions.settled_records`). That read takes every merge from the log to
know each decision's group at the time it was made (``GroupHistory``): 164,876 merges at
1,000,000 records (``scale.md``). This makes ``--records`` records from the shared screening
datasets (as ``bench_web.py`` does) with ``--merges`` two-record merges and ``--decisions``
decisions, and times, ``--repeat`` times each in a fresh read-only session, the whole settled
set and the merge history alone.

    nice .venv/bin/python evaluation/bench_merge_history.py --records 330000 --merges 165000 --decisions 2000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_card_fingerprint import timed
from bench_web import scaled_csv

from triage.store.db import Project
from triage.store.decisions import decision_history, record_decision, settled_records
from triage.store.groups import GroupHistory
from triage.store.merges import apply_merges
from triage.store.records import screening_records

ROOT = Path(__file__).resolve().parents[1]


def build(work: Path, records: int, merges: int, decisions: int, database: str | None) -> Path:
    data = work / "scaled.csv"
    scaled_csv(records, data)
    where = work / "review"
    triage = str(ROOT / ".venv" / "bin" / "triage")
    extra = ["--database", database] if database else []
    subprocess.run([triage, "init", str(where), *extra], check=True, capture_output=True)
    subprocess.run([triage, "import", str(data), "-p", str(where), *extra], check=True, capture_output=True)
    with Project.open(where, database) as project:
        with project.reading() as session:
            pairs = screening_records(session)[: 2 * merges]
        for start in range(0, len(pairs), 20_000):
            chunk = pairs[start : start + 20_000]
            with project.transaction() as session:
                apply_merges(session, [chunk[i : i + 2] for i in range(0, len(chunk) - 1, 2)], run_id=None,
                             reason="bench", in_force={})
        with project.reading() as session:
            ids = [rid for rid, _ in screening_records(session)]
        with project.transaction() as session:
            for n, rid in enumerate(ids[:: max(1, len(ids) // decisions)][:decisions]):
                record_decision(session, rid, "exclude", reviewer=f"reviewer{n % 20:02d}")
    return where


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=330_000)
    parser.add_argument("--merges", type=int, default=165_000)
    parser.add_argument("--decisions", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default=None, help="PostgreSQL URL of an empty database (default: SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="triage-merges-") as tmp:
        started = time.perf_counter()
        where = build(Path(tmp), args.records, args.merges, args.decisions, args.database)
        setup = time.perf_counter() - started
        with Project.open(where, args.database) as project:
            whole = timed(project, args.repeat, lambda s: settled_records(s))  # type: ignore[arg-type]
            history = timed(project, args.repeat, lambda s: GroupHistory(s))  # type: ignore[arg-type]
            with project.reading() as session:
                decided = {row.record_id for row in decision_history(session, stage="title_abstract")}
            theirs = timed(project, args.repeat, lambda s: GroupHistory(s, decided))  # type: ignore[arg-type]
    print(f"{args.records:,} records, {args.merges:,} merges, {args.decisions:,} decisions ({setup:.0f} s to make), "
          f"{'PostgreSQL' if args.database else 'SQLite'}, load {os.getloadavg()[0]:.1f}; median s of {args.repeat}:")
    print(f"  the whole settled set (settled_records): {whole / 1000:.3f} s")
    print(f"  every merge's history (GroupHistory, what the settled set read before): {history / 1000:.3f} s")
    print(f"  the decided records' merge history (GroupHistory(records), what it reads now): {theirs / 1000:.3f} s")


if __name__ == "__main__":
    main()
