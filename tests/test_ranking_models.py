"""Classifiers and queriers: sklearn conventions, ASReview's balancing, query strategies."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.utils.estimator_checks import check_estimator

from triage.errors import TriageError
from triage.ranking.models import (
    BalancedLinearClassifier,
    MaxQuery,
    MixedQuery,
    RandomQuery,
    UncertaintyQuery,
    balanced_sample_weight,
    make_querier,
)


@pytest.mark.parametrize("loss", ["logistic", "squared_hinge"])
def test_check_estimator(loss: str) -> None:
    check_estimator(BalancedLinearClassifier(loss=loss, random_state=0), on_skip=None)


def test_balanced_weights_match_asreview_definition() -> None:
    # ASReview "balanced": excludes weigh n_includes / (ratio * n_excludes) each, includes 1,
    # then everything rescaled to sum to len(y).
    y = np.array([1, 0, 0, 0, 0])
    weights = balanced_sample_weight(y, ratio=1.0)
    assert weights.sum() == pytest.approx(5.0)
    assert weights[0] == pytest.approx(4 * weights[1])
    assert balanced_sample_weight(y, ratio=2.0)[0] == pytest.approx(8 * balanced_sample_weight(y, 2.0)[1])


def test_fit_on_sparse_text_like_rows_ranks_the_include_class_high() -> None:
    rng = np.random.default_rng(0)
    X = sp.random(200, 50, density=0.1, random_state=0, format="csr")
    y = (X[:, 0].toarray().ravel() > 0).astype(int)
    model = BalancedLinearClassifier(C=10.0, random_state=0).fit(X, y)
    proba = model.predict_proba(X)[:, 1]
    assert proba.shape == (200,) and np.all((proba >= 0) & (proba <= 1))
    assert proba[y == 1].mean() > proba[y == 0].mean() + 0.2
    assert rng is not None


def test_one_class_is_refused() -> None:
    with pytest.raises(ValueError, match="y has only one class"):
        BalancedLinearClassifier().fit(np.eye(3), np.ones(3))


def test_max_query_returns_best_first_among_candidates() -> None:
    scores = np.array([0.9, 0.1, 0.8, 0.95, 0.3])
    rng = np.random.default_rng(0)
    assert MaxQuery().query(scores, np.array([0, 1, 2, 4]), 2, rng) == [0, 2]
    assert MaxQuery().query(scores, np.array([1, 4]), 5, rng) == [4, 1]


def test_uncertainty_query_prefers_scores_near_half() -> None:
    scores = np.array([0.9, 0.52, 0.1, 0.45])
    assert UncertaintyQuery().query(scores, np.arange(4), 2, np.random.default_rng(0)) == [1, 3]


def test_random_and_mixed_are_seeded_and_distinct() -> None:
    scores = np.linspace(0, 1, 100)
    candidates = np.arange(100)
    first = RandomQuery().query(scores, candidates, 10, np.random.default_rng(3))
    assert first == RandomQuery().query(scores, candidates, 10, np.random.default_rng(3))
    mixed = MixedQuery(random_share=0.5).query(scores, candidates, 20, np.random.default_rng(1))
    assert len(set(mixed)) == 20
    assert set(mixed) != set(range(80, 100))  # some picks are random
    assert MixedQuery(random_share=0.0).query(scores, candidates, 3, np.random.default_rng(1)) == [99, 98, 97]


def test_unknown_querier_lists_valid_names() -> None:
    with pytest.raises(TriageError) as info:
        make_querier("greedy")
    assert str(info.value) == "unknown query strategy 'greedy'; valid: max, uncertainty, random, mixed"


def test_naive_bayes_blend_stays_one_linear_model() -> None:
    X = sp.random(120, 40, density=0.2, random_state=1, format="csr")
    y = (X[:, 3].toarray().ravel() > 0).astype(int)
    plain = BalancedLinearClassifier(random_state=0).fit(X, y)
    blended = BalancedLinearClassifier(nb_weight=0.5, random_state=0).fit(X, y)
    assert blended.coef_.shape == plain.coef_.shape
    assert not np.allclose(blended.coef_, plain.coef_)
    margin = blended.decision_function(X)
    assert margin == pytest.approx(X @ blended.coef_ + blended.intercept_)
    assert margin[y == 1].mean() > margin[y == 0].mean()


def test_naive_bayes_blend_refuses_negative_features() -> None:
    X = np.array([[1.0, -1.0], [0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    with pytest.raises(ValueError, match="nb_weight needs non-negative features"):
        BalancedLinearClassifier(nb_weight=0.5).fit(X, [1, 0, 1, 0])
