"""The append-only decision log: who decided what, when, why, and what they were shown.

Nothing here updates or deletes a row. A ``retract`` row withdraws the reviewer's latest
decision on that record (undo). Decisions belong to the deduplicated record (the merge
group), not to a row id: :func:`decisions_in_force` says, for every group as it stands
now, which decision is in force or which decisions conflict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, TypedDict, Unpack

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.config import reason_required
from triage.errors import DecisionError
from triage.store.allocation import double_screening, resolution_ids
from triage.store.base import IN_CHUNK, read_once
from triage.store.claims import hold_after_decision, reopen_after_undo
from triage.store.db import Project
from triage.store.decisions_primed import (
    decision_log_columns,
    decision_log_key,
    latest_decision_key,
    setting_column,
    setting_key,
)
from triage.store.groups import (
    GroupHistory,
    current_groups,
    held_with,
    merge_state_version,
    screened_under_each,
)
from triage.store.schema import DECISIONS, STAGES, CriteriaVersionRow, DecisionRow, RecordRow, SettingRow
from triage.store.schema_allocation import AllocationRow

__all__ = [
    "CurrentDecision",
    "DecisionFields",
    "DecisionsInForce",
    "current_decisions",
    "decision_history",
    "decision_models",
    "decision_probabilities",
    "decision_state_version",
    "decision_with_request_id",
    "decisions_in_force",
    "group_in_force",
    "latest_decision_id",
    "latest_decisions_by_record",
    "reasons_required",
    "record_decision",
    "record_decision_once",
    "reviewers_standing",
    "screening_decisions",
    "settled_records",
    "standing_decision_count",
    "undo_last",
    "withdrawn_decision_ids",
]


def reasons_required(session: Session, stage: str) -> bool:
    """Whether an exclusion at ``stage`` must name a reason in this project."""
    def read() -> object:
        row = session.get(SettingRow, "exclusion_reason_required")
        return row.value if row is not None else None

    return reason_required(read_once(session, setting_key("exclusion_reason_required"), read), stage)


@dataclass(frozen=True)
class CurrentDecision:
    """The decision in force for one record (and reviewer, where asked)."""

    record_id: int
    decision: str
    reasons: tuple[str, ...]
    reviewer: str
    created_at: datetime
    decision_id: int
    #: The record the decision was made on (a member of the group, maybe another representative).
    decided_record_id: int = 0
    #: Made on a group that had members no longer in this one (a merge was undone since):
    #: shown to a person to confirm.
    inherited: bool = False


class DecisionFields(TypedDict, total=False):
    """The optional fields of a decision (:func:`record_decision_once`'s keywords)."""

    stage: str
    reasons: Sequence[str]
    note: str | None
    score: float | None
    rank: int | None
    model: str | None
    request_id: str | None
    probability: float | None


def record_decision(
    session: Session, record_id: int, decision: str, *, reviewer: str, **fields: Unpack[DecisionFields]
) -> DecisionRow:
    """Append one decision inside the caller's transaction.

    An exclusion must name at least one reason (the criterion it fails) where the
    project's ``exclusion_reason_required`` setting asks for one: at full text always,
    at title/abstract only under ``all_stages`` (PRISMA 2020's rule is the default). A
    ``request_id`` seen before returns the earlier row instead of a second one, so a
    decision posted twice (double click, retry) is recorded once.
    """
    return record_decision_once(session, record_id, decision, reviewer=reviewer, **fields)[0]


def record_decision_once(
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
    probability: float | None = None,
) -> tuple[DecisionRow, bool]:
    """:func:`record_decision`, and whether the row is new (False: ``request_id`` was
    recorded before and the earlier row is returned).

    What the checks and the row need from the store (the record, an earlier row with the
    request id, the criteria version, the reason setting, an allocation at the stage) is
    read in one statement: a team server pays a round trip for each (``decisions_primed``)."""
    if decision not in DECISIONS:
        raise DecisionError(f"unknown decision {decision!r}", hint=f"use one of: {', '.join(DECISIONS)}")
    if stage not in STAGES:
        raise DecisionError(f"unknown stage {stage!r}", hint=f"use one of: {', '.join(STAGES)}")
    if not reviewer or not reviewer.strip():
        raise DecisionError("a decision needs a reviewer name", hint="pass --reviewer NAME")
    exists, earlier, criteria_version, reason_setting, allocated = session.execute(
        _before_a_decision(stage), {"record_id": record_id, "request_id": request_id}).one()
    if decision == "exclude" and not [r for r in reasons if r.strip()] and reason_required(reason_setting, stage):
        raise DecisionError(
            f"excluding record {record_id} needs a reason",
            hint="name the criterion it fails with --reason"
            + ("" if stage == "full_text" else " (this project's exclusion_reason_required is all_stages)"),
        )
    if exists is None:
        raise DecisionError(f"no record {record_id} in this project", hint="see 'triage records' for ids")
    if earlier is not None:
        found = session.get(DecisionRow, earlier)
        assert found is not None  # decision rows are never deleted
        return found, False
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
        probability=probability,
        request_id=request_id,
        criteria_version=criteria_version,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent writer used the same request_id
        raise DecisionError(f"decision {request_id!r} was already recorded") from exc
    # Under an allocation the decider's slot on the record is theirs for good (an undo reopens it).
    if decision == "retract" and allocated is not None:  # slots are held under an allocation only
        mine = _decisions_in_force(session, stage=stage, reviewer=row.reviewer)  # after the retract
        reopen_after_undo(session, stage=stage, reviewer=row.reviewer, standing={*mine.decisions, *mine.conflicts})
    elif decision != "retract" and allocated is not None:
        hold_after_decision(session, stage=stage, record_id=record_id, reviewer=row.reviewer)
    return row, True


@cache
def _before_a_decision(stage: str) -> Select[tuple[Any, ...]]:
    """The one read of :func:`record_decision_once`, built once per stage (its cache key is
    memoised on the object). A request id of None matches no row (``= NULL``)."""
    return select(
        select(RecordRow.id).where(RecordRow.id == bindparam("record_id")).scalar_subquery(),
        select(DecisionRow.id).where(DecisionRow.request_id == bindparam("request_id")).limit(1).scalar_subquery(),
        select(func.max(CriteriaVersionRow.id)).scalar_subquery(),
        setting_column("exclusion_reason_required"),
        select(func.max(AllocationRow.id)).where(AllocationRow.stage == stage).scalar_subquery(),
    )


def decision_history(
    session: Session, *, stage: str | None = None, record_id: int | None = None, reviewer: str | None = None,
    after: int | None = None, limit: int | None = None,
) -> Sequence[DecisionRow]:
    """Every decision row, oldest first, optionally filtered (``after``: rows with a larger
    id only, the first ``limit`` of them)."""
    stmt = select(DecisionRow).order_by(DecisionRow.id)
    if after is not None:
        stmt = stmt.where(DecisionRow.id > after)
    if limit is not None:
        stmt = stmt.limit(limit)
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
    """Decision in force per screened record (merge group) at ``stage``.

    Keys are the records screened now (a merge group's representative). Groups whose
    decisions disagree are left out: they are conflicts for a person
    (:func:`decisions_in_force` lists them). With ``reviewer``: that reviewer's decisions only.
    """
    return decisions_in_force(session, stage=stage, reviewer=reviewer).decisions


@dataclass(frozen=True)
class DecisionsInForce:
    """Per screened record (merge group): the decision in force, or the decisions in conflict.

    ``awaiting``: groups screened twice (an allocation, or blind mode) that only one reviewer
    has decided so far: not in force (nothing counts, nothing is taught), served to a second
    reviewer, and hidden from everyone but the one who decided.
    """

    decisions: dict[int, CurrentDecision]
    conflicts: dict[int, tuple[CurrentDecision, ...]]
    awaiting: dict[int, tuple[CurrentDecision, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Made:
    """One decision row with the group it was made on (the members screened as one then)."""

    row: DecisionRow
    covered: frozenset[int]


def decisions_in_force(
    session: Session, *, stage: str = "title_abstract", reviewer: str | None = None
) -> DecisionsInForce:
    """The decision in force for every merge group, however the groups changed since.

    Decisions belong to the deduplicated record, not to a row id. A decision made on a
    group covers every record screened as one at that moment (:class:`GroupHistory`),
    so it follows its records into any later group: a merge that picks another
    representative, a re-import, an undo (then it is *inherited*: made on a group with
    members no longer in this one, for a person to confirm). For a group now:

    1. each reviewer's decisions touching it, without those the reviewer withdrew
       (``retract``) or replaced by a later decision covering the same members;
    2. across reviewers, a decision is overridden by a later one that covered every
       member of this group it covered (a decision made on one record: the latest
       wins, as before groups existed);
    3. what remains agrees (the decision in force) or not (a conflict: never resolved
       silently; a person's new decision on the group covers all and settles it).

    A group screened twice (:mod:`triage.store.allocation`) keeps every reviewer's decision:
    in step 2 only a lead's resolution overrides another reviewer's, and until two reviewers
    have decided the group is *awaiting* (neither in force nor in conflict). With
    ``reviewer`` (one reviewer's decisions) there is no second reviewer to wait for.

    In a read-only session (``Project.reading``) the answer is computed once per stage and
    reviewer: one command asks several times (counts, blind mode, the team tables).
    """
    if not session.info.get("read_only"):
        return _decisions_in_force(session, stage=stage, reviewer=reviewer)
    memo: dict[tuple[str, str | None], DecisionsInForce] = session.info.setdefault("decisions_in_force", {})
    if (stage, reviewer) not in memo:
        memo[(stage, reviewer)] = _decisions_in_force(session, stage=stage, reviewer=reviewer)
    found = memo[(stage, reviewer)]
    return DecisionsInForce(dict(found.decisions), dict(found.conflicts), dict(found.awaiting))


def group_in_force(session: Session, record_id: int, *, stage: str = "title_abstract") -> DecisionsInForce:
    """:func:`decisions_in_force` for ``record_id``'s group alone (the others left out): only
    the decisions that can touch it are read, those on its members and on the records a merge
    ever held with them (:func:`~triage.store.groups.held_with`), not the stage's whole log
    (``triage decide`` asked it of every decision in force to refuse a third screening)."""
    group = screened_under_each(session, [record_id]).get(record_id, record_id)
    members = session.scalars(select(RecordRow.id).where(or_(RecordRow.id == group, RecordRow.merged_into == group)))
    found = _decisions_in_force(session, stage=stage, reviewer=None, records=held_with(session, set(members)))
    return DecisionsInForce({g: d for g, d in found.decisions.items() if g == group},
                            {g: d for g, d in found.conflicts.items() if g == group},
                            {g: d for g, d in found.awaiting.items() if g == group})


def screening_decisions(session: Session, *, stage: str = "title_abstract", reviewer: str) -> dict[int, CurrentDecision]:
    """``reviewer``'s own screening decision in force per group, a lead's resolutions left out.

    What agreement between reviewers compares: a lead who also screens and then resolves a
    conflict has her screening decision there, not her resolution (which settles the
    conflict and would otherwise read as her having agreed all along).
    """
    return _decisions_in_force(session, stage=stage, reviewer=reviewer, leave_out=resolution_ids(session)).decisions


def _decisions_in_force(
    session: Session, *, stage: str, reviewer: str | None, leave_out: frozenset[int] = frozenset(),
    records: Collection[int] | None = None,
) -> DecisionsInForce:
    """``records``: only the decisions made on these (right for the groups no other decision touches)."""
    if records is None:
        history_rows = list(decision_history(session, stage=stage, reviewer=reviewer))
    else:
        wanted = sorted(records)
        history_rows = sorted((row for start in range(0, len(wanted), IN_CHUNK) for row in session.scalars(
            select(DecisionRow).where(DecisionRow.stage == stage,
                                      DecisionRow.record_id.in_(wanted[start : start + IN_CHUNK]),
                                      *([DecisionRow.reviewer == reviewer] if reviewer is not None else [])))),
                              key=lambda row: row.id)
    rows = [row for row in history_rows if row.id not in leave_out]
    history = GroupHistory(session, {row.record_id for row in rows})  # the merges of the decided records only
    double = double_screening(session, stage) if reviewer is None else None
    resolutions = resolution_ids(session) if double is not None and double.share > 0 else frozenset()
    withdrawn = _withdrawn(rows)
    made_all = [_Made(row, history.members_at(row.record_id, row.created_at))
                for row in rows if row.decision != "retract"]
    groups, members = _decided_groups(session, {rid for made in made_all for rid in made.covered})
    touching: dict[int, list[_Made]] = defaultdict(list)
    for made in made_all:
        for screened_as in {groups.get(rid, rid) for rid in made.covered}:
            touching[screened_as].append(made)
    decisions: dict[int, CurrentDecision] = {}
    conflicts: dict[int, tuple[CurrentDecision, ...]] = {}
    awaiting: dict[int, tuple[CurrentDecision, ...]] = {}
    for screened_as, touched in touching.items():
        group = frozenset(members.get(screened_as, {screened_as}))
        twice = double is not None and double.twice(screened_as)
        remaining = _in_force(touched, group, withdrawn, resolutions if twice else None)
        if not remaining:
            continue
        shown = tuple(_current(screened_as, m, group) for m in remaining)
        if (twice and len({m.row.reviewer for m in remaining}) < 2
                and not any(m.row.id in resolutions for m in remaining)):
            awaiting[screened_as] = shown
        elif len({m.row.decision for m in remaining}) == 1:
            decisions[screened_as] = shown[-1]
        else:
            conflicts[screened_as] = shown
    return DecisionsInForce(decisions, conflicts, awaiting)


#: Above this many decided records :func:`decisions_in_force` reads every record's group in
#: one pass; below it, only the decided records' groups and their members (bounded ``IN``
#: lists). A server's first card waited for the pass over every record (0.8 s at 200,000
#: records, gathering every group's members another 1.0 s) though a few were decided.
WHOLE_GROUPS_ABOVE = 20_000


def _decided_groups(session: Session, decided: set[int]) -> tuple[dict[int, int], dict[int, set[int]]]:
    """The group each of the ``decided`` records (those a decision covered) is screened under
    now, and each such group's members now (:func:`current_groups` for those only)."""
    members: dict[int, set[int]] = defaultdict(set)
    if len(decided) > WHOLE_GROUPS_ABOVE:
        groups = current_groups(session)
        touched = {groups.get(rid, rid) for rid in decided}
        for record_id, screened_as in groups.items():
            if screened_as in touched:
                members[screened_as].add(record_id)
        return groups, members
    wanted = sorted(decided)
    groups = {}
    for start in range(0, len(wanted), IN_CHUNK):
        groups.update(screened_under_each(session, wanted[start : start + IN_CHUNK]))
    touched_ids = sorted(set(groups.values()))
    for start in range(0, len(touched_ids), IN_CHUNK):
        chunk = touched_ids[start : start + IN_CHUNK]
        for record_id, into in session.execute(select(RecordRow.id, RecordRow.merged_into).where(
                or_(RecordRow.id.in_(chunk), RecordRow.merged_into.in_(chunk)))):
            members[into if into is not None else record_id].add(record_id)
    return groups, members


def _withdrawn(rows: Sequence[DecisionRow]) -> set[int]:
    """Ids of decision rows a ``retract`` withdrew: a retract takes back the reviewer's
    latest decision on that record (and undo of an undo restores nothing)."""
    live: dict[tuple[int, str], int] = {}
    withdrawn: set[int] = set()
    for row in rows:
        key = (row.record_id, row.reviewer)
        if row.decision == "retract":
            if key in live:
                withdrawn.add(live.pop(key))
        else:
            live[key] = row.id
    return withdrawn


def _in_force(
    made: list[_Made], group: frozenset[int], withdrawn: set[int], overriding: frozenset[int] | None = None
) -> list[_Made]:
    """Steps 1 and 2 of :func:`decisions_in_force` for one group, oldest first. ``overriding``
    (a group screened twice): the only decisions that override another reviewer's."""
    made = sorted(made, key=lambda m: m.row.id)

    def covers(later: _Made, earlier: _Made) -> bool:
        return later.row.id > earlier.row.id and (earlier.covered & group) <= later.covered

    own = [m for m in made if m.row.id not in withdrawn
           and not any(n.row.reviewer == m.row.reviewer and covers(n, m) for n in made)]
    if overriding is not None:
        return [m for m in own if not any(n.row.id in overriding and covers(n, m) for n in own)]
    return [m for m in own if not any(covers(n, m) for n in own)]


def _current(screened_as: int, made: _Made, group: frozenset[int]) -> CurrentDecision:
    row = made.row
    return CurrentDecision(
        record_id=screened_as,
        decision=row.decision,
        reasons=tuple(row.reasons or ()),
        reviewer=row.reviewer,
        created_at=row.created_at,
        decision_id=row.id,
        decided_record_id=row.record_id,
        inherited=not made.covered <= group,
    )


def settled_records(session: Session, *, stage: str = "title_abstract") -> frozenset[int]:
    """Screened records (merge groups) with a decision in force or decisions in conflict:
    the ones a screening queue does not serve again."""
    in_force = decisions_in_force(session, stage=stage)
    return frozenset(in_force.decisions) | frozenset(in_force.conflicts)


def decision_with_request_id(session: Session, request_id: str) -> int | None:
    """The id of the decision posted with ``request_id`` before, if any (a double click)."""
    return session.scalars(select(DecisionRow.id).where(DecisionRow.request_id == request_id)).first()


def latest_decision_id(session: Session, record_id: int, *, stage: str = "title_abstract") -> int | None:
    """The newest decision row on ``record_id`` at ``stage`` (any reviewer, retracts included)."""
    def read() -> int | None:
        return session.scalar(select(func.max(DecisionRow.id))
                              .where(DecisionRow.record_id == record_id, DecisionRow.stage == stage))

    return read_once(session, latest_decision_key(stage, record_id), read)


def reviewers_standing(session: Session, group: int, stage: str) -> int:
    """How many reviewers have a decision on ``group``'s members that no retract withdrew (a
    group screened twice is settled by the second)."""
    members = select(RecordRow.id).where((RecordRow.id == group) | (RecordRow.merged_into == group))
    rows = session.scalars(select(DecisionRow).where(DecisionRow.stage == stage, DecisionRow.record_id.in_(members))
                           .order_by(DecisionRow.id)).all()
    withdrawn = _withdrawn(rows)
    return len({row.reviewer for row in rows if row.decision != "retract" and row.id not in withdrawn})


def screened_by_two(session: Session, *, stage: str = "title_abstract") -> bool:
    """True if any record at ``stage`` carries decisions by two reviewers (double screening,
    blind or not): stopping then rests on decisions in force that two people made."""
    query = (select(DecisionRow.record_id)
             .where(DecisionRow.stage == stage, DecisionRow.decision != "retract")
             .group_by(DecisionRow.record_id)
             .having(func.count(func.distinct(DecisionRow.reviewer)) > 1)
             .limit(1))
    return session.scalar(query) is not None


def decision_models(session: Session, decision_ids: Collection[int]) -> dict[int, str]:
    """Decision id -> the model shown when it was made ("" if none was recorded)."""
    wanted = list(decision_ids)
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 10_000):  # bounded IN lists
        query = select(DecisionRow.id, DecisionRow.model).where(DecisionRow.id.in_(wanted[start : start + 10_000]))
        found.update({int(i): model or "" for i, model in session.execute(query)})
    return found


def decision_probabilities(session: Session, decision_ids: Collection[int]) -> dict[int, float | None]:
    """Decision id -> the inclusion probability shown with it (None where none was recorded)."""
    wanted = list(decision_ids)
    found: dict[int, float | None] = {}
    for start in range(0, len(wanted), 10_000):  # bounded IN lists
        query = select(DecisionRow.id, DecisionRow.probability).where(
            DecisionRow.id.in_(wanted[start : start + 10_000]))
        found.update({int(i): p for i, p in session.execute(query)})
    return found


def decision_state_version(session: Session, *, stage: str = "title_abstract") -> tuple[int, ...]:
    """A cheap fingerprint of everything :func:`decisions_in_force` reads (decisions at
    ``stage``, merges made or undone, records imported): equal fingerprints, equal results,
    so a caller asking on every request can keep the last answer."""
    def read() -> tuple[int, int]:
        newest, rows = session.execute(select(*decision_log_columns(stage))).one()
        return int(newest), int(rows)

    decisions = read_once(session, decision_log_key(stage), read)
    # A new allocation (or the blind setting) changes which groups wait for a second reviewer.
    allocation = double_screening(session, stage)
    return (int(decisions[0]), int(decisions[1]), *merge_state_version(session),
            hash((allocation.share, allocation.seed)))


def latest_decisions_by_record(
    session: Session, *, stage: str = "title_abstract", reviewer: str
) -> dict[int, DecisionRow]:
    """The reviewer's latest non-retracted row per record id, as written (no groups):
    what :func:`undo_last` takes back."""
    latest: dict[int, DecisionRow] = {}
    for row in decision_history(session, stage=stage, reviewer=reviewer):
        latest[row.record_id] = row
    return {rid: row for rid, row in latest.items() if row.decision != "retract"}


def standing_decision_count(session: Session, *, stage: str = "title_abstract", reviewer: str) -> int:
    """How many records the reviewer has a decision standing on: ``len`` of
    :func:`latest_decisions_by_record`, counted by the database (the live counts ask it for
    every viewer polling, where loading each of their rows cost a pass through the ORM)."""
    newest = (select(func.max(DecisionRow.id).label("id"))
              .where(DecisionRow.stage == stage, DecisionRow.reviewer == reviewer)
              .group_by(DecisionRow.record_id).subquery())
    return int(session.scalar(select(func.count()).select_from(DecisionRow)
                              .join(newest, newest.c.id == DecisionRow.id)
                              .where(DecisionRow.decision != "retract")) or 0)


def withdrawn_decision_ids(session: Session, *, stage: str, record_ids: Sequence[int]) -> set[int]:
    """Ids of the decisions on ``record_ids`` that a ``retract`` row withdrew (undone).

    A retract withdraws the decision then in force for its reviewer and record: the row
    just before it for that pair (see :func:`undo_last`).
    """
    stmt = (select(DecisionRow).where(DecisionRow.stage == stage, DecisionRow.record_id.in_(list(record_ids)))
            .order_by(DecisionRow.id))
    return _withdrawn(session.scalars(stmt).all())


def undo_last(session: Session, *, reviewer: str, stage: str = "title_abstract") -> DecisionRow | None:
    """Retract the reviewer's latest decision still in force; returns the retract row."""
    for row in reversed(decision_history(session, stage=stage, reviewer=reviewer)):
        if row.decision == "retract":
            continue
        current = latest_decisions_by_record(session, stage=stage, reviewer=reviewer).get(row.record_id)
        if current is not None and current.id == row.id:
            return record_decision(session, row.record_id, "retract", reviewer=reviewer, stage=stage)
    return None


def retract_latest(project: Project, *, reviewer: str, stage: str = "title_abstract") -> int | None:
    """:func:`undo_last` in its own transaction; the record id it concerned, or None."""
    with project.transaction() as session:
        row = undo_last(session, reviewer=reviewer, stage=stage)
        return row.record_id if row is not None else None
