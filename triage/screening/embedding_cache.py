"""Record embeddings computed once and kept in the project store.

Embedding 50,000 abstracts takes minutes on a CPU; the ``embeddings`` table keeps each
vector with a hash of the text it came from, so later sessions only embed new or
changed records.
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

__all__ = ["EmbeddingProgress", "cached_embeddings"]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: ``progress(done, total)`` while missing embeddings are computed.
EmbeddingProgress = Callable[[int, int], None]


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
    texts = [record_text(r) for r in records]
    hashes = [_hash(t) for t in texts]
    with project.reading() as session:
        stored = stored_embeddings(session, encoder.name)
    out = np.zeros((len(records), encoder.dimension), dtype=np.float32)
    missing = []
    for i, (rid, h) in enumerate(zip(record_ids, hashes)):
        found = stored.get(rid)
        if found is not None and found[0] == h:
            out[i] = np.frombuffer(found[1], dtype=np.float32)
        else:
            missing.append(i)
    if missing:
        vectors = encoder.encode([texts[i] for i in missing], progress=progress)
        for i, vector in zip(missing, vectors):
            out[i] = vector
        with project.transaction() as session:
            save_embeddings(session, encoder.name, ((record_ids[i], hashes[i], out[i].tobytes()) for i in missing))
    return out
