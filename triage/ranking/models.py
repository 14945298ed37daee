"""Classifiers and query strategies for active learning, as small sklearn-style objects.

:class:`BalancedLinearClassifier` is a linear model (logistic regression or linear SVM,
both liblinear through scikit-learn) trained with ASReview's "balanced" sample weights:
with few includes among many excludes an unweighted model learns "exclude everything".
Queriers pick which unlabelled records to show next from the model's scores.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from triage.errors import TriageError

__all__ = [
    "QUERIERS",
    "BalancedLinearClassifier",
    "MaxQuery",
    "MixedQuery",
    "Querier",
    "RandomQuery",
    "UncertaintyQuery",
    "balanced_sample_weight",
    "make_querier",
]

_LOSSES = ("logistic", "squared_hinge", "hinge")


def balanced_sample_weight(y: np.ndarray, ratio: float) -> np.ndarray:
    """ASReview's "balanced" weights: excludes together weigh ``1/ratio`` of the includes.

    Weights are rescaled to sum to ``len(y)`` so ``C`` keeps its meaning as data grows.
    ``ratio`` 1 gives both classes equal total weight; larger values trust excludes less.
    """
    y = np.asarray(y)
    n_pos, n_neg = int(np.sum(y == 1)), int(np.sum(y == 0))
    weights = np.ones(len(y), dtype=np.float64)
    if n_pos and n_neg:
        weights[y == 0] = n_pos / (ratio * n_neg)
    return np.asarray(weights * (len(y) / weights.sum()))


class BalancedLinearClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Binary linear classifier on sparse features with class balancing.

    Parameters
    ----------
    loss : "logistic" (LogisticRegression) or "squared_hinge"/"hinge" (LinearSVC).
    C : inverse regularisation strength (scikit-learn's meaning).
    balance_ratio : ASReview's balance ratio (see :func:`balanced_sample_weight`); None
        trains unweighted.
    nb_weight, nb_alpha : share of multinomial naive Bayes mixed into the linear model
        (0 = none) and its smoothing; needs non-negative features.
    max_iter, tol : solver limits; small values keep a retrain fast.
    random_state : seeds liblinear's coordinate order.

    ``predict_proba`` is the logistic probability for ``loss="logistic"`` and a sigmoid of
    the SVM margin otherwise: probability-like scores in [0, 1], ordered as the margin.
    """

    def __init__(
        self,
        loss: str = "logistic",
        C: float = 1.0,
        balance_ratio: float | None = 1.0,
        max_iter: int = 1000,
        tol: float = 1e-4,
        nb_weight: float = 0.0,
        nb_alpha: float = 3.822,
        random_state: int | None = None,
    ) -> None:
        self.loss = loss
        self.C = C
        self.balance_ratio = balance_ratio
        self.max_iter = max_iter
        self.tol = tol
        self.nb_weight = nb_weight
        self.nb_alpha = nb_alpha
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = True
        return tags

    def fit(self, X: Any, y: Any) -> BalancedLinearClassifier:
        """Fit on ``X`` (n, features), dense or CSR, and binary labels ``y`` (n,).

        No ``sample_weight``: the weights are the balancing, which depends on the class
        counts, so repeating a row is not the same as weighting it (sklearn's check).
        """
        if self.loss not in _LOSSES:
            raise ValueError(f"loss must be one of {', '.join(_LOSSES)}; got {self.loss!r}")
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32])
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type not in ("binary", "unary"):
            raise ValueError(f"Only binary classification is supported. The type of the target is {y_type}.")
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("y has only one class; need includes and excludes to train")
        weights = (
            balanced_sample_weight(encoded, self.balance_ratio)
            if self.balance_ratio is not None
            else np.ones(len(encoded))
        )
        # liblinear's dual solvers cost O(labelled rows), the primal ones O(vocabulary): with
        # 1-2 gram TF-IDF (100k+ columns) and a few hundred decisions the dual is ~50x faster.
        dual = X.shape[1] > X.shape[0]
        if self.loss == "logistic":
            model: Any = LogisticRegression(
                C=self.C, solver="liblinear", dual=dual, max_iter=self.max_iter, tol=self.tol,
                random_state=self.random_state,
            )
        else:
            model = LinearSVC(
                C=self.C, loss=self.loss, dual=dual or self.loss == "hinge", max_iter=self.max_iter,
                tol=self.tol, random_state=self.random_state,
            )
        with warnings.catch_warnings():
            # A retrain stopped at max_iter still ranks well, and the next decision retrains
            # again; a warning per decision would only bury real ones.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, encoded, sample_weight=weights)
        coef = np.asarray(model.coef_, dtype=np.float64).ravel()
        intercept = float(np.ravel(model.intercept_)[0])
        self.n_iter_ = int(np.max(model.n_iter_))
        if self.nb_weight > 0:
            coef, intercept = self._blend_naive_bayes(X, encoded, weights, coef, intercept)
        self.coef_, self.intercept_ = coef, intercept
        return self

    def _blend_naive_bayes(
        self, X: Any, y: np.ndarray, weights: np.ndarray, coef: np.ndarray, intercept: float
    ) -> tuple[np.ndarray, float]:
        """Mix in multinomial naive Bayes, which is linear too (log-odds = X @ (log p1 - log p0)).

        Each model's margin is scaled by its spread on the training rows before mixing, so
        ``nb_weight`` is the share of the say NB gets whatever the scales; the result stays
        one linear model (same cost to score). NB learns from one include, where a
        discriminative model has little to go on; ASReview's alpha 3.822 is its NB default.
        """
        smallest = (X.data.min() if X.data.size else 0.0) if sp.issparse(X) else X.min()
        if smallest < 0:
            raise ValueError("nb_weight needs non-negative features (TF-IDF); drop embeddings or set nb_weight = 0")
        nb = MultinomialNB(alpha=self.nb_alpha).fit(X, y, sample_weight=weights)
        nb_coef = np.asarray(nb.feature_log_prob_[1] - nb.feature_log_prob_[0], dtype=np.float64)
        nb_intercept = float(nb.class_log_prior_[1] - nb.class_log_prior_[0])
        spread_lin = float(np.std(np.asarray(X @ coef).ravel())) or 1.0
        spread_nb = float(np.std(np.asarray(X @ nb_coef).ravel())) or 1.0
        w = self.nb_weight
        return (
            (1 - w) * coef / spread_lin + w * nb_coef / spread_nb,
            (1 - w) * intercept / spread_lin + w * nb_intercept / spread_nb,
        )

    def decision_function(self, X: Any) -> np.ndarray:
        """Signed margin, shape (n,); larger means more likely the second class (include)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False)
        return np.asarray(X @ self.coef_.astype(X.dtype), dtype=np.float64).ravel() + self.intercept_

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability-like scores, shape (n, 2), columns in ``classes_`` order."""
        check_is_fitted(self)
        margin = np.clip(self.decision_function(X), -50.0, 50.0)
        positive = 1.0 / (1.0 + np.exp(-margin))
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X: Any) -> np.ndarray:
        """Class labels, shape (n,)."""
        check_is_fitted(self)
        return np.asarray(self.classes_[(self.decision_function(X) > 0).astype(int)])


