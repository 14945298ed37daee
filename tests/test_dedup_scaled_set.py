"""The scaled dedup set's generator (evaluation/bench_dedup.py ``build_scaled``): a copy
is a different publication, so every page range moves, abbreviated ones included."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from _evaluation_support import load_evaluation_script

from triage.records.normalize import expand_pages


@pytest.fixture(scope="module")
def bench(repo_root: Path) -> ModuleType:
    return load_evaluation_script(repo_root, "bench_dedup")


@pytest.mark.parametrize(("pages", "shifted"), [
    ("291-296", "328-333"),
    ("1126-33", "1163-70"),   # Medline's abbreviated range: it stayed "1126-33" in every copy
    ("1198-9", "1235-6"),     # abbreviated across a hundred
    ("45", "82"),
    ("e1234", "e1271"),       # an article number moves too: a copy is another article
    ("S109-S112", "S146-S149"),  # a supplement's pages move with their plain export ("109-112")
    ("742-8; discussion 748-9", "779-85; discussion 785-6"),
    ("1-iv", "38-iv"),        # roman numerals stay
])
def test_a_copy_moves_every_page_range(bench: ModuleType, pages: str, shifted: str) -> None:
    assert bench._shift_pages(pages, 37) == shifted


def test_an_abbreviated_range_moves_with_the_range_it_stands_for(bench: ModuleType) -> None:
    for pages in ("1126-33", "98-102", "1355-6", "2141-2147"):
        full = expand_pages(pages)
        assert full is not None
        start, end = (int(p) for p in full.split("-"))
        assert expand_pages(bench._shift_pages(pages, 370)) == f"{start + 370}-{end + 370}"


def test_a_renamed_copy_keeps_spelling_variants_as_close_as_they_were(bench: ModuleType) -> None:
    # A word permutation sent "haemolytic" and "hemolytic" to two unrelated words; the
    # copy's letter cipher keeps every edit distance, so the copy's duplicates that
    # differ by a spelling differ by as much as the original's.
    import random

    from rapidfuzz.distance import Levenshtein

    cipher = bench._CopyCipher(bench._letter_cipher(random.Random(3)), frozenset({"syndrome"}), {})
    for a, b in (("haemolytic", "hemolytic"), ("randomised", "randomized"), ("mulić", "muli")):
        assert cipher[a] != a and cipher[b] != b
        assert len(cipher[a]) == len(a)
        assert Levenshtein.distance(cipher[a], cipher[b]) == Levenshtein.distance(a, b)
    assert cipher["syndrome"] == "syndrome"  # kept words stay themselves
    assert cipher["the"] == "the" or cipher["the"] not in bench._RESERVED
    other = bench._CopyCipher(bench._letter_cipher(random.Random(4)), frozenset(), {})
    assert other["haemolytic"] != cipher["haemolytic"]  # another copy, another word
