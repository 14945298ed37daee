"""Reversible merges in the project store: applying, undoing and listing them.

Source rows are never edited or deleted: a merge points every member but one (the
representative) at the representative through ``records.merged_into`` and stores the
canonical fields (:func:`triage.dedup.merge.canonical_record`) in ``dedup_merges``. Undo
clears ``merged_into`` and stamps ``undone_at``, so the project returns to exactly what it
was and the history stays readable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from triage.dedup.merge import canonical_record, choose_representative
from triage.records.model import Record
from triage.store.base import in_chunks, utcnow
from triage.store.records import record_from_row
from triage.store.schema import DecisionRow, RecordRow
from triage.store.schema_allocation import ClaimRow
from triage.store.schema_dedup import DedupMergeRow

__all__ = ["active_merges", "apply_merge", "apply_merges", "merge_index", "screened_ids", "undo_merge"]


def apply_merge(
    session: Session,
    members: Sequence[tuple[int, Record]],
    *,
    run_id: int | None,
    reason: str,
    created_by: str = "triage",
) -> DedupMergeRow:
    """Merge ``members`` (``(record_id, Record)``, two or more) inside the caller's transaction.

    Any active merge that already holds one of the members is folded in: it is marked
    replaced and its members join the new group, so a record is in one merge at most.
    """
    return apply_merges(session, [members], run_id=run_id, reason=reason, created_by=created_by)[0]


def apply_merges(
    session: Session,
    groups: Sequence[Sequence[tuple[int, Record]]],
    *,
    run_id: int | None,
    reason: str,
    created_by: str = "triage",
    in_force: Mapping[int, DedupMergeRow] | None = None,
) -> list[DedupMergeRow]:
    """Apply many disjoint merges at once (a run makes thousands): one index of the
    merges in force, one flush, one bulk update of ``records.merged_into``.

    ``in_force`` (:func:`merge_index` of the merges in force before a run) lets a run
    write its groups in batches without re-reading every merge per batch; the groups of
    one run never overlap, so merges made by earlier batches need not be in it."""
    index: dict[int, DedupMergeRow] = {}
    base = in_force if in_force is not None else merge_index(active_merges(session))
    involved = {rid for members in groups for rid, _ in members}
    involved |= {rid for r in list(involved) if (m := base.get(r)) is not None for rid in m.members}
    screened = screened_ids(session, involved)
    made: list[tuple[DedupMergeRow, set[int]]] = []
    replaced_by_new: list[tuple[DedupMergeRow, list[DedupMergeRow]]] = []
    for members in groups:
        records = dict(members)
        ids = set(records)
        replaced = list({id(m): m for r in ids if (m := index.get(r) or base.get(r)) is not None}.values())
        for old in replaced:
            for rid in old.members:
                if rid not in records:
                    row = session.get(RecordRow, rid)
                    if row is not None:
                        records[rid] = record_from_row(row)
            ids |= set(old.members)
        group = sorted(ids)
        pairs = [(rid, records[rid]) for rid in group]
        rep = choose_representative(pairs, screened)
        databases = sorted({r.provenance.database for _, r in pairs if r.provenance and r.provenance.database})
        merge = DedupMergeRow(run_id=run_id, representative_id=rep, members=group,
                           canonical=canonical_record([r for _, r in pairs]), databases=databases,
                           reason=reason, created_by=created_by)
        session.add(merge)
        for rid in group:
            index[rid] = merge
        made.append((merge, ids))
        replaced_by_new.append((merge, replaced))
    session.flush()
    now = utcnow()
    for merge, replaced in replaced_by_new:
        for old in replaced:
            old.undone_at = now
            old.replaced_by = merge.id
    assignments = [{"id": rid, "merged_into": None if rid == merge.representative_id else merge.representative_id}
                   for merge, ids in made for rid in sorted(ids)]
    if assignments:
        session.execute(update(RecordRow), assignments)
    return [merge for merge, _ in made]


def screened_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """Those of ``ids`` a screening decision or a reviewer's claim names (at any stage): the
    records screened as their group so far, which a merge keeps as its representative."""
    wanted = sorted(set(ids))
    found: set[int] = set()
    for chunk in in_chunks(wanted):
        found.update(session.scalars(select(DecisionRow.record_id).where(DecisionRow.record_id.in_(chunk)).distinct()))
        found.update(session.scalars(select(ClaimRow.record_id).where(ClaimRow.record_id.in_(chunk)).distinct()))
    return found


def undo_merge(session: Session, merge: DedupMergeRow) -> None:
    """Reverse one merge: every member is screened on its own again, except that
    merges it had absorbed come back into force (undo returns the previous state)."""
    merge.undone_at = utcnow()
    session.execute(update(RecordRow).where(RecordRow.id.in_(list(merge.members))).values(merged_into=None))
    for old in session.scalars(select(DedupMergeRow).where(DedupMergeRow.replaced_by == merge.id)):
        old.undone_at = None
        old.replaced_by = None
        others = [m for m in old.members if m != old.representative_id]
        session.execute(update(RecordRow).where(RecordRow.id.in_(others)).values(merged_into=old.representative_id))


def merge_index(merges: Iterable[DedupMergeRow]) -> dict[int, DedupMergeRow]:
    """Each member record id of ``merges`` mapped to its merge."""
    return {rid: merge for merge in merges for rid in merge.members}


def active_merges(session: Session) -> list[DedupMergeRow]:
    """Merges in force (not undone and not replaced), oldest first."""
    stmt = select(DedupMergeRow).where(DedupMergeRow.undone_at.is_(None)).order_by(DedupMergeRow.id)
    return list(session.scalars(stmt))

