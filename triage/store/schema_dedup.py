"""Dedup tables (owned by triage.dedup), registered on the shared Base.

- ``dedup_runs``: one row per ``triage dedup`` run, with the highest record id it saw
  (what makes the next run incremental) and whether it was undone.
- ``dedup_merges``: one row per merge: every member record id, the representative
  (the record screened), canonical fields as JSON, and the databases that found it
  (PRISMA). Undoing sets ``undone_at``; nothing is deleted.
- ``dedup_pairs``: pairs left to a person (``possible``) or linked as versions of one
  study (``related``), with their status.
- ``dedup_related_groups``: related versions (preprint, conference, journal, erratum)
  grouped so a reviewer screens them together.
- ``dedup_decisions``: append-only log of a person's decisions on pairs (merge, keep
  apart, undo): who, when, why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.store.base import Base, utcnow

__all__ = [
    "DUPLICATE_DECISIONS",
    "PAIR_DECISIONS",
    "PAIR_KINDS",
    "PAIR_STATUSES",
    "DedupMergeRow",
    "DedupPairRow",
    "DedupRunRow",
    "PairDecisionRow",
    "RelatedGroupRow",
]

#: ``dedup_pairs.kind``: left to a person, or versions of one study.
PAIR_KINDS: tuple[str, ...] = ("possible", "related")
#: ``dedup_pairs.status``: waiting, merged by a person, kept apart by a person, or made moot.
PAIR_STATUSES: tuple[str, ...] = ("open", "merged", "kept_apart", "resolved")
#: ``dedup_decisions.decision`` values about duplicates (one report or two).
DUPLICATE_DECISIONS: tuple[str, ...] = ("merge", "keep_apart", "undo", "reopen")
#: ``dedup_decisions.decision`` values: the duplicate ones, and a person's link (or unlink)
#: of two reports as one study (:mod:`triage.store.studies`).
PAIR_DECISIONS: tuple[str, ...] = (*DUPLICATE_DECISIONS, "link", "unlink")


class DedupRunRow(Base):
    """One dedup run; ``max_record_id`` is the newest record it compared."""

    __tablename__ = "dedup_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    max_record_id: Mapped[int] = mapped_column(Integer, default=0)
    records: Mapped[int] = mapped_column(Integer, default=0)
    pairs_compared: Mapped[int] = mapped_column(Integer, default=0)
    merges: Mapped[int] = mapped_column(Integer, default=0)
    possible: Mapped[int] = mapped_column(Integer, default=0)
    related: Mapped[int] = mapped_column(Integer, default=0)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DedupMergeRow(Base):
    """A group of source records screened as one; reversible (``undone_at``)."""

    __tablename__ = "dedup_merges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("dedup_runs.id"), nullable=True, index=True)
    representative_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    members: Mapped[list[int]] = mapped_column(JSON)
    canonical: Mapped[dict[str, Any]] = mapped_column(JSON)
    databases: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String, default="triage")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Indexed: the merges' fingerprint sums the undone ones on every request (groups.merge_state_version).
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    replaced_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DedupPairRow(Base):
    """A pair of records for a person (``possible``) or linked as versions (``related``)."""

    __tablename__ = "dedup_pairs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_a: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    record_b: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    kind: Mapped[str] = mapped_column(String, default="possible")
    status: Mapped[str] = mapped_column(String, default="open")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str] = mapped_column(Text, default="")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("dedup_runs.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("record_a", "record_b", "kind", name="uq_dedup_pair"),
        Index("ix_dedup_pairs_kind_status", "kind", "status"),
    )


class RelatedGroupRow(Base):
    """Records that are versions of one study (rebuilt after every run)."""

    __tablename__ = "dedup_related_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    members: Mapped[list[int]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)


class PairDecisionRow(Base):
    """A person's decision on a pair of records, appended and never changed."""

    __tablename__ = "dedup_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_a: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    record_b: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    decision: Mapped[str] = mapped_column(String)
    reviewer: Mapped[str] = mapped_column(String)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    merge_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
