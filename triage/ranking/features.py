"""Feature matrices for ranking: TF-IDF, optional sentence embeddings, criteria scores.

Built once per screening session for all records (the vocabulary is fitted on every
title and abstract, labelled or not, as ASReview does), so a retrain only slices rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scipy.sparse loads in a third of a second; readers of a kept ranking need none
    import scipy.sparse as sp

from triage.records.model import Record

__all__ = ["FeatureSpec", "dense_features", "record_text", "stack_features", "tfidf_matrix", "tfidf_text"]


@dataclass(frozen=True)
class FeatureSpec:
    """Which features a preset uses and how they are weighted.

    ``embedding_weight`` and ``criteria_weight`` scale the dense blocks against the
    L2-normalised TF-IDF rows (each block has unit norm per row before weighting), so
    0 switches a block off and 1 gives it the same say as the words. ``title_repeat``
    counts the title's words this many times in TF-IDF (titles state the topic).
    """

    ngram_range: tuple[int, int] = (1, 2)
    sublinear_tf: bool = True
    min_df: int = 1
    max_df: float = 0.95
    stop_words: str | None = None
    title_repeat: int = 1
    embeddings: bool = False
    embedding_weight: float = 1.0
    criteria_weight: float = 0.0


def record_text(record: Record) -> str:
    """Title, abstract and keywords joined: the text every feature is computed from."""
    parts = [record.title or "", record.abstract or "", " ".join(record.keywords)]
    return " ".join(p.strip() for p in parts if p and p.strip())


def tfidf_text(record: Record, title_repeat: int = 1) -> str:
    """:func:`record_text` with the title repeated ``title_repeat`` times, for TF-IDF."""
    title = (record.title or "").strip()
    rest = record_text(Record(abstract=record.abstract, keywords=record.keywords))
    return " ".join([title] * max(title_repeat, 1) + [rest]).strip()


def tfidf_matrix(texts: Sequence[str], spec: FeatureSpec) -> sp.csr_matrix:
    """TF-IDF rows, shape ``(len(texts), vocabulary)``, each row L2-normalised.

    Row normalisation keeps text length from driving scores: a title-only record is
    compared on the words it has, not pushed down for having few.
    """
    # Imported here: scikit-learn takes a second to load, and commands that only read a
    # kept ranking (triage next, triage status) never build a matrix.
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

    from triage.ranking.term_counts import count_terms

    min_df = spec.min_df if len(texts) >= spec.min_df else 1
    vectorizer = TfidfVectorizer(
        ngram_range=spec.ngram_range,
        sublinear_tf=spec.sublinear_tf,
        min_df=min_df,
        max_df=spec.max_df if len(texts) > 1 else 1.0,
        stop_words=spec.stop_words,
        dtype=np.float32,
    )
    try:
        # The vectorizer's own counts, counted faster (term_counts.py), weighted as it weights them.
        counts = count_terms(vectorizer, texts)
    except ValueError:  # empty vocabulary: every text empty or only stop words
        return sp.csr_matrix((len(texts), 1), dtype=np.float32)
    weights = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf, smooth_idf=vectorizer.smooth_idf,
                               sublinear_tf=vectorizer.sublinear_tf)
    return sp.csr_matrix(weights.fit(counts).transform(counts, copy=False), dtype=np.float32)


def dense_features(
    embeddings: np.ndarray | None, criteria_scores: np.ndarray | None, spec: FeatureSpec
) -> np.ndarray | None:
    """The dense blocks beside TF-IDF, weighted: ``(n, [d] [+ elements])`` float32, or None.

    Dense blocks are included only when present and weighted above 0; criteria scores are
    L2-normalised per row first.
    """
    blocks: list[np.ndarray] = []
    if embeddings is not None and spec.embedding_weight > 0:
        blocks.append(np.asarray(embeddings, dtype=np.float32) * np.float32(spec.embedding_weight))
    if criteria_scores is not None and criteria_scores.size and spec.criteria_weight > 0:
        scores = np.asarray(criteria_scores, dtype=np.float32)
        norms = np.linalg.norm(scores, axis=1, keepdims=True)
        scores = np.divide(scores, norms, out=np.zeros_like(scores), where=norms > 0)
        blocks.append(scores * np.float32(spec.criteria_weight))
    if not blocks:
        return None
    return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)


def stack_features(tfidf: sp.csr_matrix, dense: np.ndarray | None) -> sp.csr_matrix:
    """One sparse matrix ``(n, vocabulary [+ dense columns])`` for training: TF-IDF with the
    :func:`dense_features` appended."""
    import scipy.sparse as sp

    if dense is None:
        return tfidf
    return sp.hstack([tfidf, sp.csr_matrix(dense)], format="csr", dtype=np.float32)
