"""Reading and writing records in a project store."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from triage.records.model import Provenance, Record
from triage.store.groups import dedup_horizon
from triage.store.schema import RecordRow, SourceRow

__all__ = [
    "add_records",
    "find_source_by_hash",
    "get_record",
    "has_records",
    "raw_values",
    "record_from_row",
    "screenable_records",
    "screening_record_ids",
    "screening_records",
    "screening_rows",
]

_COPY = (
    "title", "abstract", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
    "issn", "isbn", "language", "publication_type", "url", "notes",
)


def record_from_row(row: RecordRow | Row[Any], source: SourceRow | None = None) -> Record:
    """Map a stored row (an ORM object or a result row of its columns) back to a
    :class:`Record` with its provenance."""
    values = {name: getattr(row, name) for name in _COPY}
    prov = Provenance(
        source_file=source.file_name if source else "",
        source_hash=source.sha256 if source else "",
        position=row.position,
        line=row.line,
        database=row.database,
    )
    return Record(
        authors=list(row.authors or []),
        keywords=list(row.keywords or []),
        raw=dict(row.raw or {}),
        provenance=prov,
        **values,
    )


def add_records(session: Session, source_id: int, records: Iterable[Record]) -> int:
    """Insert records for one source inside the caller's transaction; returns the count.

    Uses the driver's ``executemany`` with JSON encoded here rather than ORM objects or
    SQLAlchemy's per-value bind processing: at 100,000 records that is the difference
    between ~25 s and a few seconds, and the rows are plain values either way.
    """
    columns = list(_COPY) + ["source_id", "position", "line", "database", "authors", "keywords", "raw"]
    connection = session.connection()
    # The driver's own placeholder: sqlite3 takes ?, psycopg %s (JSON goes as text either way).
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO records ({', '.join(columns)}) VALUES ({', '.join(mark for _ in columns)})"
    rows = []
    for record in records:
        prov = record.provenance
        rows.append(
            tuple(getattr(record, name) for name in _COPY)
            + (
                source_id,
                prov.position if prov else 0,
                prov.line if prov else None,
                prov.database if prov else None,
                json.dumps(list(record.authors), ensure_ascii=False),
                json.dumps(list(record.keywords), ensure_ascii=False),
                json.dumps(dict(record.raw), ensure_ascii=False),
            )
        )
    if rows:
        connection.exec_driver_sql(sql, rows)
    return len(rows)


def screening_rows(session: Session, ids: Collection[int] | None = None) -> Sequence[RecordRow]:
    """Rows screened in their own right (not merged into another), in id order; only
    those of ``ids`` if given."""
    stmt = select(RecordRow).where(RecordRow.merged_into.is_(None)).order_by(RecordRow.id)
    if ids is not None:
        stmt = stmt.where(RecordRow.id.in_(list(ids)))
    return session.scalars(stmt).all()


def raw_values(session: Session, name: str) -> dict[int, str]:
    """Record id -> the value of field ``name`` as the file carried it (``raw``), for every
    record that has it: e.g. a benchmark's ground-truth column kept through import."""
    out: dict[int, str] = {}
    for rid, raw in session.execute(select(RecordRow.id, RecordRow.raw)):
        value = (raw or {}).get(name)
        if value not in (None, "", []):
            out[int(rid)] = value[0] if isinstance(value, list) else str(value)
    return out


def has_records(session: Session) -> bool:
    """Whether anything was imported: an empty screening queue then means every record is
    decided, not a project still waiting for its first import (one index lookup)."""
    return session.scalar(select(RecordRow.id).limit(1)) is not None


def screening_record_ids(session: Session) -> set[int]:
    """Ids of the rows :func:`screening_rows` returns, without loading the rows."""
    return set(session.scalars(select(RecordRow.id).where(RecordRow.merged_into.is_(None))))


def screening_records(session: Session, ids: Collection[int] | None = None) -> list[tuple[int, Record]]:
    """``(record_id, Record)`` for every record to screen (or those of ``ids``), in id order.

    A record that represents a dedup merge carries the merge's canonical fields (the
    most complete values of all its members), so screeners see the fullest version.
    """
    sources = {s.id: s for s in session.scalars(select(SourceRow))}
    canonical = _canonical_fields(session, ids)
    # The rows' columns as plain result rows, not ORM objects: the same values at a third of
    # the cost (a queue reads every record: 1,000,000 of them in a first ranking).
    stmt = select(*RecordRow.__table__.columns).where(RecordRow.merged_into.is_(None)).order_by(RecordRow.id)
    if ids is not None:
        stmt = stmt.where(RecordRow.id.in_(list(ids)))
    out = []
    for row in session.execute(stmt):
        record = record_from_row(row, sources.get(row.source_id))
        for name, value in canonical.get(row.id, {}).items():
            if value not in (None, "", []) and hasattr(record, name):
                setattr(record, name, list(value) if isinstance(value, list) else value)
        out.append((row.id, record))
    return out


def screenable_records(session: Session) -> list[tuple[int, Record]]:
    """:func:`screening_records` without the records waiting for deduplication: once a
    project has been deduplicated, records imported later reach no screening queue until
    a dedup run has compared them with the rest (they may be duplicates of decided ones)."""
    seen = dedup_horizon(session)
    pairs = screening_records(session)
    return pairs if seen is None else [(rid, record) for rid, record in pairs if rid <= seen]


def _canonical_fields(session: Session, ids: Collection[int] | None = None) -> dict[int, dict[str, object]]:
    """Canonical fields of every merge in force (or those represented by ``ids``), by
    representative record id."""
    from triage.store.schema_dedup import DedupMergeRow  # dedup tables are optional to this module

    stmt = select(DedupMergeRow.representative_id, DedupMergeRow.canonical).where(DedupMergeRow.undone_at.is_(None))
    if ids is not None:
        stmt = stmt.where(DedupMergeRow.representative_id.in_(list(ids)))
    return {rep: dict(fields or {}) for rep, fields in session.execute(stmt)}


def get_record(session: Session, record_id: int) -> RecordRow | None:
    return session.get(RecordRow, record_id)


def find_source_by_hash(session: Session, sha256: str) -> SourceRow | None:
    return session.scalars(select(SourceRow).where(SourceRow.sha256 == sha256)).first()
