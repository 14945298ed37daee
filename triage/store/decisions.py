"""The append-only decision log: who decided what, when, why, and what they were shown.

Nothing here updates or deletes a row. A reviewer's current decision on a record at a
stage is their latest row; a ``retract`` row withdraws it (undo). The project's current
decision on a record is the latest non-retracted decision of any reviewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.config import reason_required
from triage.errors import DecisionError
from triage.store.db import Project
from triage.store.schema import DECISIONS, STAGES, DecisionRow, RecordRow, Setting

__all__ = [
    "CurrentDecision", "current_decisions", "decision_history", "reasons_required", "record_decision", "undo_last",
    "withdrawn_decision_ids",
]


def reasons_required(session: Session, stage: str) -> bool:
    """Whether an exclusion at ``stage`` must name a reason in this project."""
    row = session.get(Setting, "exclusion_reason_required")
    return reason_required(row.value if row is not None else None, stage)


@dataclass(frozen=True)
class CurrentDecision:
    """The decision in force for one record (and reviewer, where asked)."""

    record_id: int
    decision: str
    reasons: tuple[str, ...]
    reviewer: str
    created_at: datetime
    decision_id: int


def record_decision(
    session: Session,
    record_id: int,
    decision: str,
    *,
    reviewer: str,
    stage: str = "title_abstract",
    reasons: Sequence[str] = (),
    note: str | None = None,
    score: float | None = None,
    rank: int | None = None,
    model: str | None = None,
    request_id: str | None = None,
) -> DecisionRow:
    """Append one decision inside the caller's transaction.

    An exclusion must name at least one reason (the criterion it fails) where the
    project's ``exclusion_reason_required`` setting asks for one: at full text always,
    at title/abstract only under ``all_stages`` (PRISMA 2020's rule is the default). A
    ``request_id`` seen before returns the earlier row instead of a second one, so a
    decision posted twice (double click, retry) is recorded once.
    """
    if decision not in DECISIONS:
        raise DecisionError(f"unknown decision {decision!r}", hint=f"use one of: {', '.join(DECISIONS)}")
    if stage not in STAGES:
        raise DecisionError(f"unknown stage {stage!r}", hint=f"use one of: {', '.join(STAGES)}")
    if not reviewer or not reviewer.strip():
        raise DecisionError("a decision needs a reviewer name", hint="pass --reviewer NAME")
    if decision == "exclude" and not [r for r in reasons if r.strip()] and reasons_required(session, stage):
        raise DecisionError(
            f"excluding record {record_id} needs a reason",
            hint="name the criterion it fails with --reason"
            + ("" if stage == "full_text" else " (this project's exclusion_reason_required is all_stages)"),
        )
    if session.get(RecordRow, record_id) is None:
        raise DecisionError(f"no record {record_id} in this project", hint="see 'triage records' for ids")
    if request_id is not None:
        earlier = session.scalars(select(DecisionRow).where(DecisionRow.request_id == request_id)).first()
        if earlier is not None:
            return earlier
    row = DecisionRow(
        record_id=record_id,
        stage=stage,
        decision=decision,
        reasons=[r.strip() for r in reasons if r.strip()],
        note=note,
        reviewer=reviewer.strip(),
        score=score,
        rank=rank,
        model=model,
        request_id=request_id,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent writer used the same request_id
        raise DecisionError(f"decision {request_id!r} was already recorded") from exc
    return row


def decision_history(
    session: Session, *, stage: str | None = None, record_id: int | None = None, reviewer: str | None = None
) -> Sequence[DecisionRow]:
    """Every decision row, oldest first, optionally filtered."""
    stmt = select(DecisionRow).order_by(DecisionRow.id)
    if stage is not None:
        stmt = stmt.where(DecisionRow.stage == stage)
    if record_id is not None:
        stmt = stmt.where(DecisionRow.record_id == record_id)
    if reviewer is not None:
        stmt = stmt.where(DecisionRow.reviewer == reviewer)
    return session.scalars(stmt).all()


def current_decisions(
    session: Session, *, stage: str = "title_abstract", reviewer: str | None = None
) -> dict[int, CurrentDecision]:
    """Decision in force per record at ``stage``.

    With ``reviewer``: that reviewer's latest non-retracted decision. Without: per
    record, the latest non-retracted decision among all reviewers' current ones.
    """
    latest: dict[tuple[int, str], DecisionRow] = {}
    for row in decision_history(session, stage=stage, reviewer=reviewer):
        latest[(row.record_id, row.reviewer)] = row
    result: dict[int, CurrentDecision] = {}
    for (record_id, _), row in sorted(latest.items(), key=lambda kv: kv[1].id):
        if row.decision == "retract":
            continue
        result[record_id] = CurrentDecision(
            record_id=record_id,
            decision=row.decision,
            reasons=tuple(row.reasons or ()),
            reviewer=row.reviewer,
            created_at=row.created_at,
            decision_id=row.id,
        )
    return result


def withdrawn_decision_ids(session: Session, *, stage: str, record_ids: Sequence[int]) -> set[int]:
    """Ids of the decisions on ``record_ids`` that a ``retract`` row withdrew (undone).

    A retract withdraws the decision then in force for its reviewer and record: the row
    just before it for that pair (see :func:`undo_last`).
    """
    previous: dict[tuple[int, str], DecisionRow] = {}
    withdrawn: set[int] = set()
    stmt = (select(DecisionRow).where(DecisionRow.stage == stage, DecisionRow.record_id.in_(list(record_ids)))
            .order_by(DecisionRow.id))
    for row in session.scalars(stmt):
        key = (row.record_id, row.reviewer)
        before = previous.get(key)
        if row.decision == "retract" and before is not None and before.decision != "retract":
            withdrawn.add(before.id)
        previous[key] = row
    return withdrawn


def undo_last(session: Session, *, reviewer: str, stage: str = "title_abstract") -> DecisionRow | None:
    """Retract the reviewer's latest decision still in force; returns the retract row."""
    for row in reversed(decision_history(session, stage=stage, reviewer=reviewer)):
        if row.decision == "retract":
            continue
        current = current_decisions(session, stage=stage, reviewer=reviewer).get(row.record_id)
        if current is not None and current.decision_id == row.id:
            return record_decision(session, row.record_id, "retract", reviewer=reviewer, stage=stage)
    return None


def retract_latest(project: Project, *, reviewer: str, stage: str = "title_abstract") -> int | None:
    """:func:`undo_last` in its own transaction; the record id it concerned, or None."""
    with project.transaction() as session:
        row = undo_last(session, reviewer=reviewer, stage=stage)
        return row.record_id if row is not None else None
