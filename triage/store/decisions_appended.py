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
read). A :class:`LogMark` therefore keeps the *gaps* below its newest id: the ids no
committed row (of any stage) had when it was read. A gap is a transaction still in flight
(its row may yet commit) or one rolled back (never); decisions are never deleted, so a
row committed late has one of these ids. An update asks for the rows above the newest id
and for the gaps by id, a handful under a team's load, however late the row commits.

Before, a mark remembered the ids it had seen in a window of 2,000 below its newest and
counted the rows below that window on every update (a late row below it was told only by
the count, and the whole log read again). Counting is a pass over the log, so the key
press that pays for it got slower with every decision: under 20 reviewers at 50,000
records that count and building its statement cost more server time per key press than
anything else that changed (``team_load.md``, session 13). The count is kept only for a
log with more gaps than :data:`GAP_LIMIT` (many rolled-back transactions): the oldest are
then counted, not followed one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, case, func, literal, or_, select, true
from sqlalchemy.orm import Session

from triage.store.allocation import double_screening
from triage.store.decisions import CurrentDecision, DecisionsInForce, reviewers_standing
from triage.store.schema import DecisionRow, RecordRow

__all__ = [
    "GAP_LIMIT",
    "Appended",
    "AppendedRow",
    "LogMark",
    "appended_since",
    "decision_log_mark",
    "in_force_after_appends",
    "settled_after_appends",
]


#: Most gaps in the id sequence a mark follows one by one. A whole read follows at most half
#: as many (room for the transactions in flight); beyond that the oldest are counted.
GAP_LIMIT = 1000


@dataclass(frozen=True)
class LogMark:
    """How far into the decision log a state has read: the newest decision id it saw (any
    stage), how many rows of its stage it reflects, and the ids below the newest that no
    committed row had (``gaps``: asked for by id on each update). ``floor`` > 0: ids at or
    below it are not followed one by one; the log had ``below`` rows of the stage there."""

    last_id: int
    rows: int
    gaps: frozenset[int] = frozenset()
    floor: int = 0
    below: int = 0

    def newer(self, other: LogMark) -> bool:
        """Whether this mark reflects more of the log than ``other`` (both follow one log)."""
        return (self.last_id, self.rows) > (other.last_id, other.rows)


class AppendedRow(NamedTuple):
    """What following the log needs of a decision row (not the ORM object: a key press reads
    these, and loading whole rows through the ORM was a good part of its cost)."""

    id: int
    record_id: int
    decision: str
    reasons: list[str] | None
    reviewer: str
    created_at: datetime


@dataclass(frozen=True)
class Appended:
    """The rows appended since a mark (late ones included), oldest id first, each with the
    record it is screened as now (its merge group), and the mark that reflects them."""

    rows: tuple[AppendedRow, ...]
    screened_as: dict[int, int]
    mark: LogMark


@cache
def _mark_statement() -> Select[Any]:
    """One statement (one snapshot on PostgreSQL): the newest id, the rows of the stage, and
    each run of missing ids (``previous`` and ``following`` rows around it, with the rows of
    the stage up to ``previous``), outer-joined to a one-row table so the first two come back
    when there are no gaps."""
    mine = case((DecisionRow.stage == bindparam("stage"), 1), else_=0)
    ordered = select(
        DecisionRow.id.label("following"),
        func.lag(DecisionRow.id, 1, 0).over(order_by=DecisionRow.id).label("previous"),
        (func.sum(mine).over(order_by=DecisionRow.id) - mine).label("upto"),
    ).subquery()
    runs = select(ordered).where(ordered.c.following - ordered.c.previous > 1).subquery()
    last = select(func.coalesce(func.max(DecisionRow.id), 0)).scalar_subquery()
    rows = select(func.count(DecisionRow.id)).where(DecisionRow.stage == bindparam("stage")).scalar_subquery()
    one = select(literal(1).label("one")).subquery()
    return (select(last, rows, runs.c.previous, runs.c.following, runs.c.upto).select_from(one)
            .outerjoin(runs, true()).order_by(runs.c.following.desc()))


def decision_log_mark(session: Session, *, stage: str, gap_limit: int = GAP_LIMIT) -> LogMark:
    """The log's mark now; read it *before* computing the state it marks, so a row committed
    in between is at worst seen twice (harmless: applied again, the same answer), never
    missed. A pass over the log's ids (a whole read's cost, not a key press's)."""
    read = session.execute(_mark_statement(), {"stage": stage}).all()
    last, rows = int(read[0][0]), int(read[0][1])
    gaps: list[int] = []
    floor = below = 0
    for _, _, previous, following, upto in read:  # newest run first
        if previous is None:
            break
        if len(gaps) + following - previous - 1 > gap_limit // 2:
            floor, below = int(following) - 1, int(upto)
            break
        gaps.extend(range(int(previous) + 1, int(following)))
    return LogMark(last, rows, frozenset(gaps), floor, below)


