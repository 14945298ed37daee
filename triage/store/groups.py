"""Which records are screened as one: the merge groups of deduplication, now and in the past.

A merge group is one report found in several databases: its representative is screened
(``records.merged_into`` is empty) and every other member points at it. Groups change
as reviews live: a re-import adds members, a later merge can pick another
representative, an undo splits a group again. Screening decisions are made on a group
as it stood at the time, so reading them needs both views:

- :func:`current_groups`: record id -> the representative it is screened under now;
- :class:`GroupHistory`: the members of the group a record belonged to at any moment,
  rebuilt from the merge log (``dedup_merges`` keeps every merge with the time it was
  made and undone; nothing is deleted).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.store.base import IN_CHUNK, read_once
from triage.store.decisions_primed import merge_state_columns, screened_under_key
from triage.store.schema import RecordRow
from triage.store.schema_dedup import DedupMergeRow, DedupRunRow

__all__ = ["GroupHistory", "awaiting_dedup", "current_groups", "dedup_horizon", "held_with", "merge_state_version",
           "merged_away",
           "screened_under", "screened_under_each"]


def current_groups(session: Session) -> dict[int, int]:
    """Every record id -> the id of the record it is screened under now (itself if unmerged).

    In a read-only session (``Project.reading``) it is read once: one command asks several
    times (counts, decisions in force, study groups), and nothing changes it there."""
    memo = session.info.get("current_groups") if session.info.get("read_only") else None
    if memo is not None:
        return dict(memo)
    rows = session.execute(select(RecordRow.id, RecordRow.merged_into))
    groups = {rid: (into if into is not None else rid) for rid, into in rows}
    if session.info.get("read_only"):
        session.info["current_groups"] = groups
    return dict(groups) if session.info.get("read_only") else groups


def screened_under(session: Session, record_id: int) -> int:
    """The id of the record ``record_id`` is screened under now (:func:`current_groups` for one)."""
    def read() -> int:
        into = session.scalar(select(RecordRow.merged_into).where(RecordRow.id == record_id))
        return int(into) if into is not None else record_id

    return read_once(session, screened_under_key(record_id), read)


def screened_under_each(session: Session, record_ids: list[int]) -> dict[int, int]:
    """:func:`screened_under` for a few records at once."""
    rows = session.execute(select(RecordRow.id, RecordRow.merged_into).where(RecordRow.id.in_(set(record_ids))))
    return {rid: (into if into is not None else rid) for rid, into in rows}


def merge_state_version(session: Session) -> tuple[int, int, int]:
    """A cheap fingerprint of :func:`current_groups`: the newest merge, the sum of undone
    merge ids (it changes with every undo, and with the restore of a merge an undo brings
    back, where a count could stay equal) and the newest record.

    Asked on every key press of a server: each number is one index lookup (the undone merges
    through the index on ``undone_at``), where a pass over every merge took 40-90 ms at
    1,000,000 records (evaluation/reports/scale.md)."""
    def read() -> tuple[int, int, int]:
        merges = session.execute(select(*merge_state_columns())).one()
        return int(merges[0]), int(merges[1]), int(merges[2])

    return read_once(session, "merge_state_version", read)


def merged_away(session: Session, record_ids: list[int]) -> set[int]:
    """Those of ``record_ids`` now merged into another record (screened under it)."""
    return set(session.scalars(select(RecordRow.id).where(RecordRow.id.in_(record_ids),
                                                          RecordRow.merged_into.is_not(None))))


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for what was stored as UTC; compare them as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


#: Past groups of more records than this are taken from the whole merge log in one read.
WHOLE_HISTORY_ABOVE = 20_000


class GroupHistory:
    """The members of a record's merge group at any past moment.

    Built once from the merge log. A merge is in force from ``created_at`` until
    ``undone_at``; a merge folded into a bigger one is stamped undone when replaced and
    restored (``undone_at`` cleared) if the bigger one is undone, so where two merges
    holding a record both look in force at a moment, the later one (the bigger group)
    is the one that was.
    """

    def __init__(self, session: Session, records: Collection[int] | None = None) -> None:
        """``records``: only these records' past groups are asked for (the records a few
        decisions were made on): the merges that ever held one of them are read, not the
        whole log (164,876 merges at 1,000,000 records)."""
        by_record: dict[int, list[tuple[datetime, datetime | None, frozenset[int]]]] = defaultdict(list)
        for created, undone, members in self._merges(session, records):
            group = frozenset(int(m) for m in members)
            span = (_aware(created), _aware(undone) if undone is not None else None, group)
            for member in group:
                by_record[member].append(span)
        self._spans = {rid: sorted(spans, key=lambda s: s[0]) for rid, spans in by_record.items()}
        self._starts = {rid: [s[0] for s in spans] for rid, spans in self._spans.items()}

    @staticmethod
    def _merges(session: Session, records: Collection[int] | None) -> list[Any]:
        """``(created_at, undone_at, members)`` of the merges that ever held one of ``records``
        (None: every merge), in id order. A merge in force holds a record only as the group
        it is screened under now (merges in force are disjoint: ``records.merged_into`` names
        its representative), so those are found by their representative through its index;
        every other merge that ever held it is undone (replaced merges are stamped undone
        too), and undone merges are few (their index keeps the merges' fingerprint cheap)."""
        columns = (DedupMergeRow.id, DedupMergeRow.created_at, DedupMergeRow.undone_at, DedupMergeRow.members)
        if records is None or len(records) > WHOLE_HISTORY_ABOVE:
            return [row[1:] for row in session.execute(select(*columns).order_by(DedupMergeRow.id))]
        # The undone merges' ids through their index first (it covers the id; asked for whole rows a
        # planner passes over every merge instead), then their rows by id.
        undone = sorted(session.scalars(select(DedupMergeRow.id).where(DedupMergeRow.undone_at.is_not(None))))
        found = [row for start in range(0, len(undone), IN_CHUNK)
                 for row in session.execute(select(*columns).where(DedupMergeRow.id.in_(undone[start : start + IN_CHUNK])))]
        wanted = sorted(records)
        groups = sorted({group for start in range(0, len(wanted), IN_CHUNK)
                         for group in screened_under_each(session, wanted[start : start + IN_CHUNK]).values()})
        for start in range(0, len(groups), IN_CHUNK):
            # Not "undone_at IS NULL" in SQL: a planner may take its index (nearly every merge) over
            # the representative's; the undone ones among these are in ``found`` already.
            found += [row for row in session.execute(select(*columns).where(
                DedupMergeRow.representative_id.in_(groups[start : start + IN_CHUNK]))) if row[2] is None]
        return [row[1:] for row in sorted(found, key=lambda row: row[0])]

    def members_at(self, record_id: int, moment: datetime) -> frozenset[int]:
        """The record ids screened as one with ``record_id`` at ``moment`` (itself alone if none)."""
        spans = self._spans.get(record_id)
        if not spans:
            return frozenset((record_id,))
        moment = _aware(moment)
        for created, undone, group in reversed(spans[: bisect_right(self._starts[record_id], moment)]):
            if undone is None or moment < undone:
                return group
        return frozenset((record_id,))


def held_with(session: Session, records: Collection[int]) -> set[int]:
    """``records`` and every record a merge (in force or undone) ever held with one of them:
    the records whose decisions can have covered one of ``records``."""
    wanted = set(records)
    found = set(wanted)
    for _, _, members in GroupHistory._merges(session, wanted):
        group = {int(m) for m in members}
        if group & wanted:
            found |= group
    return found


def dedup_horizon(session: Session) -> int | None:
    """The newest record id a dedup run (not undone) compared; None if never deduplicated."""
    return session.scalar(select(func.max(DedupRunRow.max_record_id)).where(DedupRunRow.undone_at.is_(None)))


def awaiting_dedup(session: Session) -> int:
    """Records imported after the latest dedup run, so not yet compared with the rest.

    Zero for a project never deduplicated: there the user has not asked for dedup
    (one export from one database), and every record is screened as imported.
    """
    seen = dedup_horizon(session)
    if seen is None:
        return 0
    return session.scalar(select(func.count(RecordRow.id)).where(RecordRow.id > seen)) or 0
