"""Every real export in ../shared/data/exports imports, with counts checked by hand.

Expected record counts come from counting each file ourselves, not from the reader:
RIS ``TY  -`` lines (``grep -c``, plus one where a BOM hides the first), Web of Science
``PT`` lines, BibTeX ``@type{`` lines minus ``@string``/``@comment``/``@preamble``,
CSV rows by the stdlib ``csv`` module, EndNote XML ``<record>`` elements, EndNote
tagged and MEDLINE blank-line blocks. ``errors`` counts records damaged or skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.records.load import read_file

#: (path under exports/, records, error problems, format)
EXPORTS: list[tuple[str, int, int, str]] = [
    ("bib/asysd_zotero_export.bib", 1000, 0, "bibtex"),
    ("bib/bibtexparser_gbk_test.bib", 1, 0, "bibtex"),
    ("bib/bibtexparser_v1_article_comma_first.bib", 2, 0, "bibtex"),
    ("bib/bibtexparser_v1_article_missing_coma.bib", 4, 0, "bibtex"),
    ("bib/bibtexparser_v1_article_multilines.bib", 1, 0, "bibtex"),
    ("bib/bibtexparser_v1_article_no_braces.bib", 1, 0, "bibtex"),
    ("bib/bibtexparser_v1_article_start_with_bom.bib", 1, 0, "bibtex"),
    ("bib/bibtexparser_v1_article_with_annotation.bib", 1, 0, "bibtex"),
    ("bib/bibtexparser_v1_article_with_special_characters.bib", 1, 0, "bibtex"),
    ("bib/bibtexparser_v1_article_with_strings.bib", 1, 0, "bibtex"),  # 4 blocks, 3 @string
    ("bib/bibtexparser_v1_biber-examples.bib", 118, 0, "bibtex"),  # 126 blocks, 8 @string/@comment
    ("bib/bibtexparser_v1_book_capital_AND.bib", 1, 0, "bibtex"),
    ("bib/bibtexparser_v1_comments_percentage.bib", 2, 0, "bibtex"),
    ("bib/bibtexparser_v1_common_strings.bib", 0, 0, "bibtex"),  # only @string macros
    ("bib/bibtexparser_v1_crossref_cascading.bib", 4, 0, "bibtex"),
    ("bib/bibtexparser_v1_crossref_entries.bib", 14, 0, "bibtex"),
    ("bib/bibtexparser_v1_crossref_missing_entries.bib", 1, 0, "bibtex"),
    ("bib/bibtexparser_v1_encoding.bib", 1, 0, "bibtex"),
    ("bib/bibtexparser_v1_multiline_comments.bib", 0, 0, "bibtex"),  # only @comment blocks
    ("bib/bibtexparser_v1_string.bib", 1, 0, "bibtex"),
    ("bib/bibtexparser_v1_traps.bib", 1, 0, "bibtex"),
    ("bib/bibtexparser_v1_website.bib", 1, 0, "bibtex"),
    ("bib/bibtexparser_v1_wrong.bib", 2, 0, "bibtex"),  # "@wrong{" is an entry of an odd type
    ("bib/bibtexparser_v1_xref_entries.bib", 8, 0, "bibtex"),
    ("bib/colrev_abi_inform_proquest_bib.bib", 2, 0, "bibtex"),
    ("bib/colrev_acm_bib.bib", 2, 0, "bibtex"),
    ("bib/colrev_crossref_bib.bib", 1, 0, "bibtex"),
    ("bib/colrev_dblp_bib.bib", 2, 0, "bibtex"),
    ("bib/colrev_europe_pmc_bib.bib", 2, 0, "bibtex"),
    ("bib/colrev_loader_bib_data.bib", 6, 0, "bibtex"),
    ("bib/colrev_taylor_and_francis_bib.bib", 2, 0, "bibtex"),
    ("bib/colrev_web_of_science_bib.bib", 2, 0, "bibtex"),
    ("bib/colrev_wiley_bib.bib", 2, 0, "bibtex"),
    ("bib/wos_flashfloods_savedrecs501-557-37variables.bib", 57, 0, "bibtex"),
    ("bib/wos_flashfloods_savedrecs501-557.bib", 57, 0, "bibtex"),
    ("other/asreview_embase.csv", 6, 0, "csv"),
    ("other/asysd_mendeley_export.xml", 1233, 0, "endnote-xml"),
    ("other/asysd_zotero_export.xml", 1233, 0, "endnote-xml"),
    ("other/colrev_ais_enl.txt", 6, 0, "enl"),
    ("other/colrev_eric_nbib.nbib", 1, 0, "nbib"),
    ("other/colrev_ieee_csv.csv", 2, 0, "csv"),
    ("other/colrev_loader_enl_data.enl", 3, 0, "enl"),
    ("other/colrev_pubmed-chatbot.csv", 6, 0, "csv"),
    ("other/colrev_pubmed_csv.csv", 1, 0, "csv"),
    ("other/colrev_springer_csv.csv", 1, 0, "csv"),
    ("ris/asreview__baseline.ris", 100, 0, "ris"),  # grep finds 99: the first TY follows a BOM
    ("ris/asreview_baseline_reference_types.ris", 61, 0, "ris"),
    ("ris/asreview_baseline_tag-notes_zotero.ris", 4, 0, "ris"),
    ("ris/asreview_baseline_zotero.ris", 100, 0, "ris"),
    ("ris/asreview_embase.ris", 6, 0, "ris"),
    ("ris/asreview_ovid_psycinfo.ris", 6, 0, "ris"),
    ("ris/asreview_ovid_zotero.ris", 6, 0, "ris"),
    ("ris/asreview_proquest.ris", 6, 0, "ris"),
    ("ris/asreview_pubmed_endnote.txt", 6, 0, "ris"),
    ("ris/asreview_pubmed_zotero.ris", 6, 0, "ris"),
    ("ris/asreview_ris_issue_1099.txt", 7, 0, "ris"),
    ("ris/asreview_ris_issue_992.txt", 19, 0, "ris"),
    ("ris/asreview_ris_many_authors.ris", 1, 0, "ris"),
    ("ris/asreview_scopus.ris", 6, 0, "ris"),
    ("ris/asreview_web_of_science.txt", 10, 0, "ris"),  # WoS records written as RIS
    ("ris/asysd_zotero_export.ris", 1000, 0, "ris"),
    ("ris/colrev_abi_inform_proquest_ris.ris", 2, 0, "ris"),
    ("ris/colrev_ieee_ris.ris", 2, 0, "ris"),
    ("ris/colrev_jstor_ris.ris", 4, 0, "ris"),
    ("ris/colrev_loader_ris_data.ris", 2, 1, "ris"),  # 2 TY, 1 ER: first record lacks its ER
    ("ris/rispy_example_bom.ris", 1, 0, "ris"),
    ("ris/rispy_example_custom_list_tags.ris", 1, 0, "ris"),
    ("ris/rispy_example_empty_tag.ris", 1, 0, "ris"),
    ("ris/rispy_example_extraneous_data.ris", 2, 0, "ris"),
    ("ris/rispy_example_full.ris", 2, 0, "ris"),
    ("ris/rispy_example_multi_unknown_tags.ris", 1, 0, "ris"),
    ("ris/rispy_example_multiline.ris", 3, 0, "ris"),
    ("ris/rispy_example_starting_newlines.ris", 1, 0, "ris"),
    ("ris/rispy_example_urls.ris", 4, 0, "ris"),
    ("ris/rispy_example_utf_chars.ris", 1, 0, "ris"),
    ("ris/rispy_example_wos.ris", 2, 0, "wos"),  # Web of Science plain text, 2 PT..ER blocks
]


def test_every_export_is_listed(shared_data: Path) -> None:
    on_disk = {
        str(p.relative_to(shared_data / "exports"))
        for p in (shared_data / "exports").rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert on_disk == {path for path, *_ in EXPORTS}


@pytest.mark.parametrize(("name", "records", "errors", "fmt"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_export_imports_with_expected_count(
    shared_data: Path, name: str, records: int, errors: int, fmt: str
) -> None:
    path = shared_data / "exports" / name
    result = read_file(path)
    assert result.format == fmt
    assert len(result.records) == records
    assert len(result.errors) == errors, [str(p) for p in result.errors]
    for position, record in enumerate(result.records, 1):
        prov = record.provenance
        assert prov is not None
        assert (prov.source_file, prov.source_hash, prov.position) == (path.name, result.sha256, position)
        assert record.raw, "raw keeps the source fields"
