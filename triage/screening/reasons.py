"""Exclusion reasons must name a criterion: check them against the review's criteria."""

from __future__ import annotations

from collections.abc import Sequence

from triage.criteria import Criteria
from triage.errors import DecisionError

__all__ = ["LIMIT_REASONS", "PICK_KEYS", "check_reasons", "reason_options"]

#: Keys that pick a reason from the list, in order: 1-9 straight from the card (one key press
#: per exclusion), then letters once the whole list is open (none of the command keys
#: e, i, m, q, s, u).
PICK_KEYS = "123456789abcdfghjklnoprtvwxyz"

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


def reason_options(criteria: Criteria | None, suggested: Sequence[str] = ()) -> list[str]:
    """The exclusion reasons to offer for one record, most specific first.

    First the limits the record itself seems to break (``suggested``, e.g. ``year 1998
    outside 2000-2024``, written ``year: 1998 outside 2000-2024`` so that it names a
    limit), then the criteria's own exclude phrases (``evaluation: editorial``), then
    each SPICE element by name for anything else. Every option passes
    :func:`check_reasons`.
    """
    options: list[str] = []
    for text in suggested:
        head = next((limit for limit in LIMIT_REASONS if text.startswith(limit)), None)
        if head is not None and not text.startswith(head + ":"):
            text = f"{head}: {text[len(head):].strip()}"
        options.append(text)
    if criteria is not None:
        for name, element in criteria.elements.items():
            options.extend(f"{name}: {phrase}" for phrase in element.exclude)
        options.extend(criteria.elements)
    return list(dict.fromkeys(options))
