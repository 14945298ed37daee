"""At most ``max_per_theme`` codes of one theme among the suggestions (round 8 of issue 18): the cap changes which
codes are shown, never their scores or the first suggestion, leaves codes without a theme alone, and still
fills every place when too few themes are left."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from triage.coding.codebook import Codebook
from triage.coding.codebook_io import read_codebook
from triage.coding.evaluate import evaluate_coding, read_gold_segments
from triage.coding.suggest import CodeSuggester, code_themes, code_views, training_items
from triage.embeddings import Encoder, load_encoder

CODEBOOK = [
    {"id": "staff", "name": "Staff", "children": [
        {"id": "nurses", "name": "Nurses were kind"},
        {"id": "doctors", "name": "Doctors were kind"},
        {"id": "reception", "name": "Receptionists were kind"},
    ]},
    {"id": "waiting", "name": "Waiting", "children": [{"id": "waits", "name": "Long waits for an appointment"}]},
    {"id": "food", "name": "Food", "children": [{"id": "meals", "name": "Cold hospital meals"}]},
]
SEGMENT = "The nurses, the doctors and the receptionists were all very kind to me."


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load_encoder()


def _fitted(encoder: Encoder, book: Codebook, **params: object) -> CodeSuggester:
    pairs = [(c, book.path(c.id)) for c in book.codable()]
    texts, ids, kinds = training_items(pairs)
    return CodeSuggester(lexical_weight=0.0, **params).fit(encoder.encode(texts), ids, kind=kinds)  # type: ignore[arg-type]


def test_code_themes_names_the_code_each_code_stands_under() -> None:
    book = Codebook.from_list([*CODEBOOK, {"id": "loose", "name": "A code with no theme"}])
    themes = code_themes([(c, book.path(c.id)) for c in book.codable()])
    assert themes == {"nurses": "staff", "doctors": "staff", "reception": "staff", "waits": "waiting", "meals": "food"}
    assert code_views(book.get("nurses"), book.path("nurses"))[0] == "Staff: Nurses were kind"


def test_the_cap_keeps_scores_and_the_first_code_and_takes_a_third_theme(encoder: Encoder) -> None:
    book = Codebook.from_list(CODEBOOK)
    themes = code_themes([(c, book.path(c.id)) for c in book.codable()])
    free = _fitted(encoder, book, themes=themes, max_per_theme=0)
    capped = _fitted(encoder, book, themes=themes, max_per_theme=2)
    x = encoder.encode([SEGMENT])
    uncapped = [s.code_id for s in free.suggest(x, k=3)[0]]
    assert {themes[c] for c in uncapped} == {"staff"}  # the case the cap is for: one theme fills all three
    shown = capped.suggest(x, k=3)[0]
    assert [s.code_id for s in shown[:2]] == uncapped[:2]
    assert sum(themes[s.code_id] == "staff" for s in shown) == 2
    assert shown[2].code_id in ("waits", "meals")
    assert np.array_equal(free.decision_function(x), capped.decision_function(x))
    assert list(capped.rank(x, 3)[0]) == [list(capped.classes_).index(s.code_id) for s in shown]
    assert capped.predict(x)[0] == free.predict(x)[0]


def test_codes_without_a_theme_are_not_capped_and_every_place_is_filled(encoder: Encoder) -> None:
    # The staff codes at the top of the codebook (no theme), beside a theme with one code.
    flat = Codebook.from_list([dict(c) for c in CODEBOOK[0]["children"]] + [CODEBOOK[1]])  # type: ignore[index]
    x = encoder.encode([SEGMENT])
    free = _fitted(encoder, flat, max_per_theme=0).rank(x, 3)
    capped = _fitted(encoder, flat, themes=code_themes([(c, flat.path(c.id)) for c in flat.codable()]),
                     max_per_theme=1).rank(x, 3)
    assert np.array_equal(free, capped)
    # One theme only: the cap cannot be met, so the places are filled by score, as without it.
    book = Codebook.from_list([CODEBOOK[0]])
    themes = code_themes([(c, book.path(c.id)) for c in book.codable()])
    one_theme = _fitted(encoder, book, themes=themes, max_per_theme=1)
    assert np.array_equal(one_theme.rank(x, 3), _fitted(encoder, book, themes=themes, max_per_theme=0).rank(x, 3))
    assert len({s.code_id for s in one_theme.suggest(x, k=3)[0]}) == 3


def test_the_harness_tells_the_suggester_each_codes_theme(shared_data: Path, encoder: Encoder) -> None:
    """``evaluate_coding`` passes the codebook's themes, so ``max_per_theme`` reaches the suggestions it
    scores: on a real synthesis (online, one seed) one code a theme changes top-3 and never top-1."""
    data = shared_data / "coding" / "qes-siblings-mental-illness"
    book, gold = read_codebook(data / "codebook.json"), read_gold_segments(data / "segments.csv")
    free, capped = (evaluate_coding(book, gold, encoder, protocol="online", seeds=1, **params)
                    for params in ({"max_per_theme": 0, "adapt_steps": 0}, {"max_per_theme": 1, "adapt_steps": 0}))
    assert capped["top1"] == free["top1"]
    assert capped["top3"] != free["top3"]
