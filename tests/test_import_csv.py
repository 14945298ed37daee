"""Spreadsheet rows with a value more than the header: realigned by content, or refused; never stored shifted."""

from __future__ import annotations

import csv
from pathlib import Path

from triage.records.load import read_file

_SCOPUS = [
    "Authors", "Title", "Year", "Source title", "Volume", "DOI", "Link", "Abstract", "Funding Details",
    "Funding Text 1", "References", "Publisher", "ISSN", "PubMed ID", "Language of Original Document",
    "Abbreviated Source Title", "Document Type", "Source", "EID",
]


def _row(n: int, funding: list[str]) -> list[str]:
    return [
        f"Author{n} A.; Other{n} B.", f"Study number {n} of peer support in primary care", str(2010 + n), "BMJ Open",
        str(n), f"10.1136/bmjopen-2020-00{n}", f"https://www.scopus.com/inward/record.uri?eid=2-s2.0-8500{n}",
        f"Background of study {n}. Methods were mixed. Results and conclusions are reported at length here.",
        "National Institute for Health Research", *funding, f"Reference {n} one; Reference {n} two; Reference three",
        "BMJ Publishing Group", "20446055", f"3300{n}00", "English", "BMJ Open", "Article", "Scopus",
        f"2-s2.0-8500{n}",
    ]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([_SCOPUS, *rows])
    return path


def test_scopus_row_with_an_unnamed_funding_text_is_realigned(tmp_path: Path) -> None:
    good = [_row(n, ["Funded by the NIHR programme grant for applied research."]) for n in range(1, 6)]
    shifted = _row(6, ["Funded by the NIHR programme grant for applied research.", "Also funded by the charity."])
    result = read_file(_write(tmp_path / "scopus.csv", [*good[:3], shifted, *good[3:]]))
    assert len(result.records) == 6
    record = result.records[3]
    assert (record.pmid, record.language, record.publication_type) == ("3300600", "English", "Article")
    assert record.raw["Abbreviated Source Title"] == "BMJ Open"
    assert record.raw["EID"] == "2-s2.0-85006"
    assert record.raw["extra_1"] == "Also funded by the charity."
    (problem,) = result.problems
    assert (problem.line, problem.record, problem.severity) == (5, 4, "warning")
    assert "(after 'Funding Text 1') kept in raw as 'extra_1', ...; the values after it realigned" in problem.message


def test_row_whose_extra_value_cannot_be_placed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    # Any of p, q, r, s could be the surplus (the year column shows it is not 2022): refused.
    good = [f"a{n},b{n},c{n},{2000 + n}" for n in range(8)]
    path.write_text("\n".join(["title,second,third,year", *good[:2], "p,q,r,s,2022", *good[2:]]) + "\n", encoding="utf-8")
    result = read_file(path)
    assert [r.title for r in result.records] == [f"a{n}" for n in range(8)]
    (problem,) = result.problems
    assert (problem.line, problem.severity) == (4, "error")
    assert problem.message == (
        "row has 5 values but the header has 4, and which value has no column cannot be told from the content; "
        "row not imported"
    )


def test_row_with_several_values_too_many_at_its_end_keeps_them(tmp_path: Path) -> None:
    """Two unquoted values past the last column (found by mutating the shared exports: the
    problem line named a column past the header and the import ended in a traceback)."""
    path = tmp_path / "long.csv"
    path.write_text("Title,Authors,Year\nA study of things,Smith J,2020\n"
                    "Another study,Doe A,2019,extra one,extra two\nThird,Roe B,2018\n", encoding="utf-8")
    result = read_file(path)
    assert [r.title for r in result.records] == ["A study of things", "Another study", "Third"]
    assert (result.records[1].raw["extra_1"], result.records[1].raw["extra_2"]) == ("extra one", "extra two")
    (problem,) = result.problems
    assert (problem.line, problem.severity) == (3, "warning")
    assert problem.message.startswith("row has 5 values but the header has 3; extra values kept in raw")


