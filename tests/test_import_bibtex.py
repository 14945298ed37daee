"""Damaged BibTeX: every field either read or reported with its line, never dropped in silence.

One hand-made file per shape, and a fuzz test that puts brace and comma errors into the
real entries of ../shared/data/exports/bib.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from bibtexparser import model
from bibtexparser.entrypoint import parse_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.records.load import read_file


def test_stray_closing_brace_keeps_the_fields_after_it(test_data: Path) -> None:
    # Web of Science: "Year = {{2019}}}," closed the entry; abstract, volume, pages and DOI were lost, 0 problems.
    result = read_file(test_data / "wos_stray_brace.bib")
    first, second = result.records
    assert (first.year, first.volume, first.pages) == (2019, "570", "112-125")
    assert first.doi == "10.1016/j.jhydrol.2019.01.012"
    assert first.abstract == (
        "Flash floods in small catchments give little warning. We compare three nowcasting systems over ten years of events."
    )
    assert (second.title, second.volume) == ("Rainfall thresholds for debris flows", "185")
    (problem,) = result.problems
    assert (problem.severity, str(problem)) == (
        "warning",
        (
            "wos_stray_brace.bib:6: entry 'WOS:000461234500012' ends early on this line (a closing brace or comma "
            "too many?); the 5 field(s) after it were read back (Volume, Pages, Abstract, DOI, Unique-ID); check "
            "the braces and commas on this line"
        ),
    )


def test_missing_comma_does_not_hide_the_next_field(tmp_path: Path) -> None:
    path = tmp_path / "comma.bib"
    path.write_text("@article{a,\n  title = {Trial of X}\n  year = {2019},\n  volume = {5}\n}\n", encoding="utf-8")
    result = read_file(path)
    (record,) = result.records
    assert (record.title, record.year, record.volume) == ("Trial of X", 2019, "5")
    assert [(p.line, p.severity) for p in result.problems] == [(3, "warning")]
    assert "field(s) 'year' (line 3) were read as part of the field before them" in result.problems[0].message


def test_missing_comma_before_macro_values(tmp_path: Path) -> None:
    # Found by the fuzz test at 1,500 examples: fields whose value is a macro ("anch-ie") or a
    # concatenation ("dtv # {...}") were not seen as fields when reading line by line.
    path = tmp_path / "macros.bib"
    path.write_text(
        '@string{anch-ie = "Angewandte Chemie"}\n@string{dtv = "dtv"}\n'
        "@article{a,\n  title = {Carbene}\n  journaltitle = anch-ie,\n  publisher = dtv # { and Gruyter},\n"
        "  year = {2006}\n}\n",
        encoding="utf-8",
    )
    result = read_file(path)
    (record,) = result.records
    assert {"journaltitle", "publisher", "year"} <= set(record.raw)
    assert [p.line for p in result.problems] == [5]


def test_repeated_field_keeps_the_entry(tmp_path: Path) -> None:
    # Scopus writes funding_details once per funder; bibtexparser rejects the entry as a whole.
    path = tmp_path / "scopus.bib"
    path.write_text(
        "@ARTICLE{Kim2021,\n author = {Kim, J.},\n title = {{Peer support after stroke}},\n year = {2021},\n"
        " funding_details = {National Research Foundation},\n funding_details = {Ministry of Health},\n"
        " source = {Scopus},\n}\n",
        encoding="utf-8",
    )
    result = read_file(path)
    (record,) = result.records
    assert (record.title, record.year) == ("Peer support after stroke", 2021)
    assert record.raw["funding_details"] == ["National Research Foundation", "Ministry of Health"]
    assert [str(p) for p in result.problems] == [
        "scopus.bib:1: entry 'Kim2021' repeats field(s) 'funding_details' (2 times); every value kept (the first is used)"
    ]


# --- fuzz: brace and comma errors in real entries ------------------------------------------

EXPORTS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "exports" / "bib"
_FILES = ["asysd_zotero_export.bib", "colrev_web_of_science_bib.bib", "wos_flashfloods_savedrecs501-557.bib",
          "colrev_acm_bib.bib", "colrev_wiley_bib.bib", "bibtexparser_v1_biber-examples.bib"]


def _mutate(text: str, field_end: int, kind: str) -> str | None:
    """``text`` with a brace or comma error at the comma before ``field_end`` (None if there is none)."""
    comma = text.rfind(",", 0, field_end)
    if comma < 0 or text[comma + 1 : field_end].strip():
        return None
    before = text[:comma]
    if kind == "stray_close":
        return before + "}" + text[comma:]
    if kind == "drop_comma":
        return before + text[comma + 1 :]
    if kind == "double_comma":
        return before + ",," + text[comma + 1 :]
    if kind == "drop_close" and before.rstrip().endswith("}"):
        cut = len(before.rstrip()) - 1
        return text[:cut] + text[cut + 1 :]
    if kind == "stray_open":
        return before + "{" + text[comma:]
    return None


@cache
def _entries(name: str) -> list[str]:
    """The raw text of each entry of a shared file with two or more fields, each ending in a newline."""
    text = (EXPORTS / name).read_bytes().decode("utf-8-sig")
    blocks = parse_string(text).blocks
    return [b.raw + "\n" for b in blocks if isinstance(b, model.Entry) and len(b.fields) > 1 and b.raw]


@pytest.mark.skipif(not EXPORTS.is_dir(), reason="needs ../shared/data/exports/bib")
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_field_disappears_unreported(data: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
    entries = _entries(data.draw(st.sampled_from(_FILES)))
    index = data.draw(st.integers(0, len(entries) - 2))
    target, neighbour = entries[index], entries[index + 1]
    # Damage the separator comma just before a field's start line (a field ends where the next starts).
    starts = [m.start() for m in re.finditer(r"^\s*[A-Za-z][\w-]*\s*=", target, re.MULTILINE)][1:]
    if not starts:
        return
    kind = data.draw(st.sampled_from(["stray_close", "drop_comma", "double_comma", "drop_close", "stray_open"]))
    damaged = _mutate(target, data.draw(st.sampled_from(starts)), kind)
    if damaged is None:
        return
    directory = tmp_path_factory.mktemp("bib")
    (directory / "clean.bib").write_text(target + "\n" + neighbour, encoding="utf-8")
    (directory / "damaged.bib").write_text(damaged + "\n" + neighbour, encoding="utf-8")
    before, result = read_file(directory / "clean.bib"), read_file(directory / "damaged.bib")
    last_line = damaged.count("\n") + 1
    reported = [p for p in result.problems if p.line is not None and p.line <= last_line]
    (clean_target, clean_neighbour) = before.records
    read = {r.raw["ID"]: r for r in result.records}
    assert read[clean_neighbour.raw["ID"]].raw == clean_neighbour.raw, f"{kind}: the next entry changed"
    names = {name.lower() for name in clean_target.raw}
    got = read.get(clean_target.raw["ID"])
    kept = {name.lower() for name in got.raw} if got is not None else set()
    assert names <= kept or reported, f"{kind}: lost {sorted(names - kept)} without a word:\n{damaged}"
