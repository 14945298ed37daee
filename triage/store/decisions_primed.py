"""What a screening card asks the store, read in two round trips instead of fifteen.

Every key press on a team server reads the same small facts before it can pick the next
card: the decision log's fingerprint, the merges', the allocation and the blind setting
(which groups wait for a second reviewer), whether an exclusion needs a reason, the study
links' fingerprint; then, for the records next in line, whether they were merged away
and their newest decision (the card's request id). Asked one by one that was about 15
round trips and as many passes through the ORM per card: most of the server's CPU per
key press under 20 reviewers (``evaluation/reports/team_load.md``).

The functions that answer each question stay their single definitions
(:func:`~triage.store.decisions.decision_state_version`, ``allocation_in_force``,
``merge_state_version``, ...); they memoise through :func:`~triage.store.base.read_once`
in a read-only session. :func:`prime_screening_reads` and :func:`prime_head` ask all of
it in one statement each and put the answers where those functions find them. A question
the priming does not answer (an allocation that exists: its row is read as before) falls
through to its own query.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import ScalarSelect, Select, bindparam, func, select
from sqlalchemy.orm import Session

from triage.store.schema import DecisionRow, RecordRow, SettingRow
from triage.store.schema_allocation import AllocationRow
from triage.store.schema_dedup import DedupMergeRow, DedupPairRow, PairDecisionRow

__all__ = ["LATE_COMMIT_WINDOW", "decision_log_columns", "decision_log_key", "latest_decision_key", "merge_state_columns", "prime_head",
           "prime_screening_reads", "screened_under_key", "setting_column", "setting_key", "study_state_columns"]


#: The stage whose decisions select what the other (full text) screens.
_SELECTING_STAGE = "title_abstract"


def decision_log_key(stage: str) -> str:
    """The memo key of the decision log's ``(newest id, rows)`` at ``stage``."""
    return f"decision_log:{stage}"


def setting_key(name: str) -> str:
    """The memo key of one setting's stored value."""
    return f"setting:{name}"


def latest_decision_key(stage: str, record_id: int) -> str:
    """The memo key of ``record_id``'s newest decision row id at ``stage``."""
    return f"latest_decision:{stage}:{record_id}"


def screened_under_key(record_id: int) -> str:
    """The memo key of the record ``record_id`` is screened under."""
    return f"screened_under:{record_id}"


def _memo(session: Session) -> dict[str, object] | None:
    if not session.info.get("read_only"):
        return None  # a writing session reads every time (read_once does not memoise there)
    memo: dict[str, object] = session.info.setdefault("read_once", {})
    return memo


#: How far below the newest decision id the log's fingerprint counts rows (ids, not rows).
LATE_COMMIT_WINDOW = 1000


def decision_log_columns(stage: str) -> tuple[ScalarSelect[Any], ScalarSelect[Any]]:
    """The decision log's fingerprint at ``stage``: its newest row id, and how many of its rows
    have an id within :data:`LATE_COMMIT_WINDOW` of it (the one definition
    :func:`~triage.store.decisions.decision_state_version` and the priming read).

    Decisions are never deleted, so a new row changes the newest id, unless it commits late
    below it (PostgreSQL: ids come from a sequence and transactions commit out of order;
    SQLite writes one transaction at a time, so there the newest id alone would do): the
    count tells that. It counted the whole log, a pass over every decision of the stage on
    every card (1.7 of 7.6 ms per card at 40,000 decisions on SQLite, session 16:
    ``evaluation/bench_card_fingerprint.py``); rows committed late land near the newest id
    (a transaction's ids are drawn while it runs), so the rows of the last
    :data:`LATE_COMMIT_WINDOW` ids tell it, a range of the primary key. A transaction would
    have to hold every id it drew while a thousand others were drawn to go unseen here; the
    log's mark still finds its rows with the next decision (:mod:`triage.store.decisions_appended`)."""
    newest = select(func.coalesce(func.max(DecisionRow.id), 0)).where(DecisionRow.stage == stage).scalar_subquery()
    recent = (select(func.count(DecisionRow.id))
              .where(DecisionRow.id > newest - LATE_COMMIT_WINDOW, DecisionRow.stage == stage).scalar_subquery())
    return newest, recent


def merge_state_columns() -> tuple[ScalarSelect[Any], ScalarSelect[Any], ScalarSelect[Any]]:
    """The merges' fingerprint (:func:`~triage.store.groups.merge_state_version`): the newest
    merge, the sum of undone merge ids, the newest record; each one index lookup (the undone
    merges through the index on ``undone_at``: a pass over every merge took 40-90 ms at
    1,000,000 records)."""
    return (select(func.coalesce(func.max(DedupMergeRow.id), 0)).scalar_subquery(),
            select(func.coalesce(func.sum(DedupMergeRow.id), 0)).where(DedupMergeRow.undone_at.is_not(None))
            .scalar_subquery(),
            select(func.coalesce(func.max(RecordRow.id), 0)).scalar_subquery())


