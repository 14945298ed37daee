"""Word overlap between a segment and a code's name: the lexical half of a code suggestion.

Authors name their themes with the words their paragraphs use ("Readiness", "Insights",
"Real-World Barriers"), and a sentence embedding of a long paragraph blurs a single telling
word. A TF-IDF cosine between the segment and the code's text (name with theme context and
description, :func:`~triage.coding.suggest.code_text`) adds it back. Words are spaCy lookup lemmas
(:func:`triage.text.load_nlp`, so "Insights" meets "insight"), stop words dropped; the IDF is
fitted on the project's own segments and code texts, so words every paragraph of a synthesis
shares weigh little (as centring does for embeddings). Chosen on the two qes tuning sets
(``evaluation/bench_coding.py`` ``TUNE_SETS``) over character 4-5-grams within words (no
lemmatizer; zero-shot better, online no gain) and plain scikit-learn words (smaller gains).

Segments are found by their embedding (the bytes of the stored vector), so the suggester keeps
taking vectors only: a vector it does not know (a text outside the project) has no lexical part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["LexicalIndex", "content_lemmas"]


class LexicalIndex:
    """TF-IDF rows of a project's segments and of its codes' texts.

    ``segment_texts`` and ``segment_vectors`` are aligned (one row per segment); ``code_texts``
    maps code ids to the text matched against (codes without a text score 0).
    """

    def __init__(self, segment_texts: Sequence[str], segment_vectors: np.ndarray,
                 code_texts: Mapping[str, str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        if len(segment_texts) != len(segment_vectors):
            raise ValueError(f"{len(segment_texts)} segment texts but {len(segment_vectors)} vectors")
        self._codes = list(code_texts)
        words = content_lemmas([*segment_texts, *code_texts.values()])
        vectorizer = TfidfVectorizer(analyzer=_as_is, sublinear_tf=True).fit(words)
        self._segments = vectorizer.transform(words[:len(segment_texts)])
        self._code_rows = vectorizer.transform(words[len(segment_texts):])
        vectors = np.asarray(segment_vectors, dtype=np.float32)
        self._row_of = {vectors[i].tobytes(): i for i in range(len(vectors))}

    def similarities(self, X: np.ndarray, codes: Sequence[str]) -> np.ndarray:
        """TF-IDF cosines (len(X), len(codes)) of the segments whose embeddings are the rows of
        ``X`` to each code's text; rows of unknown vectors and codes without a text are 0."""
        X = np.asarray(X, dtype=np.float32)
        out = np.zeros((len(X), len(codes)), dtype=np.float32)
        rows = [self._row_of.get(x.tobytes(), -1) for x in X]
        known = [r for r, row in enumerate(rows) if row >= 0]
        columns = [(j, self._codes.index(c)) for j, c in enumerate(codes) if c in self._codes]
        if known and columns:
            sims = (self._segments[[rows[r] for r in known]] @ self._code_rows[[c for _, c in columns]].T).toarray()
            out[np.ix_(known, [j for j, _ in columns])] = sims
        return out


def content_lemmas(texts: Sequence[str]) -> list[list[str]]:
    """Each text's content words as lower-case spaCy lookup lemmas (stop words, numbers and
    punctuation dropped): what the lexical part matches. An empty list means a text with no
    content word ("Nothing.", "None.", "No."), which gives words, and often an embedding, nothing
    to go on."""
    from triage.text import load_nlp

    nlp = load_nlp()
    # Lemmas only: sentence boundaries play no part, so the sentencizer is skipped.
    with nlp.select_pipes(disable=[name for name in ("sentencizer",) if nlp.has_pipe(name)]):
        # The lookup lemmatizer knows lower-case forms only ("Insights" would stay "Insights").
        return [[(t.lemma_ or t.text).lower() for t in doc if t.is_alpha and not t.is_stop]
                for doc in nlp.pipe([text.lower() for text in texts])]


def _as_is(words: list[str]) -> list[str]:
    """The analyzer of texts already cut into lemmas."""
    return words
