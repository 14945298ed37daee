"""A second browser sees new decisions within 2 s (issue 16): two logged-in clients of one
server, A decides, B's poll endpoint (what ``static/live.js`` asks every second) lists it and
its counts move; blind mode: B's poll never names A's decision on a record screened twice
until B decided it too. SQLite and PostgreSQL (the ``database`` fixture)."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from _auth_support import build_team_of_two_reviewers, log_in, team_app
from _web_support import JSON
from fastapi.testclient import TestClient

from triage.errors import DecisionError
from triage.screening.queue import ScreeningQueue
from triage.store.allocation import set_allocation
from triage.store.db import Project
from triage.store.decisions import (
    decisions_in_force,
    latest_decisions_by_record,
    record_decision,
    standing_decision_count,
    undo_last,
)
from triage.store.decisions_appended import decision_log_mark
from triage.store.studies import link_reports
from triage.web.routes import live
from triage.web.state import ScreeningState

#: The promise: a decision shows in another browser within this many seconds.
WITHIN_S = 2.0


@pytest.fixture()
def team_dir(tmp_path: Path, database: str | None) -> Path:
    return build_team_of_two_reviewers(tmp_path / "review", database)


def _poll(client: TestClient, since: int | None = None) -> dict[str, object]:
    answer = client.get("/live/decisions" + ("" if since is None else f"?since={since}"), headers=JSON)
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def _decide(client: TestClient, token: str, decision: str = "include") -> int:
    """Decide the card ``client`` is shown; its record id."""
    card = client.get("/screen/card", headers=JSON).json()
    record = int(card["record_id"])
    request_id = card["html"].split('name="request_id" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/screen/decide", data={"record_id": str(record), "decision": decision,
                                                 "request_id": request_id},
                         headers={**JSON, "X-CSRF-Token": token})
    assert answer.status_code == 200, answer.text
    return record


def _until(check: object, since: int | None, client: TestClient) -> tuple[dict[str, object], float]:
    """Poll as the page does (but without waiting a whole second between polls) until
    ``check(answer)``, for at most :data:`WITHIN_S`; the answer and how long it took."""
    started = time.perf_counter()
    while True:
        answer = _poll(client, since)
        if check(answer):  # type: ignore[operator]
            return answer, time.perf_counter() - started
        if time.perf_counter() - started > WITHIN_S:
            raise AssertionError(f"not seen within {WITHIN_S} s: {answer}")
        time.sleep(0.05)


def test_a_decision_in_one_browser_shows_in_another_within_2_s(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database) as ana, team_app(team_dir, database) as ben:
        token_a = log_in(ana, "ana")
        log_in(ben, "ben")
        ben.get("/screen/card", headers=JSON)  # the screening page: its ranking is built
        first = _poll(ben)  # the page's first poll: where it starts, nothing listed yet
        assert first["decisions"] == []
        before = first["counts"]
        assert isinstance(before, dict) and before["mine"] == 0
        record = _decide(ana, token_a)
        seen, took = _until(lambda a: a["decisions"], int(str(first["since"])), ben)
        rows = seen["decisions"]
        assert isinstance(rows, list)
        assert [(r["record_id"], r["reviewer"], r["decision"]) for r in rows] == [(record, "ana", "include")]
        assert seen["version"] != first["version"]
        assert took < WITHIN_S
        counts, _ = _until(lambda a: a["counts"]["decided"] == before["decided"] + 1, None, ben)
        assert counts["counts"]["remaining"] == before["remaining"] - 1  # type: ignore[index]
        assert counts["counts"]["mine"] == 0  # type: ignore[index]  # ana's, not ben's
        # Nothing new: the same version, nothing listed again.
        again = _poll(ben, int(str(seen["since"])))
        assert again["decisions"] == [] and again["version"] == seen["version"]


def test_pages_listing_decisions_poll_for_them(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database) as ben:
        log_in(ben, "ben")
        for page in ("/", "/history", "/conflicts"):
            assert 'src="/static/live.js" defer data-live="page"' in ben.get(page).text
        assert 'data-live="counts"' in ben.get("/screen").text
        assert 'data-live-count="remaining"' in ben.get("/screen/card", headers=JSON).json()["html"]


def test_a_blind_record_is_not_named_by_the_poll_until_both_decided(team_dir: Path, database: str | None) -> None:
    with Project.open(team_dir, database) as project, project.transaction() as session:
        set_allocation(session, stage="title_abstract", reviewers=["ben", "dan"], double_share=1.0, set_by="ana")
    with team_app(team_dir, database) as ben, team_app(team_dir, database) as dan:
        token_b = log_in(ben, "ben")
        token_d = log_in(dan, "dan", "dan-long-secret-4")
        start = int(str(_poll(dan)["since"]))
        record = _decide(ben, token_b, "exclude")
        # Dan polls past ben's decision: the version moves (someone decided) but nothing is named.
        moved, _ = _until(lambda a: int(str(a["since"])) > start, start, dan)
        assert moved["decisions"] == []
        time.sleep(0.6)  # past the counts' refresh: still nothing about ben's record
        later = _poll(dan, start)
        assert later["decisions"] == [] and "exclude" not in str(later)
        card = dan.get("/screen/card", headers=JSON).json()
        assert card["record_id"] == record  # screened twice: dan gets it too
        _decide(dan, token_d, "include")
        both, _ = _until(lambda a: len(a["decisions"]) == 2, start, dan)
        assert {(r["reviewer"], r["decision"]) for r in both["decisions"]} == {  # type: ignore[union-attr]
            ("ben", "exclude"), ("dan", "include")}


def _whole_log_counts(team_dir: Path, database: str | None, viewer: str) -> dict[str, int]:
    with Project.open(team_dir, database) as project, project.reading() as session:
        in_force = decisions_in_force(session)
        return {"decided": len(in_force.decisions), "conflicts": len(in_force.conflicts),
                "mine": len(latest_decisions_by_record(session, reviewer=viewer))}


def test_the_counts_followed_from_the_log_are_the_whole_logs(team_dir: Path, database: str | None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The poll keeps its counts up from the rows appended since its last read (the retrainer's
    way), not the whole log on every refresh: after each key press, a decision on a record
    another reviewer decided, and an undo, they are what the whole log gives."""
    monkeypatch.setattr(live, "REFRESH_S", 0.0)  # every poll that finds the version moved reads
    with team_app(team_dir, database) as ben, team_app(team_dir, database) as dan:
        token_b = log_in(ben, "ben")
        token_d = log_in(dan, "dan", "dan-long-secret-4")
        _poll(ben)  # the first poll reads the whole log
        decided: list[int] = []

        def undo_ben() -> None:
            assert ben.post("/screen/undo", headers={**JSON, "X-CSRF-Token": token_b}).status_code == 200

        def override() -> None:  # dan decides a record ben decided: the later decision is in force
            with Project.open(team_dir, database) as project, project.transaction() as session:
                record_decision(session, decided[0], "include", reviewer="dan")

        steps = [lambda: decided.append(_decide(ben, token_b, "exclude")),
                 lambda: decided.append(_decide(dan, token_d, "include")),
                 lambda: decided.append(_decide(ben, token_b, "maybe")), override, undo_ben,
                 lambda: decided.append(_decide(ben, token_b, "exclude"))]
        for step in steps:
            step()
            counts = _poll(ben)["counts"]
            assert isinstance(counts, dict)
            assert {key: counts[key] for key in ("decided", "conflicts", "mine")} == _whole_log_counts(
                team_dir, database, "ben")
        kept: live.LiveCounts = ben.app.state.live  # type: ignore[attr-defined]
        with Project.open(team_dir, database) as project, project.reading() as session:
            assert kept.in_force is not None and kept.in_force[0] == decision_log_mark(session, stage="title_abstract")
        assert counts["decided"] == 3  # three records decided, one undone, one more decided


