"""Codebook edits (add, rename, merge, move) and their history."""

from __future__ import annotations

import pytest

from triage.coding.codebook import Code, Codebook, CodebookError, slugify


def small() -> Codebook:
    return Codebook.from_list([
        {"id": "fear", "name": "Fear", "children": [
            {"id": "removal", "name": "Fear of removal", "description": "Children taken into care."},
            {"id": "hiding", "name": "Hiding", "examples": ["I put on a show."]},
        ]},
        {"id": "support", "name": "Support", "children": [{"id": "peer", "name": "Peer support"}]},
    ])


def test_tree_reading() -> None:
    book = small()
    assert [c.id for c in book.codable()] == ["removal", "hiding", "peer"]
    assert [c.id for c in book.path("hiding")] == ["fear", "hiding"]
    assert book.get("removal").description == "Children taken into care."
    assert [(c.id, d) for c, _, d in book.walk()][:2] == [("fear", 0), ("removal", 1)]


def test_add_rename_move_merge_record_history() -> None:
    book = small()
    book.add(Code("stigma", "Stigma"), parent_id="fear")
    book.rename("peer", "Peer groups")
    book.move("stigma", "support")
    book.merge("hiding", "removal")
    assert [c.id for c in book.codable()] == ["removal", "peer", "stigma"]
    assert book.get("peer").name == "Peer groups"
    assert book.get("removal").examples == ["I put on a show."]
    assert book.get("hiding").id == "removal"  # merged ids redirect
    assert book.resolve("hiding") == "removal"
    assert [(c.action, c.code_id) for c in book.history] == [
        ("add", "stigma"), ("rename", "peer"), ("move", "stigma"), ("merge", "hiding")]
    assert book.history[1].detail == {"from": "Peer support", "to": "Peer groups"}


def test_moving_a_theme_makes_codes_codable_again() -> None:
    book = small()
    book.move("peer", None)
    assert book.get("support").codable and book.get("peer").codable


def test_errors() -> None:
    book = small()
    with pytest.raises(CodebookError) as err:
        book.get("nope")
    assert str(err.value) == "no code 'nope' in the codebook; see 'triage codebook show' for ids"
    with pytest.raises(CodebookError, match="used already"):
        book.add(Code("peer", "Again"))
    with pytest.raises(CodebookError, match="under itself"):
        book.move("fear", "removal")
    with pytest.raises(CodebookError, match="into itself"):
        book.merge("peer", "peer")
    with pytest.raises(CodebookError, match="used twice"):
        Codebook.from_list([{"id": "a", "name": "A"}, {"id": "a", "name": "B"}])
    with pytest.raises(CodebookError, match="without a name"):
        Codebook.from_list([{"id": "a"}])


def test_slugify() -> None:
    assert slugify("Access to medical care & support") == "access-to-medical-care-support"
    assert slugify("!!!") == "code"
