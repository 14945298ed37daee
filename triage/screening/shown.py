"""A record as a screening queue proposes it (light: no ranking imports, so the queue kept
in the project can be served without loading scikit-learn)."""

from __future__ import annotations

from dataclasses import dataclass

from triage.records.model import Record

__all__ = ["Shown"]


@dataclass(frozen=True)
class Shown:
    """One record as the queue proposes it: what the reviewer is shown."""

    record_id: int
    record: Record
    score: float
    rank: int
    model: str
    index: int
