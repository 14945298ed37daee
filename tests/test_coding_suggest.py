"""Suggestions from the codebook, learning at once from accepts and rejects; candidate codes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from triage.coding.codebook_io import read_codebook
from triage.coding.inductive import candidate_codes
from triage.coding.suggest import CodeSuggester, Suggestion, code_text, training_items
from triage.embeddings import Encoder, load_encoder

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo" / "coding" / "codebook.json"


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return load_encoder()


@pytest.fixture()
def model(encoder: Encoder) -> CodeSuggester:
    book = read_codebook(DEMO)
    texts, ids, kinds = training_items([(c, book.path(c.id)) for c in book.codable()])
    return CodeSuggester(names={c.id: c.name for c in book.codes()}).fit(encoder.encode(texts), ids, kind=kinds)


def test_code_text_adds_themes() -> None:
    book = read_codebook(DEMO)
    code = book.get("fear-of-removal")
    assert code_text(code, book.path(code.id)).startswith(
        "Living under scrutiny / Fear and stigma: Fear of child removal. Parents' fear that")


def test_zero_shot_from_descriptions(model: CodeSuggester, encoder: Encoder) -> None:
    X = encoder.encode([
        "Mothers were afraid social services would take their children into care if they asked for help.",
        "Nobody from the mental health team told the social worker she had been admitted to hospital.",
    ])
    first = [s[0] for s in model.suggest(X, k=3)]
    assert [s.code_id for s in first] == ["fear-of-removal", "information-sharing"]
    assert first[0].reason.startswith("close to the codebook example of Fear of child removal (similarity ") or \
        first[0].reason.startswith("close to what the codebook says of Fear of child removal (similarity ")
    assert model.decision_function(X).shape == (2, 12)
    assert list(model.predict(X)) == ["fear-of-removal", "information-sharing"]


def test_accept_and_reject_change_the_next_suggestion_at_once(model: CodeSuggester, encoder: Encoder) -> None:
    accepted = encoder.encode(["We had to wait eight months for a psychologist.",
                               "The waiting list for therapy was over a year long."])
    target = encoder.encode(["It took a year to see anyone from the psychology service."])
    before = model.decision_function(target)[0]
    j = list(model.classes_).index("thresholds-and-waiting")
    model.partial_fit(accepted, ["thresholds-and-waiting"] * 2, kind=["accepted"] * 2)
    after = model.decision_function(target)[0]
    assert after[j] > before[j]
    top = model.suggest(target, k=1)[0][0]
    assert top.code_id == "thresholds-and-waiting"
    assert top.reason.startswith("close to 2 segments you coded Thresholds and waiting for crisis (similarity ")
    # the coder refuses it for a near-identical segment: the score drops and the reason says why
    model.partial_fit(encoder.encode(["It took a year to see anyone from psychology."]),
                      ["thresholds-and-waiting"], kind=["rejected"])
    penalised = model.decision_function(target)[0]
    assert penalised[j] < after[j]
    reasons = [s.reason for s in model.suggest(target, k=12)[0] if s.code_id == "thresholds-and-waiting"]
    assert reasons[0].endswith("; but you rejected Thresholds and waiting for crisis for a similar segment")


def test_sklearn_conventions(encoder: Encoder) -> None:
    model = CodeSuggester(n_neighbors=5)
    assert clone(model).get_params()["n_neighbors"] == 5
    with pytest.raises(NotFittedError):
        model.decision_function(np.zeros((1, 384), dtype=np.float32))
    with pytest.raises(ValueError, match="unknown kind 'maybe'; valid: description, example, accepted, rejected"):
        model.fit(np.zeros((1, 384)), ["a"], kind=["maybe"])
    # a code without a description row is never suggested; unknown codes in partial_fit are ignored
    X = encoder.encode(["alpha", "beta"])
    fitted = CodeSuggester().fit(X, ["a", "b"], kind=["description", "accepted"])
    assert list(fitted.classes_) == ["a"]
    fitted.partial_fit(X[:1], ["zzz"], kind=["accepted"])
    assert fitted.suggest(X, k=5)[0][0].code_id == "a"


def test_candidate_codes_group_poorly_fitting_segments(encoder: Encoder) -> None:
    texts = [
        "Grandparents looked after the children during hospital admissions.",
        "Grandmothers often cared for the children when the parent was in hospital.",
        "Several grandparents took over childcare while the mother was admitted.",
        "Parents feared their children would be taken away.",
        "Housing was damp and overcrowded.",
        "The family lived in a damp, overcrowded flat.",
        "Poor housing made everything harder: the flat was damp.",
    ]
    X = encoder.encode(texts)
    best = np.array([0.1, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1])  # segment 3 fits a code well
    found = candidate_codes(texts, X, best, threshold=0.3, min_size=3)
    groups = sorted(sorted(c.members) for c in found)
    assert groups == [[0, 1, 2], [4, 5, 6]]
    labels = " ".join(c.label for c in found)
    assert "damp" in labels and ("grandparents" in labels or "children" in labels)
    assert candidate_codes(texts, X, np.ones(7)) == []


def _naive_scores(model: CodeSuggester, X: np.ndarray) -> np.ndarray:
    """The documented rule, code by code: mean of the top k of [description]*k + examples."""
    k = model.n_neighbors
    out = np.zeros((len(X), len(model.classes_)))
    for i in range(len(model.classes_)):
        for r, x in enumerate(X):
            d = float(x @ model.prototypes_[i])
            pool = [d] * k + [float(x @ p) for p in model.positives_[model.positive_code_ == i]]
            best = max(pool)
            score = float(np.mean(sorted(pool, reverse=True)[:k]))
            negs = [float(x @ q) for q in model.negatives_[model.negative_code_ == i]]
            if negs and max(negs) >= model.negative_threshold:  # only a near-duplicate of a rejected segment
                score -= model.negative_weight * max(0.0, max(negs) - best)
            out[r, i] = score
    return out


def test_vectorised_scores_follow_the_documented_rule_and_accepts_never_lower_them() -> None:
    rng = np.random.default_rng(0)

    def unit(n: int) -> np.ndarray:
        v = rng.normal(size=(n, 16)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    codes = ["a", "b", "c", "d"]
    # threshold 0.2: random 16-d cosines fall either side of it, so both branches of the rule run
    model = CodeSuggester(n_neighbors=3, negative_threshold=0.2).fit(unit(6), codes + ["a", "c"],
                                             kind=["description"] * 4 + ["example", "example"])
    X = unit(40)
    before = model.decision_function(X)
    model.partial_fit(unit(9), list("aaaabbcc") + ["a"], kind=["accepted"] * 9)
    after = model.decision_function(X)
    assert np.all(after >= before - 1e-6)
    model.partial_fit(unit(3), ["a", "b", "d"], kind=["rejected"] * 3)
    np.testing.assert_allclose(model.decision_function(X), _naive_scores(model, X), atol=1e-5)


def test_linear_head_joins_once_enough_segments_are_coded_and_refits_by_a_tenth() -> None:
    rng = np.random.default_rng(1)

    def unit(n: int, centre: np.ndarray | None = None) -> np.ndarray:
        v = rng.normal(size=(n, 16)).astype(np.float32) + (0 if centre is None else 3 * centre)
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)

    axes = np.eye(16, dtype=np.float32)
    model = CodeSuggester(linear_min_rows=20).fit(unit(3), ["a", "b", "c"], kind=["description"] * 3)
    X = unit(5)
    model.partial_fit(unit(12, axes[0]), ["a"] * 12, kind=["accepted"] * 12)
    assert model.linear_probabilities(X).sum() == 0 and model.linear_ is None  # 12 rows: too few
    model.partial_fit(unit(12, axes[1]), ["b"] * 12, kind=["accepted"] * 12)
    probabilities = model.linear_probabilities(X)
    head = model.linear_
    assert head is not None and head.rows == 24
    np.testing.assert_allclose(probabilities[:, :2].sum(axis=1), 1.0, rtol=1e-5)  # "c" has no rows
    assert np.all(probabilities[:, 2] == 0)
    np.testing.assert_allclose(model.decision_function(X), model._parts(X)[0] + 0.5 * probabilities, atol=1e-6)
    query = unit(1, axes[1])
    assert model.suggest(query, k=1)[0][0].code_id == "b"
    assert "a model of the 24 coded segments and examples gives it p = " in model.suggest(query, k=1)[0][0].reason
    model.partial_fit(unit(9, axes[0]), ["a"] * 9, kind=["accepted"] * 9)
    model.linear_probabilities(X)
    assert model.linear_ is head  # 9 more rows: under max(10, a tenth), the head is kept
    model.partial_fit(unit(1, axes[0]), ["a"], kind=["accepted"])
    model.linear_probabilities(X)
    assert model.linear_ is not head and model.linear_ is not None and model.linear_.rows == 34
    off = clone(model).set_params(linear_weight=0.0).fit(unit(3), ["a", "b", "c"], kind=["description"] * 3)
    off.partial_fit(unit(30, axes[0]), ["a"] * 15 + ["b"] * 15, kind=["accepted"] * 30)
    assert off.linear_probabilities(X).sum() == 0


def test_a_head_is_reused_only_for_the_rows_it_was_fitted_on() -> None:
    rng = np.random.default_rng(2)
    rows = rng.normal(size=(40, 16)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    codes = ["a", "b"] * 20

    def fitted(vectors: np.ndarray) -> CodeSuggester:
        model = CodeSuggester().fit(rows[:2], ["a", "b"], kind=["description"] * 2)
        model.partial_fit(vectors, codes, kind=["accepted"] * 40)
        model.refresh_linear()
        return model

    first = fitted(rows)
    same = fitted(rows)
    same.linear_ = first.linear_
    same.refresh_linear()
    assert same.linear_ is first.linear_  # the same rows: kept
    other = fitted(rows[::-1].copy())  # as many rows, not the same ones (another project, a retraction)
    other.linear_ = first.linear_
    other.refresh_linear()
    assert other.linear_ is not first.linear_ and other.linear_ is not None


def test_centred_on_the_projects_segments_and_the_name_view(encoder: Encoder) -> None:
    book = read_codebook(DEMO)
    texts, ids, kinds = training_items([(c, book.path(c.id)) for c in book.codable()])
    assert texts[:2] == [code_text(book.codable()[0], book.path(book.codable()[0].id)), book.codable()[0].name]
    keep = [i for i, k in enumerate(kinds) if k == "description"]  # no examples: scores are the prototypes'
    texts, ids, kinds = [texts[i] for i in keep], [ids[i] for i in keep], [kinds[i] for i in keep]
    C = encoder.encode(texts)
    S = encoder.encode(["We were scared to ask for help.", "The social worker changed every month.",
                        "The group met on Tuesdays."])
    centred = CodeSuggester().fit(C, ids, kind=kinds, segments=S)
    assert np.allclose(centred.center_, S.mean(axis=0))
    raw = CodeSuggester(center=False).fit(C, ids, kind=kinds, segments=S)
    assert raw.center_ is None and CodeSuggester().fit(C, ids, kind=kinds).center_ is None
    # scores are cosines of the centred vectors: the first view and the name, averaged
    unit = lambda v: v / np.linalg.norm(v, axis=-1, keepdims=True)
    x, mu = S[:1], S.mean(axis=0)
    first = [i for i, c in enumerate(ids) if c == ids[0]]
    prototype = unit(unit(C[first] - mu).sum(axis=0))
    assert np.isclose(centred.decision_function(x)[0, 0], float((unit(x - mu) @ prototype)[0]), atol=1e-5)
    one_view = CodeSuggester(name_view=False, center=False).fit(C, ids, kind=kinds)
    assert np.isclose(one_view.decision_function(x)[0, 0], float((x @ C[first[0]])[0]), atol=1e-5)


def test_the_leading_direction_is_dropped_between_segments_not_from_code_texts() -> None:
    # Two topics, and a voice (quotation vs prose) that moves every segment further than its topic does:
    # the project's leading direction. A prose paragraph on topic A is nearer the coded prose on topic B
    # than the coded quotation on topic A, until that direction is dropped.
    rng = np.random.default_rng(3)
    dim = 24
    topic_a, topic_b, voice = np.eye(dim)[0], np.eye(dim)[1], np.eye(dim)[2]

    def segment(topic: np.ndarray, quote: bool) -> np.ndarray:
        v = topic + (3.0 if quote else -3.0) * voice + 0.05 * rng.normal(size=dim)
        return (v / np.linalg.norm(v)).astype(np.float32)

    pool = np.array([segment(t, q) for t in (topic_a, topic_b) for q in (True, False) for _ in range(20)])
    names = np.array([np.eye(dim)[3], np.eye(dim)[4]], dtype=np.float32)  # code texts unrelated to either
    quote_a, prose_b, query = segment(topic_a, True), segment(topic_b, False), segment(topic_a, False)

    def scores(drop: int, learned: bool) -> np.ndarray:
        model = CodeSuggester(n_neighbors=1, linear_weight=0.0, lexical_weight=0.0, drop_components=drop)
        model.fit(names, ["a", "b"], kind=["description"] * 2, segments=pool)
        if learned:
            model.partial_fit(np.array([quote_a, prose_b]), ["a", "b"], kind=["accepted"] * 2)
        return np.asarray(model.decision_function(query[None, :])[0])

    assert np.allclose(scores(0, learned=False), scores(1, learned=False))  # code texts: unchanged
    kept, dropped = scores(0, learned=True), scores(1, learned=True)
    assert kept[1] > kept[0]  # the voice decides: prose meets prose
    assert dropped[0] > dropped[1]  # the topic decides
    components = CodeSuggester().fit(names, ["a", "b"], kind=["description"] * 2, segments=pool).components_
    assert components is not None and abs(float(components[0] @ voice)) > 0.9
    few = CodeSuggester().fit(names, ["a", "b"], kind=["description"] * 2, segments=pool[::8])  # 10 segments
    assert few.components_ is None  # a handful of segments: their leading direction is their topic, kept


def test_a_rejection_lowers_the_code_for_near_identical_segments_only() -> None:
    """"I told you this text is not X": a rejected code drops for a near-duplicate of the rejected
    segment; a segment that only shares a topic with it keeps its ranking (a penalty for any segment
    closer to the rejected one than to the code's examples lowered online-reject top-3, coding.md)."""
    dim = 8
    e = np.eye(dim, dtype=np.float32)

    def unit(v: np.ndarray) -> np.ndarray:
        return (v / np.linalg.norm(v)).astype(np.float32)[None, :]

    model = CodeSuggester(n_neighbors=1).fit(e[:3], ["x", "y", "z"], kind=["description"] * 3)
    rejected = unit(e[3] + 0.2 * e[0])  # scored x first (its description is the closest)
    assert model.predict(rejected)[0] == "x"
    near = unit(e[3] + 0.2 * e[0] + 0.05 * e[4])  # the same text, a word changed
    # shares the rejected segment's topic (cosine 0.5), closer to it than to x's description
    cos = 0.5
    other = unit(cos * rejected[0] + np.sqrt(1 - cos**2) * unit(e[5] + 0.1 * e[1])[0])
    assert float(other[0] @ rejected[0]) == pytest.approx(cos, abs=1e-5)
    assert float(other[0] @ rejected[0]) > float(other[0] @ e[0])
    X = np.vstack([near, other])
    before = model.decision_function(X)
    model.partial_fit(rejected, ["x"], kind=["rejected"])
    after = model.decision_function(X)
    assert after[0, 0] < before[0, 0] and model.predict(near)[0] != "x"
    np.testing.assert_array_equal(after[1], before[1])
    assert list(np.argsort(-after[1])) == list(np.argsort(-before[1]))


def test_a_score_a_hair_below_zero_is_shown_as_zero() -> None:
    """The page and `code suggest` print two decimals; "-0.00" read as a fault."""
    assert [Suggestion("c", score, "").shown_score for score in (-0.004, 0.004, -0.02, 0.5)] == [
        "0.00", "0.00", "-0.02", "0.50"]
