"""Broken input: each problem kind reported with its exact text, good records kept.

The tiny files in tests/data/ were made by hand, one quirk each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.errors import InputError
from triage.records.load import read_file


def test_record_without_er_before_next_ty(test_data: Path) -> None:
    result = read_file(test_data / "ris_missing_er.ris")
    assert [r.title for r in result.records] == ["First record", "Second record, no ER", "Third record"]
    assert [r.provenance.line for r in result.records if r.provenance] == [1, 6, 10]
    (problem,) = result.problems
    assert str(problem) == (
        "ris_missing_er.ris:6: TY without ER: a new TY starts at line 10; the record was imported up to "
        "line 9; check this record; add the missing ER line or re-export the file"
    )
    assert problem.severity == "error"


def test_record_without_er_at_end_of_file(test_data: Path) -> None:
    result = read_file(test_data / "ris_missing_er_at_end.ris")
    assert [r.title for r in result.records] == ["Good record", "Cut short"]
    assert result.records[1].abstract == "Abstract of the cut record"
    (problem,) = result.problems
    assert str(problem) == (
        "ris_missing_er_at_end.ris:5: TY without ER at the end of the file; the record was imported up to "
        "the last line; the file may be cut short; re-export it"
    )


def test_text_before_first_ty(test_data: Path) -> None:
    result = read_file(test_data / "ris_text_before_ty.ris")
    assert [r.title for r in result.records] == ["Real record"]
    (problem,) = result.problems
    assert (problem.severity, problem.line) == ("error", 1)
    assert problem.message == "tagged lines before the first TY (lines 1-4) were not imported"
    assert problem.hint == "a record may be missing its TY line; add it or re-export the file"


def test_plain_text_before_first_ty_is_a_warning(shared_data: Path, tmp_path: Path) -> None:
    # rispy's sample wraps records in a publisher's framing ("Record #1 of 2", "Provider:",
    # "Content:", Ovid's "1."): not reported. Other text before the first TY is.
    source = shared_data / "exports" / "ris" / "rispy_example_extraneous_data.ris"
    assert len(read_file(source).records) == 2
    assert read_file(source).problems == []
    path = tmp_path / "noted.ris"
    path.write_text("Search run by the library on 3 May\n" + source.read_text(encoding="utf-8"), encoding="utf-8")
    result = read_file(path)
    assert len(result.records) == 2
    assert next((p.severity, p.line, p.message) for p in result.problems) == (
        "warning",
        1,
        "text before the first TY ignored (line 1)",
    )


def test_unknown_tag_kept_and_reported_multiline_joined(test_data: Path) -> None:
    result = read_file(test_data / "ris_unknown_tag.ris")
    (rec,) = result.records
    assert rec.raw["ZZ"] == "made-up tag value"
    assert rec.abstract == "An abstract that goes on over a second line."
    (problem,) = result.problems
    assert (problem.severity, str(problem)) == (
        "warning",
        "ris_unknown_tag.ris:3: unknown RIS tag 'ZZ' on 1 line(s), kept in raw",
    )


def test_loose_tag_line_read_as_its_tag(shared_data: Path) -> None:
    # "KW - keyword2" (one space before the dash) is the KW tag written loosely: read as KW, reported.
    result = read_file(shared_data / "exports" / "ris" / "colrev_loader_ris_data.ris")
    assert result.records[0].keywords == ["keyword2", "keyword2", "keyword3"]
    loose = [p for p in result.problems if "irregular spacing" in p.message]
    assert [(p.line, p.severity, p.message) for p in loose] == [
        (12, "warning", "2 tag line(s) in lower case or with irregular spacing read as tags (first: 'KW - keyword2')")
    ]


def test_unknown_uppercase_tag_with_wrong_spacing_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "x.ris"
    path.write_text("TY  - JOUR\nTI  - Title\nXY - not a tag\nER  - \n", encoding="utf-8")
    result = read_file(path)
    assert result.records[0].title == "Title XY - not a tag"
    assert [(p.line, p.message) for p in result.problems] == [
        (3, "malformed tag line 'XY - not a tag' read as text of the previous tag")
    ]


@pytest.mark.parametrize("name", ["ris_cp1252.ris", "csv_cp1252.csv"])
def test_cp1252_detected_and_reported(test_data: Path, name: str) -> None:
    result = read_file(test_data / name)
    assert result.encoding == "cp1252"
    assert "Café" in (result.records[0].title or "")
    warning = result.problems[0]
    assert warning.severity == "warning"
    assert warning.message.startswith("not UTF-8; read as cp1252, a guess (other candidates: ")
    assert warning.hint == (
        "check accented names and titles; if they are garbled, import with --encoding (one of the candidates) "
        "or re-export the file as UTF-8"
    )


def test_cp1252_csv_columns(test_data: Path) -> None:
    result = read_file(test_data / "csv_cp1252.csv")
    assert result.records[0].authors == ["Müller, J", "García, M"]
    assert [r.raw["label_included"] for r in result.records] == ["1", "0"]


def test_crlf_and_bom(shared_data: Path) -> None:
    result = read_file(shared_data / "exports" / "ris" / "asreview_baseline_reference_types.ris")
    assert result.encoding == "utf-8-sig"
    assert all("\r" not in (r.title or "") for r in result.records)
    assert result.records[0].provenance is not None and result.records[0].provenance.line == 1


def test_unbalanced_brace_in_bibtex_entry_read_line_by_line(test_data: Path) -> None:
    result = read_file(test_data / "bib_stray_brace.bib")
    assert [r.title for r in result.records] == ["First good entry", "Stray brace here", "Second good entry"]
    assert [r.year for r in result.records] == [2020, 2021, 2022]
    assert result.records[0].authors == ["Smith, John", "Doe, Ann"]
    (problem,) = result.problems
    assert (problem.severity, str(problem)) == (
        "error",
        (
            "bib_stray_brace.bib:7: entry '@article{broken,' has unbalanced braces or a missing comma; its 2 "
            "field(s) were read line by line (title, year); check the entry's values and fix its braces or commas"
        ),
    )


def test_a_bibtex_file_cut_short_says_so(shared_data: Path, tmp_path: Path) -> None:
    """A real Zotero export cut at 20,000 bytes (a download stopped early): the last entry's problem says the file
    ends inside it, not that its braces or commas are wrong; the entries before it are whole."""
    whole = (shared_data / "exports" / "bib" / "asysd_zotero_export.bib").read_bytes()
    cut = tmp_path / "cut.bib"
    cut.write_bytes(whole[:20000])
    result = read_file(cut)
    (problem,) = result.problems
    assert str(problem).startswith("cut.bib:")
    assert "the file ends inside entry '@article{" in str(problem) and "probably cut short" in str(problem)
    assert str(problem).endswith("the last one perhaps incomplete; export the file again and import it")
    assert "braces" not in str(problem)
    complete = read_file(shared_data / "exports" / "bib" / "asysd_zotero_export.bib").records
    assert [r.title for r in result.records[:-1]] == [r.title for r in complete[:len(result.records) - 1]]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.ris", "empty.ris: file is empty; check you exported the records you meant to"),
        ("blank.ris", "blank.ris: file is empty; check you exported the records you meant to"),
        (
            "binary.ris",
            (
                "binary.ris: file is binary, not a text export; export the records as RIS, BibTeX, "
                "PubMed (.nbib), CSV or Excel (.xlsx)"
            ),
        ),
        (
            "notes.txt",
            (
                "notes.txt: is not a format triage reads; export as RIS, BibTeX, PubMed (.nbib), CSV or "
                "Excel, or give the format (one of: ris, wos, nbib, enl, bibtex, csv, tsv, endnote-xml, proquest-text, xlsx)"
            ),
        ),
    ],
)
def test_whole_file_failures(test_data: Path, name: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_file(test_data / name)
    assert str(caught.value) == message
    assert caught.value.path == str(test_data / name)


def test_missing_file_and_unknown_format(tmp_path: Path, test_data: Path) -> None:
    with pytest.raises(InputError, match=r"^nope\.ris: no such file; check the path$"):
        read_file(tmp_path / "nope.ris")
    with pytest.raises(InputError, match=r"unknown format 'marc'; use one of: ris, wos"):
        read_file(test_data / "ris_missing_er.ris", fmt="marc")
    exports = tmp_path / "exports"
    exports.mkdir()
    with pytest.raises(InputError) as caught:
        read_file(exports)
    assert str(caught.value) == f"exports: is a folder, not a file; name the files in it, e.g. 'triage import {exports}/*'"


def test_broken_xml_and_xlsx(tmp_path: Path) -> None:
    bad_xml = tmp_path / "lib.xml"
    bad_xml.write_text("<?xml version='1.0'?><xml><records><record><title>x</records>", encoding="utf-8")
    with pytest.raises(InputError, match=r"^lib\.xml:1: is not well-formed XML"):
        read_file(bad_xml)
    bad_xlsx = tmp_path / "sheet.xlsx"
    bad_xlsx.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=r"^sheet\.xlsx: is not a readable Excel workbook"):
        read_file(bad_xlsx)


def test_encoding_named_by_the_user_wins_over_the_guess(tmp_path: Path) -> None:
    # A short GBK file: detection reads it right now (tests/test_import_encoding.py), but a guess stays a guess.
    path = tmp_path / "gbk.bib"
    path.write_bytes("@article{k1,\n  author = {凯撒},\n  title = {Test Title},\n  year = {2013}\n}\n".encode("gbk"))
    guessed = read_file(path)
    assert guessed.problems and "import with --encoding" in str(guessed.problems[0])
    named = read_file(path, encoding="gb18030")
    assert named.encoding == "gb18030" and not named.problems
    assert named.records[0].authors == ["凯撒"]


def test_a_wrong_or_unknown_encoding_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "utf8.ris"
    path.write_text("TY  - JOUR\nTI  - Plain title\nER  - \n\nTY  - JOUR\nTI  - Müller's trial\nER  - \n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_file(path, encoding="ascii")
    assert str(info.value).startswith("utf8.ris:6: is not valid ascii: byte ")
    with pytest.raises(InputError) as info:
        read_file(path, encoding="klingon")
    assert "unknown encoding 'klingon'" in str(info.value)
    pdf = tmp_path / "export.ris"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    with pytest.raises(InputError) as info:
        read_file(pdf, encoding="latin-1")  # decodes anything, but a PDF is still not an export
    assert str(info.value).startswith("export.ris: file is binary, not a text export")


def test_a_stray_nul_byte_costs_its_byte_not_the_file(tmp_path: Path) -> None:
    """One NUL byte pasted into a title made a whole RIS export "binary": no record imported.
    Now the byte is dropped with a warning naming its line and every record imports; bytes
    that are not text once the NULs are gone are still refused."""
    path = tmp_path / "export.ris"
    path.write_bytes(b"TY  - JOUR\nTI  - A first\x00 title\nER  - \n\nTY  - JOUR\nTI  - A second title\nER  - \n")
    result = read_file(path)
    assert [r.title for r in result.records] == ["A first title", "A second title"]
    assert [(p.severity, p.line, p.message) for p in result.problems] == [
        ("warning", 2, "1 NUL byte removed (line 2); the rest of the file read as UTF-8")
    ]
    utf16 = tmp_path / "utf16.ris"  # NULs in every other byte: UTF-16 without its byte-order mark, read as such
    utf16.write_bytes("TY  - JOUR\nTI  - A title\nER  - \n".encode("utf-16-le"))
    assert [r.title for r in read_file(utf16).records] == ["A title"]
    garbage = tmp_path / "garbage.ris"  # few NULs, but not UTF-8 once they are gone
    garbage.write_bytes(b"TY  - JOUR\nTI  - \xff\xfe\x00\x81\x9f title\nER  - \n" * 20)
    with pytest.raises(InputError) as info:
        read_file(garbage)
    assert str(info.value).startswith("garbage.ris: file is binary, not a text export")


def test_classic_mac_line_ends_read_like_newlines(shared_data: Path, tmp_path: Path) -> None:
    # Older Mac reference managers end lines with a lone CR; the export starts with text
    # before its first TY, so the format is only found if lines are split right.
    original = shared_data / "exports" / "ris" / "rispy_example_full.ris"
    text = original.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    mac = tmp_path / "mac.ris"
    mac.write_bytes(text.replace("\n", "\r").encode("utf-8"))
    expected, got = read_file(original), read_file(mac)
    assert got.format == "ris"
    assert [r.title for r in got.records] == [r.title for r in expected.records]
    assert [r.provenance.line for r in got.records if r.provenance] == [
        r.provenance.line for r in expected.records if r.provenance
    ]


def test_a_stray_carriage_return_inside_a_field_is_not_a_line_break(tmp_path: Path) -> None:
    path = tmp_path / "stray.ris"
    path.write_bytes(b"TY  - JOUR\nTI  - Title with\ra stray CR\nER  - \n")
    (record,) = read_file(path).records
    assert record.title is not None and record.title.startswith("Title with")
    assert "stray CR" in record.title


def test_endnote_xml_after_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "lib.xml"
    path.write_text(
        "\n\n<?xml version='1.0' encoding='UTF-8'?><xml><records><record><titles><title>Kept</title>"
        "</titles></record></records></xml>\n",
        encoding="utf-8",
    )
    assert [r.title for r in read_file(path).records] == ["Kept"]


def test_endnote_xml_cut_short_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_text(
        "<?xml version='1.0'?>\n<xml><records>\n"
        "<record><titles><title>First</title></titles></record>\n"
        "<record><titles><title>Second</title></titles></record>\n"
        "<record><titles><title>Thi",
        encoding="utf-8",
    )
    result = read_file(path)
    assert [r.title for r in result.records] == ["First", "Second"]
    (problem,) = result.problems
    assert (problem.severity, problem.line) == ("error", 5)
    assert "the 2 records before it were read" in problem.message
    assert problem.hint is not None and "triage sources remove" in problem.hint


def test_tags_after_er_join_the_record_before_unless_they_are_a_record_body(tmp_path: Path) -> None:
    """A stray tag after ER (Ovid's NL) is the record's; a title and authors after ER are a
    record missing its TY: an error naming the lines, never glued onto the record before."""
    path = tmp_path / "trailers.ris"
    path.write_text(
        "TY  - JOUR\nTI  - First\nER  - \nNL  - J First\n\nLink: https://example.org/1\n"
        "TY  - JOUR\nTI  - Second\nER  - \nTI  - Orphan title\nAU  - Doe, J\n"
        "TY  - JOUR\nTI  - Third\nER  - \nNL  - J Third\n",
        encoding="utf-8",
    )
    result = read_file(path)
    assert [(r.title, r.raw.get("NL")) for r in result.records] == [
        ("First", "J First"), ("Second", None), ("Third", "J Third")]
    messages = {(p.severity, p.line, p.message) for p in result.problems}
    assert ("warning", 6, "text between records (after an ER, before a TY) ignored (line 6)") in messages
    assert ("error", 10, "tagged lines between records (after an ER, before a TY) (lines 10-11) were not imported") in messages


def test_binary_files_a_user_picks_by_mistake_say_what_they_are(shared_data: Path, tmp_path: Path) -> None:
    """A user gave triage import the zip Rayyan exports (and a PDF, and a .qdpx) and read only
    'file is binary'; an Excel workbook saved without its .xlsx ending was refused too."""
    import zipfile

    rayyan = tmp_path / "rayyan_export.zip"
    with zipfile.ZipFile(rayyan, "w") as archive:
        archive.writestr("articles.csv", "key,title\nrayyan-1,A title\n")
        archive.writestr("customizations_log.csv", "a,b\n")
    with pytest.raises(InputError) as info:
        read_file(rayyan)
    assert str(info.value) == (
        "rayyan_export.zip: file is binary, not a text export; it is a zip archive holding articles.csv, "
        "customizations_log.csv: unzip it and import the records file inside"
    )
    qdpx = tmp_path / "coding.qdpx"
    with zipfile.ZipFile(qdpx, "w") as archive:
        archive.writestr("project.qde", "<Project/>")
    with pytest.raises(InputError) as info:
        read_file(qdpx)
    assert str(info.value).endswith("it is a REFI-QDA project: import it with 'triage code import FILE'")
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    with pytest.raises(InputError) as info:
        read_file(pdf)
    assert "it is a PDF; to code a paper's results use 'triage code import FILE'" in str(info.value)
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Title", "Authors", "Year"])
    book.active.append(["Sibling caregivers", "Smith, J", 2019])
    unnamed = tmp_path / "covidence_export"
    book.save(unnamed)
    result = read_file(unnamed)
    assert result.format == "xlsx" and [r.title for r in result.records] == ["Sibling caregivers"]


def test_warnings_about_stray_bytes_name_their_first_lines(tmp_path: Path) -> None:
    """Both stray-byte warnings (a Windows byte in UTF-8 text, a NUL byte) name the lines the
    bytes are on: one, up to three, or the first three "and more"."""
    accents = "Café – naïve “quoted” ".encode()  # enough real UTF-8 to outweigh the stray bytes
    lines = [b"TY  - JOUR", b"TI  - A title " + accents * 4, b"AB  - caf\xe9", b"N1  - plain", b"KW  - r\xe9sum\xe9",
             b"KW  - na\xefve", b"KW  - \x93x\x94", b"ER  - "]
    windows = tmp_path / "windows.ris"
    windows.write_bytes(b"\n".join(lines) + b"\n")
    (problem,) = read_file(windows).problems
    assert problem.line == 3 and "on line 3 (and more, first lines 3, 5, 6)" in problem.message
    nul = tmp_path / "nul.ris"
    nul.write_bytes(b"TY  - JOUR\nTI  - A\x00 title\x00\nAB  - text\nKW  - a\x00\nER  - \n")
    result = read_file(nul)
    assert [p.message for p in result.problems] == ["3 NUL bytes removed (lines 2, 4); the rest of the file read as UTF-8"]
    assert result.records[0].title == "A title"
