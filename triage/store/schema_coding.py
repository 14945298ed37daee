"""Coding tables (owned by triage.coding). Registered on the shared Base.

Documents are results sections of included studies, split into segments with
character offsets. Codes are the current codebook (a merged code stays as a row with
``merged_into`` set, so old decisions still resolve); ``code_history`` records every
edit. ``code_decisions`` is append-only like screening decisions: every application of
a code is a coder's ``accept``, a ``reject`` records a refused suggestion (a negative
example), ``retract`` withdraws the coder's earlier decision. ``code_suggestions``
records what the tool showed, for audit and evaluation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage.store.base import Base, utcnow

__all__ = [
    "CODE_DECISIONS",
    "CodeDecisionRow",
    "CodeHistoryRow",
    "CodeRow",
    "CodeSuggestionRow",
    "CodingDocumentRow",
    "CodingMemoRow",
    "CodingResolutionRow",
    "CodingSegmentRow",
    "SegmentVectorRow",
]

#: Values of ``code_decisions.decision``.
CODE_DECISIONS: tuple[str, ...] = ("accept", "reject", "retract")


class CodingDocumentRow(Base):
    """The results-section text of one included study, as imported (text never edited).

    ``study`` is the label used in exports (defaults to the file stem); ``attributes``
    apply to all its segments (e.g. ``{"perspective": "parent"}``).
    """

    __tablename__ = "coding_documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"), nullable=True, index=True)
    study: Mapped[str] = mapped_column(String)
    file_name: Mapped[str] = mapped_column(String)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String)
    text: Mapped[str] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CodingSegmentRow(Base):
    """A paragraph, sentence or heading of a document: ``text == document.text[start:end]``.

    ``attributes`` override the document's for this segment. A ``span`` is a coder's
    selection inside a paragraph or sentence, which ``parent_id`` names (added by
    Alembic revision 0008; NULL for the segments an import makes).
    """

    __tablename__ = "coding_segments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("coding_documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String)
    position: Mapped[int] = mapped_column(Integer)
    paragraph: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    quote: Mapped[bool] = mapped_column(default=False)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class CodeRow(Base):
    """One code or theme of the project's codebook; ``parent_id`` None for a top theme."""

    __tablename__ = "codes"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(String, nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)
    guid: Mapped[str | None] = mapped_column(String, nullable=True)
    merged_into: Mapped[str | None] = mapped_column(String, nullable=True)


class CodeHistoryRow(Base):
    """One codebook edit (add, rename, merge, move, describe, import) by a coder."""

    __tablename__ = "code_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[str] = mapped_column(String, index=True)
    action: Mapped[str] = mapped_column(String)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    coder: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CodeDecisionRow(Base):
    """A coder's decision on one code for one segment, appended and never changed.

    ``score``, ``rank`` and ``reason`` record the suggestion the coder saw, if any.
    """

    __tablename__ = "code_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("coding_segments.id"), index=True)
    code_id: Mapped[str] = mapped_column(String, index=True)
    decision: Mapped[str] = mapped_column(String)
    coder: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_code_decisions_segment_code", "segment_id", "code_id"),)


class CodeSuggestionRow(Base):
    """A suggestion shown to a coder: what, where, how it scored, why, by which model."""

    __tablename__ = "code_suggestions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("coding_segments.id"), index=True)
    code_id: Mapped[str] = mapped_column(String)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String)
    coder: Mapped[str | None] = mapped_column(String, nullable=True)
    shown_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SegmentVectorRow(Base):
    """Sentence embedding of a segment, computed once per (segment, model); float32 bytes."""

    __tablename__ = "coding_segment_vectors"
    segment_id: Mapped[int] = mapped_column(ForeignKey("coding_segments.id"), primary_key=True)
    model: Mapped[str] = mapped_column(String, primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class CodingMemoRow(Base):
    """A coder's memo on a code or on a segment: the analytic notes a synthesis keeps beside its
    coding (why a code exists, what a passage suggests). Exactly one of ``code_id`` and
    ``segment_id`` is set. Added by Alembic revision 0005."""

    __tablename__ = "coding_memos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("coding_segments.id"), nullable=True, index=True)
    text: Mapped[str] = mapped_column(Text)
    coder: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CodingResolutionRow(Base):
    """A lead's settlement of a disagreement between coders on one segment: the codes that
    apply (none, if the list is empty) and a note saying why, with who and when. Appended;
    the newest per segment stands until a coder decides on it again. Added by Alembic
    revision 0011_tcode."""

    __tablename__ = "coding_resolutions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("coding_segments.id"), index=True)
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text)
    resolved_by: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
