"""Each database's dialect puts titles, abstracts and authors in the right fields.

Expected values were read off the export files by eye (first record of each).
"""

from __future__ import annotations

from pathlib import Path

from triage.records.load import read_file
from triage.records.writers import ExportItem, render_records


def first(shared_data: Path, name: str):
    result = read_file(shared_data / "exports" / name)
    return result, result.records[0]


def test_embase_ris_abstract_in_n2(shared_data: Path) -> None:
    result, rec = first(shared_data, "ris/asreview_embase.ris")
    assert result.database == "Embase"
    assert rec.title == "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    assert rec.abstract is not None and rec.abstract.startswith("Gastrointestinal tract duplication cysts")
    assert rec.authors == ["Liu R.", "Adler D.G."]
    assert (rec.journal, rec.volume, rec.issue, rec.pages) == ("Endoscopic Ultrasound", "3", "3", "152-160")


def test_ovid_psycinfo_a1_authors_and_n2(shared_data: Path) -> None:
    result, rec = first(shared_data, "ris/asreview_ovid_psycinfo.ris")
    assert result.database == "Ovid PsycINFO"
    assert rec.authors[:2] == ["Trindade, Ines A", "Irons, Chris"]
    assert rec.abstract is not None and rec.abstract.startswith("Considering that self-criticism")
    assert rec.journal == "Clinical Psychology & Psychotherapy"
    # Ovid writes "NL  - journal abbreviation" after ER: it belongs to the record before it.
    assert [r.raw.get("NL") for r in result.records[:2]] == ["Clin Psychol Psychother", "J Health Psychol"]
    assert not any("between records" in p.message and "NL" in p.message for p in result.problems)


def test_pubmed_via_endnote_pmid_from_an(shared_data: Path) -> None:
    result, rec = first(shared_data, "ris/asreview_pubmed_endnote.txt")
    assert result.database == "PubMed"
    assert rec.pmid == "21553931"
    assert rec.doi == "10.2165/11586800-000000000-00000"
    assert rec.abstract is not None and rec.abstract.startswith("Non-steroidal anti-inflammatory")


def test_scopus_and_proquest_and_jstor(shared_data: Path) -> None:
    result, rec = first(shared_data, "ris/asreview_scopus.ris")
    assert (result.database, rec.journal) == ("Scopus", "Psychoneuroendocrinology")
    assert isinstance(rec.raw["N1"], list) and rec.raw["N1"][0] == "Export Date: 18 November 2019"
    result, rec = first(shared_data, "ris/asreview_proquest.ris")
    assert result.database == "ProQuest"
    assert rec.abstract is not None and rec.abstract.startswith("People respond differently")
    result, rec = first(shared_data, "ris/colrev_jstor_ris.ris")
    assert (result.database, rec.title, rec.abstract) == (
        "JSTOR",
        "This is the title - charset UTF-8 used",
        "[This is the abstract.]",
    )


def test_web_of_science_ris_and_plain_text(shared_data: Path) -> None:
    result, rec = first(shared_data, "ris/asreview_web_of_science.txt")
    assert (result.format, result.database) == ("ris", "Web of Science")
    assert rec.raw["AN"] == "WOS:000444108200009"
    # Web of Science's own field tags in its RIS (publisher, abbreviations, edition, funding) are
    # kept in raw as fields of that database, not reported as unknown tags.
    assert (rec.raw["PU"], rec.raw["J9"]) == ("ELSEVIER SCIENCE INC", "J APPL RES MEM COGN")
    assert result.problems == []
    result, rec = first(shared_data, "ris/rispy_example_wos.ris")
    assert (result.format, result.database) == ("wos", "Web of Science")
    assert rec.title == (
        "Interactions stabilizing the structure of the core light-harvesting complex (LHl) of "
        "photosynthetic bacteria and its subunit (B820)"
    )
    assert rec.authors[:2] == ["Parkes-Loach, PS", "Majeed, AP"]
    assert (rec.doi, rec.pmid, rec.year) == ("10.1021/bi049798f", "15170338", 2004)


