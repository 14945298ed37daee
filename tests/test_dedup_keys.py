"""Comparison keys: the ASCII fast path of fold_text, title notes, pages, surnames,
numbers; and the rules on numbers and years that rest on them."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from triage import dedup
from triage.dedup.keys import _pages, _surname, record_keys
from triage.dedup.match import Outcome, classify_pair
from triage.records.model import Record
from triage.records.normalize import fold_text


def slow_fold(value: str) -> str:
    """fold_text's character loop, without its fast path (reference implementation)."""
    import re

    text = re.sub(r"</?[a-zA-Z][^>]{0,40}>", " ", value)
    text = unicodedata.normalize("NFKD", text)
    out = [" " if unicodedata.category(ch)[0] not in "LN" else ch.lower() for ch in text
           if unicodedata.category(ch) != "Mn"]
    return " ".join("".join(out).split())


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters="\\{}$")))
def test_fold_text_fast_path_equals_the_character_loop(text: str) -> None:
    assert fold_text(text) == slow_fold(text)


def test_title_notes_are_cut_and_corrections_marked() -> None:
    article = record_keys(0, Record(title="Long-term effect of eculizumab.[Erratum appears in Am J Hematol. 2010]"))
    review = record_keys(0, Record(title="Update on HPV infection. [Review] [33 refs]"))
    correction = record_keys(0, Record(title="Long-term effect of eculizumab (vol 85, pg 553, 2010)"))
    assert (article.title, article.erratum) == ("long term effect of eculizumab", False)
    assert review.title == "update on hpv infection"
    assert (correction.title, correction.erratum) == ("long term effect of eculizumab", True)


def test_pages_compare_on_digit_cores_and_all_ranges() -> None:
    assert _pages("123-9") == ("123", "129", frozenset({"123"}))
    assert _pages("S33-38")[0] == _pages("33-38")[0] == "33"
    assert _pages('"230-5, 246-51, 233-8"')[2] == _pages("233-238+230-235+246-251")[2]
    assert _pages("Suppl-29") == ("", "", frozenset())  # garbled: unknown, not a conflict


def test_surnames_ignore_suffixes_and_trailing_commas() -> None:
    assert _surname("Wright Jr., T C") == "wright"
    assert _surname("Zheng C,") == "zheng"


def test_titles_with_different_numbers_are_not_merged() -> None:
    base = {"authors": ["Galliers, B."], "year": 2009, "journal": "J Strateg Inf Syst", "pages": "1-2"}
    a = Record(title="JSIS editorial on platform research, March 2009", **base)  # type: ignore[arg-type]
    b = Record(title="JSIS editorial on platform research, March 2010", **base)  # type: ignore[arg-type]
    first = Record(title="Introduction to the first issue of volume 27 of the journal", **base)  # type: ignore[arg-type]
    second = Record(title="Introduction to the second issue of volume 27 of the journal", **base)  # type: ignore[arg-type]
    assert classify_pair(record_keys(0, a), record_keys(1, b)).outcome is not Outcome.DUPLICATE
    assert classify_pair(record_keys(0, first), record_keys(1, second)).outcome is not Outcome.DUPLICATE


def test_a_years_difference_needs_the_same_volume_or_pages() -> None:
    title = "Plasma therapy in atypical haemolytic uremic syndrome: lessons from a family"
    abstract = Record(title=title, authors=["Davin, J. C."], year=2007, journal="Pediatric Nephrology")
    article = Record(title=title, authors=["Davin, J. C."], year=2008, journal="Pediatric Nephrology", pages="1517-21")
    online = Record(title=title, authors=["Davin, J. C."], year=2007, journal="Pediatr Nephrol", pages="1517-1521")
    assert classify_pair(record_keys(0, abstract), record_keys(1, article)).outcome is Outcome.POSSIBLE
    assert classify_pair(record_keys(0, online), record_keys(1, article)).outcome is Outcome.DUPLICATE


def test_public_names_are_pinned() -> None:
    assert sorted(dedup.__all__) == [
        "DedupResult", "Outcome", "PairFinding", "Verdict", "classify_pair", "find_duplicates", "run_dedup",
        "undo_last_run", "undo_merge_id",
    ]


def test_trap_markers_need_their_punctuation_or_position() -> None:
    def keys(title: str):  # type: ignore[no-untyped-def]
        return record_keys(0, Record(title=title))

    assert keys("Correction: Eculizumab in aHUS").erratum and not keys("Correction of scoliosis in adults").erratum
    assert keys("Re: Eculizumab in aHUS").comment and not keys("Re-evaluation of HPV testing").comment
    assert keys("Atypical HUS and streptococcus - Reply").comment
    assert not keys("Success and scale in response to humanitarian events").comment
