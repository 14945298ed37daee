"""The decisions in force, brought up to date with the rows appended since they were read.

:func:`~triage.store.decisions.decisions_in_force` reads every decision and every record's
merge group: 0.2-0.3 s at 50,000 records with a few thousand decisions, which a team
server's retrainer paid after every few key presses (``evaluation/reports/team_load.md``).
While no merge, import or allocation changed, a decision appended since then was made on
its record's group as it stands, so it covers every member and is the decision in force
for that group alone (it settles a conflict too: rule 2 of ``decisions_in_force``). That
update needs the new rows only. Where the rule does not hold (a ``retract``, a group
screened twice, whose in-force set keeps every reviewer's decision) the caller reads the
whole log again.

Decision ids come from a sequence and concurrent transactions commit out of order, so
"rows with an id above the last one seen" can miss a row committed late below it. A
:class:`LogMark` therefore keeps how many rows the state covers as well, and the update
is refused when the log holds more rows up to the newest id than the state has seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.store.allocation import double_screening
from triage.store.decisions import CurrentDecision, DecisionsInForce
from triage.store.schema import DecisionRow, RecordRow

__all__ = ["LogMark", "decision_log_mark", "in_force_after_appends"]


@dataclass(frozen=True)
class LogMark:
    """How far into the decision log of one stage a state has read: the newest decision id
    it saw and how many rows (ids up to ``last_id``) it reflects."""

    last_id: int
    rows: int


def decision_log_mark(session: Session, *, stage: str) -> LogMark:
    """The log's mark now; read it *before* computing the decisions in force, so a row
    committed in between is at worst seen twice (harmless), never missed."""
    last, rows = session.execute(
        select(func.coalesce(func.max(DecisionRow.id), 0), func.count(DecisionRow.id)).where(DecisionRow.stage == stage)
    ).one()
    return LogMark(int(last), int(rows))


def in_force_after_appends(
    session: Session, previous: DecisionsInForce, mark: LogMark, *, stage: str
) -> tuple[DecisionsInForce, LogMark] | None:
    """``previous`` (read at ``mark``) with the rows appended since, and the new mark; None
    when the whole log must be read again: a new row is a ``retract`` or lands on a group
    screened twice, or a row committed below the mark after it was taken.

    The caller vouches that the groups, the records and the allocation did not change since
    ``previous`` was read (:func:`~triage.store.decisions.decision_state_version` beyond its
    first two numbers)."""
    rows = session.execute(
        select(DecisionRow).where(DecisionRow.stage == stage, DecisionRow.id > mark.last_id).order_by(DecisionRow.id)
    ).scalars().all()
    if any(row.decision == "retract" for row in rows):
        return None
    last_id = rows[-1].id if rows else mark.last_id
    seen = session.scalar(select(func.count(DecisionRow.id))
                          .where(DecisionRow.stage == stage, DecisionRow.id <= last_id)) or 0
    if int(seen) != mark.rows + len(rows):  # a row committed late below an id already read
        return None
    if not rows:
        return previous, mark
    records = {row.record_id for row in rows}
    screened_as = {rid: (into if into is not None else rid) for rid, into in session.execute(
        select(RecordRow.id, RecordRow.merged_into).where(RecordRow.id.in_(records)))}
    double = double_screening(session, stage)
    decisions = dict(previous.decisions)
    conflicts = dict(previous.conflicts)
    for row in rows:
        group = screened_as.get(row.record_id, row.record_id)
        if double.share > 0 and double.twice(group):
            return None
        conflicts.pop(group, None)
        decisions[group] = CurrentDecision(
            record_id=group, decision=row.decision, reasons=tuple(row.reasons or ()), reviewer=row.reviewer,
            created_at=row.created_at, decision_id=row.id, decided_record_id=row.record_id,
        )
    return DecisionsInForce(decisions, conflicts, dict(previous.awaiting)), LogMark(last_id, mark.rows + len(rows))
