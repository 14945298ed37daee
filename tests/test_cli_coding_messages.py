"""What a new user following README's coding steps sees, on a real synthesis's text and codebook.

Found by walking README command by command: an empty codebook printed nothing at all, and
`code accept` with a code the codebook lacks first announced a span it then did not keep.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.db import Project
from triage.store.schema_coding import CodingSegmentRow

runner = CliRunner()


def test_an_empty_codebook_says_so_and_how_to_fill_it(project: Project) -> None:
    """`triage codebook show` before any codebook printed nothing (exit 0): a new user could not
    tell an empty codebook from a broken command."""
    result = runner.invoke(app, ["codebook", "show", "-p", str(project.directory)])
    assert result.exit_code == 0, result.output
    assert "no codes yet" in result.output
    assert "triage codebook import" in result.output and "triage codebook add" in result.output


def test_accept_with_an_unknown_code_announces_no_span(project: Project, shared_data: Path,
                                                       tmp_path: Path) -> None:
    """README's `code accept SEGMENT "Fear of child removal" --quote ...` with a code the codebook
    lacks printed 'span 164 in segment 86: persistent fear' and then the error: the span was
    never kept. Now only the error is printed and no segment is added."""
    folder = shared_data / "coding" / "qes-siblings-mental-illness"
    shutil.copy(folder / "source.md", tmp_path / "smith2021.md")
    p = ["-p", str(project.directory)]
    for args in (["codebook", "import", str(folder / "codebook.json"), "--coder", "ana"],
                 ["code", "import", str(tmp_path / "smith2021.md")]):
        result = runner.invoke(app, [*args, *p])
        assert result.exit_code == 0, result.output
    with project.reading() as session:
        seg_id = session.scalars(select(CodingSegmentRow.id).where(
            CodingSegmentRow.kind == "sentence", CodingSegmentRow.text.contains("persistent fear"))).first()
        before = session.scalar(select(func.count()).select_from(CodingSegmentRow))
    assert seg_id is not None
    result = runner.invoke(app, ["code", "accept", str(seg_id), "Fear of child removal", "--quote",
                                 "persistent fear", "--coder", "ana", *p])
    assert result.exit_code == 1
    assert "no code 'Fear of child removal'" in result.output
    assert "span" not in result.output
    with project.reading() as session:
        assert session.scalar(select(func.count()).select_from(CodingSegmentRow)) == before
    # The same with a code the codebook has: the span is announced and kept.
    result = runner.invoke(app, ["code", "accept", str(seg_id), "T2.2", "--quote", "persistent fear",
                                 "--coder", "ana", *p])
    assert result.exit_code == 0, result.output
    assert f"in segment {seg_id}: persistent fear" in result.output
    with project.reading() as session:
        assert session.scalar(select(func.count()).select_from(CodingSegmentRow)) == before + 1


def test_an_unknown_segment_is_refused_in_the_same_words_everywhere(project: Project) -> None:
    """'no segment N in this project' was written in the store (hint: 'triage code suggest') and in
    `code suggest --segment` (hint: 'triage code next'): one message now, naming the command that lists
    segment ids, from every command that takes one."""
    demo = Path(__file__).resolve().parents[1] / "corpora" / "demo" / "coding"
    p = ["-p", str(project.directory)]
    for args in (["codebook", "import", str(demo / "codebook.json"), "--coder", "ana"],
                 ["code", "import", str(demo / "study-a-hollis-2021.md")]):
        result = runner.invoke(app, [*args, *p])
        assert result.exit_code == 0, result.output
    expected = ("error: no segment 999 in this project; 'triage code next' lists segment ids "
                "('--document N' for one document's)")
    for args in (["code", "accept", "999", "fear-of-removal", "--coder", "ana"],
                 ["code", "accept", "999", "fear-of-removal", "--span", "0:4", "--coder", "ana"],
                 ["code", "suggest", "--segment", "999", "--coder", "ana"],
                 ["code", "memo", "a note", "--segment", "999", "--coder", "ana"],
                 ["code", "attr", "--segment", "999", "perspective=parent"]):
        result = runner.invoke(app, [*args, *p])
        assert result.exit_code == 1, (args, result.output)
        assert " ".join(result.stderr.split()) == expected, args


def test_a_code_that_gains_a_subcode_says_it_became_a_theme(project: Project) -> None:
    """`codebook add NAME --parent CODE` under a code with coding made it a theme without a word: its
    coding stays on it and is counted under the theme, but it can no longer be applied by hand. Said in
    one line, with the code's name and its coded segments; `codebook move` under a code the same."""
    demo = Path(__file__).resolve().parents[1] / "corpora" / "demo" / "coding"
    p = ["-p", str(project.directory)]
    for args in (["codebook", "import", str(demo / "codebook.json"), "--coder", "ana"],
                 ["code", "import", str(demo / "study-a-hollis-2021.md")],
                 ["code", "accept", "4", "fear-of-removal", "--coder", "ana"],
                 ["code", "accept", "5", "fear-of-removal", "--coder", "ana"],
                 ["code", "accept", "5", "fear-of-removal", "--coder", "ben"]):
        result = runner.invoke(app, [*args, *p])
        assert result.exit_code == 0, result.output
    def said(*args: str) -> str:
        result = runner.invoke(app, [*args, "--coder", "ana", *p])
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    assert said("codebook", "add", "Fear of the courts", "--parent", "fear-of-removal") == (
        "added fear-of-the-courts 'Fear of child removal' (fear-of-removal) is now a theme: its 2 coded segments "
        "stay counted under it; code new text with the codes under it")
    # A second subcode: already a theme, nothing more to say.
    assert said("codebook", "add", "Fear of the police", "--parent", "fear-of-removal") == "added fear-of-the-police"
    # A code without coding that gets one under it by a move: a theme now, said without a count.
    assert said("codebook", "move", "fear-of-the-police", "--parent", "impact-on-children") == (
        "moved fear-of-the-police 'Impact on children' (impact-on-children) is now a theme: no segment is coded "
        "with it; code text with the codes under it")