def test_bibtex_quirks(shared_data: Path) -> None:
    _, rec = first(shared_data, "bib/colrev_web_of_science_bib.bib")  # capitalised field names
    assert (rec.title, rec.authors) == ("Inproceedings Title", ["Writerone, Julia", "Writertwo, Paul"])
    _, rec = first(shared_data, "bib/bibtexparser_v1_article_with_special_characters.bib")
    assert rec.authors == ["Jean Césarü"]
    _, rec = first(shared_data, "bib/bibtexparser_v1_article_with_strings.bib")  # @string and '#'
    assert (rec.authors, rec.journal) == (["Jean César"], "Nice Journal")
    _, rec = first(shared_data, "bib/bibtexparser_v1_book_capital_AND.bib")
    assert rec.authors == ["Bird, R.B.", "Armstrong, R.C.", "Hassager, O."]
    _, rec = first(shared_data, "bib/bibtexparser_v1_crossref_entries.bib")
    assert (rec.title, rec.journal, rec.year) == ("Great and Good Graphs", "Graphs of the Continent", 1974)
    assert "booktitle" not in rec.raw, "raw keeps only the entry's own fields"


def test_bibtex_missing_crossref_is_a_warning(shared_data: Path) -> None:
    result, _ = first(shared_data, "bib/bibtexparser_v1_crossref_missing_entries.bib")
    assert [(p.severity, p.line, p.message) for p in result.problems] == [
        (
            "warning",
            2,
            "entry 'mcr': crossref 'missing1' not found in this file; imported without inherited fields",
        )
    ]


def test_gbk_bibtex_reports_the_guessed_encoding(shared_data: Path) -> None:
    result, rec = first(shared_data, "bib/bibtexparser_gbk_test.bib")
    assert rec.title == "Test Title"
    (problem,) = result.problems
    assert problem.severity == "warning"
    assert problem.message.startswith(f"not UTF-8; read as {result.encoding}, a guess")
    assert "gb18030" in problem.message, "the right codec is named among the candidates"


def test_other_formats(shared_data: Path) -> None:
    result, rec = first(shared_data, "other/colrev_eric_nbib.nbib")
    assert (result.format, result.database) == ("nbib", "ERIC")
    assert (rec.title, rec.authors, rec.doi) == (
        "Paper title",
        ["Smith, Tom", "Hunter, Shawn"],
        "10.1000/123456789",
    )
    assert rec.raw["PT"] == ["Journal Articles", "Reports - Research"]
    result, rec = first(shared_data, "other/colrev_ais_enl.txt")
    assert rec.authors == ["Guo, Wenbo", "Straub, Detmar W.", "Zhang, Pengzhu", "Cai, Zhao"]
    assert (rec.pages, rec.year) == ("1309-1348", 2021)
    result, rec = first(shared_data, "other/asysd_mendeley_export.xml")
    assert result.database == "Mendeley"
    assert rec.authors == ["Rotter, Carina", "Whittaker, Danielle", "Rusbridge, Clare"]
    assert rec.doi == "10.1111/jvim.16404"


def test_csv_dialects(shared_data: Path) -> None:
    result, rec = first(shared_data, "other/colrev_pubmed-chatbot.csv")
    assert result.database == "PubMed"
    assert rec.authors == ["Lim SM", "Shiau CWC", "Cheng LJ", "Lau Y."]
    assert (rec.pmid, rec.year, rec.journal) == ("35227408", 2022, "Behav Ther")
    assert rec.raw["Citation"].startswith("Behav Ther. 2022")
    _, rec = first(shared_data, "other/colrev_ieee_csv.csv")
    assert rec.authors == ["Joseph Rottman", "Erran Carmel", "Mary Lacity"]
    result, rec = first(shared_data, "other/asreview_embase.csv")
    assert result.database == "Embase"
    assert (rec.authors, rec.year) == (["Liu R.", "Adler D.G."], 2014)


def test_screening_csv_keeps_label_columns_in_raw(shared_data: Path) -> None:
    result = read_file(shared_data / "screening" / "Cohen_2006_ADHD.csv")
    assert len(result.records) == 851  # INDEX.csv says 851 records
    rec = result.records[0]
    assert rec.raw["label_included"] in ("0", "1")
    assert rec.raw["record_id"] == "1"
    assert sum(r.raw["label_included"] == "1" for r in result.records) == 20  # INDEX.csv: 20 included


def test_web_of_science_tags_are_unknown_in_other_ris(tmp_path: Path) -> None:
    # PU is a Web of Science field, not an RIS tag: in a file from elsewhere it is still reported.
    path = tmp_path / "other.ris"
    path.write_text("TY  - JOUR\nTI  - A title\nPU  - A publisher\nER  - \n", encoding="utf-8")
    result = read_file(path)
    assert result.records[0].raw["PU"] == "A publisher"
    assert [p.message for p in result.problems] == ["unknown RIS tag 'PU' on 1 line(s), kept in raw"]


