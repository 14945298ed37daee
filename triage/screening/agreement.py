"""Agreement between two reviewers who screened the same records: percent agreement,
Cohen's kappa and PABAK (prevalence- and bias-adjusted kappa)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from triage.errors import DecisionError
from triage.store.db import Session
from triage.store.decisions import CurrentDecision, decision_history, screening_decisions
from triage.store.schema import RecordRow

__all__ = ["CATEGORIES", "Agreement", "Conflict", "pabak", "pair_agreements", "reviewer_agreement"]

#: The decisions a reviewer chooses among (PABAK's k).
CATEGORIES = 3


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
    pabak: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pabak(percent_agreement: float, categories: int = CATEGORIES) -> float:
    """Prevalence- and bias-adjusted kappa (Byrt, Bishop & Carlin 1993): kappa with chance
    agreement set to 1/k, ``(k * po - 1) / (k - 1)``; for two categories ``2 po - 1``.

    Screening is lopsided (most records excluded), which drags Cohen's kappa down even when
    reviewers agree on nearly everything; PABAK shows the agreement without that effect.
    Hand-written: one line of arithmetic that neither scikit-learn nor scipy provides.
    """
    if categories < 2:
        raise ValueError(f"PABAK needs at least two categories; got {categories}")
    return (categories * percent_agreement - 1) / (categories - 1)


def _kappa(ya: list[str], yb: list[str]) -> float:
    # 1.0 when the two agree on everything even if only one category occurs (sklearn gives NaN).
    if len(Counter(ya + yb)) == 1:
        return 1.0
    from sklearn.metrics import cohen_kappa_score  # a second's import; only when two reviewers overlap

    return float(cohen_kappa_score(ya, yb))


def pair_agreements(session: Session, *, stage: str = "title_abstract") -> list[Agreement]:
    """Agreement of every pair of reviewers with records in common (a lead's resolutions left
    out: they settle a conflict, they are not a screening), pairs in name order."""
    names = sorted({row.reviewer for row in decision_history(session, stage=stage)})
    per: dict[str, dict[int, CurrentDecision]] = {
        name: screening_decisions(session, stage=stage, reviewer=name) for name in names}
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            common = sorted(set(per[a]) & set(per[b]))
            if not common:
                continue
            ya = [per[a][r].decision for r in common]
            yb = [per[b][r].decision for r in common]
            po = sum(x == y for x, y in zip(ya, yb)) / len(common)
            out.append(Agreement((a, b), len(common), po, _kappa(ya, yb), pabak=pabak(po)))
    return out


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
        per = {n: screening_decisions(session, stage=stage, reviewer=n) for n in names}
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
        if not pairs:
            raise DecisionError(
                "agreement needs two reviewers who screened the same records",
                hint="have a second reviewer screen a sample with --reviewer NAME",
            )
        reviewers = max(pairs, key=lambda p: len(set(per[p[0]]) & set(per[p[1]])))
    a, b = reviewers
    da = screening_decisions(session, stage=stage, reviewer=a)
    db = screening_decisions(session, stage=stage, reviewer=b)
    common = sorted(set(da) & set(db))
    if not common:
        raise DecisionError(
            f"{a} and {b} have no records in common at {stage}",
            hint="agreement needs both to screen the same records",
        )
    ya = [da[r].decision for r in common]
    yb = [db[r].decision for r in common]
    agree = sum(x == y for x, y in zip(ya, yb))
    kappa = _kappa(ya, yb)
    conflicts = [
        Conflict(r, x, y, (session.get(RecordRow, r) or RecordRow()).title)
        for r, x, y in zip(common, ya, yb)
        if x != y
    ]
    return Agreement((a, b), len(common), agree / len(common), kappa, conflicts, pabak(agree / len(common)))
