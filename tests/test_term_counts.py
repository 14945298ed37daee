"""The faster term counts (triage/ranking/term_counts.py) give scikit-learn's TF-IDF matrix
exactly: same columns in the same order, same values, same dtypes."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from triage.ranking.features import FeatureSpec, tfidf_matrix
from triage.ranking.term_counts import count_terms


def assert_same(ours: sp.spmatrix, theirs: sp.spmatrix) -> None:
    ours, theirs = sp.csr_matrix(ours), sp.csr_matrix(theirs)
    assert ours.shape == theirs.shape
    for part in ("indptr", "indices", "data"):
        mine, reference = getattr(ours, part), getattr(theirs, part)
        assert mine.dtype == reference.dtype, part
        assert np.array_equal(mine, reference), part


def sklearn_tfidf(texts: list[str], spec: FeatureSpec) -> sp.csr_matrix:
    """What tfidf_matrix computed before term_counts.py: TfidfVectorizer itself."""
    vectorizer = TfidfVectorizer(ngram_range=spec.ngram_range, sublinear_tf=spec.sublinear_tf, min_df=spec.min_df,
                                 max_df=spec.max_df, stop_words=spec.stop_words, dtype=np.float32)
    return sp.csr_matrix(vectorizer.fit_transform(texts), dtype=np.float32)


def shared_texts(shared_data: Path, names: tuple[str, ...]) -> list[str]:
    texts = []
    for name in names:
        with (shared_data / "screening" / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            texts += [f"{row.get('title') or ''} {row.get('abstract') or ''}".strip() for row in csv.DictReader(handle)]
    return texts


@pytest.mark.parametrize("spec", [
    FeatureSpec(),  # the presets' words: 1-2 grams, sublinear, max_df 0.95
    FeatureSpec(ngram_range=(1, 1), sublinear_tf=False, min_df=2, max_df=0.5),
    FeatureSpec(ngram_range=(1, 3), stop_words="english", min_df=3),
], ids=["presets", "unigrams-min-df-2-max-df-half", "trigrams-stop-words"])
def test_tfidf_matrix_is_scikit_learns_on_shared_records(shared_data: Path, spec: FeatureSpec) -> None:
    texts = shared_texts(shared_data, ("Cohen_2006_ADHD", "Cohen_2006_Estrogens"))
    assert len(texts) > 1000
    assert_same(tfidf_matrix(texts, spec), sklearn_tfidf(texts, spec))


def test_document_frequency_pruning_and_empty_texts_as_scikit_learn() -> None:
    # "the" is in every text (pruned by max_df 0.95), two texts are empty, one has one letter words only.
    texts = ["The cat sat on the mat", "", "the Dog sat", "a b c", "the cat and THE dog", "", "the end the end"]
    spec = FeatureSpec()
    assert_same(tfidf_matrix(texts, spec), sklearn_tfidf(texts, spec))
    counts = count_terms(CountVectorizer(ngram_range=(1, 2), max_df=0.5), texts)
    reference = CountVectorizer(ngram_range=(1, 2), max_df=0.5)
    assert_same(counts, reference.fit_transform(texts))
    assert "the" not in reference.vocabulary_  # the pruning did remove a column here


def test_nothing_to_count_raises_as_scikit_learn() -> None:
    with pytest.raises(ValueError, match="empty vocabulary"):
        count_terms(CountVectorizer(), ["", "a", "!"])
    with pytest.raises(ValueError, match="no terms remain"):
        count_terms(CountVectorizer(min_df=2), ["one text", "another word", "third thing"])
    assert tfidf_matrix(["", "a"], FeatureSpec()).shape == (2, 1)  # the ranking's fallback: one empty column
