"""Paths a user gets wrong on the command line (a folder that does not exist, a backup file
that is not there) end in one line naming the path and what to do, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli.main import app

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"


@pytest.fixture()
def proj_dir(tmp_path: Path) -> Path:
    path = tmp_path / "review"
    assert runner.invoke(app, ["init", str(path)]).exit_code == 0
    assert runner.invoke(app, ["import", str(DEMO / "embase.ris"), "-p", str(path)]).exit_code == 0
    return path


@pytest.mark.parametrize("command", [
    ["export", "{missing}/included.ris"],
    ["status", "--diagram", "{missing}/flow.svg"],
    ["backup", "{missing}/review.sqlite"],
])
def test_writing_into_a_folder_that_does_not_exist_is_one_line(proj_dir: Path, tmp_path: Path,
                                                               command: list[str]) -> None:
    missing = tmp_path / "no-such-folder"
    args = [part.format(missing=missing) for part in command]
    result = runner.invoke(app, [*args, "-p", str(proj_dir)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[-1] == f"error: {missing}: no such folder; create it first, or give a path in an existing folder"
    assert not missing.exists()


def test_restoring_a_backup_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    gone = tmp_path / "backup.sqlite"
    result = runner.invoke(app, ["restore", str(gone), "-p", str(tmp_path / "restored")])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1].startswith(f"error: {gone}: No such file or directory")


def test_messages_keep_a_long_path_whole_on_one_line(tmp_path: Path) -> None:
    """Rich folded a long path anywhere at 80 columns ('Wrote 1 record to /tmp/pytest-of-…/
    fi' / 'le.ris'): a path copied from a message, or read by a script from a pipe, must be
    one unbroken token. Every message naming a path the user gave, through the real CLI,
    at 80 columns, with paths far longer than that."""
    deep = tmp_path / ("a_folder_with_a_long_name_" * 3) / "and_another_one_below_it_for_good_measure"
    deep.mkdir(parents=True)
    project, out, backup = deep / "review", deep / "included_records_for_the_update.ris", deep / "review.backup"
    diagram, restored = deep / "prisma_flow_diagram.svg", deep / "restored_review"
    assert len(str(out)) > 160
    env = {"COLUMNS": "80"}

    def said(args: list[str], path: Path) -> None:
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
        assert any(str(path) in line for line in result.output.splitlines()), (args, result.output)

    said(["init", str(project)], project)
    assert runner.invoke(app, ["import", str(DEMO / "embase.ris"), "-p", str(project)], env=env).exit_code == 0
    said(["export", str(out), "-p", str(project)], out)
    said(["export", str(deep / "records.bib"), "-p", str(project)], deep / "records.bib")
    said(["status", "--diagram", str(diagram), "-p", str(project)], diagram)
    said(["backup", str(backup), "-p", str(project)], backup)
    said(["restore", str(backup), "-p", str(restored)], restored / "triage.sqlite")
    said(["migrate", "--to", str(deep / "copy"), "-p", str(project)], deep / "copy")
    said(["codebook", "export", str(deep / "codebook.json"), "-p", str(project)], deep / "codebook.json")
