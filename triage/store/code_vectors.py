"""Stored embeddings of the codebook's own texts (names with theme context, descriptions, examples).

Code suggestions embed every code's texts on each call so that a codebook edit counts at once; a
command-line call would otherwise load the sentence encoder (several seconds of CPU) only to embed
texts that have not changed. The vectors are kept as one piece of kept state (table
``ranking_state``, kind ``code_vectors``, stage ``coding``, one row per encoder), keyed by the
hash of the texts: no schema change, and a stale piece is never read as current.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

import numpy as np
from sqlalchemy.orm import Session

from triage.store.ranking_state import load_state, save_state

__all__ = ["save_code_vectors", "stored_code_vectors", "texts_key"]

_KIND, _STAGE = "code_vectors", "coding"


def texts_key(texts: Sequence[str]) -> str:
    """The hash a set of code texts is stored under (order matters: rows follow the texts)."""
    digest = hashlib.sha256(usedforsecurity=False)
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def stored_code_vectors(session: Session, model: str) -> dict[str, np.ndarray]:
    """Text -> float32 vector of every code text stored for ``model`` (empty when none)."""
    stored = load_state(session, _KIND, stage=_STAGE, preset=model)
    if stored is None:
        return {}
    with np.load(io.BytesIO(stored.data), allow_pickle=False) as archive:
        texts, vectors = archive["texts"], archive["vectors"]
    return {str(t): np.asarray(v, dtype=np.float32) for t, v in zip(texts, vectors)}


def save_code_vectors(session: Session, model: str, texts: Sequence[str], vectors: np.ndarray) -> None:
    """Keep ``vectors`` (one row per text) for ``model``, replacing the ones kept before."""
    buffer = io.BytesIO()
    np.savez(buffer, texts=np.array(list(texts), dtype=str), vectors=np.asarray(vectors, dtype=np.float32))
    save_state(session, _KIND, stage=_STAGE, preset=model, key=texts_key(texts), data=buffer.getvalue(),
               meta={"texts": len(texts)})
