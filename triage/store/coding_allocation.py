"""Allocation of coding among a team: who codes and what share of segments is coded twice.

A lead sets it (``triage code allocate``); it is kept as an allocation row at the stage
:data:`CODING_STAGE` beside the screening allocations (appended with who and when, the
newest in force). The unit coded is a sentence or paragraph segment; a span a coder
selects inside one belongs to it (:func:`unit_of`).

Who codes a unit is drawn per unit from seeded hashes, never from a counter or a queue,
so every process draws the same, a document imported later changes nothing drawn
before, and raising the share only adds units (the draw is
:func:`~triage.store.allocation.drawn_twice`, the one screening uses). The coders of a
unit are the one or two with the highest hash of (seed, unit, coder), rendezvous
hashing (Thaler & Ravishankar 1998): each coder gets about an equal share, and adding a
coder moves only the units that coder now wins. Two coders therefore never both get a
single-coded unit, and a double-coded unit goes to exactly two.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.errors import DecisionError
from triage.roles import allowed
from triage.store.allocation import (
    Allocation,
    allocation_history,
    allocation_in_force,
    append_allocation,
    drawn_twice,
)
from triage.store.schema_coding import CodingSegmentRow
from triage.store.users import find_user, has_users

__all__ = [
    "CODING_STAGE",
    "CodingAllocation",
    "check_allocated",
    "coding_allocation",
    "coding_allocation_history",
    "set_coding_allocation",
    "unit_of",
    "units_of",
]

#: The ``allocations.stage`` of coding allocations (screening's are ``title_abstract``, ``full_text``).
CODING_STAGE = "coding"


@dataclass(frozen=True)
class CodingAllocation:
    """One coding allocation as set: the coders, the share of units coded twice, who set it, when."""

    id: int
    coders: tuple[str, ...]
    double_share: float
    seed: int
    set_by: str
    created_at: datetime

    def twice(self, unit: int) -> bool:
        """Whether ``unit`` (a segment id) is coded by two coders."""
        return drawn_twice(self.seed, CODING_STAGE, unit, self.double_share)

    def coders_of(self, unit: int) -> tuple[str, ...]:
        """The coder (or two, if drawn twice) who code ``unit``: highest seeded hash first."""
        ranked = sorted(self.coders, key=lambda coder: _weight(self.seed, unit, coder), reverse=True)
        return tuple(ranked[: 2 if self.twice(unit) else 1])


def _weight(seed: int, unit: int, coder: str) -> bytes:
    # blake2b, not hash(): Python salts hash() per process, and every process must draw the same.
    return hashlib.blake2b(f"{seed}:{CODING_STAGE}:{unit}:{coder}".encode(), digest_size=8).digest()


def set_coding_allocation(session: Session, *, coders: Sequence[str], double_share: float, set_by: str,
                          seed: int = 0) -> CodingAllocation:
    """Append a coding allocation (in force from now on); DecisionError names the fix."""
    return _coding(append_allocation(session, stage=CODING_STAGE, people=coders, double_share=double_share,
                                     set_by=set_by, seed=seed, who="coder", work="cod", example="--coders ana,ben",
                                     check_people=_may_code))


def _may_code(session: Session, names: list[str]) -> None:
    """On a team project only its active coders (and leads) can be given segments."""
    if not has_users(session):
        return
    for name in names:
        user = find_user(session, name)
        if user is None or not user.active or not allowed(user.role, "code"):
            raise DecisionError(f"{name!r} is not an active user who may code",
                                hint="see 'triage users list'; coders and leads code")


def _coding(allocation: Allocation) -> CodingAllocation:
    return CodingAllocation(allocation.id, allocation.reviewers, allocation.double_share, allocation.seed,
                            allocation.set_by, allocation.created_at)


def coding_allocation(session: Session) -> CodingAllocation | None:
    """The coding allocation in force, or None (every coder codes every segment, as before)."""
    allocation = allocation_in_force(session, CODING_STAGE)
    return _coding(allocation) if allocation is not None else None


def coding_allocation_history(session: Session) -> list[CodingAllocation]:
    """Every coding allocation set, oldest first (who set what, when)."""
    return [_coding(allocation) for allocation in allocation_history(session, CODING_STAGE)]


def check_allocated(session: Session, segment_id: int, coder: str) -> None:
    """DecisionError unless ``coder`` may code ``segment_id`` under the allocation in force: one of
    the coders its unit is given to, or a lead (on a team project a user with the lead role; without
    users, whoever set the allocation). Without an allocation everyone codes everything."""
    allocation = coding_allocation(session)
    unit = units_of(session, [segment_id]).get(segment_id)
    if allocation is None or unit is None or coder in allocation.coders_of(unit):
        return
    user = find_user(session, coder) if has_users(session) else None
    if (user.role == "lead" if user is not None else coder == allocation.set_by):
        return
    raise DecisionError(f"segment {unit} is not allocated to {coder}",
                        hint="code your own segments ('triage code next' lists them); a lead can code any")


def unit_of(segment: CodingSegmentRow) -> int:
    """The unit a segment is allocated and compared as: a span counts for the segment it was selected in."""
    return segment.parent_id if segment.kind == "span" and segment.parent_id is not None else segment.id


def units_of(session: Session, segment_ids: Iterable[int]) -> dict[int, int]:
    """Segment id -> its unit, for these segments (one query)."""
    ids = set(segment_ids)
    if not ids:
        return {}
    rows = session.execute(select(CodingSegmentRow.id, CodingSegmentRow.kind, CodingSegmentRow.parent_id)
                           .where(CodingSegmentRow.id.in_(ids)))
    return {sid: parent if kind == "span" and parent is not None else sid for sid, kind, parent in rows}
