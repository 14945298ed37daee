"""Leases on records while a reviewer screens them: two reviewers never get the same
single-screened record at once, and a double-screened one goes to exactly two.

A record (merge group) has one slot, or two when it is screened twice. A reviewer who is
served a record takes a slot with a lease (:data:`LEASE`); walking away frees it when
the lease runs out. Deciding holds the slot for good, so a third reviewer can never take
a decided slot of a double-screened record; an undo turns it back into a lease.

Taking a slot is one statement the database makes atomic, on SQLite and PostgreSQL
alike: an ``INSERT .. ON CONFLICT DO NOTHING`` on the slot's primary key, or an
``UPDATE`` whose ``WHERE`` only matches an expired lease. The first statement of
:func:`claim` writes, so SQLite takes its write lock before anything is read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from triage.store.allocation import allocation_in_force
from triage.store.base import in_chunks, utcnow
from triage.store.schema import RecordRow
from triage.store.schema_allocation import ClaimRow
from triage.store.upsert import conflict_insert

__all__ = ["LEASE", "claim", "claimed_away", "claims_held", "hold_after_decision", "hold_decided", "reopen_after_undo", "unavailable_to"]

#: How long a served record stays a reviewer's without a decision (then another may take it).
LEASE = timedelta(minutes=20)


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; triage stores UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def claim(
    session: Session,
    *,
    stage: str,
    record_id: int,
    reviewer: str,
    slots: int,
    lease: timedelta | None = LEASE,
    now: datetime | None = None,
) -> bool:
    """Take one of the ``slots`` of ``record_id`` for ``reviewer``; whether they hold it now.

    ``lease`` None: hold it for good (the reviewer decided). A reviewer already holding a
    slot keeps it (its lease renewed). Call it in its own transaction: the slot is theirs
    once that commits.
    """
    now = now or utcnow()
    until = None if lease is None else now + lease
    mine = (ClaimRow.stage == stage, ClaimRow.record_id == record_id, ClaimRow.reviewer == reviewer)
    # Written first: renews the reviewer's own lease (SQLite's write lock is taken here).
    session.execute(update(ClaimRow).where(*mine, ClaimRow.expires_at.is_not(None)).values(expires_at=until))
    if session.scalar(select(ClaimRow.slot).where(*mine)) is not None:
        return True
    insert = conflict_insert(session)
    for slot in range(slots):
        # RETURNING says whether the row was written (psycopg reports no rowcount here).
        taken = session.scalar(
            insert(ClaimRow).values(stage=stage, record_id=record_id, slot=slot, reviewer=reviewer,
                                    claimed_at=now, expires_at=until).on_conflict_do_nothing()
            .returning(ClaimRow.slot)
        )
        if taken is not None:
            return True
        expired = session.scalar(
            update(ClaimRow)
            .where(ClaimRow.stage == stage, ClaimRow.record_id == record_id, ClaimRow.slot == slot,
                   ClaimRow.expires_at.is_not(None), ClaimRow.expires_at < now)
            .values(reviewer=reviewer, claimed_at=now, expires_at=until)
            .returning(ClaimRow.slot)
        )
        if expired is not None:
            return True
    return False


def hold_decided(session: Session, *, stage: str, decided: Mapping[int, Sequence[str]], slots: Callable[[int], int]) -> int:
    """Give each group's deciders (``decided``: group -> reviewers) a slot held for good, in one
    bulk insert (a new allocation over decisions made before it); a decider already holding
    a slot keeps it, a full group takes no more. Returns the slots written."""
    taken: dict[int, dict[int, str]] = defaultdict(dict)
    for record_id, slot, holder in session.execute(
            select(ClaimRow.record_id, ClaimRow.slot, ClaimRow.reviewer).where(ClaimRow.stage == stage)):
        taken[record_id][slot] = holder
    now = utcnow()
    values = []
    for group, reviewers in decided.items():
        held = taken.get(group, {})
        free = [s for s in range(slots(group)) if s not in held]
        for reviewer in dict.fromkeys(reviewers):
            if reviewer in held.values() or not free:
                continue
            values.append({"stage": stage, "record_id": group, "slot": free.pop(0), "reviewer": reviewer,
                           "claimed_at": now, "expires_at": None})
    if values:
        insert = conflict_insert(session)
        session.execute(insert(ClaimRow).on_conflict_do_nothing(), values)
    return len(values)


def _screened_as(session: Session, record_id: int) -> int:
    row = session.get(RecordRow, record_id)
    return row.merged_into if row is not None and row.merged_into is not None else record_id


def hold_after_decision(session: Session, *, stage: str, record_id: int, reviewer: str) -> None:
    """After a decision under an allocation: the reviewer's slot on the record's group is theirs
    for good (taken now if they decided without being served it, where one is free)."""
    allocation = allocation_in_force(session, stage)
    if allocation is None:
        return
    group = _screened_as(session, record_id)
    claim(session, stage=stage, record_id=group, reviewer=reviewer, slots=allocation.slots(group), lease=None)


def reopen_after_undo(session: Session, *, stage: str, reviewer: str, standing: Collection[int],
                      now: datetime | None = None) -> None:
    """After an undo: each slot the reviewer holds for good on a group where no decision of
    theirs stands any more (``standing``: the groups where one does) is a lease again (they
    are served the record anew; if they walk away, it frees).

    Not only the undone record's group now: the slot is on the group the decision was made
    on, and a merge undone since can have split it (a decision on record 2, screened as 1,
    holds group 1; once the merge is undone, its retract names record 2). A slot held
    there for good kept record 1 from everyone: the reviewer's queue skipped it as decided,
    the others' as full."""
    held = session.scalars(select(ClaimRow.record_id).where(ClaimRow.stage == stage, ClaimRow.reviewer == reviewer,
                                                            ClaimRow.expires_at.is_(None))).all()
    freed = sorted(set(held) - set(standing))
    for chunk in in_chunks(freed):
        session.execute(update(ClaimRow).where(ClaimRow.stage == stage, ClaimRow.reviewer == reviewer,
                                               ClaimRow.record_id.in_(chunk))
                        .values(expires_at=(now or utcnow()) + LEASE))


