"""The naive baseline code suggestions are measured against (issue 18).

Nearest code by MiniLM cosine: before a code has been applied, its score is the cosine
to its name with theme context (:func:`~triage.coding.suggest.code_text`); once a
coder has applied it, the cosine to the centroid of the segments coded with it. No
centring, no negatives, no learned weights: what anyone with sentence embeddings would
build first, so a suggester that does not beat it adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

__all__ = ["NearestCentroid"]


class NearestCentroid(BaseEstimator):  # type: ignore[misc]
    """Name embedding until a code is seen, then the centroid of its accepted segments.

    Takes the rows :func:`~triage.coding.suggest.training_items` makes; only the first
    ``description`` row of each code (its :func:`~triage.coding.suggest.code_text`) is used.
    """

    name = "naive-nearest-centroid"

    def fit(self, X: np.ndarray, y: Sequence[str], *, kind: Sequence[str],
            segments: np.ndarray | None = None) -> NearestCentroid:
        """``X`` (n, dim) L2-normalised rows labelled ``y`` of ``kind``; ``segments`` is ignored."""
        X = np.asarray(X, dtype=np.float32)
        first = {}
        for row, (code, k) in enumerate(zip(y, kind)):
            if k == "description" and code not in first:
                first[code] = row
        self.classes_ = np.array(list(first), dtype=object)
        self._index = {c: i for i, c in enumerate(self.classes_)}
        self.names_ = X[list(first.values())]
        self.sums_ = np.zeros_like(self.names_)
        self.counts_ = np.zeros(len(self.classes_), dtype=np.intp)
        return self.partial_fit(X, y, kind=kind)

    def partial_fit(self, X: np.ndarray, y: Sequence[str], *, kind: Sequence[str]) -> NearestCentroid:
        """Accepted rows join their code's centroid; other kinds are ignored."""
        check_is_fitted(self, "names_")
        X = np.asarray(X, dtype=np.float32)
        for row, (code, k) in enumerate(zip(y, kind)):
            i = self._index.get(code)
            if i is not None and k == "accepted":
                self.sums_[i] += X[row]
                self.counts_[i] += 1
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Cosines (n_samples, n_codes), columns in ``classes_`` order."""
        check_is_fitted(self, "names_")
        centroids = self.sums_ / np.maximum(np.linalg.norm(self.sums_, axis=1, keepdims=True), 1e-12)
        prototypes = np.where(self.counts_[:, None] > 0, centroids, self.names_)
        return np.asarray(np.asarray(X, dtype=np.float32) @ prototypes.T)
