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
