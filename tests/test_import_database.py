"""Which database wrote an export: read from the file's structure, never from its free text."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.records.database import detect_database
from triage.records.load import read_file


def _bib(**fields: str) -> str:
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields.items())
    return f"@article{{key1,\n  title = {{A title}},\n  year = {{2020}},\n{body}}}\n"


@pytest.mark.parametrize(
    ("text", "database"),
    [
        # BibTeX exports, told apart by the fields their exporter writes.
        ("@article{ WOS:000123,\nAuthor = {Smith, J},\nUnique-ID = {WOS:000123},\n}\n", "Web of Science"),
        ("@inproceedings{ ISI:000484,\nTitle = {{T}},\nUnique-ID = {{ISI:000484}},\n}\n", "Web of Science"),
        (_bib(document_type="Article", source="Scopus"), "Scopus"),
        (_bib(url="https://search.ebscohost.com/login.aspx?direct=true&db=psyh&AN=2019-1"), "EBSCO"),
        (_bib(url="https://www.proquest.com/scholarly-journals/x/docview/2214991469"), "ProQuest"),
        (_bib(**{"mendeley-tags": "depression"}), "Mendeley"),
        ("% This file was created with JabRef 5.1.\n" + _bib(), "JabRef"),
        (_bib(bibsource="dblp computer science bibliography, https://dblp.org"), "DBLP"),
        # Dimensions, Lens and CNKI.
        ("TY  - JOUR\nTI  - T\nUR  - https://app.dimensions.ai/details/publication/pub.1\nER  - \n", "Dimensions"),
        ('"About the data: Exported on Mar 04, 2021. \u00a9 2021 Digital Science & Research Solutions Inc."\n', "Dimensions"),
        ('"Lens ID","Title","Publication Year"\n"000-1","T","2020"\n', "Lens"),
        ("TY  - JOUR\nTI  - T\nUR  - https://lens.org/000-463-679-101-319\nER  - \n", "Lens"),
        ("%0 Journal Article\n%A 张伟\n%T 标题\n%W CNKI\n", "CNKI"),
    ],
)
def test_detected_from_structure(text: str, database: str) -> None:
    assert detect_database(text) == database


@pytest.mark.parametrize(
    "text",
    [
        # An abstract that lists the databases searched names no exporter.
        "TY  - JOUR\nTI  - A review\nAB  - We searched IEEE Xplore, JSTOR and Scopus.\nER  - \n",
        # One record of three links to JSTOR: a library that holds a JSTOR paper, not a JSTOR export.
        ("TY  - JOUR\nTI  - A\nUR  - https://www.jstor.org/stable/1\nER  - \n\nTY  - JOUR\nTI  - B\nER  - \n\n"
        "TY  - JOUR\nTI  - C\nUR  - https://doi.org/10.1/x\nER  - \n"),
        # A BibTeX title that mentions a platform.
        _bib(note="Retrieved via Mendeley and ProQuest"),
    ],
)
def test_free_text_and_stray_links_name_no_database(text: str) -> None:
    assert detect_database(text) is None


def test_bibtex_export_imports_with_its_database(tmp_path: Path) -> None:
    path = tmp_path / "savedrecs.bib"
    path.write_text("@article{ WOS:000123,\nAuthor = {Smith, J},\nTitle = {{T}},\nUnique-ID = {WOS:000123},\n}\n")
    result = read_file(path)
    assert result.database == "Web of Science"
    assert result.records[0].provenance is not None and result.records[0].provenance.database == "Web of Science"


def test_dimensions_csv_with_its_note_above_the_header(tmp_path: Path) -> None:
    path = tmp_path / "Dimensions-Publication.csv"
    path.write_text(
        '"About the data: Exported on Mar 04, 2021. Criteria: ... \u00a9 2021 Digital Science & Research Solutions Inc."\n'
        '"Rank","Publication ID","DOI","Title","Abstract","Source title","PubYear","Pagination","Authors","Dimensions URL"\n'
        '"1","pub.1","10.1/x","Peer support","An abstract","BMJ","2020","12-19","Smith, Ann; Lee, Bo",'
        '"https://app.dimensions.ai/details/publication/pub.1"\n',
        encoding="utf-8",
    )
    result = read_file(path)
    (record,) = result.records
    assert result.database == "Dimensions"
    assert (record.title, record.year, record.pages, record.journal) == ("Peer support", 2020, "12-19", "BMJ")
    assert record.authors == ["Smith, Ann", "Lee, Bo"]
    assert [(p.line, p.severity) for p in result.problems] == [(1, "warning")]


def test_lens_csv(tmp_path: Path) -> None:
    path = tmp_path / "lens-export.csv"
    path.write_text(
        '"Lens ID","Title","Publication Year","Source Title","Author/s","Abstract","DOI"\n'
        '"000-463-679-101-319","Peer support","2019","BMJ","Ann Smith; Bo Lee","An abstract","10.1/y"\n',
        encoding="utf-8",
    )
    result = read_file(path)
    (record,) = result.records
    assert result.database == "Lens"
    assert (record.title, record.authors, record.doi) == ("Peer support", ["Ann Smith", "Bo Lee"], "10.1/y")
