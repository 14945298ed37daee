"""Agreement between two coders on the same segments: Cohen's kappa and disagreements.

Double-coding a share of studies (often 10%) is how a thematic synthesis shows its
coding is consistent. Each code is a yes/no decision per segment, so kappa is computed
per code (scikit-learn's :func:`~sklearn.metrics.cohen_kappa_score`) and overall on all
segment x code cells pooled. Pure functions of sets: no store, no printing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import numpy as np
from sklearn.metrics import cohen_kappa_score

__all__ = ["AgreementReport", "CodeAgreement", "Disagreement", "agreement", "pairwise_agreement"]


@dataclass(frozen=True)
class CodeAgreement:
    """Kappa for one code (None when undefined: neither coder varied) and raw agreement (0-1)."""

    code_id: str
    kappa: float | None
    observed: float
    n_a: int
    n_b: int


@dataclass(frozen=True)
class Disagreement:
    """A segment where exactly one coder applied ``code_id``."""

    segment_id: int
    code_id: str
    applied_by: str


@dataclass(frozen=True)
class AgreementReport:
    coders: tuple[str, str]
    n_segments: int
    overall_kappa: float | None
    per_code: list[CodeAgreement]
    disagreements: list[Disagreement]
    #: Share (0-1) of segment x code cells where the two agree (None without segments).
    overall_agreement: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the keys ``triage code agreement --json`` has always written."""
        return {"coders": list(self.coders), "n_segments": self.n_segments, "overall_kappa": self.overall_kappa,
                "overall_agreement": self.overall_agreement, "per_code": [asdict(c) for c in self.per_code],
                "disagreements": [asdict(d) for d in self.disagreements]}


def _kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    # Kappa is undefined when both coders gave one and the same answer throughout.
    if len(set(a.tolist()) | set(b.tolist())) < 2:
        return None
    return float(cohen_kappa_score(a, b))


def agreement(
    segments: Sequence[int],
    codes: Sequence[str],
    applied_a: Collection[tuple[int, str]],
    applied_b: Collection[tuple[int, str]],
    coders: tuple[str, str] = ("a", "b"),
) -> AgreementReport:
    """Compare two coders' applications ``(segment_id, code_id)`` on ``segments`` x ``codes``.

    ``segments`` should be the segments both coders worked on; applications outside
    them or outside ``codes`` are ignored.
    """
    seg_index = {s: i for i, s in enumerate(segments)}
    code_index = {c: j for j, c in enumerate(codes)}
    A = np.zeros((len(segments), len(codes)), dtype=int)
    B = np.zeros_like(A)
    for matrix, applied in ((A, applied_a), (B, applied_b)):
        for seg, code in applied:
            if seg in seg_index and code in code_index:
                matrix[seg_index[seg], code_index[code]] = 1
    per_code = [
        CodeAgreement(code, _kappa(A[:, j], B[:, j]), float(np.mean(A[:, j] == B[:, j])) if len(segments) else 1.0,
                      int(A[:, j].sum()), int(B[:, j].sum()))
        for j, code in enumerate(codes)
    ]
    overall = _kappa(A.ravel(), B.ravel()) if A.size else None
    disagreements = [
        Disagreement(segments[i], codes[j], coders[0] if A[i, j] else coders[1])
        for i, j in zip(*np.nonzero(A != B))
    ]
    observed = float(np.mean(A == B)) if A.size else None
    return AgreementReport(coders, len(segments), overall, per_code, disagreements, observed)


def pairwise_agreement(
    applied: Mapping[str, Collection[tuple[int, str]]],
    coded: Mapping[str, Collection[int]],
    codes: Sequence[str],
) -> list[AgreementReport]:
    """:func:`agreement` for every pair of coders who coded at least one segment in common.

    ``applied``: coder -> the ``(segment_id, code_id)`` they applied; ``coded``: coder ->
    the segments they coded (applied or refused a code on). Pairs in name order, each on
    the segments both coded.
    """
    reports = []
    for a, b in combinations(sorted(coded), 2):
        both = sorted(set(coded[a]) & set(coded[b]))
        if both:
            reports.append(agreement(both, codes, applied.get(a, ()), applied.get(b, ()), coders=(a, b)))
    return reports
