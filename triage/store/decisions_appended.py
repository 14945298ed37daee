"""Follow the decision log: the rows appended since a state was read, late commits included.

Two states kept in memory follow the log of one stage: the decisions in force (a team
server's retrainer: :func:`in_force_after_appends`) and the settled set (the records no
reviewer is served again, read on every key press: :func:`settled_after_appends`). Both
take the new rows from one primitive, :func:`appended_since`, so both see a row committed
late in the same way.

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
"rows with an id above the last one seen" can miss a row committed late below it (the
settled set once did: a record was served again to another reviewer until the next whole
read). A :class:`LogMark` therefore keeps the ids it has seen in a window below its newest
id (:data:`RECENT_WINDOW` ids) and how many rows it has seen in all: an update reads the
rows above the newest id and those of the window's ids it has not seen (a late row is one
of them), and it is refused only when the log holds more rows at or below the floor than
the state has seen (a transaction that committed more than a window of ids late).
Counting every row up to the newest id instead, as this module first did, refused most
updates under 20 concurrent reviewers (some transaction is always in flight), and each
refusal re-read the whole log: PostgreSQL then spent a core on those reads
(``team_load.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import func, literal, or_, select, true
from sqlalchemy.orm import Session, aliased

from triage.store.allocation import double_screening
from triage.store.decisions import CurrentDecision, DecisionsInForce, reviewers_standing
from triage.store.decisions_primed import decision_log_columns
from triage.store.schema import DecisionRow, RecordRow

__all__ = [
    "RECENT_WINDOW",
    "Appended",
    "LogMark",
    "appended_since",
    "decision_log_mark",
    "in_force_after_appends",
    "settled_after_appends",
]


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

    @cached_property
    def unseen(self) -> tuple[int, ...]:
        """The ids in the window this mark has not seen: a transaction still in flight (a row
        that may yet commit), another stage's row or a rolled-back id. Usually a handful, so
        an update asks for these by id instead of reading the window's 2,000 rows again."""
        return tuple(i for i in range(self.floor + 1, self.last_id + 1) if i not in self.recent)

    def newer(self, other: LogMark) -> bool:
        """Whether this mark reflects more of the log than ``other`` (both follow one log)."""
        return (self.last_id, self.rows) > (other.last_id, other.rows)


@dataclass(frozen=True)
class Appended:
    """The rows appended since a mark (late ones included), oldest id first, each with the
    record it is screened as now (its merge group), and the mark that reflects them."""

    rows: tuple[DecisionRow, ...]
    screened_as: dict[int, int]
    mark: LogMark


def decision_log_mark(session: Session, *, stage: str, window: int = RECENT_WINDOW) -> LogMark:
    """The log's mark now; read it *before* computing the state it marks, so a row committed
    in between is at worst seen twice (harmless: applied again, the same answer), never
    missed."""
    last, rows = session.execute(select(*decision_log_columns(stage))).one()
    floor = max(0, int(last) - window)
    recent = frozenset(session.scalars(select(DecisionRow.id).where(
        DecisionRow.stage == stage, DecisionRow.id > floor, DecisionRow.id <= int(last))))
    return LogMark(int(last), int(rows), recent, window)


def appended_since(session: Session, mark: LogMark, *, stage: str) -> Appended | None:
    """The rows of ``stage`` committed since ``mark`` was taken (above its newest id, or late
    in its window), with the new mark; None when a row committed at or below the mark's
    floor after the mark was taken (only the whole log can tell which)."""
    appended = DecisionRow.id > mark.last_id
    if mark.unseen:
        appended = or_(appended, DecisionRow.id.in_(mark.unseen))
    # One statement (one snapshot on PostgreSQL, one round trip a key press): the count of the
    # rows at or below the floor, and the new rows outer-joined to a one-row table, so the count
    # comes back when there are none.
    below = (select(func.count(DecisionRow.id)).where(DecisionRow.stage == stage, DecisionRow.id <= mark.floor)
             .scalar_subquery())
    one = select(literal(1).label("one")).subquery()
    new_rows = (select(DecisionRow, RecordRow.merged_into).join(RecordRow, RecordRow.id == DecisionRow.record_id)
                .where(DecisionRow.stage == stage, appended).subquery())
    row_alias = aliased(DecisionRow, new_rows)
    read = session.execute(select(below, row_alias, new_rows.c.merged_into).select_from(one)
                           .outerjoin(new_rows, true()).order_by(new_rows.c.id)).all()
    if int(read[0][0] or 0) != mark.rows - len(mark.recent):  # a row committed later than a window of ids
        return None
    found = [(row, into) for _, row, into in read if row is not None]
    if not found:
        return Appended((), {}, mark)
    rows = tuple(row for row, _ in found)
    screened_as = {row.record_id: (into if into is not None else row.record_id) for row, into in found}
    last_id = max(mark.last_id, rows[-1].id)
    seen = mark.recent | {row.id for row in rows}
    recent = frozenset(i for i in seen if i > max(0, last_id - mark.window))
    return Appended(rows, screened_as, LogMark(last_id, mark.rows + len(rows), recent, mark.window))


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
    appended = appended_since(session, mark, stage=stage)
    if appended is None or any(row.decision == "retract" for row in appended.rows):
        return None
    if not appended.rows:
        return previous, mark
    double = double_screening(session, stage)
    decisions = dict(previous.decisions)
    conflicts = dict(previous.conflicts)
    for row in appended.rows:
        group = appended.screened_as[row.record_id]
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
    return DecisionsInForce(decisions, conflicts, dict(previous.awaiting)), appended.mark


def settled_after_appends(
    session: Session, settled: frozenset[int], mark: LogMark, *, stage: str
) -> tuple[frozenset[int], LogMark] | None:
    """:func:`~triage.store.decisions.settled_records` (read at ``mark``) with the rows
    appended since, and the new mark; None when the whole log must be read again (a
    ``retract`` may unsettle a group; a row committed later than the mark's window).

    A new decision always settles its group (in force, or in conflict with an older one),
    late or not, so a key press costs two small queries instead of re-reading the whole
    log; a group screened twice is settled by its second reviewer's decision, which a
    query on that group's rows tells. The caller vouches, as for
    :func:`in_force_after_appends`, that the groups did not change since ``mark``."""
    appended = appended_since(session, mark, stage=stage)
    if appended is None or any(row.decision == "retract" for row in appended.rows):
        return None
    if not appended.rows:
        return settled, mark
    groups = set(appended.screened_as.values())
    double = double_screening(session, stage)
    settled |= {g for g in groups if not double.twice(g) or reviewers_standing(session, g, stage) >= 2}
    return settled, appended.mark

