"""Dedup in batches: streaming keys and writing merges a few at a time gives exactly the
run that one batch gives (the batching that keeps a million-record run in memory)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from dedup_support import TITLE, add, rec
from sqlalchemy import select

from triage.dedup.keys import record_keys
from triage.records.model import Record
from triage.store.db import Project
from triage.store.dedup_runs import RunSummary, run_dedup, stream_keys
from triage.store.records import get_record, record_from_row
from triage.store.schema_dedup import DedupMergeRow, DedupPairRow


def _first_import() -> list[Record]:
    return [rec(), rec(TITLE + "."), rec("Renal biopsy findings in children with nephrotic syndrome",
                                          authors=["Smith, A."], pages="12-19")]


def _second_import() -> list[Record]:
    # A third copy of the first merge (folds it into a new merge), two more pairs, a
    # possible duplicate (same title and authors, different pages) and a loner.
    return [
        rec(TITLE.upper(), pages="1057-64"),
        rec("Cardiac outcomes of statin therapy in older adults", authors=["Lee, K."], pages="301-309"),
        rec("Cardiac Outcomes of Statin Therapy in Older Adults.", authors=["Lee, K."], pages="301-9"),
        rec("Sleep quality among night-shift nurses in Brazil", authors=["Costa, R."], pages="77-85"),
        rec("Sleep quality among night shift nurses in Brazil", authors=["Costa, R."], pages="77-85"),
        rec("Renal biopsy findings in children with nephrotic syndrome", authors=["Smith, A."], pages="40-47"),
        rec("A trial of something else entirely", authors=["Nobody, X."], pages="1-2"),
    ]


def _runs(project: Project, batch: int) -> tuple[list[RunSummary], list[tuple[tuple[int, ...], int]], list[tuple[int, int, str]]]:
    """Two runs (an import, then an incremental one) in batches of ``batch``; the merges
    in force and the queue as positions among the project's records."""
    first = add(project, "PubMed", _first_import())
    summaries = [run_dedup(project, batch=batch)]
    ids = first + add(project, "Embase", _second_import())
    summaries.append(run_dedup(project, batch=batch))
    at = {rid: n for n, rid in enumerate(ids)}
    with project.reading() as session:
        merges = sorted((tuple(at[m] for m in merge.members), at[merge.representative_id])
                        for merge in session.scalars(select(DedupMergeRow).where(DedupMergeRow.undone_at.is_(None))))
        queue = sorted((at[p.record_a], at[p.record_b], p.kind) for p in session.scalars(select(DedupPairRow)))
    # Run ids and seconds differ between projects; every count must not.
    return [replace(s, run_id=None, seconds=0.0) for s in summaries], merges, queue


def test_a_run_in_batches_of_one_equals_the_run_in_one_batch(project: Project, tmp_path: Path) -> None:
    small = _runs(project, batch=1)
    # The comparison run is on SQLite whatever the fixture's store: the counts, merges and
    # queue are the same on both (store-independent positions).
    whole_project = Project.init(tmp_path / "one-batch", f"sqlite:///{tmp_path / 'one-batch.sqlite'}")
    try:
        whole = _runs(whole_project, batch=5000)
    finally:
        whole_project.close()
    assert small == whole
    summaries, merges, queue = small
    # The run found something to batch: the second run folds the first merge into a
    # three-record merge and makes two more.
    assert summaries[1].merges == 3 and (0, 1, 3) in [m for m, _ in merges]
    assert queue, "the different-pages pair is left to a person"


def test_streamed_keys_are_each_records_own_keys(project: Project) -> None:
    ids = add(project, "PubMed", _first_import() + _second_import()
              + [Record(title="Paper without a journal", raw={"booktitle": "Proceedings of a Conference"})])
    with project.reading() as session:
        streamed_ids, keys = stream_keys(session, batch=3)
        rows = [get_record(session, rid) for rid in ids]
        expected = [record_keys(n, record_from_row(row)) for n, row in enumerate(rows) if row is not None]
    assert streamed_ids == ids
    assert keys == expected
    assert keys[-1].conference  # the venue only the raw fields held was read
