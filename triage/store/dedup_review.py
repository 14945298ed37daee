"""The possible-duplicate queue: list the pairs left to a person and record decisions.

Every decision is appended to ``dedup_decisions`` (who, when, note) and never
changed; "keep apart" is honoured by every later run, so an incremental import never
re-merges what a person separated.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.errors import DecisionError
from triage.records.model import Record
from triage.store.db import Project
from triage.store.groups import current_groups
from triage.store.merges import active_merges, apply_merge
from triage.store.records import record_from_row
from triage.store.schema import RecordRow, SourceRow
from triage.store.schema_dedup import DedupMergeRow, DedupPairRow, PairDecisionRow

__all__ = ["REVIEW_CHOICES", "QueueItem", "decide_pair", "reopen_pair", "review_queue"]

#: What a person can decide on a possible duplicate.
REVIEW_CHOICES: tuple[str, ...] = ("merge", "keep_apart")


@dataclass(frozen=True)
class QueueItem:
    """One open pair with both records, ready to show side by side."""

    pair_id: int
    record_a: int
    record_b: int
    score: float
    reason: str
    a: Record
    b: Record


def review_queue(project: Project, *, limit: int | None = None, status: str = "open") -> list[QueueItem]:
    """Possible-duplicate pairs with ``status`` (``open``: the queue; ``kept_apart``: those a
    person separated), most similar first.

    An open pair whose records are already one merge group (a person merged one of them
    with a third record the other was merged with) is not asked again; if that merge is
    undone, the pair is back in the queue. The question is about two groups, not two
    records: where several pairs join the same two groups (record 438 found like both
    copies 449 and 1449 of one merged report), the most similar one stands for them all,
    and a decision on it answers for the others (:func:`decide_pair`).
    """
    with project.reading() as session:
        stmt = (select(DedupPairRow).where(DedupPairRow.kind == "possible", DedupPairRow.status == status)
                .order_by(DedupPairRow.score.desc(), DedupPairRow.id))
        pairs = list(session.scalars(stmt))
        groups = current_groups(session)
        if status == "open":
            pairs = [p for p in pairs if groups.get(p.record_a, p.record_a) != groups.get(p.record_b, p.record_b)]
        asked: set[frozenset[int]] = set()
        first = []
        for p in pairs:
            question = _groups_of(groups, p)
            if question not in asked:
                asked.add(question)
                first.append(p)
        pairs = first
        if limit is not None:
            pairs = pairs[:limit]
        sources = {s.id: s for s in session.scalars(select(SourceRow))}
        items = []
        for p in pairs:
            row_a, row_b = session.get(RecordRow, p.record_a), session.get(RecordRow, p.record_b)
            assert row_a is not None and row_b is not None  # foreign keys guarantee both
            items.append(QueueItem(p.id, p.record_a, p.record_b, p.score, p.reason,
                                   record_from_row(row_a, sources.get(row_a.source_id)),
                                   record_from_row(row_b, sources.get(row_b.source_id))))
        return items


def _groups_of(groups: dict[int, int], pair: DedupPairRow) -> frozenset[int]:
    """The two groups (their representatives) whose sameness ``pair`` asks about."""
    return frozenset((groups.get(pair.record_a, pair.record_a), groups.get(pair.record_b, pair.record_b)))


def _same_question(session: Session, pair: DedupPairRow) -> list[DedupPairRow]:
    """``pair`` and every other possible pair with its status joining the same two groups now."""
    groups = current_groups(session)
    question = _groups_of(groups, pair)
    stmt = select(DedupPairRow).where(DedupPairRow.kind == "possible", DedupPairRow.status == pair.status)
    return [p for p in session.scalars(stmt.order_by(DedupPairRow.id)) if _groups_of(groups, p) == question]


def _merge_of(session: Session, record_id: int) -> DedupMergeRow | None:
    for merge in active_merges(session):
        if record_id in merge.members:
            return merge
    return None


def decide_pair(project: Project, pair_id: int, decision: str, *, reviewer: str, note: str | None = None) -> None:
    """Record ``decision`` (``merge`` or ``keep_apart``) on an open pair, in one transaction."""
    if decision not in REVIEW_CHOICES:
        raise DecisionError(f"unknown decision {decision!r}", hint=f"choose one of: {', '.join(REVIEW_CHOICES)}")
    with project.transaction() as session:
        pair = session.get(DedupPairRow, pair_id)
        if pair is None or pair.kind != "possible" or pair.status != "open":
            raise DecisionError(f"no open possible-duplicate pair {pair_id}",
                                hint="list the queue with 'triage dedup review --list'")
        merge_a, merge_b = _merge_of(session, pair.record_a), _merge_of(session, pair.record_b)
        if decision == "keep_apart" and merge_a is not None and merge_a is merge_b:
            raise DecisionError(f"records {pair.record_a} and {pair.record_b} are already merged (merge {merge_a.id})",
                                hint=f"undo it with 'triage dedup undo --merge {merge_a.id}'")
        if decision == "merge":
            ids = {pair.record_a, pair.record_b}
            for m in (merge_a, merge_b):
                if m is not None:
                    ids |= set(m.members)
            sources = {s.id: s for s in session.scalars(select(SourceRow))}
            rows = session.scalars(select(RecordRow).where(RecordRow.id.in_(ids))).all()
            merged = apply_merge(session, [(r.id, record_from_row(r, sources.get(r.source_id))) for r in rows],
                                 run_id=None, reason=f"merged by {reviewer}", created_by=reviewer)
            merge_id = merged.id
            pair.status = "merged"
            session.add(PairDecisionRow(record_a=pair.record_a, record_b=pair.record_b, decision=decision,
                                        reviewer=reviewer, note=note, merge_id=merge_id))
            return
        # Kept apart: the two groups are, so every pair between them is (each logged, so no
        # later run merges through another copy; the queue showed them as one question).
        for same in _same_question(session, pair):
            same.status = "kept_apart"
            session.add(PairDecisionRow(record_a=same.record_a, record_b=same.record_b, decision=decision,
                                        reviewer=reviewer, note=note, merge_id=None))


def reopen_pair(project: Project, pair_id: int, *, reviewer: str, note: str | None = None) -> None:
    """Put a pair a person kept apart back in the queue (the undo of "keep apart").

    Appends a ``reopen`` decision, so later runs no longer treat the pair as kept apart;
    nothing earlier in the log changes.
    """
    with project.transaction() as session:
        pair = session.get(DedupPairRow, pair_id)
        if pair is None or pair.status != "kept_apart":
            raise DecisionError(f"pair {pair_id} was not kept apart by a person",
                                hint="list them with 'triage dedup review --list --kept-apart'")
        for same in _same_question(session, pair):  # kept apart together, so reopened together
            same.status = "open"
            session.add(PairDecisionRow(record_a=same.record_a, record_b=same.record_b, decision="reopen",
                                        reviewer=reviewer, note=note, merge_id=None))
