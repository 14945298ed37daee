"""Codebook files: JSON, TOML, CSV and REFI-QDA .qdc, round trips and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from triage.coding.codebook import Codebook
from triage.coding.codebook_io import adopt_ids, from_qdc, read_codebook, to_qdc, write_codebook
from triage.errors import InputError

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo" / "coding" / "codebook.json"
DATA = Path(__file__).resolve().parent / "data" / "coding"


def demo() -> Codebook:
    return read_codebook(DEMO)


def test_json_is_the_issue_shape() -> None:
    book = demo()
    assert book.to_list() == json.loads(DEMO.read_text(encoding="utf-8"))
    assert len(book.codable()) == 12
    assert [c.name for c in book.path("fear-of-removal")] == [
        "Living under scrutiny", "Fear and stigma", "Fear of child removal"]


def test_shared_codebook_reads(shared_data: Path) -> None:
    path = shared_data / "coding" / "nhs-patient-feedback" / "codebook.json"
    book = read_codebook(path)
    assert len(book.roots) == 13 and len(book.codable()) == 49
    assert book.to_list() == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("suffix", [".json", ".toml", ".csv", ".qdc"])
def test_round_trip_every_format(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"book{suffix}"
    write_codebook(demo(), out)
    again = read_codebook(out)
    if suffix == ".qdc":  # .qdc has GUIDs, not ids: the project's codebook gives them back
        assert again.codable()[0].id == "fear-of-child-removal"
        again = adopt_ids(again, demo())
    assert again.to_list() == demo().to_list()


def test_qdc_matches_the_refi_schema_structure(tmp_path: Path) -> None:
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi-codebook-structure.xsd")))
    doc = etree.fromstring(to_qdc(demo()))
    schema.assertValid(doc)
    ns = {"q": "urn:QDA-XML:codebook:1.0"}
    assert len(doc.findall(".//q:Code", ns)) == 18
    assert doc.findall(".//q:Code[@isCodable='true']", ns)[0].get("name") == "Fear of child removal"
    # a file from another tool (braced GUID, colour, Sets) is valid and reads too
    schema.assertValid(etree.parse(str(DATA / "other-tool.qdc")))


def test_qdc_export_reimports_identically(tmp_path: Path) -> None:
    book = demo()
    book.rename("fear-of-removal", "Fear of losing the children")  # id no longer the slug of the name
    first = to_qdc(book)
    again = adopt_ids(from_qdc(first), book)
    assert again.to_list() == book.to_list()
    assert to_qdc(again) == first
    write_codebook(again, tmp_path / "a.qdc")
    assert (tmp_path / "a.qdc").read_bytes() == first


def test_qdc_from_another_tool_keeps_guids() -> None:
    book = read_codebook(DATA / "other-tool.qdc")
    assert [c.id for c in book.codes()] == ["support", "peer-support", "peer-support-2"]
    assert book.get("support").description == "Any help parents received."
    assert book.get("support").guid == "{6F1C2A30-1B2C-4D5E-8F90-A1B2C3D4E5F6}"
    assert b'guid="{6F1C2A30-1B2C-4D5E-8F90-A1B2C3D4E5F6}"' in to_qdc(book)


def test_errors_name_file_and_fix(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_codebook(DATA / "broken.qdc")
    assert str(err.value).startswith("broken.qdc:5: invalid XML: ")
    assert str(err.value).endswith("; export the codebook again as .qdc")
    bad = tmp_path / "book.yaml"
    bad.write_text("x")
    with pytest.raises(InputError) as err:
        read_codebook(bad)
    assert str(err.value) == "book.yaml: unknown codebook format .yaml; use one of: .json, .toml, .csv, .qdc"
    orphan = tmp_path / "book.csv"
    orphan.write_text("id,name,parent\na,A,zzz\n")
    with pytest.raises(InputError, match="unknown parent 'zzz'"):
        read_codebook(orphan)
    nameless = tmp_path / "b.json"
    nameless.write_text('[{"id": "a"}]')
    with pytest.raises(InputError) as err:
        read_codebook(nameless)
    assert str(err.value) == "b.json: theme 1: code without a name; give every code a name"
    other = tmp_path / "x.qdc"
    other.write_text('<Project xmlns="urn:QDA-XML:project:1.0"/>')
    with pytest.raises(InputError, match="not <CodeBook>"):
        read_codebook(other)


def test_csv_as_nvivo_users_write_it(tmp_path: Path) -> None:
    """Names only, each subtheme naming its theme by name; one subtheme name under two themes."""
    path = tmp_path / "themes.csv"
    path.write_text(
        "name,parent\n"
        "Barriers,Staff\n"  # a child before its parent, named by name
        "Patients,\n"
        "Barriers,Patients\n"  # the same name under another theme
        "Feeling judged,Patients\n"
        "Staff,\n",
        encoding="utf-8",
    )
    book = read_codebook(path)
    assert [(c.name, [k.name for k in c.children]) for c in book.roots] == [
        ("Patients", ["Barriers", "Feeling judged"]), ("Staff", ["Barriers"])]
    barriers = [c for c in book.codes() if c.name == "Barriers"]
    assert len({c.id for c in barriers}) == 2
    assert {book.parent_of(c.id).name for c in barriers} == {"Patients", "Staff"}  # type: ignore[union-attr]


def test_csv_without_a_name_column_says_which_columns(tmp_path: Path) -> None:
    path = tmp_path / "themes.csv"
    path.write_text("Theme,Subtheme\nHome life,Bearing witness\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_codebook(path)
    text = str(err.value)
    assert "name" in text and "Theme" in text and "parent" in text
    assert "record 1" not in text


def test_csv_parent_named_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "themes.csv"
    path.write_text("id,name,parent\na,Barriers,\nb,Barriers,\nc,Cost,Barriers\n", encoding="utf-8")
    with pytest.raises(InputError, match="Barriers"):
        read_codebook(path)