class Querier:
    """Picks the ``k`` records to show next from ``scores`` of the unlabelled ``candidates``.

    ``scores`` are probability-like (n,) for all records; ``candidates`` the unlabelled
    indices; ``rng`` the cycle's generator, so a whole run is reproducible from one seed.
    """

    name = "querier"

    def query(self, scores: np.ndarray, candidates: np.ndarray, k: int, rng: np.random.Generator) -> list[int]:
        raise NotImplementedError

    def get_params(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in vars(self)}


def _top_k(values: np.ndarray, candidates: np.ndarray, k: int) -> list[int]:
    """The ``k`` candidates with the largest ``values``, best first (argpartition, O(n))."""
    if k >= len(candidates):
        order = np.argsort(-values, kind="stable")
    else:
        part = np.argpartition(-values, k - 1)[:k]
        order = part[np.argsort(-values[part], kind="stable")]
    # One NumPy call, not a Python loop: a whole order of 1,000,000 records is asked for when kept.
    return list(np.asarray(candidates)[order[:k]].tolist())


class MaxQuery(Querier):
    """Show the highest-scored records first: finds includes fastest (ASReview's "max")."""

    name = "max"

    def query(self, scores: np.ndarray, candidates: np.ndarray, k: int, rng: np.random.Generator) -> list[int]:
        return _top_k(scores[candidates], candidates, k)


class UncertaintyQuery(Querier):
    """Show records the model is least sure about (score nearest 0.5): improves the model."""

    name = "uncertainty"

    def query(self, scores: np.ndarray, candidates: np.ndarray, k: int, rng: np.random.Generator) -> list[int]:
        return _top_k(-np.abs(scores[candidates] - 0.5), candidates, k)


class RandomQuery(Querier):
    """Show records in random order: an audit sample, the basis of unbiased recall tests."""

    name = "random"

    def query(self, scores: np.ndarray, candidates: np.ndarray, k: int, rng: np.random.Generator) -> list[int]:
        picked = rng.choice(len(candidates), size=min(k, len(candidates)), replace=False)
        return list(np.asarray(candidates)[picked].tolist())


class MixedQuery(Querier):
    """Each pick is random with probability ``random_share``, else by ``main`` ("max" or "uncertainty").

    A small random share keeps the model from only seeing records like those it has
    already found, and gives the stopping estimate unbiased samples.
    """

    name = "mixed"

    def __init__(self, random_share: float = 0.05, main: str = "max") -> None:
        self.random_share = random_share
        self.main = main

    def query(self, scores: np.ndarray, candidates: np.ndarray, k: int, rng: np.random.Generator) -> list[int]:
        n_random = int(rng.binomial(min(k, len(candidates)), self.random_share))
        main = make_querier(self.main)
        picked = main.query(scores, candidates, k - n_random, rng) if k - n_random > 0 else []
        if n_random:
            rest = np.setdiff1d(candidates, np.asarray(picked, dtype=np.int64), assume_unique=True)
            picked += RandomQuery().query(scores, rest, n_random, rng)
        return picked


QUERIERS: dict[str, type[Querier]] = {
    "max": MaxQuery,
    "uncertainty": UncertaintyQuery,
    "random": RandomQuery,
    "mixed": MixedQuery,
}


def make_querier(strategy: str, **params: Any) -> Querier:
    """The querier called ``strategy``; :class:`TriageError` lists the valid names."""
    try:
        cls = QUERIERS[strategy]
    except KeyError:
        raise TriageError(
            f"unknown query strategy {strategy!r}", hint=f"valid: {', '.join(QUERIERS)}"
        ) from None
    return cls(**params)
