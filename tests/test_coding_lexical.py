"""The lexical part of code suggestions: TF-IDF over lemmas between a segment and a code's text."""

from __future__ import annotations

import numpy as np

from triage.coding.lexical import LexicalIndex, content_lemmas
from triage.coding.suggest import CodeSuggester

SEGMENTS = [
    "Participants described sudden insights into their past and new understanding of themselves.",
    "Many spoke of connectedness with nature and with other people after the session.",
    "Travel, scheduling and money were barriers to attending every session.",
]
CODES = {"insight": "Therapeutic processes: Insights", "connect": "Therapeutic processes: Connectedness",
         "barrier": "Patient burden: Real-World Barriers"}


def _vectors(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_a_segment_matches_the_code_whose_words_it_uses() -> None:
    X = _vectors(3)
    index = LexicalIndex(SEGMENTS, X, CODES)
    sims = index.similarities(X, list(CODES))
    assert list(np.argmax(sims, axis=1)) == [0, 1, 2]  # "insights" meets "Insights" (lemmas)
    assert sims[0, 0] > 0 and sims[2, 2] > 0
    # A vector the index does not know (a text outside the project) and a code without a text score 0.
    outside = index.similarities(_vectors(1, seed=5), list(CODES))
    assert not outside.any()
    assert not index.similarities(X, ["unknown"]).any()


def test_the_lexical_part_is_added_with_its_weight() -> None:
    X = _vectors(3)
    codes = list(CODES)
    rows = _vectors(3, seed=1)
    index = LexicalIndex(SEGMENTS, X, CODES)
    fit = {"kind": ["description"] * 3, "segments": X, "lexical": index}
    with_words = CodeSuggester(lexical_weight=0.6).fit(rows, codes, **fit)
    without = CodeSuggester(lexical_weight=0.0).fit(rows, codes, **fit)
    gap = with_words.decision_function(X) - without.decision_function(X)
    assert np.allclose(gap, 0.6 * index.similarities(X, codes), atol=1e-5)
    assert gap.max() > 0
    # The suggestions' scores are the decision function's.
    top = with_words.suggest(X, k=1)
    assert [s[0].code_id for s in top] == [codes[i] for i in np.argmax(with_words.decision_function(X), axis=1)]


def test_content_lemmas_are_what_the_words_match() -> None:
    """Answers such as "Nothing." have no content word: the lexical part has nothing to match."""
    words = content_lemmas(["Nothing.", "None at all!", "Sudden Insights about 2 sessions"])
    assert words[:2] == [[], []]
    assert words[2] == ["sudden", "insight", "session"]  # lower-cased lemmas, stop words and numbers dropped
    index = LexicalIndex(["Nothing.", SEGMENTS[0]], _vectors(2), CODES)
    assert not index.similarities(_vectors(2)[:1], list(CODES)).any()
