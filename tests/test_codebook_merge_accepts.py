"""Merging codes when a coder accepted one and refused the other on a segment: the acceptance
wins whichever came later (the segment was coded with the concept), the suggester's learned
examples follow, and undoing the merge gives each code its own decision back. SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from _web_support import build_coding_demo
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.code_decisions import current_code_decisions
from triage.store.coding import load_codebook, sentence_segments
from triage.store.db import Project

runner = CliRunner()

SOURCE, TARGET = "hiding-difficulties", "fear-of-removal"


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _decisions(path: Path, database: str | None) -> dict[tuple[int, str, str], str]:
    """(segment, code, coder) -> the decision in force: what exports count and the suggester learns."""
    with Project.open(path, database) as project, project.reading() as session:
        return {(d.segment_id, d.code_id, d.coder): d.decision
                for d in current_code_decisions(session, load_codebook(session))}


@pytest.fixture()
def coded(tmp_path: Path, database: str | None) -> tuple[Path, list[int]]:
    path = build_coding_demo(tmp_path / "review")
    with Project.open(path, database) as project, project.reading() as session:
        s = [seg.id for seg in sentence_segments(session)][:4]
    p = ["-p", str(path)]
    steps = [
        ("accept", s[0], TARGET, "cat"), ("reject", s[0], SOURCE, "cat"),  # accept, then refuse the other
        ("accept", s[1], SOURCE, "cat"), ("reject", s[1], TARGET, "cat"),
        ("reject", s[2], TARGET, "cat"), ("accept", s[2], SOURCE, "cat"), ("retract", s[2], TARGET, "cat"),
        ("reject", s[3], TARGET, "cat"), ("accept", s[3], SOURCE, "cat"),  # the later decision is the accept
        ("reject", s[0], TARGET, "dan"), ("reject", s[0], SOURCE, "dan"),  # refused both: refused after
    ]
    for decision, segment, code, coder in steps:
        run("code", decision, str(segment), code, "--coder", coder, *p)
    return path, s


def test_an_accept_of_either_code_wins_the_merged_code(coded: tuple[Path, list[int]], database: str | None,
                                                       tmp_path: Path) -> None:
    path, s = coded
    before = _decisions(path, database)
    run("codebook", "merge", SOURCE, TARGET, "--coder", "lea", "-p", str(path))
    merged = _decisions(path, database)
    assert {seg: merged[(seg, TARGET, "cat")] for seg in s} == dict.fromkeys(s, "accept")
    assert merged[(s[0], TARGET, "dan")] == "reject"
    assert not any(code == SOURCE for _, code, _ in merged)
    run("code", "export", str(tmp_path / "coded.csv"), "--coder", "cat", "-p", str(path))
    text = (tmp_path / "coded.csv").read_text(encoding="utf-8")
    assert text.count(f",{TARGET},") == 4  # one row per segment cat coded with either code

    # undo: each code has its own decisions back, exactly as before the merge
    run("codebook", "unmerge", SOURCE, "--coder", "lea", "-p", str(path))
    assert _decisions(path, database) == before


def test_a_decision_on_the_merged_code_after_the_merge_stands_through_the_undo(
        coded: tuple[Path, list[int]], database: str | None) -> None:
    path, s = coded
    p = ["-p", str(path)]
    run("codebook", "merge", SOURCE, TARGET, "--coder", "lea", *p)
    run("code", "retract", str(s[0]), TARGET, "--coder", "cat", *p)  # the coder changes their mind on s0
    assert (s[0], TARGET, "cat") not in _decisions(path, database)
    run("codebook", "undo", "--coder", "lea", *p)
    after = _decisions(path, database)
    assert (s[0], TARGET, "cat") not in after  # their later retraction stands
    assert after[(s[1], TARGET, "cat")] == "reject" and after[(s[1], SOURCE, "cat")] == "accept"
