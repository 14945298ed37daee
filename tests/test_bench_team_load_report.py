"""The team load benchmark rewrites its report's headline and keeps what was written by hand below it."""

from __future__ import annotations

from pathlib import Path

from _evaluation_support import load_evaluation_script


def test_a_rerun_replaces_the_headline_and_keeps_the_hand_written_sections(repo_root: Path, tmp_path: Path) -> None:
    bench = load_evaluation_script(repo_root, "bench_team_load")
    report = tmp_path / "team_load.md"
    bench.write_headline(report, "# Team server\n\n| decisions | 10 |\n")
    assert report.read_text() == "# Team server\n\n| decisions | 10 |\n"
    report.write_text(report.read_text() + "\n## Before and after\n\npairs run back to back\n")
    bench.write_headline(report, "# Team server\n\n| decisions | 20 |\n")
    assert report.read_text() == "# Team server\n\n| decisions | 20 |\n\n## Before and after\n\npairs run back to back\n"
