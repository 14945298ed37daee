"""One ranking per project (issue 16): the server's retrainer writes its order into the project
(at most every ``KEEP_ORDER_EVERY_S`` while decisions pour in, and once after they stop), so
the CLI serves the very order the web learned from everyone's decisions without ranking again."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from _web_support import demo_dir, demo_template, fast_queue  # noqa: F401

from triage.screening.kept_queue import kept_queue
from triage.store.db import Project
from triage.web import state as web_state
from triage.web.state import ScreeningState


def test_the_order_the_server_learned_is_kept_for_the_cli(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_state, "KEEP_ORDER_EVERY_S", 0.3)  # the test need not wait 5 s
    monkeypatch.setattr(web_state, "RETRAIN_EVERY_S", 0.3)
    with Project.open(demo_dir) as project:
        state = ScreeningState(project, queue_factory=fast_queue)
        try:
            for n, decision in enumerate(("include", "exclude", "exclude")):
                card = state.card()
                assert card is not None
                state.decide(card.record_id, decision, reviewer="ana", request_id=f"r{n}")
            deadline = time.monotonic() + 8
            kept = kept_queue(project, preset="elas_u4")
            while kept is None and time.monotonic() < deadline:
                time.sleep(0.1)
                kept = kept_queue(project, preset="elas_u4")
            assert kept is not None, "the server's order was not kept for the CLI"
            assert kept.decisions_seen == 3
            snapshot = state.refresh_now()
            assert [s.record_id for s in kept.next(5)] == list(snapshot.order[:5])
        finally:
            state.stop()
