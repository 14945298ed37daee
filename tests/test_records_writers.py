"""Writers: decisions carried per format, atomic files, and read-write-read round trips."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.errors import InputError
from triage.records.load import read_file
from triage.records.model import BIBLIOGRAPHIC_FIELDS, Record
from triage.records.writers import ExportItem, render_records, write_records

BIBLIO = list(BIBLIOGRAPHIC_FIELDS)
EXT = {"ris": ".ris", "bibtex": ".bib", "csv": ".csv"}

_word = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFXYZéüçøß0123456789-'().:/", min_size=1, max_size=9
).filter(lambda w: w.lower() != "and")
_text = st.lists(_word, min_size=1, max_size=6).map(" ".join)
_author = st.tuples(_word, st.text(alphabet="ABCDEFGHJ", min_size=1, max_size=2)).map(
    lambda t: f"{t[0]}, {t[1]}"
)
_pages = st.one_of(
    st.none(),
    st.integers(1, 999).map(str),
    st.tuples(st.integers(1, 99), st.integers(100, 999)).map(lambda t: f"{t[0]}-{t[1]}"),
)
_TYPES = {
    "ris": ["JOUR", "BOOK", "CHAP", "CONF"],
    "bibtex": ["article", "book", "inproceedings"],
    "csv": ["Article", "Review x"],
}


@st.composite
def records(draw: st.DrawFn, fmt: str) -> Record:
    opt = lambda s: draw(st.one_of(st.none(), s))
    notes = opt(st.lists(_text, min_size=1, max_size=1 if fmt == "bibtex" else 3).map("\n".join))
    return Record(
        title=opt(_text),
        abstract=opt(_text),
        authors=draw(st.lists(_author, max_size=4)),
        year=opt(st.integers(1000, 2999)),
        journal=opt(_text),
        volume=opt(st.integers(1, 300).map(str)),
        issue=opt(st.integers(1, 12).map(str)),
        pages=draw(_pages),
        doi=opt(_word.map(lambda w: f"10.1234/{w}")),
        pmid=opt(st.integers(1, 40_000_000).map(str)),
        issn=opt(st.just("1234-5678")),
        isbn=opt(st.just("9781234567897")),
        keywords=draw(st.lists(_text, max_size=3)),
        language=opt(_word),
        publication_type=draw(st.sampled_from(_TYPES[fmt])),
        url=opt(_word.map(lambda w: f"https://example.org/{w}")),
        notes=notes,
    )


def _roundtrip(tmp: Path, items: list[ExportItem], fmt: str) -> list[Record]:
    path = tmp / f"out{EXT[fmt]}"
    assert write_records(items, path, fmt) == len(items)
    result = read_file(path)
    assert result.errors == []
    return result.records


@pytest.mark.parametrize("fmt", ["ris", "bibtex", "csv"])
def test_roundtrip_property(fmt: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(records(fmt), min_size=1, max_size=4))
    def check(originals: list[Record]) -> None:
        tmp = tmp_path_factory.mktemp(fmt)
        first = _roundtrip(tmp, [ExportItem(r) for r in originals], fmt)
        assert len(first) == len(originals)
        for made, read in zip(originals, first):
            assert {f: getattr(read, f) for f in BIBLIO} == {f: getattr(made, f) for f in BIBLIO}
        second = _roundtrip(tmp, [ExportItem(r) for r in first], fmt)
        for a, b in zip(first, second):
            assert replace(a, provenance=None) == replace(b, provenance=None), "raw survives too"

    check()


def test_ris_decision_tag_and_asreview_note(test_data: Path, tmp_path: Path) -> None:
    (record,) = read_file(test_data / "ris_unknown_tag.ris").records
    items = [
        ExportItem(record, 7, "exclude", ("setting", "design"), "ann", "title-abstract"),
        ExportItem(record, 8, "include"),
    ]
    text = render_records(items, "ris")
    first_entry = text.split("ER  - ")[0]
    assert "ZZ  - made-up tag value" in first_entry, "unknown tags survive export"
    assert "N1  - triage: exclude (reason: setting; design) ASReview_irrelevant\n" in first_entry
    assert first_entry.endswith(
        "TR  - decision: exclude\nTR  - reason: setting\nTR  - reason: design\n"
        "TR  - stage: title-abstract\nTR  - reviewer: ann\n"
    )
    assert "N1  - triage: include ASReview_relevant" in text
    # An undecided record carries no decision lines (it wrote "stage: title-abstract" and its reviewer).
    undecided = render_records([ExportItem(record, 9, None, (), "ann", "title-abstract")], "ris")
    assert "TR  - " not in undecided
    path = tmp_path / "out.ris"
    write_records(items, path, "ris")
    again = read_file(path)
    assert again.records[0].raw["TR"][0] == "decision: exclude"
    assert [p.message for p in again.problems] == ["unknown RIS tag 'ZZ' on 2 line(s), kept in raw"]


def test_csv_included_column_and_extra_columns(test_data: Path) -> None:
    records = read_file(test_data / "csv_cp1252.csv").records
    text = render_records(
        [ExportItem(records[0], 1, "include"), ExportItem(records[1], 2, "exclude", ("population",))], "csv"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["record_id"], r["included"], r["decision"], r["reasons"]) for r in rows] == [
        ("1", "1", "include", ""),
        ("2", "0", "exclude", "population"),
    ]
    assert rows[0]["authors"] == "Müller, J; García, M"
    assert [r["label_included"] for r in rows] == ["1", "0"], "unmapped source columns are kept"


def test_bibtex_decision_fields(shared_data: Path) -> None:
    record = read_file(shared_data / "exports" / "bib" / "colrev_web_of_science_bib.bib").records[0]
    text = render_records([ExportItem(record, 3, "exclude", ("outcome",), stage="full-text")], "bibtex")
    assert "triage-decision = {exclude}" in text
    assert "triage-reasons = {outcome}" in text
    assert "Title = {Inproceedings Title}" in text, "source field names are kept"


def test_edited_field_replaces_its_tags(test_data: Path) -> None:
    (record,) = read_file(test_data / "ris_missing_er_at_end.ris").records[1:]
    edited = replace(record, title="A corrected title", authors=["New, A"])
    text = render_records([ExportItem(edited)], "ris")
    assert "TI  - A corrected title" in text and "Cut short" not in text
    assert "AU  - New, A" in text
    assert "AB  - Abstract of the cut record" in text


def test_write_is_atomic_and_rejects_unknown_format(tmp_path: Path) -> None:
    target = tmp_path / "out.ris"
    target.write_text("previous export\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^cannot write format 'docx'; use one of: ris, bibtex, csv$"):
        write_records([ExportItem(Record(title="x"))], target, "docx")
    assert target.read_text(encoding="utf-8") == "previous export\n"
    assert write_records([], target, "ris") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ris"], "no temporary file left behind"


def test_an_export_gets_the_permissions_of_any_new_file(test_data: Path, tmp_path: Path) -> None:
    """A user saw their exports written -rw------- (the temporary file's private mode),
    unreadable to the team sharing the folder; a new file now gets the umask's mode, and
    an export over an existing file keeps that file's mode."""
    import os
    import stat

    records = read_file(test_data / "psycinfo_apa.ris").records[:2]
    items = [ExportItem(r) for r in records]
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    out = tmp_path / "included.ris"
    assert write_records(items, out, "ris") == 2
    assert stat.S_IMODE(out.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
    os.chmod(out, 0o640)
    write_records(items, out, "ris")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_our_csv_export_reads_back_with_its_authors_whole(shared_data: Path, tmp_path: Path) -> None:
    """A user re-imported triage's own CSV export (records from Zotero and from a PubMed CSV)
    and found 256 of 2,078 single-author records split in two ('Florant, E' became 'Florant'
    and 'E'): the PubMed CSV's columns, carried over, made the file look like a PubMed export,
    whose authors are comma-separated; PRISMA then counted every record as from PubMed."""
    exports = shared_data / "exports"
    records = (read_file(exports / "bib" / "asysd_zotero_export.bib").records[:200]
               + read_file(exports / "other" / "colrev_pubmed_csv.csv").records)
    single = [r for r in records if len(r.authors) == 1 and "," in r.authors[0]]
    assert single
    out = tmp_path / "export.csv"
    write_records([ExportItem(r, i) for i, r in enumerate(records, 1)], out, "csv")
    back = read_file(out)
    assert [r.authors for r in back.records] == [r.authors for r in records]
    assert back.database is None
