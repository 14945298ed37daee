"""The screening cycle: teach/forget/next/scores/explain on a small real-text corpus."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from triage.criteria import load_criteria
from triage.errors import TriageError
from triage.ranking.cycle import ScreeningCycle
from triage.ranking.presets import load_preset
from triage.records.model import Record

RELEVANT = [
    "Mothers with depression and child protection services: a qualitative interview study",
    "Fathers with mental illness describe support from social workers in child welfare",
    "Parents with psychosis and custody proceedings: practitioners' views on support",
    "Experiences of parenting support for mothers with postnatal depression in social care",
    "Social workers supporting parents with bipolar disorder: focus groups",
]
IRRELEVANT = [
    "Soil nitrogen dynamics under winter wheat rotations",
    "A faster algorithm for sparse matrix multiplication on GPUs",
    "Bridge corrosion monitoring with fibre optic sensors",
    "Bird migration timing and spring temperatures in northern Europe",
    "Lithium battery degradation at low temperatures",
    "Coral reef bleaching events and ocean heat waves",
    "Traffic flow prediction with recurrent neural networks",
    "Ancient Roman pottery trade routes in the Mediterranean",
    "Crop yield forecasting from satellite images",
    "Protein folding simulations with coarse-grained models",
]


def corpus() -> tuple[list[Record], np.ndarray]:
    records = [Record(title=t, abstract=f"{t}. We report findings about this topic.") for t in RELEVANT]
    records += [Record(title=t, abstract=f"{t}. We report findings about this topic.") for t in IRRELEVANT]
    records.append(Record(title="Mothers with depression: views on child welfare support"))  # no abstract
    labels = np.array([1] * len(RELEVANT) + [0] * len(IRRELEVANT) + [1])
    return records, labels


def test_cold_start_without_criteria_is_seeded_random() -> None:
    records, _ = corpus()
    first = ScreeningCycle(records, preset="elas_u4", random_state=7).next(5)
    again = ScreeningCycle(records, preset="elas_u4", random_state=7).next(5)
    assert first == again and len(set(first)) == 5
    assert ScreeningCycle(records, preset="elas_u4", random_state=7).is_cold


def test_training_ranks_relevant_records_first() -> None:
    records, _ = corpus()
    cycle = ScreeningCycle(records, preset="elas_u4", random_state=0)
    cycle.teach(0, 1)
    cycle.teach(5, 0)
    assert not cycle.is_cold
    top = cycle.next(4)
    assert set(top) <= {1, 2, 3, 4, 15}
    scores = cycle.scores()
    assert scores.shape == (16,) and np.all((scores >= 0) & (scores <= 1))
    assert 0 not in top and 5 not in top


def test_next_is_stable_until_a_decision_and_skips_labelled() -> None:
    records, labels = corpus()
    cycle = ScreeningCycle(records, preset="mixed", random_state=3)
    cycle.teach(0, 1)
    cycle.teach(6, 0)
    shown = cycle.next(1)
    assert cycle.next(1) == shown
    cycle.teach(shown[0], int(labels[shown[0]]))
    assert shown[0] not in cycle.next(15)
    assert len(cycle.next(100)) == 16 - 3


def test_teach_replaces_and_forget_unlabels() -> None:
    records, _ = corpus()
    cycle = ScreeningCycle(records, preset="elas_u4", random_state=0)
    cycle.teach(0, 1)
    cycle.teach(0, 0)
    assert cycle.labelled == {0: 0}
    cycle.forget(0)
    cycle.forget(0)  # forgetting twice is harmless
    assert cycle.labelled == {}
    with pytest.raises(TriageError, match=r"^label must be 1 \(include\) or 0 \(exclude\); got 2$"):
        cycle.teach(1, 2)
    with pytest.raises(TriageError, match=r"^record index 99 out of range 0\.\.15$"):
        cycle.teach(99, 1)


def test_simulation_finds_every_relevant_record_in_order() -> None:
    records, labels = corpus()
    for preset in ("default", "elas_u4", "uncertainty", "mixed", "random"):
        cycle = ScreeningCycle(records, preset=preset, random_state=1, embeddings=_fake_embeddings(records))
        cycle.teach(0, 1)
        cycle.teach(5, 0)
        seen = 2
        while cycle.next(1):
            index = cycle.next(1)[0]
            cycle.teach(index, int(labels[index]))
            seen += 1
        assert seen == len(records) and len(cycle.labelled) == len(records)


def _fake_embeddings(records: list[Record]) -> np.ndarray:
    """Deterministic unit vectors standing in for sentence embeddings (no model load)."""
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(records), 8)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_embeddings_of_wrong_length_are_refused() -> None:
    records, _ = corpus()
    with pytest.raises(TriageError) as info:
        ScreeningCycle(records, preset="elas_u4", embeddings=np.zeros((3, 8)))
    assert str(info.value) == "embeddings have 3 rows for 16 records; recompute the embeddings for these records"


def test_criteria_cold_start_and_explanation(shared_data: Path) -> None:
    criteria = load_criteria(shared_data.parent / "examples" / "criteria-parental-mental-health.toml")
    records, _ = corpus()
    cycle = ScreeningCycle(records, preset="elas_u4", criteria=criteria, random_state=0)
    top = cycle.next(6)
    assert set(top) == {0, 1, 2, 3, 4, 15}
    explanation = cycle.explain(15)
    assert explanation.has_abstract is False
    assert explanation.model == "elas_u4@1 (criteria)"
    assert explanation.rank is not None and explanation.rank <= 6
    terms = explanation.matched_terms()
    assert terms["perspective"] == ["mothers"]
    assert terms["context"] == ["depression"]
    title = records[15].title or ""
    for match in explanation.matches["setting"]:
        assert match.field == "title"
        assert title[match.start:match.end].lower() == match.term
    # "mothers" in the criteria matches "Mothers" by lemma and case; "views" matches "views".
    assert "views" in terms["evaluation"]
    cycle.teach(0, 1)
    cycle.teach(6, 0)
    trained = cycle.explain(1)
    assert trained.model == "elas_u4@1" and trained.matches["perspective"][0].term == "fathers"
    assert cycle.explain(0).rank is None


def test_inclusion_probabilities_undo_the_class_balancing() -> None:
    # 4 includes among 200 records: balanced training weighs each exclude 4/196 of an
    # include, so its raw probabilities promise many more includes than the corrected ones.
    words = ["postnatal depression mothers"] * 4 + [f"unrelated topic number {i}" for i in range(196)]
    records = [Record(title=t, abstract=t) for t in words]
    cycle = ScreeningCycle(records, random_state=0)
    for i in range(4):
        cycle.teach(i, 1)
    for i in range(4, 150):
        cycle.teach(i, 0)
    raw, corrected = cycle.scores(), cycle.inclusion_probabilities()
    assert corrected.shape == raw.shape
    assert np.all(corrected <= raw + 1e-12)
    # ranking unchanged: the correction is one shift of the log-odds
    assert np.array_equal(np.argsort(-raw[150:], kind="stable"), np.argsort(-corrected[150:], kind="stable"))
    assert corrected[150:].sum() < 0.5 * raw[150:].sum()


def test_a_record_without_any_text_sits_mid_queue_in_the_cold_start(shared_data: Path) -> None:
    criteria = load_criteria(shared_data.parent / "examples" / "criteria-parental-mental-health.toml")
    records, _ = corpus()
    records.append(Record(year=2020, authors=["Doe, J"]))  # neither title nor abstract
    cycle = ScreeningCycle(records, preset="tfidf", criteria=criteria, random_state=0)
    scores = cycle.scores()
    others = np.delete(scores, len(records) - 1)
    assert scores[-1] == pytest.approx(float(np.median(others)))
    assert scores[-1] > others.min()


def test_a_record_without_any_text_is_ranked_as_an_average_record_once_trained() -> None:
    # 30 records on the review's topic, 170 off it, 3 with no text at all. The model's
    # empty-text score would put the three last; they must come after the records the
    # model finds likelier than the review's include share (estimated from below by the
    # includes found) and before the off-topic tail.
    topic = [f"postnatal depression mothers child protection study {i}" for i in range(30)]
    other = [f"soil nitrogen wheat rotation field trial {i}" for i in range(170)]
    records = [Record(title=t, abstract=t) for t in topic + other]
    records += [Record(year=2001, authors=["Doe, J"]) for _ in range(3)]
    cycle = ScreeningCycle(records, preset="tfidf", random_state=0)
    for i in range(10):
        cycle.teach(i, 1)
    for i in range(30, 80):
        cycle.teach(i, 0)
    corrected = cycle.inclusion_probabilities()
    unscreened_text = [i for i in range(200) if i not in cycle.labelled]
    share = 10 / 200
    assert corrected[200:] == pytest.approx([share] * 3, rel=1e-6)
    ranks = sorted(r for r in (cycle.rank_of(i) for i in (200, 201, 202)) if r is not None)
    likelier = sum(1 for i in unscreened_text if corrected[i] > share)
    assert ranks == [likelier + 1, likelier + 2, likelier + 3]
    # The untaught on-topic records come first, the off-topic tail after the three.
    assert 20 <= likelier < len(unscreened_text)
    assert cycle.explain(200).has_text is False and cycle.explain(100).has_text is True


def test_the_criteria_order_carries_into_the_trained_ranking_and_fades(shared_data: Path) -> None:
    criteria = load_criteria(shared_data.parent / "examples" / "criteria-parental-mental-health.toml")
    records, _ = corpus()
    base = load_preset("tfidf")
    with_prior = replace(base, cold_start={**base.cold_start, "prior_weight": 1.0, "prior_fade_includes": 2.0})
    cold = ScreeningCycle(records, preset=with_prior, criteria=criteria, random_state=0).scores()
    shift = (cold - cold.mean()) / cold.std()
    plain = ScreeningCycle(records, preset=base, criteria=criteria, random_state=0)
    carried = ScreeningCycle(records, preset=with_prior, criteria=criteria, random_state=0)
    no_criteria = ScreeningCycle(records, preset=with_prior, random_state=0)
    words_only = ScreeningCycle(records, preset=base, random_state=0)

    def logit(p: np.ndarray) -> np.ndarray:
        return np.log(p / (1 - p))

    for cycle in (plain, carried, no_criteria, words_only):
        cycle.teach(0, 1)
        cycle.teach(5, 0)
    # One include found: weight 1 * 2 / (2 + 1) on the standardised criteria score.
    assert logit(carried.scores()) - logit(plain.scores()) == pytest.approx(2 / 3 * shift, abs=1e-6)
    assert carried.explain(1).model == "tfidf@1 (+ criteria)" and plain.explain(1).model == "tfidf@1"
    # Only the order shown moves: the stopping estimates read the model's own probabilities.
    assert carried.inclusion_probabilities() == pytest.approx(plain.inclusion_probabilities())
    # Without criteria there is nothing to carry.
    assert np.array_equal(no_criteria.scores(), words_only.scores())
    for cycle in (plain, carried):
        for index in (1, 2, 3):
            cycle.teach(index, 1)
    # Four includes found: the weight has faded to 2 / (2 + 4).
    assert logit(carried.scores()) - logit(plain.scores()) == pytest.approx(2 / 6 * shift, abs=1e-6)


def test_rank_of_counts_the_unlabelled_records_above_on_first_and_repeated_calls() -> None:
    records, labels = corpus()
    cycle = ScreeningCycle(records, preset="tfidf", random_state=0)
    for index in (0, 5, 6):
        cycle.teach(index, int(labels[index]))

    def counted(index: int) -> int:  # the definition, record by record
        ranked = cycle.scores() + 1e-9 * cycle._tiebreak
        return 1 + sum(1 for j in range(len(records)) if j not in cycle.labelled and ranked[j] > ranked[index])

    unlabelled = [i for i in range(len(records)) if i not in cycle.labelled]
    # The first call after a decision counts in one pass; later ones search the sorted scores.
    assert [cycle.rank_of(i) for i in unlabelled] == [counted(i) for i in unlabelled]
    assert sorted(cycle.rank_of(i) for i in unlabelled) == list(range(1, len(unlabelled) + 1))
    assert cycle.rank_of(0) is None
    cycle.teach(unlabelled[0], int(labels[unlabelled[0]]))  # new labels: ranks counted afresh
    assert [cycle.rank_of(i) for i in unlabelled[1:]] == [counted(i) for i in unlabelled[1:]]
