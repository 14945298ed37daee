"""What `triage export` says it wrote, on a real export (found walking README as a new user)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from triage.cli.main import app

runner = CliRunner()


def test_export_counts_one_record_in_the_singular(shared_data: Path, tmp_path: Path) -> None:
    """README's 'triage export studies.ris --subset included --stage full_text' with one study
    included said 'Wrote 1 records to studies.ris'; now 'Wrote 1 record', and several stay plural."""
    where = str(tmp_path / "review")
    for args in (["init", where], ["import", str(shared_data / "exports" / "ris" / "asreview_embase.ris"), "-p", where]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    for stage in ("title_abstract", "full_text"):
        result = runner.invoke(app, ["decide", "1", "include", "--stage", stage, "--reviewer", "ana", "-p", where])
        assert result.exit_code == 0, result.output
    out = tmp_path / "studies.ris"
    result = runner.invoke(app, ["export", str(out), "--subset", "included", "--stage", "full_text", "-p", where])
    assert result.exit_code == 0, result.output
    assert f"Wrote 1 record to {out}\n" in result.output  # the path whole, however long (tests/test_cli_paths.py)
    assert out.read_text(encoding="utf-8").count("ER  -") == 1
    result = runner.invoke(app, ["export", str(tmp_path / "all.ris"), "-p", where])
    assert "Wrote 6 records to" in result.output
