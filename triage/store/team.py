"""Per-reviewer progress under an allocation: what each has decided and what their queue holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.store.allocation import Allocation, allocation_in_force, resolution_ids, set_allocation
from triage.store.claims import hold_decided, unavailable_to
from triage.store.decisions import current_decisions, decision_history, decisions_in_force
from triage.store.groups import dedup_horizon
from triage.store.schema import RecordRow
from triage.store.selection import servable_groups

__all__ = ["ReviewerProgress", "allocate", "reviewer_progress", "unavailable_for"]


@dataclass(frozen=True)
class ReviewerProgress:
    """One reviewer at one stage: groups decided (their own latest decision, not withdrawn,
    whether or not it is the one in force; a lead's resolutions not counted) and groups
    left in their queue."""

    reviewer: str
    decided: int
    remaining: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def allocate(
    session: Session, *, stage: str, reviewers: Sequence[str], double_share: float, set_by: str, seed: int = 0
) -> Allocation:
    """Set an allocation (:func:`~triage.store.allocation.set_allocation`) and give every
    decision already standing its slot for good, as if it had been made under it: the claims
    then say who decided what, so a queue needs no pass over the decision log per record."""
    made = set_allocation(session, stage=stage, reviewers=reviewers, double_share=double_share, set_by=set_by,
                          seed=seed)
    in_force = decisions_in_force(session, stage=stage)
    decided = {g: [d.reviewer] for g, d in in_force.decisions.items()}
    decided.update({g: [d.reviewer for d in ds] for g, ds in [*in_force.conflicts.items(), *in_force.awaiting.items()]})
    hold_decided(session, stage=stage, decided=decided, slots=made.slots)
    return made


def unavailable_for(session: Session, *, stage: str, reviewer: str) -> frozenset[int]:
    """The groups not to serve ``reviewer`` under the stage's allocation right now
    (:func:`~triage.store.claims.unavailable_to` over the decisions in force)."""
    in_force = decisions_in_force(session, stage=stage)
    return unavailable_to(
        session, stage=stage, reviewer=reviewer,
        settled=frozenset(in_force.decisions) | frozenset(in_force.conflicts),
        awaiting={g: {d.reviewer for d in ds} for g, ds in in_force.awaiting.items()},
    )


def reviewer_progress(session: Session, *, stage: str = "title_abstract") -> list[ReviewerProgress]:
    """Each allocated reviewer's progress (everyone who decided, where nothing is allocated:
    ``remaining`` is then every group not settled, as everyone screens everything; at full
    text, of the groups title/abstract screening kept)."""
    allocation = allocation_in_force(session, stage)
    in_force = decisions_in_force(session, stage=stage)
    resolved = resolution_ids(session)
    names = (list(allocation.reviewers) if allocation is not None
             else sorted({row.reviewer for row in decision_history(session, stage=stage)}))
    decided = {name: {rid for rid, d in current_decisions(session, stage=stage, reviewer=name).items()
                      if d.decision_id not in resolved} for name in names}
    horizon = dedup_horizon(session)
    stmt = select(RecordRow.id).where(RecordRow.merged_into.is_(None))
    if horizon is not None:
        stmt = stmt.where(RecordRow.id <= horizon)
    screenable = frozenset(session.scalars(stmt))
    only = servable_groups(session, stage=stage)  # full text: what title/abstract screening kept
    if only is not None:
        screenable &= only
    settled = frozenset(in_force.decisions) | frozenset(in_force.conflicts)
    awaiting = {g: {d.reviewer for d in ds} for g, ds in in_force.awaiting.items()}
    out = []
    for name in names:
        if allocation is not None:
            hidden = unavailable_to(session, stage=stage, reviewer=name, settled=settled, awaiting=awaiting)
        else:
            hidden = settled | frozenset(g for g, who in awaiting.items() if name in who)
        out.append(ReviewerProgress(name, len(decided[name]), len(screenable - hidden)))
    return out
