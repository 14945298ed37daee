"""Benchmark reports that a rerun rewrites in part: the numbers it measured at the top, the
history written by hand (before/after pairs, what was tried) below a marker, kept as it is.

``bench_scale.py`` and ``bench_team_load.py`` write their reports this way, so the lead's
quiet-machine rerun of a benchmark replaces its table and never erases what a session learnt.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["HAND_WRITTEN", "kept_by_hand", "write_keeping_hand_written"]

#: What follows this line in a report was written by hand: a rerun keeps it.
HAND_WRITTEN = "<!-- the benchmark writes what is above this line; what follows is kept when it reruns -->"


def kept_by_hand(report: Path) -> str:
    """The hand-written part of an existing report (after :data:`HAND_WRITTEN`), with the marker."""
    text = report.read_text() if report.exists() else ""
    return "\n" + HAND_WRITTEN + text.split(HAND_WRITTEN, 1)[1] if HAND_WRITTEN in text else ""


def write_keeping_hand_written(report: Path, measured: str) -> None:
    """Write ``measured`` (title, command, machine, tables) as the top of ``report``, the
    hand-written part of the report already there below it."""
    report.write_text(measured.rstrip("\n") + "\n" + kept_by_hand(report))
