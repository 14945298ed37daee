"""Why a record is where it is: the explanation shown beside each record.

Reviewers must be able to see what the tool saw: which SPICE element matched which
words (with offsets, for highlighting), the score and rank, and which model produced
them. Records without an abstract are flagged so nobody mistakes "few matches" for
"irrelevant".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triage.ranking.criteria_scores import Match

__all__ = ["Explanation", "Match"]


@dataclass(frozen=True)
class Explanation:
    """What the ranking knew about one record when it was shown.

    ``matches``: element name -> include phrases found (character offsets into the
    title or abstract, see :class:`Match`); empty without criteria.
    ``element_scores``: element -> cold-start fit in [0, 1].
    ``score``: the current model's probability-like score in [0, 1].
    ``rank``: 1-based position among unlabelled records (None once labelled).
    ``model``: ``preset@version``, or ``preset@version (criteria)`` / ``(random)`` before
    the classifier can train.
    """

    index: int
    score: float
    rank: int | None
    model: str
    has_abstract: bool
    matches: dict[str, list[Match]] = field(default_factory=dict)
    element_scores: dict[str, float] = field(default_factory=dict)
    suggested_exclusions: list[str] = field(default_factory=list)
    #: False when the record has no title, abstract or keywords: it is ranked as an
    #: average record of the review, not by its (empty) text.
    has_text: bool = True

    def matched_terms(self) -> dict[str, list[str]]:
        """Element -> distinct phrases found, in order of first appearance."""
        return {element: list(dict.fromkeys(m.term for m in found)) for element, found in self.matches.items()}
