"""What team allocation costs per served record: the store work a reviewer's queue adds.

Builds a project of ``--size`` synthetic records with ``--decisions`` decisions by three
reviewers (a ``--double`` share screened twice, so some records wait for a second reviewer
and some conflict), allocates (earlier decisions get their slots), then times, ``--repeat``
times each: the decisions in force without and with the allocation; what a served record
costs (:func:`~triage.store.claims.claimed_away`, the claims-only check the web card and the
CLI queue make, then one lease taken); what a decision costs the web's settled set
(:func:`~triage.store.decisions_appended.settled_after_appends`); and the full per-reviewer set a
queue's sync computes (:func:`~triage.store.team.unavailable_for`). Writes
evaluation/reports/allocation.md.

    nice .venv/bin/python evaluation/bench_allocation.py --size 20000 --decisions 4000
    ... --database postgresql://...   (a fresh, empty database)
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from triage.records.model import Provenance, Record
from triage.store.claims import claim, claimed_away
from triage.store.db import Project
from triage.store.decisions import decisions_in_force, record_decision, settled_records
from triage.store.decisions_appended import decision_log_mark, settled_after_appends
from triage.store.records import add_records, screening_rows
from triage.store.schema import SourceRow
from triage.store.team import allocate, unavailable_for

REPORT = Path(__file__).resolve().parent / "reports" / "allocation.md"


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    took = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took), max(took)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--decisions", type=int, default=4000)
    parser.add_argument("--double", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default=None)
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args()
    rng = random.Random(0)
    project = Project.init(Path(tempfile.mkdtemp()) / "review", args.database)
    with project.transaction() as session:
        source = SourceRow(file_name="synthetic.ris", file_path="/synthetic.ris", sha256="s", format="ris")
        session.add(source)
        session.flush()
        add_records(session, source.id, [Record(title=f"Record {i}", abstract=f"abstract {i}",
                                                provenance=Provenance("synthetic.ris", "s", i, i))
                                         for i in range(args.size)])
    with project.reading() as session:
        ids = [row.id for row in screening_rows(session)]
    with project.transaction() as session:
        for rid in rng.sample(ids, args.decisions):
            for reviewer in rng.sample(["ana", "ben", "cy"], 2 if rng.random() < args.double else 1):
                record_decision(session, rid, rng.choice(["include", "exclude", "exclude", "exclude"]),
                                reviewer=reviewer)
    rows = []
    with project.reading() as session:
        rows.append(("decisions in force, nothing allocated", *_time(lambda: decisions_in_force(session), args.repeat)))
    with project.transaction() as session:
        start = time.perf_counter()
        allocate(session, stage="title_abstract", reviewers=["ana", "ben", "cy"], double_share=args.double,
                 set_by="bench")
        rows.append(("allocate (once; earlier decisions get their slots)", (time.perf_counter() - start) * 1000,
                     (time.perf_counter() - start) * 1000))
    with project.reading() as session:
        in_force = decisions_in_force(session)
        rows.append((f"decisions in force, {args.double:.0%} screened twice", *_time(lambda: decisions_in_force(session),
                                                                                    args.repeat)))
        rows.append(("claims-only check (per served record: web card, CLI queue)",
                     *_time(lambda: claimed_away(session, stage="title_abstract", reviewer="ana"), args.repeat)))
        rows.append(("one reviewer's full unavailable set (a queue's sync, after a decision)",
                     *_time(lambda: unavailable_for(session, stage="title_abstract", reviewer="ana"), args.repeat)))
        mark = decision_log_mark(session, stage="title_abstract")
        settled = settled_records(session)
    free = iter([rid for rid in ids if rid not in in_force.decisions and rid not in in_force.awaiting])

    def take() -> None:
        with project.transaction() as session:
            assert claim(session, stage="title_abstract", record_id=next(free), reviewer="ana", slots=1)

    rows.append(("one lease taken (own transaction)", *_time(take, args.repeat * 4)))
    awaiting = next(iter(in_force.awaiting))
    first = in_force.awaiting[awaiting][0].reviewer
    with project.transaction() as session:
        record_decision(session, awaiting, "include", reviewer="cy" if first != "cy" else "ana")
    with project.reading() as session:
        rows.append(("web settled set brought up to date after one decision",
                     *_time(lambda: settled_after_appends(session, settled, mark, stage="title_abstract"), args.repeat)))
    counts = f"{len(in_force.decisions)} in force, {len(in_force.conflicts)} in conflict, {len(in_force.awaiting)} awaiting a second reviewer"
    lines = [
        "# Team allocation: store work per served record",
        "",
        (f"Run with `nice .venv/bin/python evaluation/bench_allocation.py {' '.join(sys.argv[1:])}`: Python "
        f"{platform.python_version()}, {project.dialect}, a shared 2-CPU machine (indicative, one run)."),
        "",
        (f"Project: {args.size} synthetic records, {args.decisions} records decided by three reviewers "
        f"(a {args.double:.0%} share by two, seed 0): {counts}."),
        "",
        "| step | median ms | max ms |",
        "|---|---|---|",
        *[f"| {name} | {median:.1f} | {most:.1f} |" for name, median, most in rows],
        "",
    ]
    project.close()
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
