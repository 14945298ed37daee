"""Stored sentence embeddings of records: one vector per (record, model), with the hash of
the text it came from, so a later session only embeds new or changed records."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.store.schema import EmbeddingRow

__all__ = ["save_embeddings", "stored_embeddings"]


def stored_embeddings(session: Session, model: str) -> dict[int, tuple[str, bytes]]:
    """Record id -> (text hash, float32 bytes) of every vector stored for ``model``."""
    query = select(EmbeddingRow.record_id, EmbeddingRow.text_hash, EmbeddingRow.vector).where(
        EmbeddingRow.model == model
    )
    return {rid: (text_hash, vector) for rid, text_hash, vector in session.execute(query)}


def save_embeddings(session: Session, model: str, vectors: Iterable[tuple[int, str, bytes]]) -> None:
    """Store ``(record id, text hash, float32 bytes)`` for ``model``, replacing older vectors."""
    for record_id, text_hash, vector in vectors:
        session.merge(EmbeddingRow(record_id=record_id, model=model, text_hash=text_hash, vector=vector))
