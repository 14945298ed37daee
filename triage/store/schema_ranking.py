"""The project's ranking state: what ranking computed, kept so the next command reuses it.

Building a ranking from nothing means TF-IDF over every record, the criteria matched in
every abstract, and a classifier trained and applied to all of them: tens of seconds at
50,000 records. Each piece depends on a few things (the records, the criteria, the
decisions, the preset), so each is stored with a key naming what it was computed from
and reused until that changes (see :mod:`triage.store.ranking_state`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from triage.store.base import Base, utcnow

__all__ = ["RankingStateRow"]


class RankingStateRow(Base):
    """One piece of ranking state (``kind``: ``tfidf``, ``criteria``, ``order``) for one
    stage and preset: ``key`` is the hash of what it was computed from, ``data`` the
    arrays (a NumPy ``.npz`` archive), ``meta`` what a reader shows without loading them
    (e.g. how many decisions the model behind an order had seen)."""

    __tablename__ = "ranking_state"
    kind: Mapped[str] = mapped_column(String, primary_key=True)
    stage: Mapped[str] = mapped_column(String, primary_key=True)
    preset: Mapped[str] = mapped_column(String, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decisions_seen: Mapped[int] = mapped_column(Integer, default=0)