def study_state_columns() -> tuple[ScalarSelect[Any], ScalarSelect[Any], ScalarSelect[Any]]:
    """The study links' fingerprint (:func:`~triage.store.studies.study_state_version`): the
    newest pair decision, the newest dedup pair, how many related pairs are open."""
    return (select(func.coalesce(func.max(PairDecisionRow.id), 0)).scalar_subquery(),
            select(func.coalesce(func.max(DedupPairRow.id), 0)).scalar_subquery(),
            select(func.count(DedupPairRow.id)).where(DedupPairRow.kind == "related", DedupPairRow.status == "open")
            .scalar_subquery())


def setting_column(name: str) -> ScalarSelect[Any]:
    """One setting's stored value, as a column of a larger read (the card's, a decision's)."""
    return select(SettingRow.value).where(SettingRow.key == name).scalar_subquery()


@cache
def _screening_reads(stage: str) -> Select[tuple[Any, ...]]:
    """The one statement of :func:`prime_screening_reads`, built once per stage: building it
    and its cache key cost more than running it (SQLAlchemy memoises the key on the object)."""
    return select(
        *decision_log_columns(stage),
        *merge_state_columns(),
        select(func.max(AllocationRow.id)).where(AllocationRow.stage == stage).scalar_subquery(),
        setting_column("blind"),
        setting_column("exclusion_reason_required"),
        *study_state_columns(),
        # At full text, what selects the records it takes (triage.store.full_text): the title/abstract
        # log's fingerprint and allocation, in the same round trip.
        *(() if stage == _SELECTING_STAGE else (
            *decision_log_columns(_SELECTING_STAGE),
            select(func.max(AllocationRow.id)).where(AllocationRow.stage == _SELECTING_STAGE).scalar_subquery())),
    )


def prime_screening_reads(session: Session, stage: str) -> None:
    """Read in one statement what every card asks first (see the module's docstring) and
    memoise it in the read-only ``session``; a writing session is left alone."""
    memo = _memo(session)
    if memo is None or decision_log_key(stage) in memo:
        return
    (last, rows, merge, undone_sum, newest_record, allocation, blind, reason, pair_decision, pair,
     related, *selecting) = session.execute(_screening_reads(stage)).one()
    memo[decision_log_key(stage)] = (int(last), int(rows))
    memo["merge_state_version"] = (int(merge), int(undone_sum), int(newest_record))
    if allocation is None:  # an allocation in force is read as a row by allocation_in_force itself
        memo[f"allocation:{stage}"] = None
    if selecting:
        memo[decision_log_key(_SELECTING_STAGE)] = (int(selecting[0]), int(selecting[1]))
        if selecting[2] is None:
            memo[f"allocation:{_SELECTING_STAGE}"] = None
    memo["blind"] = blind is not None and str(blind).lower() == "true"
    memo[setting_key("exclusion_reason_required")] = reason
    memo["study_state_version"] = (int(pair_decision or 0), int(pair or 0), int(related or 0))


@cache
def _head_reads(stage: str) -> Select[Any]:
    """Each record's ``merged_into`` and newest decision id at ``stage``. The newest decisions
    are grouped by record in a subquery, not a ``max`` correlated to each record: PostgreSQL
    may answer such a ``max(id)`` by walking the primary key backwards until a row of that
    record turns up, the whole table for a record not decided yet (every record in line)."""
    newest = (select(DecisionRow.record_id, func.max(DecisionRow.id).label("newest"))
              .where(DecisionRow.stage == stage, DecisionRow.record_id.in_(bindparam("decided_ids", expanding=True)))
              .group_by(DecisionRow.record_id).subquery())
    return (select(RecordRow.id, RecordRow.merged_into, newest.c.newest)
            .outerjoin(newest, newest.c.record_id == RecordRow.id)
            .where(RecordRow.id.in_(bindparam("ids", expanding=True))))


def prime_head(session: Session, record_ids: Sequence[int], stage: str) -> dict[int, int | None]:
    """For the records next in line, in one statement: each one's ``merged_into`` (returned:
    record id -> the record it is merged into, None if none) and newest decision at
    ``stage``, memoised for the card's request id and study (read-only ``session``)."""
    if not record_ids:
        return {}
    found: dict[int, tuple[int | None, int | None]] = {}
    ids = list(record_ids)
    for row in session.execute(_head_reads(stage), {"ids": ids, "decided_ids": ids}):
        found[int(row[0])] = (row[1], row[2])
    memo = _memo(session)
    if memo is not None:
        for rid, (into, latest) in found.items():
            memo[latest_decision_key(stage, rid)] = None if latest is None else int(latest)
            memo[screened_under_key(rid)] = int(into) if into is not None else rid
    return {rid: (None if into is None else int(into)) for rid, (into, _) in found.items()}
