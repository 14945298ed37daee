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
:class:`LogMark` therefore keeps the ids it has seen in a window below its newest id
(:data:`RECENT_WINDOW` ids) and how many rows it has seen in all: an update reads the rows
from the window's floor up and takes those it has not seen (a late row is one of them),
and it is refused only when the log holds more rows at or below the floor than the state
has seen (a transaction that committed more than a window of ids late). Counting every
row up to the newest id instead, as this module first did, refused most updates under 20
concurrent reviewers (some transaction is always in flight), and each refusal re-read the
whole log: PostgreSQL then spent a core on those reads (``team_load.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.store.allocation import double_screening
from triage.store.decisions import CurrentDecision, DecisionsInForce
from triage.store.decisions_primed import decision_log_columns
from triage.store.schema import DecisionRow, RecordRow

__all__ = ["RECENT_WINDOW", "LogMark", "decision_log_mark", "in_force_after_appends"]


#: How many ids below the newest seen a mark remembers one by one (a transaction committing
#: later than this many ids after its own is caught by the count and the whole log re-read).
RECENT_WINDOW = 2000


@dataclass(frozen=True)
class LogMark:
    """How far into the decision log of one stage a state has read: the newest decision id
    it saw, how many rows it reflects, and which ids above ``last_id - window`` it saw."""

    last_id: int
    rows: int
    recent: frozenset[int] = frozenset()
    window: int = RECENT_WINDOW

    @property
    def floor(self) -> int:
        """Rows at or below this id are counted, not remembered one by one."""
        return max(0, self.last_id - self.window)


def decision_log_mark(session: Session, *, stage: str, window: int = RECENT_WINDOW) -> LogMark:
    """The log's mark now; read it *before* computing the decisions in force, so a row
    committed in between is at worst seen twice (harmless: applied again, the same answer),
    never missed."""
    last, rows = session.execute(select(*decision_log_columns(stage))).one()
    floor = max(0, int(last) - window)
    recent = frozenset(session.scalars(select(DecisionRow.id).where(
        DecisionRow.stage == stage, DecisionRow.id > floor, DecisionRow.id <= int(last))))
    return LogMark(int(last), int(rows), recent, window)


def in_force_after_appends(
    session: Session, previous: DecisionsInForce, mark: LogMark, *, stage: str
) -> tuple[DecisionsInForce, LogMark] | None:
    """``previous`` (read at ``mark``) with the rows appended since, and the new mark; None
    when the whole log must be read again: a new row is a ``retract`` or lands on a group
    screened twice, a row committed late lands on a group in conflict, or a row committed
    at or below the mark's floor after the mark was taken.

    The caller vouches that the groups, the records and the allocation did not change since
    ``previous`` was read (:func:`~triage.store.decisions.decision_state_version` beyond its
    first two numbers)."""
    floor = mark.floor
    rows = [row for row in session.execute(
        select(DecisionRow).where(DecisionRow.stage == stage, DecisionRow.id > floor).order_by(DecisionRow.id)
    ).scalars() if row.id not in mark.recent]
    if any(row.decision == "retract" for row in rows):
        return None
    below = session.scalar(select(func.count(DecisionRow.id))
                           .where(DecisionRow.stage == stage, DecisionRow.id <= floor)) or 0
    if int(below) != mark.rows - len(mark.recent):  # a row committed later than a window of ids
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
        current = decisions.get(group)
        if row.id < mark.last_id:  # committed late: a later decision on its group stays in force
            if group in conflicts:
                return None
            if current is not None and current.decision_id > row.id:
                continue
        conflicts.pop(group, None)
        decisions[group] = CurrentDecision(
            record_id=group, decision=row.decision, reasons=tuple(row.reasons or ()), reviewer=row.reviewer,
            created_at=row.created_at, decision_id=row.id, decided_record_id=row.record_id,
        )
    last_id = max(mark.last_id, rows[-1].id)
    seen = mark.recent | {row.id for row in rows}
    recent = frozenset(i for i in seen if i > max(0, last_id - mark.window))
    return (DecisionsInForce(decisions, conflicts, dict(previous.awaiting)),
            LogMark(last_id, mark.rows + len(rows), recent, mark.window))
