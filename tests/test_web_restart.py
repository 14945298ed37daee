"""A restarted server serves cards at once (issue 16): until its new ranking is built it
serves the order the project kept (the last server's), and takes decisions on it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from _web_support import JSON, choose_reviewer, decide, demo_dir, demo_template, fast_queue  # noqa: F401
from fastapi.testclient import TestClient

from triage.screening.kept_queue import kept_queue
from triage.screening.queue import ScreeningQueue
from triage.store.db import Project
from triage.store.decisions import current_decisions
from triage.web import state as web_state
from triage.web.app import create_app
from triage.web.state import ScreeningState


def _first_server(project: Project, decisions: int) -> list[int]:
    """A server that learns from ``decisions`` decisions and keeps its order; the ids it
    would serve next, best first."""
    state = ScreeningState(project, queue_factory=fast_queue)
    try:
        for n in range(decisions):
            card = state.card()
            assert card is not None
            state.decide(card.record_id, "include" if n % 2 == 0 else "exclude", reviewer="ana", request_id=f"r{n}")
        deadline = time.monotonic() + 10
        while kept_queue(project, preset="elas_u4") is None:
            assert time.monotonic() < deadline, "the first server's order was not kept"
            time.sleep(0.1)
        return list(state.refresh_now().order)
    finally:
        state.stop()


class HeldBuild:
    """A queue factory whose build waits until the test lets it go: the seconds a new
    ranking takes at 50,000 records, made as long as the test needs."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.started = threading.Event()

    def __call__(self, project: Project) -> ScreeningQueue:
        self.started.set()
        assert self.go.wait(60), "the test never let the build go"
        return fast_queue(project)


