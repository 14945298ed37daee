"""Format and database detection, and the smaller readers (TSV, Excel, MEDLINE, EndNote)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from triage.records.database import detect_database
from triage.records.load import read_file
from triage.records.tabular import split_authors


def test_source_overrides_detected_database(shared_data: Path) -> None:
    path = shared_data / "exports" / "ris" / "asreview_embase.ris"
    result = read_file(path, source="My Embase search")
    assert result.database == "My Embase search"
    assert {r.provenance.database for r in result.records if r.provenance} == {"My Embase search"}


def test_fmt_overrides_extension(tmp_path: Path) -> None:
    path = tmp_path / "export.dat"
    path.write_text("TY  - JOUR\nTI  - Given format\nER  - \n", encoding="utf-8")
    assert read_file(path, fmt="ris").records[0].title == "Given format"
    assert read_file(path).format == "ris", "content sniffing finds RIS without an extension"


@pytest.mark.parametrize(
    ("text", "database"),
    [
        ("TY  - JOUR\nDB  - Embase\nER  - \n", "Embase"),
        ("TY  - JOUR\nAN  - WOS:000123\nER  - \n", "Web of Science"),
        ("PMID- 123\nTI  - x\n", "PubMed"),
        ("TY  - JOUR\nUR  - https://www.scopus.com/inward/record.uri?eid=2\nER  - \n", "Scopus"),
        ("TY  - JOUR\nDA  - 2019///\nER  - \n", "Zotero"),
        ("TY  - JOUR\nTI  - nothing telling\nER  - \n", None),
    ],
)
def test_detect_database(text: str, database: str | None) -> None:
    assert detect_database(text) == database


def test_tsv_and_semicolon_csv(tmp_path: Path) -> None:
    tsv = tmp_path / "savedrecs.tsv"
    tsv.write_text(
        "PT\tAU\tTI\tSO\tPY\tDI\tUT\nJ\tLee, K; Park, S\tA title\tA JOURNAL\t2020\t10.1/x\tWOS:1\n",
        encoding="utf-8",
    )
    result = read_file(tsv)
    rec = result.records[0]
    assert (result.database, rec.authors, rec.journal, rec.year) == (
        "Web of Science",
        ["Lee, K", "Park, S"],
        "A JOURNAL",
        2020,
    )
    semi = tmp_path / "excel-europe.csv"
    semi.write_text("Title;Authors;Year\nSemicolon title;Ann Lee;2001\n", encoding="utf-8")
    assert read_file(semi).records[0].title == "Semicolon title"


def test_csv_row_with_extra_values_is_kept_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("title,year\nFirst,2020\nSecond,2021,stray\n", encoding="utf-8")
    result = read_file(path)
    assert [r.title for r in result.records] == ["First", "Second"]
    assert result.records[1].raw["extra_1"] == "stray"
    (problem,) = result.problems
    assert (problem.line, problem.record, problem.severity) == (3, 2, "warning")
    assert (
        problem.message == "row has 3 values but the header has 2; extra values kept in raw as 'extra_1', ..."
    )


def test_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "covidence.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Title", "Authors", "Published Year", "Covidence #", "Notes"])
    sheet.append(["Excel record", "Ann Lee, Bo Chan", 2019, "#12", None])
    workbook.create_sheet("Empty")  # nothing on it: no warning
    workbook.create_sheet("Excluded").append(["Title"])
    workbook.save(path)
    result = read_file(path)
    (rec,) = result.records
    assert (result.format, result.database) == ("xlsx", "Covidence")
    assert (rec.title, rec.authors, rec.year, rec.notes) == (
        "Excel record",
        ["Ann Lee", "Bo Chan"],
        2019,
        None,
    )
    assert rec.raw["Covidence #"] == "#12"
    assert rec.provenance is not None and rec.provenance.line == 2  # its row in Excel
    (problem,) = result.problems
    assert (problem.severity, problem.message) == (
        "warning",
        "only the first sheet 'Sheet' was read; other sheets ignored: Excluded",
    )


def test_wos_tab_delimited_txt_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "savedrecs.txt"
    path.write_text("PT\tAU\tTI\tPY\tUT\nJ\tLee, K\tTab title\t2021\tWOS:2\n", encoding="utf-8-sig")
    result = read_file(path)
    assert (result.format, result.database, result.records[0].title) == ("tsv", "Web of Science", "Tab title")


@pytest.mark.parametrize(
    ("cell", "separator", "authors"),
    [
        ("Smith, J", "auto", ["Smith, J"]),
        ("Smith, J; Doe, A", "auto", ["Smith, J", "Doe, A"]),
        ("Liu R., Adler D.G.", "auto", ["Liu R.", "Adler D.G."]),
        ("Smith, John, Doe, Jane", "auto", ["Smith, John, Doe, Jane"]),  # ambiguous: kept whole
        ("Smith A, Walter B", ", ", ["Smith A", "Walter B"]),
        ("A Smith and B Jones", " and ", ["A Smith", "B Jones"]),
        ("Andy SmithTom Weber", "none", ["Andy SmithTom Weber"]),
    ],
)
def test_split_authors(cell: str, separator: str, authors: list[str]) -> None:
    assert split_authors(cell, separator) == authors


def test_medline_continuation_lines(tmp_path: Path) -> None:
    path = tmp_path / "pubmed.nbib"
    path.write_text(
        "PMID- 31000001\nTI  - A long title that\n      wraps here.\nAU  - Smith J\nFAU - Smith, John\n"
        "AID - 10.1000/xyz [doi]\nDP  - 2019 Mar\n\nPMID- 31000002\nTI  - Second\n",
        encoding="utf-8",
    )
    result = read_file(path)
    first, second = result.records
    assert (first.title, first.authors, first.doi, first.year) == (
        "A long title that wraps here.",
        ["Smith, John"],
        "10.1000/xyz",
        2019,
    )
    assert (second.pmid, second.provenance.line if second.provenance else None) == ("31000002", 9)
    assert result.database == "PubMed"
