"""Coding as a team (issue 16): allocation of segments with a share coded twice, blind coding,
kappa per code for every pair of coders, disagreements a lead resolves, and the codebook's
changes logged with the acting user. CLI and web, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from _auth_support import log_in, team_app
from _web_support import CODING, HTML, JSON, build_coding_demo
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from triage.cli.main import app
from triage.embeddings import Encoder, load_encoder
from triage.store.coding import load_codebook, sentence_segments
from triage.store.coding_team import codebook_history, coding_resolutions
from triage.store.db import Project
from triage.store.users import add_user

runner = CliRunner()

#: The team on team projects here: name -> (role, password).
CODING_TEAM = {"ana": ("lead", "ana-long-secret-1"), "ben": ("reviewer", "ben-long-secret-2"),
               "cat": ("coder", "cat-long-secret-3"), "dan": ("coder", "dan-long-secret-4")}


def run(*args: str, ok: bool = True, env: dict[str, str] | None = None) -> Any:
    result = runner.invoke(app, list(args), env=env)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture()
def coding_dir(tmp_path: Path, database: str | None) -> Path:
    """The demo codebook and two studies in a project (PostgreSQL where parametrized)."""
    return build_coding_demo(tmp_path / "review")


def _team(path: Path, database: str | None) -> None:
    with Project.open(path, database) as project, project.transaction() as session:
        for name, (role, password) in CODING_TEAM.items():
            add_user(session, name, role, password)


def _sentences(path: Path, database: str | None) -> list[int]:
    with Project.open(path, database) as project, project.reading() as session:
        return [s.id for s in sentence_segments(session)]


def _next(path: Path, coder: str) -> set[int]:
    out = run("code", "next", "-n", "1000", "--json", "--coder", coder, "-p", str(path)).output
    return {row["segment_id"] for row in lines(out)}


def test_allocation_gives_each_segment_to_one_or_two_coders_stable_as_documents_are_added(
        coding_dir: Path, database: str | None) -> None:
    p = ["-p", str(coding_dir)]
    out = run("code", "allocate", "--coders", "ana,ben,cy", "--double", "0.3", "--by", "lea", *p).output
    assert "Allocated coding to ana, ben, cy; coded twice: 30% (set by lea)" in out and "Blind coding is on" in out
    queues = {c: _next(coding_dir, c) for c in ("ana", "ben", "cy")}
    sentences = _sentences(coding_dir, database)
    holders = {s: [c for c, q in queues.items() if s in q] for s in sentences}
    assert all(len(h) in (1, 2) for h in holders.values())  # never a single-coded segment to two coders
    twice = {s for s, h in holders.items() if len(h) == 2}
    assert 0 < len(twice) < len(sentences) and all(queues.values())
    listing = json.loads(run("code", "allocate", "--json", *p).output)
    assert listing["allocations"][0]["coders"] == ["ana", "ben", "cy"] and listing["allocations"][0]["set_by"] == "lea"
    assert {c["coder"]: c["allocated"] for c in listing["coders"]} == {c: len(q) for c, q in queues.items()}
    assert sum(c["double"] for c in listing["coders"]) == 2 * len(twice)

    # a study imported later: nothing drawn before moves
    run("code", "import", str(CODING / "study-c-reyes-2020.txt"), *p)
    after = {c: _next(coding_dir, c) for c in ("ana", "ben", "cy")}
    assert all(after[c] & set(sentences) == queues[c] for c in queues)
    assert set.union(*after.values()) - set(sentences)  # the new study's segments are shared out too
    # a larger share only adds segments coded twice
    made = json.loads(run("code", "allocate", "--coders", "ana,ben,cy", "--double", "0.6", "--by", "lea", "--json",
                          *p).output)
    assert (made["coders"], made["double_share"], made["seed"]) == (["ana", "ben", "cy"], 0.6, 0)
    more = {c: _next(coding_dir, c) for c in ("ana", "ben", "cy")}
    twice_more = {s for s in sentences if sum(s in q for q in more.values()) == 2}
    assert twice < twice_more
    # a coder's decision takes the segment off their own queue only
    first = min(twice_more)
    a, b = [c for c in more if first in more[c]]
    run("code", "accept", str(first), "fear-of-removal", "--coder", a, *p)
    assert first not in _next(coding_dir, a) and first in _next(coding_dir, b)
    err = run("code", "allocate", "--coders", "ana", "--double", "0.1", "--by", "lea", *p, ok=False)
    assert err.exit_code == 1 and "coding twice needs at least two coders" in err.output


def test_blind_coding_keeps_a_first_coding_out_of_exports_until_the_second(coding_dir: Path, database: str | None,
                                                                           tmp_path: Path) -> None:
    p = ["-p", str(coding_dir)]
    run("code", "allocate", "--coders", "ana,ben", "--double", "all", "--by", "lea", *p)
    segment = min(_next(coding_dir, "ana"))
    run("code", "accept", str(segment), "fear-of-removal", "--coder", "ana", *p)
    run("code", "accept", str(segment + 1), "judged-by-diagnosis", "--coder", "ana", "--span", "0:12", *p)
    for who in ([], ["--coder", "ana"]):
        out = run("code", "export", str(tmp_path / "coded.csv"), *who, *p).output
        assert "wrote 0 coded segment(s)" in out
    out = run("code", "export", str(tmp_path / "coded.qdpx"), *p).output
    assert "wrote 0 coding(s)" in out
    with zipfile.ZipFile(tmp_path / "coded.qdpx") as archive:
        assert "<Coding " not in archive.read("project.qde").decode("utf-8")
    assert json.loads(run("code", "disagreements", "--json", *p).output) == []
    run("code", "memo", "she fears the visit", "--segment", str(segment), "--coder", "ana", *p)
    assert "no memos yet" in run("code", "memos", "--coder", "ben", *p).output
    assert "she fears the visit" in run("code", "memos", *p, env={"TRIAGE_REVIEWER": "ana"}).output
    run("code", "accept", str(segment), "fear-of-removal", "power-imbalance", "--coder", "ben", *p)
    assert "she fears the visit" in run("code", "memos", "--coder", "ben", *p).output
    run("code", "export", str(tmp_path / "coded.csv"), "--every-coder", *p)
    with (tmp_path / "coded.csv").open(encoding="utf-8", newline="") as fh:
        rows = [(int(r["segment_id"]), r["code_id"], r["coder"]) for r in csv.DictReader(fh)]
    assert sorted(rows) == [(segment, "fear-of-removal", "ana"), (segment, "fear-of-removal", "ben"),
                            (segment, "power-imbalance", "ben")]  # the span's unit waits for its second coder
    run("code", "export", str(tmp_path / "coded.csv"), *p)  # the coding in force: power-imbalance is disputed
    with (tmp_path / "coded.csv").open(encoding="utf-8", newline="") as fh:
        rows = [(int(r["segment_id"]), r["code_id"], r["coder"]) for r in csv.DictReader(fh)]
    assert rows == [(segment, "fear-of-removal", "ana + ben")]


def _kappa(a: set[tuple[int, str]], b: set[tuple[int, str]], units: list[int], code: str) -> float:
    return float(cohen_kappa_score([int((u, code) in a) for u in units], [int((u, code) in b) for u in units]))


def test_agreement_for_every_pair_of_coders_and_for_two_named(coding_dir: Path, database: str | None,
                                                             tmp_path: Path) -> None:
    p = ["-p", str(coding_dir)]
    s = _sentences(coding_dir, database)[:6]
    codes = {"ana": {(s[0], "fear-of-removal"), (s[1], "fear-of-removal"), (s[2], "trusted-worker")},
             "ben": {(s[0], "fear-of-removal"), (s[1], "trusted-worker"), (s[2], "trusted-worker"),
                     (s[3], "fear-of-removal")},
             "cy": {(s[4], "fear-of-removal"), (s[5], "trusted-worker")}}
    for coder, applied in codes.items():
        for unit, code in sorted(applied):
            run("code", "accept", str(unit), code, "--coder", coder, *p)
    run("code", "reject", str(s[3]), "trusted-worker", "--coder", "ana", *p)  # ana coded s[3]: no code applies
    run("code", "accept", str(s[4]), "trusted-worker", "--coder", "ben", *p)
    codes["ben"].add((s[4], "trusted-worker"))
    coded = {c: {u for u, _ in a} for c, a in codes.items()}
    coded["ana"].add(s[3])

    out = run("code", "agreement", "--json", str(tmp_path / "all.json"), *p).output
    pairs = json.loads((tmp_path / "all.json").read_text())["pairs"]
    expected = [(a, b) for a, b in combinations(sorted(codes), 2) if coded[a] & coded[b]]
    assert [tuple(r["coders"]) for r in pairs] == expected == [("ana", "ben"), ("ben", "cy")]
    for report in pairs:
        a, b = report["coders"]
        both = sorted(coded[a] & coded[b])
        assert report["n_segments"] == len(both)
        for entry in report["per_code"]:
            if entry["code_id"] in ("fear-of-removal", "trusted-worker") and entry["kappa"] is not None:
                assert entry["kappa"] == pytest.approx(_kappa(codes[a], codes[b], both, entry["code_id"]))
    assert "ana & ben: 4 segment(s) coded by both" in out and "ben & cy: 1 segment(s)" in out

    run("code", "agreement", "--coder", "ana", "--coder", "ben", "--json", str(tmp_path / "two.json"), *p)
    two = json.loads((tmp_path / "two.json").read_text())
    assert {"coders", "n_segments", "overall_kappa", "per_code", "disagreements"} <= set(two)
    assert two == pairs[0]
    assert {(d["segment_id"], d["code_id"], d["applied_by"]) for d in two["disagreements"]} == {
        (s[1], "fear-of-removal", "ana"), (s[1], "trusted-worker", "ben"), (s[3], "fear-of-removal", "ben")}


def test_disagreements_resolved_by_a_lead_with_a_note_on_the_cli(coding_dir: Path, database: str | None) -> None:
    _team(coding_dir, database)
    p = ["-p", str(coding_dir)]
    s = _sentences(coding_dir, database)[0]
    run("code", "accept", str(s), "fear-of-removal", "--coder", "cat", *p)
    run("code", "accept", str(s), "fear-of-removal", "power-imbalance", "--coder", "dan", *p)
    run("code", "memo", "the worker held the power here", "--segment", str(s), "--coder", "dan", *p)
    found = json.loads(run("code", "disagreements", "--json", *p).output)
    assert [(d["segment_id"], d["differing"]) for d in found] == [(s, ["power-imbalance"])]
    assert [(c["coder"], [a["code_id"] for a in c["applied"]], c["memos"]) for c in found[0]["coders"]] == [
        ("cat", ["fear-of-removal"], []), ("dan", ["fear-of-removal", "power-imbalance"],
                                           ["the worker held the power here"])]
    refused = run("code", "resolve", str(s), "fear-of-removal", "--note", "x", "--by", "cat", *p, ok=False)
    assert refused.exit_code == 1 and "cat is a coder and may not resolve conflicts between reviewers" in refused.output
    no_note = run("code", "resolve", str(s), "fear-of-removal", "--by", "ana", *p, ok=False)
    assert f"resolving segment {s} needs a note saying why" in no_note.output
    out = run("code", "resolve", str(s), "fear-of-removal", "--note", "power is not in this sentence", "--by", "ana",
              *p).output
    assert f"Resolved segment {s}: fear-of-removal by ana" in out
    assert json.loads(run("code", "disagreements", "--json", *p).output) == []
    listed = json.loads(run("code", "disagreements", "--resolved", "--json", *p).output)
    assert listed[0]["resolution"]["resolved_by"] == "ana" and listed[0]["resolution"]["codes"] == ["fear-of-removal"]
    again = run("code", "resolve", str(s), "--note", "twice", "--by", "ana", *p, ok=False)
    assert f"segment {s} has no open disagreement between coders" in again.output
    # a coder deciding again reopens it
    run("code", "retract", str(s), "power-imbalance", "--coder", "dan", *p)
    run("code", "accept", str(s), "trusted-worker", "--coder", "dan", *p)
    assert [d["differing"] for d in json.loads(run("code", "disagreements", "--json", *p).output)] == [["trusted-worker"]]
    with Project.open(coding_dir, database) as project, project.reading() as session:
        assert [(r.segment_id, r.resolved_by, r.note) for r in coding_resolutions(session)] == [
            (s, "ana", "power is not in this sentence")]


def test_every_codebook_change_on_the_cli_is_logged_with_the_acting_user(coding_dir: Path,
                                                                          database: str | None) -> None:
    _team(coding_dir, database)
    p = ["-p", str(coding_dir)]
    run("codebook", "add", "Waiting lists", "--parent", "relationships-with-professionals", "--coder", "cat", *p)
    run("codebook", "rename", "waiting-lists", "Waiting for help", "--coder", "cat", *p)
    # restructuring the shared codebook moves every coder's coding: a lead's, as on the web
    refused_merge = run("codebook", "merge", "hiding-difficulties", "fear-of-removal", "--coder", "dan", *p, ok=False)
    assert "dan is a coder and may not merge, split or move codes in the codebook" in refused_merge.output
    run("codebook", "move", "waiting-lists", "--parent", "fear-and-stigma", "--coder", "ana", *p)
    run("codebook", "merge", "hiding-difficulties", "fear-of-removal", *p, env={"TRIAGE_REVIEWER": "ana"})
    run("codebook", "export", str(coding_dir / "book.json"), *p)
    run("codebook", "import", str(coding_dir / "book.json"), "--coder", "cat", *p)
    refused = run("codebook", "rename", "fear-of-removal", "Fear", "--coder", "ben", *p, ok=False)
    assert refused.exit_code == 1 and "ben is a reviewer and may not apply codes and edit the codebook" in refused.output
    nobody = run("codebook", "rename", "fear-of-removal", "Fear", *p, ok=False)
    assert "this is a team project: say who you are" in nobody.output
    with Project.open(coding_dir, database) as project, project.reading() as session:
        log = [(c.action, c.code_id, c.coder) for c in codebook_history(session)][1:]  # after the demo's import
        assert load_codebook(session).get("fear-of-removal").name != "Fear"
    assert log == [("add", "waiting-lists", "cat"), ("rename", "waiting-lists", "cat"),
                   ("move", "waiting-lists", "ana"), ("merge", "hiding-difficulties", "ana"), ("import", "*", "cat")]
    shown = json.loads(run("code", "history", "--code", "waiting-lists", "--json", *p).output)
    assert [(c["action"], c["coder"]) for c in shown] == [("add", "cat"), ("rename", "cat"), ("move", "ana")]
    assert shown[1]["detail"] == {"from": "Waiting lists", "to": "Waiting for help"}
    bad = run("code", "allocate", "--coders", "cat,ben", "--double", "0.1", "--by", "ana", *p, ok=False)
    assert "'ben' is not an active user who may code" in bad.output


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    """The bundled sentence encoder (the coding page suggests codes with it)."""
    return load_encoder()


@pytest.fixture()
def team_coding_dir(coding_dir: Path, database: str | None) -> Path:
    _team(coding_dir, database)
    run("code", "allocate", "--coders", "cat,dan", "--double", "all", "--by", "ana", "-p", str(coding_dir))
    return coding_dir


@pytest.fixture()
def browsers(team_coding_dir: Path, database: str | None, encoder: Encoder) -> Iterator[dict[str, Any]]:
    """One logged-in browser per team member on one app: name -> (client, CSRF token)."""
    from fastapi.testclient import TestClient

    with team_app(team_coding_dir, database, encoder=encoder) as first:
        out: dict[str, Any] = {"ana": (first, log_in(first, "ana", CODING_TEAM["ana"][1]))}
        for name in ("ben", "cat", "dan"):
            client = TestClient(first.app)
            out[name] = (client, log_in(client, name, CODING_TEAM[name][1]))
        yield out


def _code(browser: tuple[Any, str], segment: int, code: str) -> None:
    client, token = browser
    response = client.post("/coding/decide", data={"segment_id": str(segment), "code_id": code, "decision": "accept",
                                                   "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text


def test_blind_coding_on_the_web_page_and_json_until_both_have_coded(browsers: dict[str, Any],
                                                                   database: str | None) -> None:
    cat, dan, ana = browsers["cat"][0], browsers["dan"][0], browsers["ana"][0]
    following = cat.get("/coding/next", headers=JSON).json()
    assert following["coder"] == "cat" and following["next"] is not None
    segment, document = following["next"]["segment_id"], following["next"]["document_id"]
    assert dan.get("/coding/next", headers=JSON).json()["next"]["segment_id"] == segment  # coded twice: both get it
    _code(browsers["cat"], segment, "power-imbalance")
    assert cat.get("/coding/next", headers=JSON).json()["next"]["segment_id"] != segment

    mine = cat.get(f"/coding/segments/{segment}", headers=JSON).json()
    assert [(d["coder"], d["code_id"]) for d in mine["decisions"]] == [("cat", "power-imbalance")]
    assert mine["coded_twice"] is True
    for viewer in (dan, ana):  # the other coder and the lead see nothing yet
        assert viewer.get(f"/coding/segments/{segment}", headers=JSON).json()["decisions"] == []
    page = dan.get(f"/coding?document={document}&segment={segment}", headers=HTML).text
    assert '<span class="chip code">' not in page and '<span class="badge">applied</span>' not in page
    own = cat.get(f"/coding?document={document}&segment={segment}", headers=HTML).text
    assert '<span class="chip code">Power and being done to</span>' in own
    team = dan.get("/coding/team", headers=JSON).json()
    assert team["disagreements"] == [] and team["agreement"] == []
    assert "power-imbalance" not in ana.get("/export/coded-segments.csv").text

    _code(browsers["dan"], segment, "fear-of-removal")
    seen = dan.get(f"/coding/segments/{segment}", headers=JSON).json()
    assert sorted((d["coder"], d["code_id"]) for d in seen["decisions"]) == [
        ("cat", "power-imbalance"), ("dan", "fear-of-removal")]
    assert "power-imbalance" in ana.get("/export/coded-segments.csv?view=coders").text  # each coder's own
    assert "power-imbalance" not in ana.get("/export/coded-segments.csv").text  # disputed: not in force
    team = ana.get("/coding/team", headers=JSON).json()
    assert [d["segment_id"] for d in team["disagreements"]] == [segment]
    assert [r["coders"] for r in team["agreement"]] == [["cat", "dan"]]
    assert browsers["ben"][0].get("/coding/next", headers=JSON).status_code == 403  # a reviewer does not code


def test_only_a_lead_resolves_on_the_web_a_coders_forged_post_is_refused(
        browsers: dict[str, Any], team_coding_dir: Path, database: str | None) -> None:
    segment = browsers["cat"][0].get("/coding/next", headers=JSON).json()["next"]["segment_id"]
    _code(browsers["cat"], segment, "power-imbalance")
    _code(browsers["dan"], segment, "fear-of-removal")
    form = {"segment_id": str(segment), "codes": ["fear-of-removal"], "note": "my own"}
    dan, dan_token = browsers["dan"]
    forged = dan.post("/coding/team/resolve", data={**form, "csrf_token": dan_token}, headers=JSON)
    assert forged.status_code == 403
    assert forged.json()["error"]["message"] == "dan is a coder and may not resolve conflicts between reviewers"
    assert dan.post("/coding/team/allocate", data={"coders": "dan", "csrf_token": dan_token},
                    headers=JSON).status_code == 403
    ana, token = browsers["ana"]
    page = ana.get("/coding/team", headers=HTML).text
    assert f'id="segment-{segment}"' in page and 'action="/coding/team/resolve"' in page
    assert 'action="/coding/team/resolve"' not in dan.get("/coding/team", headers=HTML).text
    done = ana.post("/coding/team/resolve", data={**form, "note": "fear, not power", "csrf_token": token},
                    follow_redirects=False)
    assert done.status_code == 303
    after = ana.get("/coding/team", headers=HTML).text
    assert "0 segments." in after and "fear, not power" in after
    with Project.open(team_coding_dir, database) as project, project.reading() as session:
        assert [(r.segment_id, r.codes, r.resolved_by, r.note) for r in coding_resolutions(session)] == [
            (segment, ("fear-of-removal",), "ana", "fear, not power")]


def test_a_code_added_on_the_web_is_logged_with_the_logged_in_coder(
        browsers: dict[str, Any], team_coding_dir: Path, database: str | None) -> None:
    cat, token = browsers["cat"]
    segment = cat.get("/coding/next", headers=JSON).json()["next"]["segment_id"]
    response = cat.post("/coding/codes", data={"name": "Waiting lists", "segment_id": str(segment),
                                               "parent": "fear-and-stigma", "csrf_token": token},
                        follow_redirects=False)
    assert response.status_code == 303
    history = browsers["ben"][0].get("/coding/team", headers=HTML).text  # anyone logged in reads the history
    assert "<td>cat</td><td>add</td><td>Waiting lists</td>" in history
    with Project.open(team_coding_dir, database) as project, project.reading() as session:
        assert [(c.action, c.code_id, c.coder) for c in codebook_history(session)][-1] == ("add", "waiting-lists", "cat")


def _current(page: str) -> int:
    match = re.search(r'id="seg-(\d+)"[^>]*class="segment current', page)
    assert match is not None
    return int(match.group(1))


def test_a_lead_allocates_on_the_web_and_each_coder_is_served_their_own_segments(
        browsers: dict[str, Any], database: str | None) -> None:
    ana, token = browsers["ana"]
    form = ana.get("/coding/team", headers=HTML).text
    # each field says what it takes where a sighted lead reads it (a bare "0.1" said nothing)
    for field, label in (("coders", "Coders (their names, comma-separated)"),
                         ("double", 'Share of segments coded twice, blind (0 to 1, or "all")')):
        assert re.search(rf'<label for="allocate-{field}" class="hint">{re.escape(label)}</label>\s*'
                         rf'<input id="allocate-{field}" name="{field}"', form), field
    response = ana.post("/coding/team/allocate", data={"coders": "cat,dan", "double": "0", "csrf_token": token},
                        follow_redirects=False)
    assert response.status_code == 303
    assert "Coders: cat, dan; coded twice: 0%" in ana.get("/coding/team", headers=HTML).text
    served = {}
    for name in ("cat", "dan"):
        client = browsers[name][0]
        first = client.get("/coding/next", headers=JSON).json()["next"]
        page = client.get(f"/coding?document={first['document_id']}", headers=HTML).text
        served[name] = _current(page)
        assert served[name] == first["segment_id"]
        redirect = client.get("/coding/next", headers=HTML, follow_redirects=False)
        assert redirect.headers["location"] == f"/coding?document={first['document_id']}&segment={first['segment_id']}"
    assert served["cat"] != served["dan"]  # coded once: never the same segment to both
