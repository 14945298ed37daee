"""Tables of team screening: who screens at a stage and how much twice, who holds which
record now, and which decisions settled a conflict.

Reviewers are names, as decisions store them (no accounts table is needed here).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage.store.base import Base, utcnow

__all__ = ["AllocationRow", "ClaimRow", "ResolutionRow"]


class AllocationRow(Base):
    """One allocation set by a lead (appended; the newest per stage is in force).

    ``double_share``: the probability (0-1) that a served record goes to a second reviewer
    as well; 1.0 is ``--double all``. ``seed`` makes the per-record draw reproducible.
    """

    __tablename__ = "allocations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String)
    reviewers: Mapped[list[str]] = mapped_column(JSON, default=list)
    double_share: Mapped[float] = mapped_column(Float, default=0.0)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    set_by: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ClaimRow(Base):
    """A reviewer's hold on one slot of a record (merge group) at a stage.

    A single-screened record has one slot, a double-screened one two. The primary key makes
    taking a slot atomic on SQLite and PostgreSQL alike (an insert either wins or fails).
    ``expires_at``: the lease runs out then (a reviewer who walked away frees it); empty:
    the reviewer decided, and the slot is theirs for good.
    """

    __tablename__ = "screening_claims"
    stage: Mapped[str] = mapped_column(String, primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    reviewer: Mapped[str] = mapped_column(String)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_screening_claims_stage_reviewer", "stage", "reviewer"),)


class ResolutionRow(Base):
    """Marks a decision as a lead's resolution of a conflict (the decision row keeps who,
    when, what and the note saying why)."""

    __tablename__ = "conflict_resolutions"
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    resolved_by: Mapped[str] = mapped_column(String)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
