"""What a request reads of the ranking: the published head of the queue and the card shown.

The retrainer (or, while the ranking is built, the kept order) publishes a :class:`Snapshot`
whole; requests read the latest one without a lock, so a card never waits for a retrain.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triage.ranking.explain import Explanation
from triage.records.model import Record

__all__ = ["HEAD", "Card", "Snapshot"]

#: How many of the best-ranked records a snapshot keeps. A reviewer would have to decide
#: this many records faster than one retrain for the head to run dry (then the request
#: waits for the retrainer instead).
HEAD = 200


@dataclass(frozen=True)
class Snapshot:
    """The ranking as the retrainer last published it (immutable; swapped whole).

    ``order``: record ids of the best-ranked undecided records, best first (at most
    :data:`HEAD`). ``scores``: record id -> probability-like score in [0, 1] for those.
    ``decided``: the decided records the model had been taught when it was taken.
    """

    order: tuple[int, ...]
    scores: dict[int, float]
    model: str
    decided: frozenset[int]
    #: record id -> the model's inclusion probability (what a decision on it records).
    probabilities: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Card:
    """One record as the screening page shows it, with what the tool showed (for the log)."""

    record_id: int
    record: Record
    score: float | None
    rank: int | None
    model: str
    explanation: Explanation | None
    remaining: int
    decided: bool
    #: Under an allocation: records still to screen that this reviewer may be served (their
    #: own queue: not settled, not decided by them, not filled by others). None without one.
    yours: int | None = None
