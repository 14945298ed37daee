"""Allocation of screening among a team: who screens at a stage and what share twice.

A lead sets it (``triage allocate``); every change is appended with who and when, the
newest per stage is in force. Whether a record (merge group) is screened twice is drawn
once per group from a seeded hash, so every process, and every restart, draws the same:
no state is needed to know it, and raising the share only adds groups (a group drawn at
10% is still drawn at 20%).

The store reads the draw through :func:`double_screening`: with no allocation, the
``blind`` setting set to ``true`` treats every group as screened twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.errors import DecisionError
from triage.store.base import read_once
from triage.store.schema import STAGES, SettingRow
from triage.store.schema_allocation import AllocationRow, ResolutionRow

__all__ = [
    "Allocation",
    "DoubleScreening",
    "allocation_history",
    "allocation_in_force",
    "append_allocation",
    "blind_mode",
    "checked_allocation",
    "double_screening",
    "drawn_twice",
    "parse_share",
    "resolution_ids",
    "set_allocation",
]


@dataclass(frozen=True)
class Allocation:
    """One allocation as set: the reviewers, the share screened twice, who set it and when."""

    id: int
    stage: str
    reviewers: tuple[str, ...]
    double_share: float
    seed: int
    set_by: str
    created_at: datetime

    def slots(self, group: int) -> int:
        """How many reviewers screen ``group``: 2 if drawn for double screening, else 1."""
        return 2 if drawn_twice(self.seed, self.stage, group, self.double_share) else 1


def drawn_twice(seed: int, stage: str, group: int, share: float) -> bool:
    """Whether ``group`` is screened twice at ``share`` (probability 0-1): a seeded hash of the
    group's record id, uniform in [0, 1), below the share. blake2b rather than ``hash()``:
    Python salts ``hash()`` per process, and every process must draw the same."""
    if share <= 0:
        return False
    if share >= 1:
        return True
    digest = hashlib.blake2b(f"{seed}:{stage}:{group}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def checked_allocation(people: Sequence[str], double_share: float, set_by: str, *, who: str = "reviewer",
                       work: str = "screen", example: str = "--reviewers ana,ben,cy") -> list[str]:
    """The distinct names of an allocation, checked with its share and setter (DecisionError
    names the fix); ``who``/``work``/``example`` word it for screening or coding."""
    names = [n.strip() for n in people if n.strip()]
    if not names or len(set(names)) != len(names):
        raise DecisionError(f"an allocation needs one or more distinct {who} names", hint=f"e.g. {example}")
    if not 0 <= double_share <= 1:
        raise DecisionError(f"the share {work}ed twice must be between 0 and 1; got {double_share}",
                            hint="e.g. --double 0.1, or --double all")
    if double_share > 0 and len(names) < 2:
        raise DecisionError(f"{work}ing twice needs at least two {who}s",
                            hint=f"name two or more with {example.split()[0]}")
    if not set_by.strip():
        raise DecisionError("an allocation needs the name of who sets it", hint="pass --by NAME")
    return names


def parse_share(text: str) -> float:
    """A share given as text: ``0.1``, or ``all`` (1.0); DecisionError names the fix (range checked later)."""
    if text.strip().lower() == "all":
        return 1.0
    try:
        return float(text)
    except ValueError:
        raise DecisionError(f"--double must be a share between 0 and 1 (e.g. 0.1) or 'all'; got {text!r}") from None


def append_allocation(
    session: Session, *, stage: str, people: Sequence[str], double_share: float, set_by: str, seed: int = 0,
    who: str = "reviewer", work: str = "screen", example: str = "--reviewers ana,ben,cy",
    check_people: Callable[[Session, list[str]], None] | None = None,
) -> Allocation:
    """Append an allocation at ``stage`` (screening's or coding's), in force from now on: the names
    checked (:func:`checked_allocation`, worded by ``who``/``work``/``example``; then by
    ``check_people`` if given), the row added with who set it. DecisionError names the fix."""
    names = checked_allocation(people, double_share, set_by, who=who, work=work, example=example)
    if check_people is not None:
        check_people(session, names)
    row = AllocationRow(stage=stage, reviewers=names, double_share=float(double_share), seed=seed,
                        set_by=set_by.strip())
    session.add(row)
    session.flush()
    return _allocation(row)


def set_allocation(
    session: Session, *, stage: str, reviewers: Sequence[str], double_share: float, set_by: str, seed: int = 0
) -> Allocation:
    """Append a new allocation for screening ``stage`` (in force from now on)."""
    if stage not in STAGES:
        raise DecisionError(f"unknown stage {stage!r}", hint=f"use one of: {', '.join(STAGES)}")
    return append_allocation(session, stage=stage, people=reviewers, double_share=double_share, set_by=set_by,
                             seed=seed)


def _allocation(row: AllocationRow) -> Allocation:
    return Allocation(row.id, row.stage, tuple(row.reviewers or ()), float(row.double_share), int(row.seed),
                      row.set_by, row.created_at)


def allocation_in_force(session: Session, stage: str) -> Allocation | None:
    """The newest allocation for ``stage``, or None (everyone screens everything, as before)."""
    def newest() -> Allocation | None:
        row = session.scalars(select(AllocationRow).where(AllocationRow.stage == stage)
                              .order_by(AllocationRow.id.desc())).first()
        return _allocation(row) if row is not None else None

    return read_once(session, f"allocation:{stage}", newest)


def allocation_history(session: Session, stage: str | None = None) -> list[Allocation]:
    """Every allocation set, oldest first (the log: who set what, when)."""
    stmt = select(AllocationRow).order_by(AllocationRow.id)
    if stage is not None:
        stmt = stmt.where(AllocationRow.stage == stage)
    return [_allocation(row) for row in session.scalars(stmt)]


@dataclass(frozen=True)
class DoubleScreening:
    """Which groups are screened twice at a stage: the share and the seed of the draw."""

    stage: str
    share: float
    seed: int

    def twice(self, group: int) -> bool:
        return drawn_twice(self.seed, self.stage, group, self.share)


def _blind_setting(session: Session) -> bool:
    def read() -> bool:
        row = session.get(SettingRow, "blind")
        return row is not None and str(row.value).lower() == "true"

    return read_once(session, "blind", read)


def double_screening(session: Session, stage: str) -> DoubleScreening:
    """The allocation's share screened twice; without one, all (``blind`` is ``true``) or none."""
    allocation = allocation_in_force(session, stage)
    if allocation is not None:
        return DoubleScreening(stage, allocation.double_share, allocation.seed)
    return DoubleScreening(stage, 1.0 if _blind_setting(session) else 0.0, 0)


def blind_mode(session: Session, stage: str = "title_abstract") -> bool:
    """Whether decisions are hidden from other reviewers until two have decided: the ``blind``
    setting, or an allocation that screens a share twice."""
    return _blind_setting(session) or double_screening(session, stage).share > 0


def resolution_ids(session: Session) -> frozenset[int]:
    """Ids of the decisions a lead recorded to settle a conflict."""
    return frozenset(session.scalars(select(ResolutionRow.decision_id)))