def claims_held(session: Session, *, stage: str, now: datetime | None = None) -> dict[int, set[str]]:
    """Record id -> the reviewers holding a slot on it now (a live lease, or decided)."""
    now = now or utcnow()
    held: dict[int, set[str]] = defaultdict(set)
    rows = session.execute(select(ClaimRow.record_id, ClaimRow.reviewer, ClaimRow.expires_at)
                           .where(ClaimRow.stage == stage))
    for record_id, holder, expires_at in rows:
        if expires_at is None or _aware(expires_at) > now:
            held[record_id].add(holder)
    return held


def claimed_away(session: Session, *, stage: str, reviewer: str, now: datetime | None = None) -> frozenset[int]:
    """Groups the claims alone keep from ``reviewer``: those they decided (a slot held for
    good) and those whose slots others fill. One read of the claims table, no decision log:
    what a queue checks before each served record (every decision under an allocation holds a
    slot, and :func:`~triage.store.team.allocate` gives earlier decisions theirs)."""
    allocation = allocation_in_force(session, stage)
    if allocation is None:
        return frozenset()
    now = now or utcnow()
    holders: dict[int, set[str]] = defaultdict(set)
    out: set[int] = set()
    rows = session.execute(select(ClaimRow.record_id, ClaimRow.reviewer, ClaimRow.expires_at)
                           .where(ClaimRow.stage == stage))  # plain tuples: no ORM objects per row
    for record_id, holder, expires_at in rows:
        if expires_at is None and holder == reviewer:
            out.add(record_id)
        elif expires_at is None or _aware(expires_at) > now:
            holders[record_id].add(holder)
    out.update(group for group, who in holders.items()
               if reviewer not in who and len(who) >= allocation.slots(group))
    return frozenset(out)


def unavailable_to(
    session: Session,
    *,
    stage: str,
    reviewer: str,
    settled: frozenset[int],
    awaiting: Mapping[int, set[str]],
    now: datetime | None = None,
) -> frozenset[int]:
    """Groups not to serve ``reviewer`` under the stage's allocation.

    ``settled``: groups with a decision in force or in conflict; ``awaiting``: groups screened
    twice -> the reviewers who decided them so far. Out: the settled ones, the awaiting ones
    the reviewer decided, and those whose slots others fill (leases or decisions).
    """
    allocation = allocation_in_force(session, stage)
    out = set(settled)
    occupants = claims_held(session, stage=stage, now=now)
    for group, deciders in awaiting.items():
        if reviewer in deciders:
            out.add(group)
        occupants[group] |= deciders
    for group, holders in occupants.items():
        if reviewer in holders or group in out:
            continue
        slots = allocation.slots(group) if allocation is not None else 1
        if len(holders) >= slots:
            out.add(group)
    return frozenset(out)
