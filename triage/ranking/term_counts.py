"""The term-count matrix scikit-learn's ``CountVectorizer.fit_transform`` makes, made faster.

``TfidfVectorizer`` counts terms in a Python loop with a dictionary lookup and an
``if`` per word of every text, keeps the column of every word in a Python list (an int
object each), then walks its whole vocabulary in Python twice (pruning by document
frequency, then renumbering the columns in term order). At 1,000,000 records those
passes were most of the first ranking's TF-IDF time and its memory peak
(``evaluation/reports/scale.md``).

:func:`count_terms` gives the very same matrix (same columns in the same order, same
counts, same dtype; a test compares them array by array) from the same parts of
scikit-learn: the vectorizer's own analyzer (lower-casing, token pattern, n-grams)
yields the terms of each text, and ``collections.Counter`` counts them in C; the column
numbers are handed out in order of first appearance exactly as ``CountVectorizer``
does (a dict whose missing keys get its length), kept in compact ``array`` buffers;
pruning and renumbering run on NumPy arrays, and only the sort of the kept terms by
name stays in Python, as in scikit-learn. Written here (not a library) because no
library makes this matrix faster with identical columns: a ``HashingVectorizer``
changes them, and the ranking's results must not move.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

__all__ = ["count_terms"]


def count_terms(vectorizer: CountVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """``vectorizer.fit_transform(texts)`` for a vectorizer without a fixed vocabulary,
    ``max_features`` or ``binary`` (a ``ValueError`` otherwise, as for an empty vocabulary),
    without setting its ``vocabulary_``: shape ``(len(texts), terms kept)``, the counts in
    ``vectorizer.dtype``, columns in term order."""
    import scipy.sparse as sp

    if vectorizer.vocabulary is not None or vectorizer.max_features is not None or vectorizer.binary:
        raise ValueError("count_terms covers a learned vocabulary without max_features or binary counts")
    analyze = vectorizer.build_analyzer()
    vocabulary: defaultdict[str, int] = defaultdict()
    vocabulary.default_factory = vocabulary.__len__  # a new term gets the next column, as in scikit-learn
    column = vocabulary.__getitem__
    columns, counts, indptr = array("q"), array("i"), array("q", [0])
    for text in texts:
        found = Counter(analyze(text))  # terms in order of first appearance, as CountVectorizer's dict
        columns.fromlist(list(map(column, found)))  # (a list first: array.extend of an iterator is slower)
        counts.fromlist(list(found.values()))
        indptr.append(len(columns))
    if not vocabulary:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    terms = list(vocabulary)  # column i's term (columns were handed out in insertion order)
    del vocabulary, column  # the largest object here (7.4 million terms at 1,000,000 records): freed first
    index_dtype = np.int64 if indptr[-1] > np.iinfo(np.int32).max else np.int32
    indices = np.frombuffer(columns, dtype=np.int64).astype(index_dtype)
    del columns
    matrix = sp.csr_matrix(
        (np.frombuffer(counts, dtype=np.intc), indices, np.frombuffer(indptr, dtype=np.int64).astype(index_dtype)),
        shape=(len(indptr) - 1, len(terms)), dtype=vectorizer.dtype,
    )
    del counts, indices
    matrix.sort_indices()
    return _prune_and_sort(vectorizer, matrix, terms)


def _prune_and_sort(vectorizer: CountVectorizer, matrix: sp.csr_matrix, terms: list[str]) -> sp.csr_matrix:
    """``CountVectorizer._limit_features`` (by document frequency) then ``_sort_features``,
    on arrays: ``terms[i]`` is column ``i``'s term."""
    n_doc = matrix.shape[0]
    max_df, min_df = vectorizer.max_df, vectorizer.min_df
    # As floats (exact for any document count): an int threshold counts documents, a float a share.
    high = float(max_df) if isinstance(max_df, Integral) else float(max_df) * n_doc
    low = float(min_df) if isinstance(min_df, Integral) else float(min_df) * n_doc
    if high < low:
        raise ValueError("max_df corresponds to < documents than min_df")
    frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    kept = np.flatnonzero((frequency <= high) & (frequency >= low))
    if kept.size == 0:
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    if kept.size < len(terms):  # (taking every column would only copy the matrix)
        matrix = matrix[:, kept]
        terms = [terms[i] for i in kept.tolist()]
    by_name = sorted(range(len(terms)), key=terms.__getitem__)
    renumber = np.empty(len(terms), dtype=matrix.indices.dtype)
    renumber[np.asarray(by_name, dtype=np.int64)] = np.arange(len(terms), dtype=matrix.indices.dtype)
    matrix.indices = renumber.take(matrix.indices, mode="clip")
    return matrix