@pytest.fixture()
def kept_project(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(web_state, "KEEP_ORDER_EVERY_S", 0.2)  # the test need not wait 5 s
    monkeypatch.setattr(web_state, "RETRAIN_EVERY_S", 0.2)
    with Project.open(demo_dir) as project:
        project.set_setting("preset", "elas_u4")  # the order the new server reads is the fast queue's
    return demo_dir


def test_a_restarted_server_answers_from_the_kept_order_before_its_ranking_is_built(kept_project: Path) -> None:
    with Project.open(kept_project) as project:
        expected = _first_server(project, decisions=3)
        build = HeldBuild()
        state = ScreeningState(project, queue_factory=build)
        try:
            card = state.card()
            assert build.started.wait(10) and not state.is_ready()
            assert card is not None and card.record_id == expected[0]
            assert card.explanation is not None and card.explanation.model == card.model
            # A decision taken before the build is in the store, and the next card passes it over.
            state.decide(card.record_id, "exclude", reviewer="ben", request_id="before-build")
            following = state.card()
            assert following is not None and following.record_id == expected[1]
            assert not state.is_ready()
            build.go.set()
            state.wait_ready(60)
            after = state.refresh_now()
            assert card.record_id in after.decided and card.record_id not in after.order
        finally:
            build.go.set()
            state.stop()
        with project.reading() as session:
            assert current_decisions(session)[card.record_id].reviewer == "ben"


def test_the_restarted_apps_card_page_answers_before_the_build(kept_project: Path) -> None:
    with Project.open(kept_project) as project:
        expected = _first_server(project, decisions=2)
    build = HeldBuild()
    app = create_app(kept_project, queue_factory=build, secret=b"test-secret")
    try:
        with TestClient(app) as client:
            token = choose_reviewer(client, "ana")
            answer = client.get("/screen/card", headers=JSON)
            assert answer.status_code == 200 and answer.json()["record_id"] == expected[0]
            assert 'id="decide-form"' in answer.json()["html"]
            following = decide(client, token, answer.json()["html"], "include")
            assert following["record_id"] == expected[1]
            assert not app.state.triage.screening.is_ready()
            build.go.set()
    finally:
        build.go.set()


def test_without_a_kept_order_the_card_waits_for_the_build(demo_dir: Path) -> None:
    with Project.open(demo_dir) as project:
        build = HeldBuild()
        state = ScreeningState(project, queue_factory=build)
        try:
            assert not state.is_servable(wait=0.5)  # nothing kept: the preparing page, as before
            build.go.set()
            assert state.is_servable(wait=60) and state.card() is not None
        finally:
            build.go.set()
            state.stop()


def test_a_team_that_decides_the_whole_kept_head_is_served_the_kept_order_beyond_it(
        kept_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """20 reviewers decide a head of 200 in seconds, sooner than a restarted server builds its
    ranking: the next records come from the kept order, not "nothing left to screen"."""
    with Project.open(kept_project) as project:
        _first_server(project, decisions=2)
        kept = kept_queue(project, preset="elas_u4")
        assert kept is not None
        expected = [int(rid) for rid in kept.order.record_ids[:5]]
        monkeypatch.setattr(web_state, "HEAD", 2)
        build = HeldBuild()
        state = ScreeningState(project, queue_factory=build)
        try:
            served = []
            for n in range(5):
                card = state.card()
                assert card is not None, f"nothing served after {served}"
                served.append(card.record_id)
                state.decide(card.record_id, "exclude", reviewer="ben", request_id=f"past-the-head-{n}")
            assert not state.is_ready()
            assert served == expected
        finally:
            build.go.set()
            state.stop()


def test_a_restarted_server_builds_its_ranking_in_another_process_and_takes_it_over(kept_project: Path) -> None:
    """The default queue of a server that serves the kept order meanwhile is built in a process
    of its own (the request threads never wait for the interpreter while it reads and ranks
    every record), then works here: it learns the decisions made meanwhile and after."""
    import os

    with Project.open(kept_project) as project:
        expected = _first_server(project, decisions=2)
        state = ScreeningState(project)  # the default factory: the project's preset
        try:
            card = state.card()
            assert card is not None and card.record_id == expected[0]
            state.decide(card.record_id, "exclude", reviewer="ben", request_id="while-built-elsewhere")
            queue = state.wait_ready(120)
            assert queue.built_by != os.getpid() and queue.project is project
            after = state.refresh_now()
            assert card.record_id in after.decided and card.record_id not in after.order
            following = state.card()
            assert following is not None
            state.decide(following.record_id, "include", reviewer="ben", request_id="after-taken-over")
            assert following.record_id in state.refresh_now().decided
        finally:
            state.stop()


def test_a_current_kept_order_serves_its_first_cards_without_the_whole_log(kept_project: Path) -> None:
    """The kept order still current (nothing decided since it was ranked) holds no settled
    record, so its first cards need only the decisions appended since (the whole log, every
    merge in it, took seconds at 1,000,000 records); a card asked for by id, and the built
    queue, still get the whole settled set."""
    from sqlalchemy import event

    from triage.store.decisions import record_decision, settled_records
    from triage.web.kept_serving import kept_serving
    from triage.web.settled_cache import SettledCache

    with Project.open(kept_project) as project:
        _first_server(project, decisions=3)
        kept = kept_serving(project, "title_abstract")
        assert kept is not None and kept.current
        with project.reading() as session:
            whole = settled_records(session)
            start = SettledCache("title_abstract").kept_order_start(session)
        assert len(whole) == 3 and not whole & set(kept.kept.order.record_ids.tolist())  # what the shortcut rests on
        cache = SettledCache("title_abstract")
        cache.adopt(start)
        newly = kept.kept.order.record_ids.tolist()[0]
        with project.transaction() as session:
            record_decision(session, newly, "include", reviewer="cy")
        statements: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            statements.append(statement)

        event.listen(project.engine, "before_cursor_execute", count)
        with project.reading() as session:
            assert cache.settled(session, whole=False) == {newly}  # within the kept order: the one decided since
        event.remove(project.engine, "before_cursor_execute", count)
        assert not [s for s in statements if "dedup_merges.members" in s], statements
        with project.reading() as session:
            assert cache.settled(session) == whole | {newly} == settled_records(session)
        build = HeldBuild()
        state = ScreeningState(project, queue_factory=build)
        try:
            card = state.card()
            assert card is not None and card.record_id not in whole | {newly}
            decided = state.card(record_id=min(whole))
            assert decided is not None and decided.decided  # by id: the whole settled set
        finally:
            build.go.set()
            state.stop()


def test_the_history_page_answers_before_the_build(kept_project: Path) -> None:
    """A user's first click after starting the server, History, took 27 s on 2,077 records:
    the page waited for the whole ranking to be built to list the criteria's reasons, which
    the kept order already has."""
    with Project.open(kept_project) as project:
        _first_server(project, decisions=2)
    build = HeldBuild()
    app = create_app(kept_project, queue_factory=build, secret=b"test-secret")
    try:
        with TestClient(app) as client:
            choose_reviewer(client, "ana")
            page = client.get("/history")
            assert page.status_code == 200
            assert "setting: adult inpatient wards" in page.text  # a reason from the demo criteria
            assert not app.state.triage.screening.is_ready()
    finally:
        build.go.set()