def test_a_reviewers_standing_count_is_their_latest_rows_not_undone(project: Project) -> None:
    from dedup_support import add

    from triage.records.model import Record

    ids = add(project, "Embase", [Record(title=f"Peer support for new fathers, trial {i}") for i in range(6)])
    rng = random.Random(5)
    for step in range(30):
        with project.transaction() as session:
            reviewer = rng.choice(["ana", "ben"])
            if rng.random() < 0.25:
                undo_last(session, reviewer=reviewer)
            else:
                record_decision(session, rng.choice(ids), rng.choice(["include", "exclude"]), reviewer=reviewer)
        with project.reading() as session:
            for name in ("ana", "ben", "cy"):
                assert standing_decision_count(session, reviewer=name) == len(
                    latest_decisions_by_record(session, reviewer=name)), (step, name)
    with project.reading() as session:
        assert standing_decision_count(session, reviewer="ana") > 0


def full_text_queue(project: Project) -> ScreeningQueue:
    """The tests' fast queue (:func:`_web_support.fast_queue`) at full text."""
    return ScreeningQueue(project, preset="elas_u4", random_state=7, stage="full_text")


def _served_until(state: ScreeningState, record_id: int, within: float) -> float:
    """Ask for full-text cards as a reviewer's browser does until ``record_id`` is served
    (deciding nothing); how long it took."""
    started = time.perf_counter()
    while True:
        card = state.card()
        if card is not None and card.record_id == record_id:
            return time.perf_counter() - started
        if time.perf_counter() - started > within:
            raise AssertionError(f"record {record_id} not served at full text within {within} s (card: {card})")
        time.sleep(0.1)


def test_the_full_text_queue_follows_title_abstract_decisions_and_study_links(team_dir: Path,
                                                                               database: str | None) -> None:
    """A reviewer screens full texts in the browser while a colleague includes a record at
    title/abstract, and another links an excluded report to an included study (``triage
    studies link``): both arrive in the full-text queue, as the title/abstract queue picks
    up others' decisions, without the server rebuilding its ranking. A record no longer kept
    (its include undone) is refused at full text at once."""
    with Project.open(team_dir, database) as project:
        with project.transaction() as session:
            record_decision(session, 1, "include", reviewer="ben")
            record_decision(session, 3, "exclude", reviewer="ben", reasons=["setting"])
        state = ScreeningState(project, stage="full_text", queue_factory=full_text_queue)
        try:
            first = state.card()
            assert first is not None and first.record_id == 1 and first.remaining == 1
            builds = id(state.wait_ready())
            state.decide(1, "include", reviewer="ana", request_id="ft-1")
            with project.transaction() as session:  # a colleague, at title/abstract
                record_decision(session, 2, "include", reviewer="dan")
            assert _served_until(state, 2, within=15) < 15
            state.decide(2, "include", reviewer="ana", request_id="ft-2")
            with project.transaction() as session:  # record 3: a report of record 2's study
                link_reports(session, 2, 3, link=True, reviewer="ben")
            _served_until(state, 3, within=15)
            assert state.card() is not None and state.card().remaining == 1  # type: ignore[union-attr]
            assert id(state.wait_ready()) == builds  # followed, not rebuilt
            with project.transaction() as session:  # the link taken back: 3 is excluded again
                link_reports(session, 2, 3, link=False, reviewer="ben")
            with pytest.raises(DecisionError, match="was excluded at title/abstract"):
                state.decide(3, "include", reviewer="ana", request_id="ft-3")
        finally:
            state.stop()
