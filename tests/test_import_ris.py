"""RIS through ``triage import``: real-world shapes that once crashed, and a property test
that no RIS-like damage ends in a traceback or loses a record without a word."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from triage.cli.main import app
from triage.records.load import read_file
from triage.records.model import Record
from triage.store.db import Project
from triage.store.records import screening_records

runner = CliRunner()


def _import(directory: Path, *files: Path) -> tuple[int, str, list[Record], BaseException | None]:
    """A new project, then ``triage import`` of ``files``; exit code, output, stored records."""
    project_dir = directory / "review"
    Project.init(project_dir).close()
    result = runner.invoke(app, ["import", *map(str, files), "-p", str(project_dir)])
    project = Project.open(project_dir)
    try:
        with project.reading() as session:
            stored = [record for _, record in screening_records(session)]
    finally:
        project.close()
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output, stored, exception


def test_apa_psycinfo_export_imports_every_field(test_data: Path, tmp_path: Path) -> None:
    # Header lines before TY, CRLF, "PMID  - " (a four-letter tag) right after TY, T1/A1/Y1/N2/M3,
    # and a last "ER  -" without its space and without a final newline: once KeyError: None in rispy.
    code, output, stored, exception = _import(tmp_path, test_data / "psycinfo_apa.ris")
    assert exception is None and code == 0, output
    first, second = stored
    assert first.title == "Mindfulness-based therapy for anxiety in older adults"
    assert first.authors == ["Smith, John A.", "Doe, Jane"]
    assert (first.year, first.pmid, first.journal) == (2020, "33355555", "Journal of Anxiety Disorders")
    assert first.abstract == "Anxiety is common in later life."
    assert (first.volume, first.issue, first.pages) == ("75", "3", "102-110")
    assert first.doi == "10.1016/j.janxdis.2020.102290"
    assert first.keywords == ["mindfulness", "anxiety"]
    assert first.raw["M3"] == "Journal Article"
    assert (second.title, second.pmid, second.authors) == ("Group cognitive therapy for carers", "33355556", ["Lee, Ann"])
    assert first.provenance is not None and first.provenance.database == "APA PsycInfo"
    # The export's header (Provider, Database, Content) is its framing, not text a person must read.
    assert "text before the first TY" not in output, output


def test_text_between_ty_and_the_first_tag_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "orphan.ris"
    path.write_text("TY  - JOUR\nstray words\nTI  - Kept title\nER  - \n", encoding="utf-8")
    result = read_file(path)
    assert [r.title for r in result.records] == ["Kept title"]
    assert [str(p) for p in result.problems] == [
        (
            "orphan.ris:2: text 'stray words' follows TY before any other tag; not imported; "
            "give the line its RIS tag ('AB  - ...') or re-export the file"
        )
    ]


def test_continuation_of_a_repeated_tag(tmp_path: Path) -> None:
    # Found by the property test below: rispy raised TypeError joining a continuation line
    # onto a tag that had occurred twice (its value a list by then).
    path = tmp_path / "repeat.ris"
    path.write_text("TY  - JOUR\nTI  - T\nAB  - First\nAB  - Second\n  goes on\nER  - \n", encoding="utf-8")
    (record,) = read_file(path).records
    assert record.raw["AB"] == ["First", "Second goes on"]
    assert record.abstract == "First"


def test_lone_carriage_return_before_ty_starts_a_record(tmp_path: Path) -> None:
    # Records separated by "ER  - \r\n\n\rTY  - CONF": every record after the first was lost.
    path = tmp_path / "conf.ris"
    path.write_bytes(
        b"TY  - JOUR\r\nTI  - First\r\nER  - \r\n\n\rTY  - CONF\r\nTI  - Second\r\nER  - \r\n\n\rTY  - CONF\r\n"
        b"TI  - Third\r\nER  - \r\n"
    )
    result = read_file(path)
    assert [r.title for r in result.records] == ["First", "Second", "Third"]
    assert result.problems == []


def test_lone_carriage_return_before_a_tag_among_newlines(tmp_path: Path) -> None:
    # Web of Science RIS: a few lone CRs among many LFs glued AD and AN onto the field before.
    path = tmp_path / "wos.ris"
    path.write_bytes(
        b"TY  - JOUR\nTI  - Trial\nAD  - Univ Toronto, Toronto, ON, Canada\rAD  - McGill Univ, Montreal, Canada\n"
        b"AB  - Abstract (SSCI)\rAN  - WOS:000123456700001\nER  - \n\nTY  - JOUR\nTI  - Two\nER  - \n"
    )
    result = read_file(path)
    first = result.records[0]
    assert first.raw["AD"] == ["Univ Toronto, Toronto, ON, Canada", "McGill Univ, Montreal, Canada"]
    assert (first.raw["AN"], first.abstract) == ("WOS:000123456700001", "Abstract (SSCI)")
    assert result.database == "Web of Science"


# --- property: damage is reported or harmless, never a traceback, never a silent loss -----

#: "#" never occurs in stray text, so a record's marker names it alone.
_STRAY = st.text(alphabet="ABCDEIKLNOPRSTUWYabcdeiklnoprstuy0123456789 -:.", min_size=0, max_size=24)


@dataclass
class _Plan:
    """One generated file: its records' lines and which records damage touched."""

    records: list[list[str]]
    touched: set[int]
    between: dict[int, str]


