"""Criteria scores: lemma matches with offsets per element, and the cold-start combination."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from triage.criteria import Criteria, load_criteria
from triage.ranking.criteria_scores import CriteriaScorer, Match
from triage.records.model import Record
from triage.text import load_nlp


@pytest.fixture(scope="module")
def scorer(shared_data: Path) -> CriteriaScorer:
    criteria: Criteria = load_criteria(shared_data.parent / "examples" / "criteria-parental-mental-health.toml")
    return CriteriaScorer(criteria, load_nlp())


def test_plural_and_capitalised_words_match_by_lemma(scorer: CriteriaScorer) -> None:
    record = Record(
        title="Mothers and Social Workers in Child Protection",
        abstract="We interviewed fathers with schizophrenia. Their mothers were not interviewed.",
    )
    result = scorer.lexical([record])
    found = result.matches[0]
    assert [(m.field, m.term) for m in found["perspective"]] == [
        ("title", "mothers"), ("title", "social workers"), ("abstract", "fathers"), ("abstract", "mothers")
    ]
    assert found["setting"] == [Match(30, 46, "child protection", "title")]
    assert found["evaluation"] == [Match(3, 14, "interviews", "abstract"), Match(66, 77, "interviews", "abstract")]
    for element_matches in found.values():
        for match in element_matches:
            text = getattr(record, match.field)
            assert text[match.start:match.end].lower().startswith(match.term.split()[0][:4])


def test_scores_rise_with_distinct_phrases_and_title_counts_more(scorer: CriteriaScorer) -> None:
    records = [
        Record(title="Depression in mothers"),
        Record(title="A study", abstract="Depression in mothers"),
        Record(title="A study", abstract="Depression in mothers, with anxiety and psychosis"),
        Record(title="Soil nitrogen"),
    ]
    scores = scorer.lexical(records).scores
    context = scorer.elements.index("context")
    assert scores.shape == (4, 5)
    assert scores[0, context] > scores[1, context] > 0
    assert scores[2, context] > scores[1, context]
    assert np.all(scores[3] == 0) and np.all(scores < 1)


def test_combine_averages_elements_and_semantic_percentiles() -> None:
    lexical = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    assert CriteriaScorer.combine(lexical, None).tolist() == [1.0, 0.5, 0.0]
    semantic = np.array([[0.1, 0.2], [0.3, 0.4], [0.2, 0.3]])
    combined = CriteriaScorer.combine(lexical, semantic, semantic_weight=0.5)
    assert combined.tolist() == pytest.approx([0.5, 0.75, 0.25])
    assert CriteriaScorer.combine(np.zeros((0, 2)), None).shape == (0,)
