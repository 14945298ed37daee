"""Deduplicating a project store: runs, incremental imports, undo.

A run reads every record, keeps the merges already made (by triage or a person),
compares only pairs involving records that no earlier run saw (so a new import is
deduplicated against what is in the project, not re-deduplicated from scratch), never
joins records a person kept apart, and writes merges, the review queue and related
versions in one transaction.

Memory stays bounded at a million records: records are streamed from the store in
batches and only their comparison keys are kept (a full record with its abstract, raw
fields and ORM row is about 6 KB, its keys a few hundred bytes); merges are written in
batches, each loading just its members' records for the canonical fields.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from triage.dedup.engine import PairScorer, Progress, find_duplicates_keys
from triage.dedup.keys import RecordKeys, record_keys
from triage.errors import DecisionError
from triage.records.model import Record
from triage.store.base import utcnow
from triage.store.db import Project
from triage.store.merges import active_merges, apply_merges, merge_index, undo_merge
from triage.store.records import record_from_row
from triage.store.schema import RecordRow, SourceRow
from triage.store.schema_dedup import (
    DUPLICATE_DECISIONS,
    DedupMergeRow,
    DedupPairRow,
    DedupRunRow,
    PairDecisionRow,
    RelatedGroupRow,
)

__all__ = ["RunSummary", "UndoSummary", "kept_apart_pairs", "run_dedup", "stream_keys", "undo_last_run", "undo_merge_id"]


@dataclass(frozen=True)
class RunSummary:
    """Counts of one run, for the summary table (``records_removed``: merged away)."""

    run_id: int | None
    records: int
    new_records: int
    pairs_compared: int
    merges: int
    records_removed: int
    possible: int
    related: int
    seconds: float


@dataclass(frozen=True)
class UndoSummary:
    """What an undo reversed."""

    run_id: int | None
    merges: int
    records_restored: int


#: Records read per round trip while streaming keys, and merge groups written per batch.
BATCH = 5000
#: The columns :func:`~triage.dedup.keys.record_keys` reads (``raw`` for a venue or type
#: only a reader's own field names hold).
_KEY_FIELDS = ("title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
               "isbn", "publication_type", "raw")


def stream_keys(session: Session, batch: int = BATCH) -> tuple[list[int], list[RecordKeys]]:
    """Record ids (ascending) and the comparison keys of every record, the ``i``-th key
    at index ``i``: the only per-record state a run holds. Rows come as plain column
    values, ``batch`` at a time, and each record is dropped once its keys exist."""
    columns = [getattr(RecordRow, name) for name in _KEY_FIELDS]
    stmt = select(RecordRow.id, *columns).order_by(RecordRow.id).execution_options(yield_per=batch)
    ids: list[int] = []
    keys: list[RecordKeys] = []
    for row in session.execute(stmt):
        values = dict(zip(_KEY_FIELDS, row[1:], strict=True))
        values["authors"] = list(values["authors"] or [])
        values["raw"] = dict(values["raw"] or {})
        keys.append(record_keys(len(ids), Record(**values)))
        ids.append(row[0])
    return ids, keys


def _records_of(session: Session, record_ids: Iterable[int], batch: int) -> dict[int, Record]:
    """Full records (with provenance) of ``record_ids``, read ``batch`` ids per query (a
    bound the drivers' parameter limits accept)."""
    wanted = sorted(set(record_ids))
    sources = {s.id: s for s in session.scalars(select(SourceRow))}
    found: dict[int, Record] = {}
    for start in range(0, len(wanted), batch):
        chunk = wanted[start:start + batch]
        for row in session.scalars(select(RecordRow).where(RecordRow.id.in_(chunk))):
            found[row.id] = record_from_row(row, sources.get(row.source_id))
    return found


def kept_apart_pairs(session: Session) -> set[tuple[int, int]]:
    """Record-id pairs ``(low, high)`` whose latest person decision keeps them apart."""
    latest: dict[tuple[int, int], str] = {}
    # Only duplicate decisions count here: linking two reports as one study is no merge.
    stmt = select(PairDecisionRow).where(PairDecisionRow.decision.in_(DUPLICATE_DECISIONS)).order_by(PairDecisionRow.id)
    for d in session.scalars(stmt):
        latest[(min(d.record_a, d.record_b), max(d.record_a, d.record_b))] = d.decision
    return {pair for pair, decision in latest.items() if decision in ("keep_apart", "undo")}  # "reopen" lifts it


def run_dedup(project: Project, *, progress: Progress | None = None, scorer: PairScorer | None = None,
              batch: int = BATCH) -> RunSummary:
    """Deduplicate the records no earlier run has seen against all records (``scorer``: where
    the candidate pairs are scored, e.g. on a cluster; this process by default; ``batch``:
    records read and merges written per round)."""
    started = time.perf_counter()
    with project.transaction() as session:
        ids, keys = stream_keys(session, batch)
        seen = session.scalar(select(func.max(DedupRunRow.max_record_id)).where(DedupRunRow.undone_at.is_(None))) or 0
        position = {rid: i for i, rid in enumerate(ids)}
        new = [i for i, rid in enumerate(ids) if rid > seen]
        if not new:
            return RunSummary(None, len(ids), 0, 0, 0, 0, 0, 0, time.perf_counter() - started)
        existing = active_merges(session)
        initial = [[position[m] for m in merge.members if m in position] for merge in existing]
        apart = [(position[a], position[b]) for a, b in kept_apart_pairs(session) if a in position and b in position]
        result = find_duplicates_keys(keys, new=new, initial_groups=initial, kept_apart=apart, progress=progress,
                                      scorer=scorer)
        del keys  # the merges below read their members' full records instead

        run = DedupRunRow(max_record_id=max(ids), records=len(ids), pairs_compared=result.compared)
        session.add(run)
        session.flush()
        before = {frozenset(m.members) for m in existing}
        changed = [g for g in result.groups if frozenset(ids[i] for i in g) not in before]
        in_force = merge_index(existing)
        for start in range(0, len(changed), batch):
            chunk = [[ids[i] for i in g] for g in changed[start:start + batch]]
            records = _records_of(session, (rid for g in chunk for rid in g), batch)
            apply_merges(session, [[(rid, records[rid]) for rid in g] for g in chunk], run_id=run.id,
                         reason="automatic", in_force=in_force)
            del records
        merges = len(changed)
        known = {(a, b, kind) for a, b, kind in
                 session.execute(select(DedupPairRow.record_a, DedupPairRow.record_b, DedupPairRow.kind))}
        decided = kept_apart_pairs(session)
        counts = {"possible": 0, "related": 0}
        for kind, findings in (("possible", result.possible), ("related", result.related)):
            for f in findings:
                a, b = sorted((ids[f.i], ids[f.j]))
                if (a, b, kind) in known or (a, b) in decided:
                    continue
                session.add(DedupPairRow(record_a=a, record_b=b, kind=kind, score=f.score, reason=f.reason,
                                      run_id=run.id))
                counts[kind] += 1
        session.flush()
        _rebuild_related(session)
        removed = session.scalar(select(func.count()).select_from(RecordRow)
                                 .where(RecordRow.merged_into.is_not(None))) or 0
        run.merges, run.possible, run.related = merges, counts["possible"], counts["related"]
        run.seconds = time.perf_counter() - started
        return RunSummary(run.id, len(ids), len(new), result.compared, merges, removed, counts["possible"],
                          counts["related"], run.seconds)


def _rebuild_related(session: Session) -> None:
    """Group related pairs into version groups (connected components, scipy's)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    session.execute(delete(RelatedGroupRow))
    pairs = list(session.scalars(select(DedupPairRow).where(DedupPairRow.kind == "related", DedupPairRow.status == "open")))
    if not pairs:
        return
    nodes = sorted({r for p in pairs for r in (p.record_a, p.record_b)})
    index = {r: i for i, r in enumerate(nodes)}
    graph = coo_matrix(([1] * len(pairs), ([index[p.record_a] for p in pairs], [index[p.record_b] for p in pairs])),
                       shape=(len(nodes), len(nodes)))
    _, labels = connected_components(graph, directed=False)
    reasons: dict[int, set[str]] = {}
    for p in pairs:
        reasons.setdefault(int(labels[index[p.record_a]]), set()).add(p.reason)
    groups: dict[int, list[int]] = {}
    for node, label in zip(nodes, labels, strict=True):
        groups.setdefault(int(label), []).append(node)
    for label, members in groups.items():
        session.add(RelatedGroupRow(members=sorted(members), reasons=sorted(reasons.get(label, set()))))


def undo_last_run(project: Project) -> UndoSummary:
    """Reverse every merge of the latest run not yet undone, and drop its open queue."""
    with project.transaction() as session:
        run = session.scalars(select(DedupRunRow).where(DedupRunRow.undone_at.is_(None))
                              .order_by(DedupRunRow.id.desc())).first()
        if run is None:
            raise DecisionError("nothing to undo: no dedup run in this project", hint="run 'triage dedup' first")
        merges = [m for m in active_merges(session) if m.run_id == run.id]
        restored = _undo_all(session, merges)
        run.undone_at = utcnow()
        session.execute(delete(DedupPairRow).where(DedupPairRow.run_id == run.id, DedupPairRow.status == "open"))
        _rebuild_related(session)
        return UndoSummary(run.id, len(merges), restored)


def undo_merge_id(project: Project, merge_id: int, *, reviewer: str, note: str | None = None) -> UndoSummary:
    """Reverse one merge; logged as a person's decision so no later run redoes it."""
    with project.transaction() as session:
        merge = session.get(DedupMergeRow, merge_id)
        if merge is None or merge.undone_at is not None:
            raise DecisionError(f"no active merge {merge_id}", hint="list merges with 'triage dedup merges'")
        rep = merge.representative_id
        for member in merge.members:
            if member != rep:
                session.add(PairDecisionRow(record_a=min(rep, member), record_b=max(rep, member), decision="undo",
                                         reviewer=reviewer, note=note, merge_id=merge.id))
        restored = _undo_all(session, [merge])
        return UndoSummary(merge.run_id, 1, restored)


def _undo_all(session: Session, merges: Iterable[DedupMergeRow]) -> int:
    restored = 0
    for merge in merges:
        undo_merge(session, merge)
        restored += len(merge.members) - 1
    return restored
