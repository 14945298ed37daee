"""What a new user following README's coding steps sees, on a real synthesis's text and codebook.

Found by walking README command by command: an empty codebook printed nothing at all, and
`code accept` with a code the codebook lacks first announced a span it then did not keep.
"""

from __future__ import annotations

from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.db import Project

runner = CliRunner()


def test_an_empty_codebook_says_so_and_how_to_fill_it(project: Project) -> None:
    """`triage codebook show` before any codebook printed nothing (exit 0): a new user could not
    tell an empty codebook from a broken command."""
    result = runner.invoke(app, ["codebook", "show", "-p", str(project.directory)])
    assert result.exit_code == 0, result.output
    assert "no codes yet" in result.output
    assert "triage codebook import" in result.output and "triage codebook add" in result.output

