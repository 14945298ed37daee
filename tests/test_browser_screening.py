"""A real browser (Debian's Chromium via Playwright) screens demo records with the keyboard.

The app runs under uvicorn on a free localhost port in a thread of this process; the
test picks a reviewer, screens ten records with the keys, skips one, undoes one, and
then reads the project store to check what was recorded. Skipped where
``/usr/bin/chromium`` is absent (a user's clone); CI installs it (see ``.ci/run``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from _web_support import build_demo, fast_queue

from triage.store.db import Project
from triage.store.decisions import current_decisions, decision_history
from triage.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent; install it with "
                       "'apt-get install chromium' (CI does) to run the browser tests"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The demo project served on 127.0.0.1; yields the base URL and the project directory."""
    project_dir = build_demo(tmp_path / "review")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(
        create_app(project_dir, queue_factory=fast_queue), host="127.0.0.1", port=port, log_level="warning",
    ))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", project_dir
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture()
def page(served: tuple[str, Path]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            yield tab
            assert errors == [], errors
        finally:
            browser.close()


def _shown(page: object) -> int:
    return int(page.get_attribute("#card", "data-record-id"))  # type: ignore[attr-defined]


def _press_and_wait(page: object, *keys: str) -> int:
    """Press ``keys`` and wait until another record's card replaces the current one."""
    before = _shown(page)
    for key in keys:
        page.keyboard.press(key)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "id => document.getElementById('card').dataset.recordId !== String(id)", arg=before, timeout=15000,
    )
    return before


def test_screen_ten_records_with_the_keyboard(served: tuple[str, Path], page: object) -> None:
    base, project_dir = served
    page.goto(base + "/screen")  # type: ignore[attr-defined]
    assert page.url.endswith("/reviewer?next=/screen")  # type: ignore[attr-defined]
    page.fill("#name", "Robin")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_selector("#card[data-record-id]")  # type: ignore[attr-defined]
    assert page.locator("mark").count() > 0  # type: ignore[attr-defined]

    skipped = _press_and_wait(page, "s")
    keys = [("i",), ("e", "1"), ("m",), ("i",), ("e", "2"), ("i",), ("m",), ("e", "1"), ("i",), ("i",)]
    screened = [_press_and_wait(page, *k) for k in keys]
    assert skipped not in screened
    timings = int(page.evaluate("document.body.dataset.lastMs"))  # type: ignore[attr-defined]
    assert timings < 5000

    page.keyboard.press("u")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "id => document.getElementById('card').dataset.recordId === String(id)", arg=screened[-1], timeout=15000,
    )
    assert page.inner_text("#status") == f"undid your decision on record {screened[-1]}"  # type: ignore[attr-defined]

    with Project.open(project_dir) as project, project.reading() as session:
        rows = [(r.decision, r.record_id, r.reasons, r.rank, r.model)
                for r in decision_history(session, reviewer="Robin")]
        current = current_decisions(session)
    expected = ["include", "exclude", "maybe", "include", "exclude", "include", "maybe", "exclude", "include",
                "include", "retract"]
    assert [r[0] for r in rows] == expected
    assert [r[1] for r in rows] == [*screened, screened[-1]]
    assert rows[1][2] == ["setting"] and rows[4][2] == ["perspective"]
    assert all(rank is not None and model for _, _, _, rank, model in rows[:10])
    assert set(current) == set(screened[:-1])
