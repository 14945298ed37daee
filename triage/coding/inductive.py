"""Inductive help: groups of segments that fit no code, proposed as candidate new codes.

Thematic synthesis is partly inductive: new codes arise from text the codebook does
not cover. Segments whose best suggestion scores below a threshold are clustered on
their embeddings (scikit-learn agglomerative clustering, cosine distance, average
linkage, so the number of groups follows from how close the segments are) and each
group is labelled with its key phrases: the words and word pairs whose TF-IDF weight
is highest in the group relative to the other poorly-fitting segments. The coder
decides whether a candidate becomes a code; nothing is added by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["CandidateCode", "candidate_codes"]


@dataclass(frozen=True)
class CandidateCode:
    """A proposed code: ``label`` from ``key_phrases``; ``members`` index the input segments."""

    label: str
    key_phrases: list[str]
    members: list[int]
    cohesion: float


def candidate_codes(
    texts: Sequence[str],
    X: np.ndarray,
    best_scores: np.ndarray,
    *,
    threshold: float = 0.3,
    distance_threshold: float = 0.6,
    min_size: int = 3,
    n_phrases: int = 3,
) -> list[CandidateCode]:
    """Candidate codes from segments whose best code score is below ``threshold``.

    ``X`` (n, dim) are L2-normalised embeddings of ``texts``; ``best_scores`` (n,) each
    segment's top suggestion score. ``distance_threshold`` is the cosine distance
    (1 - similarity) at which groups stop merging. Largest groups first.
    """
    poor = np.flatnonzero(np.asarray(best_scores) < threshold)
    if len(poor) < max(min_size, 2):
        return []
    vectors = np.asarray(X, dtype=np.float32)[poor]
    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance_threshold, metric="cosine", linkage="average"
    ).fit_predict(vectors)
    poor_texts = [texts[int(i)] for i in poor]
    try:
        tfidf = TfidfVectorizer(ngram_range=(1, 2), stop_words="english", min_df=1, sublinear_tf=True)
        weights = tfidf.fit_transform(poor_texts)
        vocab = np.array(tfidf.get_feature_names_out())
    except ValueError:  # only stop words: no phrases to label with
        weights, vocab = None, np.array([])
    out = []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        if len(rows) < min_size:
            continue
        phrases: list[str] = []
        if weights is not None:
            inside = np.asarray(weights[rows].mean(axis=0)).ravel()
            others = np.flatnonzero(labels != label)
            outside = np.asarray(weights[others].mean(axis=0)).ravel() if len(others) else 0.0
            for j in np.argsort(-(inside - outside), kind="stable"):
                phrase = str(vocab[j])
                if inside[j] <= 0 or any(phrase in p or p in phrase for p in phrases):
                    continue
                phrases.append(phrase)
                if len(phrases) == n_phrases:
                    break
        centroid = vectors[rows].mean(axis=0)
        cohesion = float(np.mean(vectors[rows] @ (centroid / (np.linalg.norm(centroid) or 1.0))))
        out.append(CandidateCode(" / ".join(phrases) or "(no key phrases)", phrases,
                                 [int(poor[r]) for r in rows], round(cohesion, 3)))
    return sorted(out, key=lambda c: (-len(c.members), c.label))
