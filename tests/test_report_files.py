"""Benchmark reports a rerun rewrites at the top while keeping what was written by hand below the marker
(``evaluation/report_files.py``, used by bench_scale and bench_team_load)."""

from __future__ import annotations

from pathlib import Path

from _evaluation_support import load_evaluation_script


def test_a_rerun_replaces_the_measured_part_and_keeps_what_follows_the_marker(repo_root: Path,
                                                                              tmp_path: Path) -> None:
    files = load_evaluation_script(repo_root, "report_files")
    report = tmp_path / "scale.md"
    assert files.kept_by_hand(report) == ""  # no report yet
    files.write_keeping_hand_written(report, "# Scale\n\n| records | 10 |\n")
    assert report.read_text() == "# Scale\n\n| records | 10 |\n"
    assert files.kept_by_hand(report) == ""  # nothing marked as written by hand
    report.write_text(report.read_text() + f"\n{files.HAND_WRITTEN}\n\n## Before and after\n\npairs run back to back\n")
    files.write_keeping_hand_written(report, "# Scale\n\n| records | 20 |\n")
    assert report.read_text() == (f"# Scale\n\n| records | 20 |\n\n{files.HAND_WRITTEN}\n\n"
                                  "## Before and after\n\npairs run back to back\n")


def test_the_benchmarks_reports_carry_the_marker(repo_root: Path) -> None:
    """The committed reports a rerun rewrites: without the marker a rerun would drop their history."""
    files = load_evaluation_script(repo_root, "report_files")
    for name in ("scale.md", "team_load.md", "team_load_paced.md"):
        text = (repo_root / "evaluation" / "reports" / name).read_text()
        assert text.count(files.HAND_WRITTEN) == 1, name
