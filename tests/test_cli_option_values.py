"""Option values that cannot mean anything are refused before the command runs.

A count of 0 or below: `triage next -n 0` listed all 601 records of the demo, `code next -n -2` all but the last two
(Python's slice), and `dedup review --list --limit 0` said "No possible duplicates waiting
for review" with two waiting: each answer was wrong, not empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize("args", [
    ["next", "-n"], ["code", "next", "-n"], ["code", "suggest", "-n"], ["code", "suggest", "-k"],
    ["dedup", "review", "--list", "--limit"], ["code", "candidates", "--min-size"],
])
@pytest.mark.parametrize("value", ["0", "-2"])
def test_a_count_below_one_is_refused(args: list[str], value: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path / "review")]).exit_code == 0
    result = runner.invoke(app, [*args, value, "-p", str(tmp_path / "review")], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "Input should be greater than or equal to 1" in result.output


def test_records_limit_zero_still_means_all_and_below_zero_is_refused(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path / "review")]).exit_code == 0
    where = ["-p", str(tmp_path / "review")]
    assert runner.invoke(app, ["records", "--limit", "0", *where]).exit_code == 0
    refused = runner.invoke(app, ["records", "--limit", "-1", *where], env={"COLUMNS": "200"})
    assert refused.exit_code == 2 and "greater than or equal to 0" in refused.output


@pytest.mark.parametrize("args", [
    ["next"], ["screen", "--reviewer", "ana"], ["export", "-"], ["records"], ["conflicts"],
    ["allocate", "--reviewers", "ana,ben", "--by", "lea"], ["decide", "1", "include", "--reviewer", "ana"],
])
def test_an_unknown_stage_is_refused(args: list[str], tmp_path: Path) -> None:
    """`triage next --stage fulltext` served every record as unscreened at a stage nobody had
    screened, and `triage screen --stage nope` started a screening session there."""
    assert runner.invoke(app, ["init", str(tmp_path / "review")]).exit_code == 0
    result = runner.invoke(app, [*args, "--stage", "fulltext", "-p", str(tmp_path / "review")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "unknown stage 'fulltext'; use one of: title_abstract, full_text" in result.output