_ROW_COLUMNS = (DecisionRow.id, DecisionRow.record_id, DecisionRow.decision, DecisionRow.reasons,
                DecisionRow.reviewer, DecisionRow.created_at)


@cache
def _appended_statement(counted: bool) -> Select[Any]:
    """The rows above the newest id and those with a gap's id, any stage (another stage's row
    fills a gap too), each with its record's group; ``counted``: with the rows of the stage
    at or below the floor, in the same statement (one snapshot), outer-joined so the count
    comes back when there are no rows. Built once: building it per key press cost more
    than running it."""
    new_rows = (select(*_ROW_COLUMNS, DecisionRow.stage, RecordRow.merged_into)
                .join(RecordRow, RecordRow.id == DecisionRow.record_id)
                .where(or_(DecisionRow.id > bindparam("last_id"),
                           DecisionRow.id.in_(bindparam("gaps", expanding=True)))))
    if not counted:
        return new_rows.add_columns(literal(0).label("below")).order_by(DecisionRow.id)
    below = (select(func.count(DecisionRow.id))
             .where(DecisionRow.stage == bindparam("stage"), DecisionRow.id <= bindparam("floor")).scalar_subquery())
    found = new_rows.subquery()
    one = select(literal(1).label("one")).subquery()
    return (select(*(found.c[c.key] for c in _ROW_COLUMNS), found.c.stage, found.c.merged_into, below.label("below"))
            .select_from(one).outerjoin(found, true()).order_by(found.c.id))


def appended_since(session: Session, mark: LogMark, *, stage: str,
                   gap_limit: int = GAP_LIMIT) -> Appended | None:
    """The rows of ``stage`` committed since ``mark`` was taken (above its newest id, or with
    one of its gaps' ids), with the new mark; None when only the whole log can tell: a row
    committed at or below a counted mark's floor, or more gaps than ``gap_limit``."""
    counted = mark.floor > 0
    parameters: dict[str, object] = {"last_id": mark.last_id, "gaps": sorted(mark.gaps)}
    if counted:
        parameters |= {"stage": stage, "floor": mark.floor}
    read = session.execute(_appended_statement(counted), parameters).all()
    if counted and (not read or int(read[0].below) != mark.below):
        return None
    found = [r for r in read if r.id is not None]
    if not found:
        return Appended((), {}, mark)
    last_id = max(mark.last_id, found[-1].id)
    seen = {r.id for r in found}
    gaps = (mark.gaps - seen) | {i for i in range(mark.last_id + 1, last_id) if i not in seen}
    if len(gaps) > gap_limit:
        return None
    mine = [r for r in found if r.stage == stage]
    rows = tuple(AppendedRow(*r[: len(_ROW_COLUMNS)]) for r in mine)
    screened_as = {r.record_id: (r.merged_into if r.merged_into is not None else r.record_id) for r in mine}
    return Appended(rows, screened_as, LogMark(last_id, mark.rows + len(rows), frozenset(gaps), mark.floor,
                                               mark.below))


def in_force_after_appends(
    session: Session, previous: DecisionsInForce, mark: LogMark, *, stage: str
) -> tuple[DecisionsInForce, LogMark] | None:
    """``previous`` (read at ``mark``) with the rows appended since, and the new mark; None
    when the whole log must be read again: a new row is a ``retract`` or lands on a group
    screened twice, a row committed late lands on a group in conflict, or
    :func:`appended_since` says so.

    The caller vouches that the groups, the records and the allocation did not change since
    ``previous`` was read (:func:`~triage.store.decisions.decision_state_version` beyond its
    first two numbers)."""
    appended = appended_since(session, mark, stage=stage)
    if appended is None or any(row.decision == "retract" for row in appended.rows):
        return None
    if not appended.rows:
        return previous, appended.mark
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
    ``retract`` may unsettle a group; see :func:`appended_since`).

    A new decision always settles its group (in force, or in conflict with an older one),
    late or not, so a key press costs two small queries instead of re-reading the whole
    log; a group screened twice is settled by its second reviewer's decision, which a
    query on that group's rows tells. The caller vouches, as for
    :func:`in_force_after_appends`, that the groups did not change since ``mark``."""
    appended = appended_since(session, mark, stage=stage)
    if appended is None or any(row.decision == "retract" for row in appended.rows):
        return None
    if not appended.rows:
        return settled, appended.mark
    groups = set(appended.screened_as.values())
    double = double_screening(session, stage)
    settled |= {g for g in groups if not double.twice(g) or reviewers_standing(session, g, stage) >= 2}
    return settled, appended.mark