def test_ovid_link_lines_are_kept_as_links_not_reported(shared_data: Path) -> None:
    """Ovid writes "Link to the Ovid Full Text or citation: URL" and "Link to the External Link
    Resolver: URL" (run together on one line) after each record's ER. They were reported as
    text between records and dropped; they are the record's links (RIS L2), kept in raw with
    the other L2 and written back by the RIS export."""
    path = shared_data / "exports" / "ris" / "asreview_ovid_psycinfo.ris"
    result = read_file(path)
    assert not any("between records" in p.message for p in result.problems), [p.message for p in result.problems]
    links = [r.raw.get("L2") for r in result.records]
    assert links[0] == [
        "http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=psyc16&NEWS=N&AN=2019-65183-001",
        ("https://login.proxy.library.uu.nl/login?qurl=http://ovidsp.ovid.com/ovidweb.cgi?T=JS&CSC=Y&NEWS=N"
         "&PAGE=fulltext&D=psyc16&AN=2019-65183-001"),
        links[0][2],
    ]
    assert links[0][2].startswith("http://sfx.library.uu.nl/utrecht?sid=OVID:psycdb&id=pmid:&id=doi:10.1002%2Fcpp.2398")
    assert links[0][2].endswith("%3CAN%3E2019-65183-001%3C%2FAN%3E%3CDT%3E%3C%2FDT%3E")
    # Every record's two link lines (6 "Link to the Ovid Full Text" lines in the file) arrive with it.
    text = path.read_text(encoding="utf-8")
    assert text.count("Link to the Ovid Full Text or citation: ") == 6
    assert all(isinstance(v, list) and len(v) == 3 for v in links)
    assert all("PAGE=fulltext" in v[1] and "sfx.library.uu.nl" in v[2] for v in links)
    # The record's own URL stays Ovid's reference link (the first L2), not the proxy link.
    assert result.records[0].url == links[0][0]
    # Written back by the RIS export.
    again = render_records([ExportItem(r) for r in result.records], "ris")
    assert again.count("L2  - ") == 18
    assert "Link to the" not in again


def test_cochrane_library_record_headers_are_not_reported(tmp_path: Path) -> None:
    """The Cochrane Library's RIS export (and Wiley Online Library's) writes "Record #1 of 611",
    "Provider: John Wiley & Sons, Ltd." and "Content: text/plain; charset=..." before every
    record. They are the export's framing: every record imports and nothing is reported, while
    other text between records still is."""
    header = 'Record #{n} of 2\nProvider: John Wiley & Sons, Ltd.\nContent: text/plain; charset="UTF-8"\n\n'
    body = "TY  - JOUR\nID  - CN-0219143{n}\nTI  - Trial {n}\nAB  - Mothers were randomised.\nER  - \n\n"
    path = tmp_path / "central_search.ris"
    path.write_text("".join(header.format(n=n) + body.format(n=n) for n in (1, 2)), encoding="utf-8")
    result = read_file(path)
    assert [r.title for r in result.records] == ["Trial 1", "Trial 2"]
    assert result.problems == []
    assert result.database == "Cochrane CENTRAL"
    path.write_text(path.read_text(encoding="utf-8") + "Exported by a librarian\n", encoding="utf-8")
    assert [p.message for p in read_file(path).problems] == [
        "text between records (after an ER, before a TY) ignored (line 21)"
    ]


def test_embase_csv_source_gives_journal_volume_issue_and_pages(shared_data: Path) -> None:
    """Embase's CSV writes the citation as one "Source" cell: "Endoscopic Ultrasound (2014) 3:3
    (152-160). Date of Publication: 2014". The journal, volume, issue and pages were left in raw
    only, so dedup could not match the record against the same article's RIS from Embase (which
    has them) or from PubMed; its RIS twin gives the values."""
    csv_records = read_file(shared_data / "exports" / "other" / "asreview_embase.csv").records
    ris_records = read_file(shared_data / "exports" / "ris" / "asreview_embase.ris").records
    fields = [(r.journal, r.volume, r.issue, r.pages, r.year) for r in csv_records]
    assert fields[0] == ("Endoscopic Ultrasound", "3", "3", "152-160", 2014)
    # "International Journal of Surgery Case Reports (2019) 54 (83-86)": a volume and no issue
    assert ("International Journal of Surgery Case Reports", "54", None, "83-86", 2019) in fields
    by_title = {r.title: r for r in ris_records}
    for rec in csv_records:
        twin = by_title[rec.title]
        assert (rec.journal, rec.volume, rec.pages) == (twin.journal, twin.volume, twin.pages), rec.title
