"""The review's criteria as they changed: every version kept whole, with who and when.

A decision records the version in force when it was made (:func:`latest_version`), so
after a change a team can list the decisions made under an earlier version and look at
them again (:func:`decisions_under_earlier_versions`). Versions live in the store, not
only in the project's ``criteria.toml``, so a team server holds them too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.store.decisions import CurrentDecision, current_decisions
from triage.store.schema import CriteriaVersionRow, DecisionRow

__all__ = ["VersionSummary", "criteria_history", "decisions_under_earlier_versions", "latest_version",
           "record_version"]


@dataclass(frozen=True)
class VersionSummary:
    """One criteria version with how many decisions (any stage, as written) were made under it."""

    id: int
    created_by: str
    created_at: str
    note: str | None
    sha256: str
    decisions: int


def latest_version(session: Session) -> int | None:
    """The criteria version in force (the newest), or None if none was recorded."""
    return session.scalar(select(func.max(CriteriaVersionRow.id)))


def record_version(session: Session, content: str, *, created_by: str, note: str | None = None) -> int:
    """Keep ``content`` as the new version in force; the same text as the newest is not a
    change (its id is returned)."""
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    newest = session.scalars(select(CriteriaVersionRow).order_by(CriteriaVersionRow.id.desc()).limit(1)).first()
    if newest is not None and newest.sha256 == digest:
        return newest.id
    row = CriteriaVersionRow(content=content, sha256=digest, created_by=created_by, note=note)
    session.add(row)
    session.flush()
    return row.id


def criteria_history(session: Session) -> list[VersionSummary]:
    """Every version, oldest first, with its decision count."""
    counts = dict(session.execute(select(DecisionRow.criteria_version, func.count(DecisionRow.id))
                                  .where(DecisionRow.decision != "retract")
                                  .group_by(DecisionRow.criteria_version)).all())
    return [VersionSummary(v.id, v.created_by, v.created_at.isoformat(timespec="seconds"), v.note, v.sha256,
                           int(counts.get(v.id, 0)))
            for v in session.scalars(select(CriteriaVersionRow).order_by(CriteriaVersionRow.id))]


def decisions_under_earlier_versions(session: Session, *, stage: str = "title_abstract") -> list[CurrentDecision]:
    """Decisions in force that were made under an earlier criteria version (or before the
    criteria were versioned), once the criteria have changed at least once."""
    versions = list(session.scalars(select(CriteriaVersionRow.id).order_by(CriteriaVersionRow.id)))
    if len(versions) < 2:
        return []
    newest = versions[-1]
    in_force = current_decisions(session, stage=stage)
    made_under = dict(session.execute(select(DecisionRow.id, DecisionRow.criteria_version)
                                      .where(DecisionRow.stage == stage)).all())
    return [d for d in in_force.values() if made_under.get(d.decision_id) != newest]
