"""Conflicts a lead resolves: a decision on the group with a note saying why, logged as such.

The resolution is an ordinary decision row (who, when, what, reasons, the note) marked in
``conflict_resolutions``; in a group screened twice only such a decision overrides the
reviewers' own (:func:`~triage.store.decisions.decisions_in_force`), so it is the decision
in force from then on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.errors import DecisionError
from triage.store.allocation import double_screening
from triage.store.decisions import decisions_in_force, group_in_force, record_decision
from triage.store.groups import current_groups, screened_under
from triage.store.schema import DecisionRow
from triage.store.schema_allocation import ResolutionRow

__all__ = ["Resolution", "refuse_a_third_decision", "resolutions", "resolve_conflict"]


@dataclass(frozen=True)
class Resolution:
    """One conflict a lead settled."""

    decision_id: int
    record_id: int
    stage: str
    decision: str
    reasons: tuple[str, ...]
    resolved_by: str
    note: str
    created_at: datetime


def resolve_conflict(
    session: Session,
    record_id: int,
    decision: str,
    *,
    lead: str,
    note: str,
    stage: str = "title_abstract",
    reasons: Sequence[str] = (),
) -> Resolution:
    """Settle the conflict on ``record_id``'s group with ``decision``, inside the caller's transaction.

    Refused where the group is not in conflict (nothing to resolve) or without a note.
    """
    group = current_groups(session).get(record_id, record_id)
    if group not in decisions_in_force(session, stage=stage).conflicts:
        raise DecisionError(f"record {record_id} is not in conflict at {stage}",
                            hint="'triage conflicts' lists the records to resolve")
    if not note or not note.strip():
        raise DecisionError(f"resolving record {record_id} needs a note saying why", hint="pass --note TEXT")
    row = record_decision(session, group, decision, reviewer=lead, stage=stage, reasons=reasons, note=note.strip())
    marker = ResolutionRow(decision_id=row.id, resolved_by=row.reviewer, note=note.strip())
    session.add(marker)
    session.flush()
    return _resolution(row, marker)


def refuse_a_third_decision(session: Session, record_id: int, *, stage: str = "title_abstract") -> None:
    """Refuse a screening decision on a record two reviewers screened (an allocation's share
    screened twice) and disagree on: only a lead's resolution settles it
    (:func:`resolve_conflict`); a decision would be a third screening and leave the conflict."""
    group = screened_under(session, record_id)  # one row, not every record's group
    if not double_screening(session, stage).twice(group):
        return
    in_conflict = group_in_force(session, record_id, stage=stage).conflicts.get(group)  # not the whole log
    if in_conflict:
        who = " and ".join(sorted({d.reviewer for d in in_conflict}))
        raise DecisionError(
            f"record {record_id} was screened twice and {who} disagree; a decision would be a third screening",
            hint=f"a lead settles it: triage resolve {record_id} include|exclude|maybe --note WHY",
        )


def _resolution(row: DecisionRow, marker: ResolutionRow) -> Resolution:
    return Resolution(row.id, row.record_id, row.stage, row.decision, tuple(row.reasons or ()), marker.resolved_by,
                      marker.note, marker.created_at)


def resolutions(session: Session, *, stage: str | None = None) -> list[Resolution]:
    """Every resolution, oldest first (the log: who resolved what, when, why)."""
    stmt = (select(DecisionRow, ResolutionRow).join(ResolutionRow, ResolutionRow.decision_id == DecisionRow.id)
            .order_by(DecisionRow.id))
    if stage is not None:
        stmt = stmt.where(DecisionRow.stage == stage)
    return [_resolution(row, marker) for row, marker in session.execute(stmt).all()]
