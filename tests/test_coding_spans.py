"""Coding a span inside a paragraph: `triage code accept SEGMENT CODE --span START:END / --quote TEXT`."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.coding import document_segments
from triage.store.db import Project

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo" / "coding"


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_spans_are_coded_exported_and_checked(project: Project, tmp_path: Path) -> None:
    p = ["-p", str(project.directory), "--coder", "ana"]
    _ok("codebook", "import", str(DEMO / "codebook.json"), *p)
    _ok("code", "import", str(DEMO / "study-a-hollis-2021.md"), "-p", str(project.directory))
    with project.reading() as session:
        segments = [(s.id, s.kind, s.start, s.text) for s in document_segments(session, 1)]
    paragraph_id, _, paragraph_start, paragraph = next(s for s in segments if s[1] == "paragraph"
                                                       and "constant fear" in s[3])
    start = paragraph.index("a constant fear")
    out = _ok("code", "accept", str(paragraph_id), "fear-of-removal", "--span", f"{start}:{start + 15}", *p)
    assert out.startswith(f"span {len(segments) + 1} in segment {paragraph_id}: a constant fear\n")
    out = _ok("code", "accept", str(paragraph_id), "hiding-difficulties", "--quote", "delayed asking for help", *p)
    assert out.startswith(f"span {len(segments) + 2} in segment {paragraph_id}: delayed asking for help\n")
    again = _ok("code", "accept", str(paragraph_id), "power-imbalance", "--span", f"{start}:{start + 15}", *p)
    assert again.startswith(f"span {len(segments) + 1} in segment")  # the same span, not a second copy
    with project.reading() as session:
        spans = [(s.start, s.end, s.text, s.parent_id) for s in document_segments(session, 1) if s.kind == "span"]
    assert spans[0] == (paragraph_start + start, paragraph_start + start + 15, "a constant fear", paragraph_id)
    assert len(spans) == 2 and spans[1][3] == paragraph_id
    _ok("code", "export", str(tmp_path / "coded.csv"), "-p", str(project.directory))
    with (tmp_path / "coded.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    text = (DEMO / "study-a-hollis-2021.md").read_text(encoding="utf-8").strip("\n")
    assert sorted((r["text"], r["code_id"]) for r in rows) == [
        ("a constant fear", "fear-of-removal"), ("a constant fear", "power-imbalance"),
        ("delayed asking for help", "hiding-difficulties")]
    assert all(text[int(r["start"]):int(r["end"])] == r["text"] for r in rows)

    for args, message in (
        (["--span", "5:2"], "error: span 5:2 is outside segment"),
        (["--span", "a:b"], "error: span 'a:b' is not START:END; give character offsets, e.g. --span 12:48"),
        (["--quote", "the"], "error: 'the' occurs"),
        (["--quote", "not in this text at all"], "error: 'not in this text at all' occurs 0 times in segment"),
        (["--span", "0:4", "--quote", "Almost"], ("error: say which part of the segment; pass --span START:END or "
                                                 "--quote TEXT")),
    ):
        result = runner.invoke(app, ["code", "accept", str(paragraph_id), "fear-of-removal", *args, *p])
        assert result.exit_code != 0 and result.stderr.startswith(message), (args, result.stderr)


def test_a_span_travels_through_refi_qda(project: Project, tmp_path: Path) -> None:
    p = ["-p", str(project.directory), "--coder", "ana"]
    _ok("codebook", "import", str(DEMO / "codebook.json"), *p)
    _ok("code", "import", str(DEMO / "study-a-hollis-2021.md"), "-p", str(project.directory))
    with project.reading() as session:
        paragraph_id = next(s.id for s in document_segments(session, 1) if s.kind == "paragraph"
                            and "constant fear" in s.text)
    _ok("code", "accept", str(paragraph_id), "fear-of-removal", "--quote", "a constant fear", *p)
    _ok("code", "export", str(tmp_path / "out.qdpx"), "-p", str(project.directory))
    # The second project is a SQLite file whichever store the first is on (on PostgreSQL
    # $TRIAGE_DATABASE names the first project's database).
    other = ["-p", str(tmp_path / "other"), "--database", f"sqlite:///{tmp_path / 'other' / 'triage.sqlite'}"]
    _ok("init", str(tmp_path / "other"), "--database", other[-1])
    out = _ok("code", "import", str(tmp_path / "out.qdpx"), *other)
    assert "across paragraphs" not in out
    rows = []
    for where in (["-p", str(project.directory)], other):
        _ok("code", "export", str(tmp_path / "coded.csv"), *where)
        with (tmp_path / "coded.csv").open(encoding="utf-8", newline="") as fh:
            rows.append([(r["start"], r["end"], r["text"], r["code_name"], r["coder"]) for r in csv.DictReader(fh)])
    assert rows[0] == rows[1] and rows[0][0][2] == "a constant fear"


def test_a_span_never_starts_or_ends_in_white_space(project: Project) -> None:
    """A browser's selection often takes the space after the last word (a double click does);
    the span keeps the words only, so exports, .qdpx selections and the page's chip show them
    without a stray space, and selecting "fear" or "fear " codes the same span."""
    _ok("codebook", "import", str(DEMO / "codebook.json"), "-p", str(project.directory), "--coder", "ana")
    _ok("code", "import", str(DEMO / "study-a-hollis-2021.md"), "-p", str(project.directory))
    with project.reading() as session:
        paragraph_id, paragraph = next((s.id, s.text) for s in document_segments(session, 1)
                                       if s.kind == "paragraph" and "constant fear" in s.text)
    start = paragraph.index("a constant fear")
    p = ["-p", str(project.directory), "--coder", "ana"]
    span_id = _next_id(project)
    first = _ok("code", "accept", str(paragraph_id), "fear-of-removal", "--span", f"{start - 1}:{start + 16}", *p)
    assert first.startswith(f"span {span_id} in segment {paragraph_id}: a constant fear\n"), first
    same = _ok("code", "accept", str(paragraph_id), "power-imbalance", "--span", f"{start}:{start + 15}", *p)
    assert same.split(":")[0] == first.split(":")[0]  # the same span, not a second copy
    quoted = _ok("code", "accept", str(paragraph_id), "hiding-difficulties", "--quote", " delayed asking ", *p)
    assert ": delayed asking\n" in quoted
    with project.reading() as session:
        spans = sorted((s.text, s.end - s.start) for s in document_segments(session, 1) if s.kind == "span")
    assert spans == [("a constant fear", 15), ("delayed asking", 14)]
    blank = paragraph.index(" ", start)
    result = runner.invoke(app, ["code", "accept", str(paragraph_id), "fear-of-removal", "--span",
                                 f"{blank}:{blank + 1}", *p])
    assert result.exit_code != 0 and "holds no words" in result.stderr, result.stderr


def _next_id(project: Project) -> int:
    with project.reading() as session:
        return max(s.id for s in document_segments(session, 1)) + 1
