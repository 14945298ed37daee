"""Agreement between two reviewers who screened the same records."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from sklearn.metrics import cohen_kappa_score

from triage.errors import DecisionError
from triage.store.db import Session
from triage.store.decisions import current_decisions, decision_history
from triage.store.schema import RecordRow

__all__ = ["Agreement", "Conflict", "reviewer_agreement"]


@dataclass(frozen=True)
class Conflict:
    record_id: int
    decision_a: str
    decision_b: str
    title: str | None


@dataclass
class Agreement:
    """Kappa and percent agreement over the records both reviewers decided."""

    reviewers: tuple[str, str]
    n: int
    percent_agreement: float
    kappa: float
    conflicts: list[Conflict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def reviewer_agreement(
    session: Session, *, stage: str = "title_abstract", reviewers: tuple[str, str] | None = None
) -> Agreement:
    """Compare two reviewers' decisions in force on the records both decided.

    Without ``reviewers``, the pair with the most records in common is taken. Kappa is
    sklearn's ``cohen_kappa_score`` over include/exclude/maybe; it is 1.0 when the two
    agree on everything even if only one category occurs (sklearn gives NaN there).
    """
    if reviewers is None:
        names = sorted({row.reviewer for row in decision_history(session, stage=stage)})
        per = {n: current_decisions(session, stage=stage, reviewer=n) for n in names}
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
        if not pairs:
            raise DecisionError(
                "agreement needs two reviewers who screened the same records",
                hint="have a second reviewer screen a sample with --reviewer NAME",
            )
        reviewers = max(pairs, key=lambda p: len(set(per[p[0]]) & set(per[p[1]])))
    a, b = reviewers
    da = current_decisions(session, stage=stage, reviewer=a)
    db = current_decisions(session, stage=stage, reviewer=b)
    common = sorted(set(da) & set(db))
    if not common:
        raise DecisionError(
            f"{a} and {b} have no records in common at {stage}",
            hint="agreement needs both to screen the same records",
        )
    ya = [da[r].decision for r in common]
    yb = [db[r].decision for r in common]
    agree = sum(x == y for x, y in zip(ya, yb))
    if len(Counter(ya + yb)) == 1:
        kappa = 1.0
    else:
        kappa = float(cohen_kappa_score(ya, yb))
    conflicts = [
        Conflict(r, x, y, (session.get(RecordRow, r) or RecordRow()).title)
        for r, x, y in zip(common, ya, yb)
        if x != y
    ]
    return Agreement((a, b), len(common), agree / len(common), kappa, conflicts)
