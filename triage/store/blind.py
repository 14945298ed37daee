"""Blind mode: nobody sees another reviewer's decision on a record until two have decided it.

The decisions in force already keep a group screened twice out of every count, export and
listing until its second decision (it is *awaiting*, :func:`~triage.store.decisions.decisions_in_force`).
What remains are the views that list decision rows themselves (the history page, the
decision log download): :func:`hidden_decision_ids` names the rows to leave out for one
viewer.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from triage.store.allocation import blind_mode
from triage.store.decisions import decision_history, decisions_in_force
from triage.store.groups import current_groups
from triage.store.schema import STAGES

__all__ = ["hidden_decision_ids"]


def hidden_decision_ids(session: Session, *, viewer: str | None, stages: tuple[str, ...] = STAGES) -> frozenset[int]:
    """Ids of the decision rows ``viewer`` may not see yet: in blind mode, every row by
    another reviewer on a group that waits for its second decision (withdrawn rows too: an
    undone decision still says what someone thought). ``viewer`` None (nobody named) sees
    no one's."""
    hidden: set[int] = set()
    groups: dict[int, int] | None = None
    for stage in stages:
        if not blind_mode(session, stage):
            continue
        awaiting = decisions_in_force(session, stage=stage).awaiting
        if not awaiting:
            continue
        groups = groups if groups is not None else current_groups(session)
        for row in decision_history(session, stage=stage):
            if groups.get(row.record_id, row.record_id) in awaiting and row.reviewer != viewer:
                hidden.add(row.id)
    return frozenset(hidden)
