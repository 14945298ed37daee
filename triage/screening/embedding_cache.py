"""Record embeddings computed once and kept in the project store.

Embedding 50,000 abstracts takes minutes on a CPU; the ``embeddings`` table keeps each
vector with a hash of the text it came from, so later sessions only embed new or
changed records, and a command that finds some missing can rank without them while
:mod:`triage.screening.background_embeddings` fills them in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np

from triage.embeddings import Encoder
from triage.ranking.features import record_text
from triage.records.model import Record
from triage.store.db import Project
from triage.store.embeddings import save_embeddings, stored_embeddings

__all__ = ["EmbeddingProgress", "cached_embeddings", "embed_missing", "stored_embedding_matrix", "text_hash"]


def text_hash(text: str) -> str:
    """What a stored vector is checked against: the hash of the text it was computed from."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: ``progress(done, total)`` while missing embeddings are computed.
EmbeddingProgress = Callable[[int, int], None]


def stored_embedding_matrix(
    project: Project, record_ids: Sequence[int], records: Sequence[Record], model: str
) -> tuple[np.ndarray | None, list[int]]:
    """The stored vectors of ``records`` as one ``(n, dimension)`` float32 array (None when
    none is stored) and the positions whose vector is missing or stale."""
    hashes = [text_hash(record_text(r)) for r in records]
    with project.reading() as session:
        stored = stored_embeddings(session, model)
    out: np.ndarray | None = None
    missing = []
    for i, (rid, h) in enumerate(zip(record_ids, hashes)):
        found = stored.get(rid)
        if found is None or found[0] != h:
            missing.append(i)
            continue
        vector = np.frombuffer(found[1], dtype=np.float32)
        if out is None:
            out = np.zeros((len(records), vector.size), dtype=np.float32)
        out[i] = vector
    return out, missing


def embed_missing(
    project: Project,
    record_ids: Sequence[int],
    records: Sequence[Record],
    encoder: Encoder,
    missing: Sequence[int],
    *,
    progress: EmbeddingProgress | None = None,
    chunk: int | None = None,
) -> np.ndarray:
    """Embed the records at positions ``missing`` and store them; returns their vectors.

    With ``chunk``, texts are embedded shortest first (less padding per batch) and stored
    ``chunk`` at a time, each in its own transaction: a long background run keeps what it
    finished if it is stopped, and readers see the count grow."""
    texts = [record_text(records[i]) for i in missing]
    vectors = np.zeros((len(missing), encoder.dimension), dtype=np.float32)
    order = sorted(range(len(missing)), key=lambda j: len(texts[j])) if chunk else list(range(len(missing)))
    step = chunk or max(len(order), 1)
    for start in range(0, len(order), step):
        part = order[start : start + step]
        vectors[part] = encoder.encode([texts[j] for j in part], progress=progress if not chunk else None)
        with project.transaction() as session:
            save_embeddings(session, encoder.name, (
                (record_ids[missing[j]], text_hash(texts[j]), vectors[j].tobytes()) for j in part
            ))
        if chunk and progress is not None:
            progress(min(start + step, len(order)), len(order))
    return vectors


def cached_embeddings(
    project: Project,
    record_ids: Sequence[int],
    records: Sequence[Record],
    encoder: Encoder,
    progress: EmbeddingProgress | None = None,
) -> np.ndarray:
    """Embeddings of ``records`` (shape ``(n, dimension)``, float32), embedding only the
    ones missing from or stale in the store, and storing those in one transaction.

    ``progress`` is told how many of the missing ones are done (in chunks of 256): the
    first ranking of a large project embeds every record, minutes on a CPU."""
    out, missing = stored_embedding_matrix(project, record_ids, records, encoder.name)
    if out is None:
        out = np.zeros((len(records), encoder.dimension), dtype=np.float32)
    if missing:
        out[missing] = embed_missing(project, record_ids, records, encoder, missing, progress=progress)
    return out
