"""What one screening card's store fingerprint costs, and how much of it is counting the log.

Every card reads the store's fingerprint first (:func:`~triage.store.decisions_primed.
prime_screening_reads`: the decision log's newest id and, until session 16, its row count at
the card's stage; the merges'; the allocation; settings; the study links), then picks the
card. The count is a pass over the stage's rows, so it grows with the decisions made. This
builds a project of ``--records`` records (the shared screening datasets, scaled as
``bench_web.py`` does) with ``--decisions`` title/abstract decisions, builds the web app's
:class:`~triage.web.state.ScreeningState` on it (preset tfidf), and times, ``--repeat``
times each, in a fresh read-only session as a request has: the fingerprint statement, the
count alone, and one whole card (``ScreeningState.card``). SQLite, and PostgreSQL with
``--database URL`` (an empty database).

    nice .venv/bin/python evaluation/bench_card_fingerprint.py --records 50000 --decisions 40000
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_web import scaled_csv
from sqlalchemy import func, select

from triage.screening.queue import ScreeningQueue
from triage.store.db import Project
from triage.store.decisions import record_decision
from triage.store.decisions_primed import _screening_reads
from triage.store.records import screening_rows
from triage.store.schema import DecisionRow
from triage.web.state import ScreeningState

ROOT = Path(__file__).resolve().parents[1]


def build(work: Path, records: int, decisions: int, database: str | None) -> tuple[Path, float]:
    """The project; returns it and the seconds its decisions took to record."""
    data = work / "scaled.csv"
    scaled_csv(records, data)
    where = work / "review"
    shutil.rmtree(where, ignore_errors=True)
    triage = str(ROOT / ".venv" / "bin" / "triage")
    extra = ["--database", database] if database else []
    subprocess.run([triage, "init", str(where), *extra], check=True, capture_output=True)
    subprocess.run([triage, "import", str(data), "-p", str(where), *extra], check=True, capture_output=True)
    started = time.perf_counter()
    with Project.open(where, database) as project:
        with project.reading() as session:
            ids = [row.id for row in screening_rows(session)][:decisions]
        for chunk in range(0, len(ids), 5000):
            with project.transaction() as session:
                for n, rid in enumerate(ids[chunk:chunk + 5000], chunk):
                    record_decision(session, rid, "include" if n % 10 == 0 else "exclude",
                                    reviewer=f"reviewer{n % 20:02d}", reasons=[] if n % 10 == 0 else ["setting"])
    return where, time.perf_counter() - started


def timed(project: Project, repeat: int, work: Callable[[object], object]) -> float:
    """Median milliseconds of ``work(session)`` in a fresh read-only session each time."""
    times = []
    for _ in range(repeat):
        with project.reading() as session:
            started = time.perf_counter()
            work(session)
            times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--decisions", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--database", default=None, help="PostgreSQL URL of an empty database (default: SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="triage-fingerprint-") as tmp:
        where, setup = build(Path(tmp), args.records, args.decisions, args.database)
        with Project.open(where, args.database) as project:
            state = ScreeningState(project, queue_factory=lambda p: ScreeningQueue(p, preset="tfidf"),
                                   build_elsewhere=False)
            try:
                state.wait_ready(3600)
                state.card()  # warm: the settled set read whole once, as a running server has it
                stage = "title_abstract"
                count = select(func.count(DecisionRow.id)).where(DecisionRow.stage == stage)
                result = {
                    "fingerprint statement": timed(project, args.repeat,
                                                   lambda s: s.execute(_screening_reads(stage)).one()),  # type: ignore[attr-defined]
                    "counting the whole log (the fingerprint did, before)": timed(project, args.repeat, lambda s: s.scalar(count)),  # type: ignore[attr-defined]
                    "one card (ScreeningState.card)": timed(project, args.repeat,
                                                            lambda s: state.card(session=s)),  # type: ignore[arg-type]
                }
            finally:
                state.stop()
    print(f"{args.records:,} records, {args.decisions:,} decisions ({setup:.0f} s to record), "
          f"{'PostgreSQL' if args.database else 'SQLite'}, load {os.getloadavg()[0]:.1f}; median ms of {args.repeat}:")
    for name, ms in result.items():
        print(f"  {name}: {ms:.2f} ms")


if __name__ == "__main__":
    main()
