"""Core tables of a project store: sources, records, decisions, settings, embeddings.

JSON columns hold lists and the verbatim ``raw`` fields; everything a query filters
on is a real column. Decisions are append-only: a changed decision is a new row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage.store.base import Base, utcnow

__all__ = [
    "DECISIONS",
    "STAGES",
    "CriteriaVersionRow",
    "DatabaseSearchRow",
    "DecisionRow",
    "EmbeddingRow",
    "MetaRow",
    "RecordRow",
    "SearchRoundRow",
    "SettingRow",
    "SourceRow",
]

#: Screening stages, in review order.
STAGES: tuple[str, ...] = ("title_abstract", "full_text")
#: Values of ``decisions.decision``. ``retract`` withdraws the reviewer's earlier decision (undo).
DECISIONS: tuple[str, ...] = ("include", "exclude", "maybe", "retract")


class MetaRow(Base):
    """Key/value facts about the store itself (``schema_version``, ``created_by``)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SourceRow(Base):
    """One imported file: what, when, from which database, with which problems."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String)
    file_path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String)
    encoding: Mapped[str | None] = mapped_column(String, nullable=True)
    database: Mapped[str | None] = mapped_column(String, nullable=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: The search round the file belongs to (``search_rounds.id``); empty: the first search.
    round_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class SearchRoundRow(Base):
    """A named run of the review's searches (the first search, an update months later).

    Files imported without a round belong to the first search, which has no row here.
    """

    __tablename__ = "search_rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class DatabaseSearchRow(Base):
    """One database searched in a round, as PRISMA-S asks it reported: database,
    platform, date, search string and hits. ``round_id`` empty: the first search."""

    __tablename__ = "database_searches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    database: Mapped[str] = mapped_column(String)
    platform: Mapped[str | None] = mapped_column(String, nullable=True)
    searched_on: Mapped[str | None] = mapped_column(String, nullable=True)
    query: Mapped[str | None] = mapped_column(Text, nullable=True)
    hits: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_by: Mapped[str | None] = mapped_column(String, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecordRow(Base):
    """One source record as imported (never edited afterwards).

    ``merged_into`` points at the record that represents this one after a dedup merge;
    ``None`` means the record is screened in its own right.
    """

    __tablename__ = "records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    database: Mapped[str | None] = mapped_column(String, nullable=True)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    abstract: Mapped[str | None] = mapped_column(Text, nullable=True)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    journal: Mapped[str | None] = mapped_column(Text, nullable=True)
    volume: Mapped[str | None] = mapped_column(String, nullable=True)
    issue: Mapped[str | None] = mapped_column(String, nullable=True)
    pages: Mapped[str | None] = mapped_column(String, nullable=True)
    doi: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    pmid: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    issn: Mapped[str | None] = mapped_column(String, nullable=True)
    isbn: Mapped[str | None] = mapped_column(String, nullable=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String, nullable=True)
    publication_type: Mapped[str | None] = mapped_column(String, nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("records.id"), nullable=True, index=True)


class DecisionRow(Base):
    """One screening decision, appended and never changed.

    The current decision of a reviewer on a record at a stage is their latest row;
    ``retract`` rows withdraw it. ``score``, ``rank`` and ``model`` record what the
    tool showed the reviewer when they decided (for audit and evaluation).
    """

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    stage: Mapped[str] = mapped_column(String, default="title_abstract")
    decision: Mapped[str] = mapped_column(String)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewer: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    model: Mapped[str | None] = mapped_column(String, nullable=True)
    #: The model's inclusion probability of the record when it was shown (what the stopping
    #: rules that weigh records by the model read); empty when none was shown or recorded.
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    request_id: Mapped[str | None] = mapped_column(String, nullable=True, unique=True)
    #: The criteria version in force when it was made (``criteria_versions.id``); empty:
    #: made before the project's criteria were versioned.
    criteria_version: Mapped[int | None] = mapped_column(Integer, nullable=True)

    # (stage, id): the newest decision of a stage and its recent rows, read on every card
    # (triage.store.decisions_primed.decision_log_columns), without a pass over the stage.
    __table_args__ = (Index("ix_decisions_stage_record", "stage", "record_id"), Index("ix_decisions_stage_id", "stage", "id"))


class CriteriaVersionRow(Base):
    """One version of the review's criteria file, kept whole: criteria change during a
    review (a new exclusion, a narrowed setting), and each decision names the version it
    was made under so a team can see which ones to look at again."""

    __tablename__ = "criteria_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class SettingRow(Base):
    """Project settings (criteria file, preset, recall target...), JSON values."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class EmbeddingRow(Base):
    """Sentence embedding of a record's text, computed once per (record, model).

    ``vector`` is float32 bytes (``numpy.ndarray.tobytes``); ``text_hash`` detects a
    changed text so a stale vector is recomputed.
    """

    __tablename__ = "embeddings"
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), primary_key=True)
    model: Mapped[str] = mapped_column(String, primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
