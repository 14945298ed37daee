"""The team's screening at a glance, for ``triage status`` and the dashboard: per reviewer
what they decided and what their queue holds, and agreement per pair of reviewers."""

from __future__ import annotations

from typing import Any

from triage.screening.agreement import pair_agreements
from triage.store.allocation import allocation_in_force
from triage.store.db import Session
from triage.store.decisions import decision_history
from triage.store.schema import STAGES
from triage.store.team import reviewer_progress

__all__ = ["team_status"]


def team_status(session: Session) -> dict[str, list[dict[str, Any]]]:
    """``reviewers``: per stage with an allocation or decisions, each reviewer's ``decided`` and
    ``remaining``; ``agreement``: per pair with records in common, ``n``, ``percent_agreement``,
    ``kappa`` and ``pabak``. Both empty for a project nobody screened."""
    reviewers: list[dict[str, Any]] = []
    agreement: list[dict[str, Any]] = []
    for stage in STAGES:
        if allocation_in_force(session, stage) is None and not decision_history(session, stage=stage):
            continue
        reviewers += [{"stage": stage, **p.to_dict()} for p in reviewer_progress(session, stage=stage)]
        agreement += [
            {"stage": stage, "reviewers": list(a.reviewers), "n": a.n, "percent_agreement": round(a.percent_agreement, 4),
             "kappa": round(a.kappa, 4) + 0.0, "pabak": round(a.pabak, 4) + 0.0}  # + 0.0: no "-0.0"
            for a in pair_agreements(session, stage=stage)
        ]
    return {"reviewers": reviewers, "agreement": agreement}
