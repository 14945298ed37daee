"""Exclusion reasons must name a criterion: check them against the review's criteria."""

from __future__ import annotations

from collections.abc import Sequence

from triage.criteria import Criteria
from triage.errors import DecisionError

__all__ = ["LIMIT_REASONS", "check_reasons"]

#: Reasons from the criteria's limits rather than a SPICE element (see Criteria.suggested_exclusion_reasons).
LIMIT_REASONS: tuple[str, ...] = ("year", "language", "publication type")


def check_reasons(reasons: Sequence[str], criteria: Criteria | None) -> list[str]:
    """Return the reasons stripped, or raise if one names no criterion.

    A reason is ``element`` or ``element: detail`` (e.g. ``evaluation: editorial``), or
    a limit (``year``, ``language``, ``publication type``). Without criteria any
    non-empty reason is accepted.
    """
    cleaned = [r.strip() for r in reasons if r.strip()]
    if criteria is None:
        return cleaned
    valid = list(criteria.elements) + list(LIMIT_REASONS)
    for reason in cleaned:
        head = reason.split(":", 1)[0].strip().lower()
        if head not in valid:
            raise DecisionError(
                f"reason {reason!r} names no criterion",
                hint=f"use one of: {', '.join(valid)} (optionally 'element: detail')",
            )
    return cleaned
