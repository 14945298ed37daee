"""Segmentation into paragraphs and sentences, offsets kept, quotations whole."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.language import Language

from triage.coding.segments import paragraph_spans, quote_spans, segment_text
from triage.text import load_nlp


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_nlp()


def sentences(nlp: Language, text: str) -> list[str]:
    return [s.text for s in segment_text(nlp, text) if s.kind == "sentence"]


def test_quote_with_inner_full_stop_stays_whole(nlp: Language) -> None:
    text = '"I felt alone. Nobody came," said one mother. Then she left.'
    assert sentences(nlp, text) == ['"I felt alone. Nobody came," said one mother.', "Then she left."]


def test_curly_quotes_openers_and_attribution(nlp: Language) -> None:
    text = "Parents described fear. “They will take him. I knew it.” (Mother, Study 2) Practitioners agreed."
    assert sentences(nlp, text) == [
        "Parents described fear.", "“They will take him. I knew it.” (Mother, Study 2)", "Practitioners agreed."]


def test_single_quotes_and_apostrophes(nlp: Language) -> None:
    text = "She said ‘I didn’t know. Nobody told me.’ It was hard for parents’ children."
    assert sentences(nlp, text) == ["She said ‘I didn’t know. Nobody told me.’", "It was hard for parents’ children."]


def test_paragraphs_headings_and_block_quotes(nlp: Language) -> None:
    text = "## Fear\n\nFirst point. Second point.\n\n> I was scared. Really scared.\n> Every day.\n(P15)\n"
    segs = segment_text(nlp, text)
    assert [(s.kind, s.paragraph) for s in segs] == [
        ("heading", 0), ("paragraph", 1), ("sentence", 1), ("sentence", 1), ("paragraph", 2), ("sentence", 2)]
    assert segs[-1].quote and segs[-1].text.endswith("(P15)")
    assert paragraph_spans("a\n\n\n  b  \n") == [(0, 1), (6, 7)]


def test_quote_spans() -> None:
    assert quote_spans('He said "no" and “yes”.') == [(8, 12), (17, 22)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Parents", "said", "“I", "was", "alone.", "Nobody", "came.”", '"We', "left.",
                                 "(P3)", "didn’t", "‘no.’", "\n\n", "\n", "Yes!", ">"]), max_size=40))
def test_offsets_always_point_into_the_text(nlp: Language, words: list[str]) -> None:
    text = " ".join(words)
    segs = segment_text(nlp, text)
    last_end = -1
    for seg in segs:
        assert text[seg.start:seg.end] == seg.text and seg.text.strip()
        if seg.kind == "sentence":
            assert seg.start >= last_end  # sentences never overlap
            last_end = seg.end
    # every non-space character of every paragraph lies in exactly one sentence or heading
    covered = sum(len(s.text.replace(" ", "").replace("\n", "")) for s in segs if s.kind != "paragraph")
    assert covered == len(text.replace(" ", "").replace("\n", ""))


@pytest.mark.parametrize(("text", "expected"), [
    ("Most studies were qualitative (Fig. 2). Ten used surveys.",
     ["Most studies were qualitative (Fig. 2).", "Ten used surveys."]),
    ("Smith et al. found that siblings cared. Others did not.",
     ["Smith et al. found that siblings cared.", "Others did not."]),
    ("Smith et al. (2019) found the same. Others did not.",
     ["Smith et al. (2019) found the same.", "Others did not."]),
    ("Most were women (n = 12; approx. 60%). Ages ranged from 18 to 65 yrs. Most lived at home.",
     ["Most were women (n = 12; approx. 60%).", "Ages ranged from 18 to 65 yrs.", "Most lived at home."]),
    ("Some reported stigma [refs. 3, 4]. Others reported support.",
     ["Some reported stigma [refs. 3, 4].", "Others reported support."]),
])
def test_no_sentence_ends_at_an_abbreviation_or_inside_brackets(nlp: Language, text: str, expected: list[str]) -> None:
    """The blank pipeline's sentencizer splits after every full stop ("(Fig." | "2)."); coders
    would be shown half sentences."""
    assert sentences(nlp, text) == expected


def test_a_sentence_ending_in_et_al_before_a_capital_stays_apart(nlp: Language) -> None:
    text = "It was reported by Smith et al. Siblings also cared. An unclosed (bracket. Then more."
    assert sentences(nlp, text) == [
        "It was reported by Smith et al.", "Siblings also cared.", "An unclosed (bracket.", "Then more."]