def test_scopus_authors_with_generational_suffixes(tmp_path: Path) -> None:
    # Older Scopus CSVs separate authors with ", ": the suffix after a comma is part of the name.
    path = tmp_path / "scopus.csv"
    path.write_text(
        'Authors,Title,Year,Source title,EID\n"Barrow W.C., Jr., Thompson F.R., III, Liu R.",Birds,2019,Auk,2-s2.0-1\n'
        '"Barrow W.C., Jr.; Thompson F.R., III",Owls,2020,Auk,2-s2.0-2\n',
        encoding="utf-8",
    )
    first, second = read_file(path).records
    assert first.authors == ["Barrow W.C., Jr.", "Thompson F.R., III", "Liu R."]
    assert second.authors == ["Barrow W.C., Jr.", "Thompson F.R., III"]


def test_quote_never_closed_does_not_swallow_the_rows_after_it_silently(tmp_path: Path) -> None:
    # A stray opening quote made the csv module read the rest of the file as one value:
    # 4 rows, 2 records, no problem reported. The rows before it import; the user is told.
    path = tmp_path / "stray.csv"
    path.write_text(
        'title,year,abstract\nFirst title,2020,"fine"\nSecond title,2021,"open never closed\n'
        "Third title,2022,ok\nFourth title,2023,ok\n",
        encoding="utf-8",
    )
    result = read_file(path)
    assert [r.title for r in result.records] == ["First title"]
    (problem,) = result.problems
    assert (problem.line, problem.severity) == (3, "error")
    assert "never closed" in problem.message and "lines 3-5" in problem.message
    assert "sources remove" in (problem.hint or "")


def test_csv_export_cut_short_inside_an_abstract_is_reported(shared_data: Path, tmp_path: Path) -> None:
    data = (shared_data / "exports" / "other" / "asreview_embase.csv").read_bytes()
    path = tmp_path / "cut.csv"
    path.write_bytes(data[:5000])  # ends inside the second record's quoted abstract
    result = read_file(path)
    assert len(result.records) == 1
    assert result.records[0].title
    (problem,) = result.problems
    assert problem.severity == "error" and "never closed" in problem.message


def test_zotero_csv_keeps_type_tags_and_the_pmid_in_extra(tmp_path: Path) -> None:
    """Zotero's CSV export: "Item Type" journalArticle is a journal article (it was written back
    as RIS GEN), "Manual Tags" are the keywords, and the PMID Zotero keeps in "Extra" is the
    record's PMID (it was left in raw, so dedup could not match it with PubMed's copy)."""
    from triage.records.load import read_file
    from triage.records.writers import ExportItem, render_records

    path = tmp_path / "zotero.csv"
    path.write_text(
        '"Key","Item Type","Publication Year","Author","Title","Publication Title","DOI","Abstract Note",'
        '"Pages","Issue","Volume","Extra","Manual Tags","Automatic Tags"\n'
        '"ABCD1234","journalArticle","2020","Smith, John; Doe, Jane","Mothers\' experiences of support",'
        '"Journal of Family Studies","10.1000/xyz123","We interviewed mothers.","12-20","2","15",'
        '"Publisher: Wiley\nPMID: 31234567","qualitative; mothers","Humans; Female"\n'
        '"EFGH5678","bookSection","2019","Lee, Ann","A chapter on fathers","Handbook","","","","","","","",""\n',
        encoding="utf-8",
    )
    result = read_file(path)
    assert result.problems == [] and result.database == "Zotero"
    article, chapter = result.records
    assert (article.pmid, article.authors, article.keywords) == (
        "31234567", ["Smith, John", "Doe, Jane"], ["qualitative", "mothers"])
    assert (article.publication_type, chapter.publication_type) == ("journalArticle", "bookSection")
    assert article.raw["Automatic Tags"] == "Humans; Female"
    ris = render_records([ExportItem(r) for r in result.records], "ris")
    assert ris.count("TY  - JOUR") == 1 and ris.count("TY  - CHAP") == 1 and "AN  - 31234567" in ris
    bib = render_records([ExportItem(r) for r in result.records], "bibtex")
    assert bib.count("@article{") == 1 and bib.count("@incollection{") == 1
