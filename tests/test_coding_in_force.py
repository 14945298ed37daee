"""The coding in force (:mod:`triage.store.coding_in_force`): once two coders coded a segment,
the coded-segments CSV, its counts, the synthesis matrix (CLI and web) and the ``.qdpx`` export
use the codes both applied or a lead's resolution, never both coders' rows counted twice nor a
disputed code as if agreed. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from _web_support import HTML, build_coding_demo, web_client
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.coding import sentence_segments
from triage.store.db import Project

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _in_force(rows: list[dict[str, str]]) -> set[tuple[int, str, str, str]]:
    return {(int(r["segment_id"]), r["code_id"], r["coder"], r["basis"]) for r in rows}


@pytest.fixture()
def coded(tmp_path: Path, database: str | None) -> tuple[Path, list[int]]:
    """Two coders on three sentences: s0 agreed on one code and disputed on another, s1 wholly
    disputed, s2 coded by one coder only."""
    path = build_coding_demo(tmp_path / "review")
    with Project.open(path, database) as project, project.reading() as session:
        s = [seg.id for seg in sentence_segments(session)][:3]
    p = ["-p", str(path)]
    run("code", "accept", str(s[0]), "fear-of-removal", "--coder", "cat", *p)
    run("code", "accept", str(s[0]), "fear-of-removal", "power-imbalance", "--coder", "dan", *p)
    run("code", "accept", str(s[1]), "trusted-worker", "--coder", "cat", *p)
    run("code", "accept", str(s[1]), "fear-of-removal", "--coder", "dan", *p)
    run("code", "accept", str(s[2]), "judged-by-diagnosis", "--coder", "cat", *p)
    return path, s


def _counts(path: Path) -> dict[str, int]:
    return {r["code_id"]: int(r["total"]) for r in read_csv(path)}


def test_export_and_counts_use_agreement_then_the_lead_resolution(coded: tuple[Path, list[int]],
                                                                    database: str | None, tmp_path: Path) -> None:
    path, s = coded
    p = ["-p", str(path)]
    out = run("code", "export", str(tmp_path / "coded.csv"), "--counts", str(tmp_path / "counts.csv"), *p)
    assert f"left out: codes coders dispute on 2 segment(s) no lead has resolved ({s[0]}, {s[1]})" in out
    assert _in_force(read_csv(tmp_path / "coded.csv")) == {
        (s[0], "fear-of-removal", "cat + dan", "agreed"), (s[2], "judged-by-diagnosis", "cat", "single")}
    counts = _counts(tmp_path / "counts.csv")
    assert (counts["fear-of-removal"], counts["power-imbalance"], counts["trusted-worker"]) == (1, 0, 0)

    run("code", "resolve", str(s[1]), "trusted-worker", "--note", "the worker listened", "--by", "lea", *p)
    run("code", "resolve", str(s[0]), "fear-of-removal", "--note", "no power in it", "--by", "lea", *p)
    out = run("code", "export", str(tmp_path / "coded.csv"), "--counts", str(tmp_path / "counts.csv"), *p)
    assert "left out" not in out
    assert _in_force(read_csv(tmp_path / "coded.csv")) == {
        (s[0], "fear-of-removal", "lea", "resolved"), (s[1], "trusted-worker", "lea", "resolved"),
        (s[2], "judged-by-diagnosis", "cat", "single")}
    counts = _counts(tmp_path / "counts.csv")
    assert (counts["fear-of-removal"], counts["power-imbalance"], counts["trusted-worker"]) == (1, 0, 1)

    # each coder's own coding is still there, attributed, on request
    run("code", "export", str(tmp_path / "every.csv"), "--every-coder", *p)
    every = read_csv(tmp_path / "every.csv")
    assert "basis" not in every[0]
    assert sorted((int(r["segment_id"]), r["code_id"], r["coder"]) for r in every) == sorted([
        (s[0], "fear-of-removal", "cat"), (s[0], "fear-of-removal", "dan"), (s[0], "power-imbalance", "dan"),
        (s[1], "trusted-worker", "cat"), (s[1], "fear-of-removal", "dan"), (s[2], "judged-by-diagnosis", "cat")])

    # a coder deciding again reopens the segment: the resolution no longer stands
    run("code", "accept", str(s[1]), "worker-turnover", "--coder", "dan", *p)
    run("code", "export", str(tmp_path / "coded.csv"), *p)
    assert {(seg, code) for seg, code, _, _ in _in_force(read_csv(tmp_path / "coded.csv"))} == {
        (s[0], "fear-of-removal"), (s[2], "judged-by-diagnosis")}


def _synthesis(path: Path) -> dict[str, dict[str, str]]:
    return {r["code_id"]: r for r in read_csv(path)}


def test_synthesis_counts_the_coding_in_force_on_the_cli_and_the_web(coded: tuple[Path, list[int]],
                                                                      database: str | None, tmp_path: Path) -> None:
    path, s = coded
    p = ["-p", str(path)]
    out = run("code", "synthesis", str(tmp_path / "syn.csv"), *p)
    assert "not counted: codes coders dispute on 2 segment(s)" in out
    table = _synthesis(tmp_path / "syn.csv")
    assert [table[c]["segments"] for c in ("fear-of-removal", "power-imbalance", "trusted-worker")] == ["1", "0", "0"]
    assert table["fear-and-stigma"]["segments"] == "2"  # the theme: s0's agreed code and s2's single one

    run("code", "resolve", str(s[1]), "trusted-worker", "--note", "the worker listened", "--by", "lea", *p)
    with web_client(path, reviewer=None) as (client, _):
        page = client.get("/coding/synthesis", headers=HTML).text
        assert re.search(r'id="synthesis-disputed">Not counted: codes coders dispute on 1\s+segment ', page)
        web = {r["code_id"]: r for r in csv.DictReader(io.StringIO(client.get("/export/synthesis.csv").text))}
        assert [web[c]["segments"] for c in ("fear-of-removal", "power-imbalance", "trusted-worker")] == ["1", "0", "1"]
        rows = list(csv.DictReader(io.StringIO(client.get("/export/coded-segments.csv").text)))
        assert _in_force(rows) == {(s[0], "fear-of-removal", "cat + dan", "agreed"),
                                   (s[1], "trusted-worker", "lea", "resolved"),
                                   (s[2], "judged-by-diagnosis", "cat", "single")}
        coders = list(csv.DictReader(io.StringIO(client.get("/export/coded-segments.csv?view=coders").text)))
        assert len(coders) == 6 and {r["coder"] for r in coders} == {"cat", "dan"}
        counts = {r["code_id"]: int(r["total"])
                  for r in csv.DictReader(io.StringIO(client.get("/export/coded-counts.csv").text))}
        assert (counts["fear-of-removal"], counts["trusted-worker"], counts["power-imbalance"]) == (1, 1, 0)
        # one coder's own view is theirs, disputes and all
        own = {r["code_id"]: r for r in csv.DictReader(io.StringIO(
            client.get("/export/synthesis.csv?coder=dan").text))}
        assert (own["power-imbalance"]["segments"], own["fear-of-removal"]["segments"]) == ("1", "2")


def _selections(qde: str) -> list[dict[str, Any]]:
    found = []
    for match in re.finditer(r'<PlainTextSelection ([^>]*)>(.*?)</PlainTextSelection>', qde, re.DOTALL):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        found.append({"user": attrs["creatingUser"], "codes": re.findall(r'CodeRef targetGUID="([^"]+)"', match.group(2)),
                      "description": re.findall(r"<Description>(.*?)</Description>", match.group(2))})
    return found


def test_qdpx_keeps_each_coders_coding_and_adds_the_lead_resolution(coded: tuple[Path, list[int]],
                                                                    database: str | None, tmp_path: Path) -> None:
    path, s = coded
    p = ["-p", str(path)]
    run("code", "resolve", str(s[1]), "trusted-worker", "--note", "the worker listened", "--by", "lea", *p)
    out = run("code", "export", str(tmp_path / "out.qdpx"), *p)
    assert "wrote 7 coding(s)" in out  # the six coders' codings and the lead's one
    with zipfile.ZipFile(tmp_path / "out.qdpx") as archive:
        qde = archive.read("project.qde").decode("utf-8")
    users = {name: guid for guid, name in re.findall(r'<User guid="([^"]+)" name="([^"]+)"', qde)}
    assert set(users) == {"cat", "dan", "lea"}
    resolved = [sel for sel in _selections(qde) if sel["user"] == users["lea"]]
    assert len(resolved) == 1 and resolved[0]["description"] == ["resolved by lea: the worker listened"]
    trusted = re.search(r'<Code guid="([^"]+)" name="A worker who listens"', qde)
    assert trusted is not None and resolved[0]["codes"] == [trusted.group(1)]
    assert sum(len(sel["codes"]) for sel in _selections(qde) if sel["user"] != users["lea"]) == 6


def test_a_reimported_qdpx_keeps_the_lead_resolution_as_a_resolution(coded: tuple[Path, list[int]],
                                                                      database: str | None, tmp_path: Path) -> None:
    """Reading triage's own file back, the lead's selection is the resolution again, not the lead's
    own codings (which would count as a third coder's and undo the settlement)."""
    from triage.store.coding import load_codebook, memos
    from triage.store.coding_in_force import coding_in_force
    from triage.store.coding_team import coding_resolutions

    path, s = coded
    p = ["-p", str(path)]
    run("code", "resolve", str(s[1]), "trusted-worker", "--note", "the worker listened", "--by", "lea", *p)
    # dan's reject of cat's code has no place in REFI-QDA: that disagreement does not come back
    run("code", "reject", str(s[2]), "judged-by-diagnosis", "--coder", "dan", *p)
    run("code", "resolve", str(s[2]), "judged-by-diagnosis", "--note", "it is about labels", "--by", "lea", *p)
    run("code", "export", str(tmp_path / "out.qdpx"), *p)
    other_db = f"sqlite:///{tmp_path / 'other' / 'triage.sqlite'}"
    other = Project.init(tmp_path / "other", other_db)
    try:
        out = run("code", "import", str(tmp_path / "out.qdpx"), "-p", str(other.directory), "--database", other_db)
        assert "6 coding(s) by their coders, 1 lead resolution(s)" in " ".join(out.split())
        assert "1 lead resolution(s) kept as memos on their segments" in " ".join(out.split())
        with other.reading() as session:
            resolutions = coding_resolutions(session)
            codebook = load_codebook(session)
            applied = coding_in_force(session, codebook).applied
            kept = [(m.coder, m.text) for m in memos(session)]
        assert kept == [("lea", "resolved by lea: it is about labels (Judged by the diagnosis)")]
        # REFI-QDA carries code names, not our ids: the new project slugs the names
        assert [(r.resolved_by, r.note, [codebook.get(c).name for c in r.codes]) for r in resolutions] == [
            ("lea", "the worker listened", ["A worker who listens"])]
        assert {a.coder for a in applied if a.basis == "single"} == {"cat"}  # s2 only: lea coded nothing herself
        assert [(codebook.get(a.code_id).name, a.coder) for a in applied if a.basis == "resolved"] == [
            ("A worker who listens", "lea")]
        with Project.open(path, database) as project, project.reading() as session:
            first = coding_resolutions(session)[0]
        # the file keeps whole seconds
        assert resolutions[0].created_at.replace(tzinfo=None) == first.created_at.replace(tzinfo=None, microsecond=0)
    finally:
        other.close()
