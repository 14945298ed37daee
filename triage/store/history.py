"""The decision log as people browse it: filtered, newest first, a page at a time.

The history page finds any past decision by record, title words, reviewer or decision
and changes it by appending a new one; these are its queries (one door to the data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.store.schema import DecisionRow, RecordRow
from triage.store.schema_dedup import DedupMergeRow, PairDecisionRow

__all__ = ["HistoryEntry", "PairDecisionEntry", "decision_log_page", "pair_decision_log", "reviewer_names"]


@dataclass(frozen=True)
class HistoryEntry:
    """One decision row as plain values (the reading session's rows expire when it closes)."""

    id: int
    record_id: int
    decision: str
    reasons: list[str]
    note: str | None
    reviewer: str
    created_at: datetime
    score: float | None
    rank: int | None
    model: str | None
    title: str | None


def decision_log_page(
    session: Session,
    *,
    stage: str,
    query: str = "",
    reviewer: str = "",
    decision: str = "",
    record_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    hidden: frozenset[int] = frozenset(),
) -> tuple[int, list[HistoryEntry]]:
    """How many decisions match, and one page of them newest first. ``query``: a record id,
    or title words (each must appear). ``hidden``: decision ids left out (blind mode)."""
    stmt = (select(DecisionRow, RecordRow.title).join(RecordRow, RecordRow.id == DecisionRow.record_id)
            .where(DecisionRow.stage == stage))
    words = query.split()
    if len(words) == 1 and words[0].isdigit():
        stmt = stmt.where(DecisionRow.record_id == int(words[0]))
    else:
        for word in words:
            stmt = stmt.where(RecordRow.title.ilike(f"%{word}%"))
    if reviewer:
        stmt = stmt.where(DecisionRow.reviewer == reviewer)
    if decision:
        stmt = stmt.where(DecisionRow.decision == decision)
    if record_id is not None:
        stmt = stmt.where(DecisionRow.record_id == record_id)
    if hidden:
        stmt = stmt.where(DecisionRow.id.not_in(sorted(hidden)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    found = session.execute(stmt.order_by(DecisionRow.id.desc()).limit(limit).offset(offset)).all()
    return total, [
        HistoryEntry(row.id, row.record_id, row.decision, list(row.reasons or []), row.note, row.reviewer,
                     row.created_at, row.score, row.rank, row.model, title)
        for row, title in found
    ]


def reviewer_names(session: Session) -> list[str]:
    """Everyone who has recorded a screening decision, alphabetically."""
    return list(session.scalars(select(DecisionRow.reviewer).distinct().order_by(DecisionRow.reviewer)))


@dataclass(frozen=True)
class PairDecisionEntry:
    """A person's decision on a pair of records (dedup review), with whether its merge can be undone."""

    id: int
    record_a: int
    record_b: int
    decision: str
    reviewer: str
    merge_id: int | None
    undoable: bool


def pair_decision_log(session: Session, *, limit: int = 10) -> list[PairDecisionEntry]:
    """The latest dedup review decisions, newest first; a merge is undoable while in force."""
    out = []
    for d in session.scalars(select(PairDecisionRow).order_by(PairDecisionRow.id.desc()).limit(limit)):
        merge = session.get(DedupMergeRow, d.merge_id) if d.merge_id is not None else None
        out.append(PairDecisionEntry(d.id, d.record_a, d.record_b, d.decision, d.reviewer, d.merge_id,
                                     merge is not None and merge.undone_at is None and d.decision == "merge"))
    return out