def _clean_record(index: int, abstract_lines: int, authors: int) -> list[str]:
    lines = ["TY  - JOUR", f"TI  - Record #{index}# on screening"]
    lines += [f"AU  - Author{index}-{a}, A." for a in range(authors)]
    lines += [f"PY  - {2000 + index}", f"AB  - Abstract of #{index}# first line"]
    lines += [f"  continued line {n}" for n in range(abstract_lines)]
    lines += [f"T2  - Journal {index}", "ER  - "]
    return lines


def _respace(line: str, how: int) -> str:
    tag, value = line[:2], line[6:]
    return [f"{tag} - {value}", f"{tag}   - {value}", f"{tag}  -{value}", f"{tag}- {value}", f"{tag.lower()}  - {value}"][how]


@st.composite
def _plans(draw: st.DrawFn) -> _Plan:
    count = draw(st.integers(1, 5))
    records = [
        _clean_record(i, draw(st.integers(0, 2)), draw(st.integers(1, 2))) for i in range(count)
    ]
    touched: set[int] = set()
    for _ in range(draw(st.integers(0, 4))):
        index = draw(st.integers(0, count - 1))
        lines = records[index]
        kind = draw(st.sampled_from(["respace", "stray", "pmid", "long_tag", "drop_er_space"]))
        if kind == "respace":
            at = draw(st.sampled_from([n for n, ln in enumerate(lines) if ln[2:5] == "  -"]))
            lines[at] = _respace(lines[at], draw(st.integers(0, 4)))
        elif kind == "stray":
            lines.insert(draw(st.integers(1, len(lines) - 1)), draw(_STRAY))
        elif kind == "pmid":
            lines.insert(draw(st.integers(1, len(lines) - 1)), f"PMID  - {draw(st.integers(1, 99_999_999))}")
        elif kind == "long_tag":
            tag = draw(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=3))
            lines.insert(draw(st.integers(1, len(lines) - 1)), f"X{tag}  - {draw(_STRAY)}")
        else:
            lines[-1] = "ER  -"
        touched.add(index)
    between = {i: draw(_STRAY) for i in draw(st.sets(st.integers(0, count), max_size=3))}
    return _Plan(records, touched, between)


def _render(plan: _Plan, *, crlf: bool, final_newline: bool, header: bool) -> tuple[str, list[tuple[int, int]]]:
    """The file's text and each record's (first, last) line."""
    out: list[str] = ["Provider: Test", "Database: Test"] if header else []
    spans: list[tuple[int, int]] = []
    for index, lines in enumerate([*plan.records, []]):
        if index in plan.between:
            out.append(plan.between[index])
        if lines:
            spans.append((len(out) + 1, len(out) + len(lines)))
            out += [*lines, ""]
    text = ("\r\n" if crlf else "\n").join(out).rstrip()
    return text + ("\n" if final_newline else ""), spans


def _fields(record: Record) -> tuple[object, ...]:
    return (record.title, record.authors, record.year, record.abstract, record.journal, record.pmid)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=_plans(), crlf=st.booleans(), final_newline=st.booleans(), header=st.booleans())
def test_ris_damage_is_reported_or_harmless(plan: _Plan, crlf: bool, final_newline: bool, header: bool) -> None:
    text, spans = _render(plan, crlf=crlf, final_newline=final_newline, header=header)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.ris"
        path.write_bytes(text.encode("utf-8"))
        code, output, stored, exception = _import(Path(directory), path)
    assert exception is None, f"traceback: {exception!r}"
    assert "Traceback" not in output
    assert code in (0, 1), output
    reported = {int(n) for n in re.findall(r"export\.ris:(\d+):", output)}
    by_marker = {m.group(1): r for r in stored if r.title and (m := re.search(r"#(\d+)#", r.title))}
    for index, (first, last) in enumerate(spans):
        if index in plan.touched:
            assert str(index) in by_marker or any(first <= n <= last for n in reported), (
                f"record {index} (lines {first}-{last}) neither stored nor reported:\n{output}"
            )
    untouched_text = "\n\n".join("\n".join(plan.records[i]) for i in range(len(spans)) if i not in plan.touched)
    if not untouched_text:
        return
    with tempfile.TemporaryDirectory() as directory:
        reference = Path(directory) / "reference.ris"
        reference.write_text(untouched_text + "\n", encoding="utf-8")
        expected = {m.group(1): r for r in read_file(reference).records if (m := re.search(r"#(\d+)#", r.title or ""))}
    for marker, record in expected.items():
        assert marker in by_marker, f"untouched record {marker} not stored:\n{output}"
        assert _fields(by_marker[marker]) == _fields(record)
