"""Found importing every file of ../shared/data/exports as a new user: fields stored wrongly,
or warnings about what is no fault of the file. Each test reads the real export and what
triage stores and exports of it (raw tags kept as they were)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from triage.records.load import read_file
from triage.records.normalize import normalize_doi
from triage.records.writers import ExportItem, render_records

_BARE_DOI = re.compile(r"10\.\d{4,9}/\S+")


@pytest.mark.parametrize(("name", "with_url"), [
    ("ris/asreview_ovid_psycinfo.ris", 6), ("ris/asreview_proquest.ris", 6), ("ris/colrev_abi_inform_proquest_ris.ris", 1),
    ("ris/rispy_example_empty_tag.ris", 1), ("bib/colrev_wiley_bib.bib", 2),
])
def test_a_doi_written_as_a_link_is_stored_as_the_doi(shared_data: Path, name: str, with_url: int) -> None:
    """Ovid, ProQuest and Wiley write the DOI as a link ("http://dx.doi.org/10.1002/cpp.2398");
    the record's DOI was that link, and the BibTeX export wrote it into ``doi`` (where LaTeX
    prefixes https://doi.org/ once more). The DOI is stored bare, its letters as written;
    the raw tag keeps the link."""
    records = read_file(shared_data / "exports" / name).records
    raw_dois = [r.raw.get("DO") or r.raw.get("doi") for r in records]
    raw_dois = [d[0] if isinstance(d, list) else d for d in raw_dois]
    assert sum(1 for d in raw_dois if d and d.lower().startswith("http")) == with_url
    for record, raw in zip(records, raw_dois, strict=True):
        if raw:
            assert record.doi is not None and _BARE_DOI.fullmatch(record.doi), record.doi
            assert record.doi.lower() == normalize_doi(raw) and record.doi in raw


def test_an_ovid_record_exports_its_bare_doi_and_keeps_its_tags(shared_data: Path) -> None:
    first, second = read_file(shared_data / "exports" / "ris" / "asreview_ovid_psycinfo.ris").records[:2]
    bibtex = render_records([ExportItem(first)], "bibtex")
    assert "doi = {10.1002/cpp.2398}" in bibtex
    ris = render_records([ExportItem(first)], "ris")
    assert ris.count("DO  - http://dx.doi.org/10.1002/cpp.2398\n") == 2  # as Ovid wrote it, twice
    # "No Pagination Specified", which Ovid splits into SP "No" and EP "Specified", is no page range
    assert (first.raw["SP"], first.raw["EP"], first.pages) == ("No", "Specified", None)
    assert second.pages == "847-856"
    assert "pages" not in bibtex and "SP  - No\nEP  - Specified\n" in ris
    rows = list(csv.DictReader(io.StringIO(render_records([ExportItem(first), ExportItem(second)], "csv"))))
    assert [(row["doi"], row["pages"]) for row in rows] == [
        ("10.1002/cpp.2398", ""), ("10.1177/1359105317742958", "847-856")]


def test_vendor_tags_of_real_exports_are_kept_without_a_warning(shared_data: Path) -> None:
    """Ovid PsycINFO's AI (the authors' ORCID identifiers) and NL (the NLM title abbreviation,
    after ER), Citavi's TS and M4 (its marks "RIS" and "Citavi" on every record) were each
    "unknown RIS tag ... kept in raw": four warnings a user can do nothing about. Still kept
    and written back; an unknown tag elsewhere is still reported."""
    ovid = read_file(shared_data / "exports" / "ris" / "asreview_ovid_psycinfo.ris")
    assert ovid.problems == []
    assert ovid.records[0].raw["NL"] == "Clin Psychol Psychother" and "orcid.org" in ovid.records[0].raw["AI"]
    ris = render_records([ExportItem(ovid.records[0])], "ris")
    assert "NL  - Clin Psychol Psychother\n" in ris and "AI  - ORCID: " in ris
    citavi = read_file(shared_data / "exports" / "ris" / "asreview_ris_issue_1099.txt")
    assert citavi.database == "Citavi" and citavi.problems == []
    assert [r.raw.get("M4") for r in citavi.records] == ["Citavi"] * 7
    other = read_file(shared_data / "exports" / "ris" / "rispy_example_multi_unknown_tags.ris")
    assert sorted(p.message for p in other.problems) == [
        "unknown RIS tag 'DC' on 1 line(s), kept in raw", "unknown RIS tag 'JP' on 1 line(s), kept in raw"]


def test_a_scopus_conference_paper_exports_its_article_number(shared_data: Path, tmp_path: Path) -> None:
    """Scopus writes a paper's article number ("Art. No.") as C7 in every type, conference
    papers (TY CONF) too, where the RIS specification gives C7 no meaning: the BibTeX and CSV
    exports dropped it, leaving such a paper no locator but its DOI."""
    text = (shared_data / "exports" / "ris" / "asreview_scopus.ris").read_text(encoding="utf-8")
    first_record = text.index("ER  -")
    conference = text[:first_record].replace("TY  - JOUR", "TY  - CONF", 1).replace(
        "M3  - Review", "M3  - Conference Paper", 1) + text[first_record:]
    path = tmp_path / "scopus_conference.ris"
    path.write_text(conference, encoding="utf-8")
    records = read_file(path).records
    assert (records[0].publication_type, records[0].raw["C7"]) == ("CONF", "104501")
    bibtex = render_records([ExportItem(records[0])], "bibtex")
    assert bibtex.startswith("@proceedings{") and "eid = {104501}" in bibtex
    (row,) = csv.DictReader(io.StringIO(render_records([ExportItem(records[0])], "csv")))
    assert row["article_number"] == "104501"
    # Elsewhere a CONF's C7 is not read as an article number (the specification's rule)
    plain = tmp_path / "conference.ris"
    plain.write_text("TY  - CONF\nTI  - A paper\nC7  - 12\nER  - \n", encoding="utf-8")
    assert "eid" not in render_records([ExportItem(read_file(plain).records[0])], "bibtex")


def test_an_issn_is_stored_without_the_label_the_database_writes_around_it(shared_data: Path) -> None:
    """Scopus RIS writes "SN  - 03064530 (ISSN)" and ERIC's MEDLINE format "ISSN- ISSN-1234-4567":
    the label went into the record's ISSN (and the BibTeX export's issn), and ERIC's ISSN was
    not read at all. The raw tags keep the text as written."""
    scopus = read_file(shared_data / "exports" / "ris" / "asreview_scopus.ris").records
    assert [r.raw["SN"] for r in scopus][:2] == ["03064530 (ISSN)", "03069877 (ISSN)"]
    assert [r.issn for r in scopus] == ["03064530", "03069877", "00223999", "15255050", "19490976", "00175749"]
    assert "issn = {03064530}" in render_records([ExportItem(scopus[0])], "bibtex")
    assert "SN  - 03064530 (ISSN)\n" in render_records([ExportItem(scopus[0])], "ris")
    (eric,) = read_file(shared_data / "exports" / "other" / "colrev_eric_nbib.nbib").records
    assert (eric.raw["ISSN"], eric.issn) == ("ISSN-1234-4567", "1234-4567")


def test_a_pubmed_issn_is_stored_without_its_medium(tmp_path: Path) -> None:
    path = tmp_path / "pubmed.nbib"  # as PubMed writes a record's ISSNs
    path.write_text("PMID- 31722222\nOWN - NLM\nIS  - 1532-8600 (Electronic)\nIS  - 0026-0495 (Linking)\n"
                    "TI  - A title.\nDP  - 2020 Jan\n", encoding="utf-8")
    (record,) = read_file(path).records
    assert record.issn == "1532-8600" and record.raw["IS"] == ["1532-8600 (Electronic)", "0026-0495 (Linking)"]


def test_bibtex_keywords_split_at_semicolons_keep_their_commas(shared_data: Path) -> None:
    """Web of Science separates keywords with semicolons, and a keyword may hold commas
    ("potential of rivers (recreation, energetic, irrigation, flood, protection)"): splitting
    at commas too cut it into five, and a keyword folded over two lines kept the line break and
    indent. Keywords separated by commas alone (ACM, Zotero) still split."""
    wos = read_file(shared_data / "exports" / "bib" / "wos_flashfloods_savedrecs501-557.bib").records
    assert wos[0].keywords == ["hydromorphometric parameters",
                               "potential of rivers (recreation, energetic, irrigation, flood, protection)",
                               "river network", "MORPHOMETRIC-ANALYSIS"]
    assert sum(1 for r in wos for k in r.keywords if "(" in k and ")" not in k) == 0
    assert [k for r in wos for k in r.keywords if "  " in k or "\n" in k] == []  # WoS folds long lines: "rule\n   mining"
    (acm, _) = read_file(shared_data / "exports" / "bib" / "colrev_acm_bib.bib").records
    assert acm.keywords == ["creative writing", "funny writing", "lazy writing"]


def test_csv_keywords_separated_by_commas_are_split(shared_data: Path) -> None:
    """Embase's CSV lists a record's index terms with commas ("article, bronchogenic duplication
    cyst (diagnosis, surgery), colonoscopy, ..."): with no semicolon in the cell, all of them
    were one keyword of 400 characters. Split at commas outside parentheses, they are the
    terms the same records' Embase RIS export lists (without the CSV's qualifiers)."""
    csv_records = read_file(shared_data / "exports" / "other" / "asreview_embase.csv").records
    ris_records = read_file(shared_data / "exports" / "ris" / "asreview_embase.ris").records
    assert [r.title for r in csv_records] == [r.title for r in ris_records]
    for from_csv, from_ris in zip(csv_records, ris_records, strict=True):
        assert len(from_csv.keywords) > 5
        assert {re.sub(r" \(.*\)$", "", k) for k in from_csv.keywords} <= set(from_ris.keywords)
    assert "bronchogenic duplication cyst (diagnosis, surgery)" in csv_records[0].keywords
