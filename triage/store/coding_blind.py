"""Blind coding: on a segment coded twice, nobody sees another coder's decisions on it until
two coders have coded it.

A coder has coded a unit (:func:`~triage.store.coding_allocation.unit_of`) once they
hold an accept or reject on it or on a span inside it. Until a second coder has, the
first coder's decisions (and memos) on a unit the allocation codes twice are withheld from
everyone else: pages, JSON, exports and the coded-segments counts (as a first screening decision
counts nowhere until the second, :mod:`triage.store.blind`). Suggestions are fitted on
the coder's own decisions only (:func:`triage.coding.learn.build_suggester`), so they
cannot echo the other coder either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.orm import Session

from triage.store.coding_allocation import coding_allocation, units_of

__all__ = ["withheld"]


def withheld(session: Session, coded: Iterable[tuple[int, str]], viewer: str | None, *,
             shown: Iterable[tuple[int, str]] | None = None) -> frozenset[tuple[int, str]]:
    """The ``(segment_id, coder)`` pairs of ``shown`` (default: ``coded``, every coder's current
    decisions) that ``viewer`` may not see yet: another coder's work on a unit coded twice that
    fewer than two coders have coded (``coded`` says who has). ``viewer`` None (an export,
    nobody named) sees no awaiting ones. Empty without a coding allocation that codes a share twice."""
    allocation = coding_allocation(session)
    pairs = set(coded)
    targets = pairs if shown is None else set(shown)
    if allocation is None or allocation.double_share <= 0 or not targets:
        return frozenset()
    units = units_of(session, {segment for segment, _ in pairs | targets})
    coders_on: dict[int, set[str]] = defaultdict(set)
    for segment, coder in pairs:
        coders_on[units[segment]].add(coder)
    return frozenset(
        (segment, coder) for segment, coder in targets
        if segment in units and coder != viewer and len(coders_on[units[segment]]) < 2
        and allocation.twice(units[segment])
    )
