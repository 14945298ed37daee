"""Shared pieces of the web tests: a demo project per test, an app client with a reviewer.

The demo project (``corpora/demo/embase.ris`` + criteria, built once per session with
the real CLI) is copied for each test, so tests never see each other's decisions. The
app's queue uses the ``elas_u4`` preset: lexical criteria matching without sentence
embeddings, so a queue builds in about a second instead of encoding every record.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from triage.cli.main import app as cli
from triage.embeddings import Encoder
from triage.screening.queue import ScreeningQueue
from triage.store.db import Project
from triage.web.app import create_app

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO = REPO_ROOT / "corpora" / "demo"
WEB_DATA = Path(__file__).resolve().parent / "data" / "web"
#: Records in corpora/demo/embase.ris, one per ``TY`` line (the demo script may grow it).
DEMO_RECORDS = sum(
    line.startswith("TY  -") for line in (DEMO / "embase.ris").read_text(encoding="utf-8-sig").splitlines()
)
JSON = {"accept": "application/json"}
HTML = {"accept": "text/html"}


def fast_queue(project: Project) -> ScreeningQueue:
    return ScreeningQueue(project, preset="elas_u4", random_state=7)


def build_demo(path: Path, *extra: Path) -> Path:
    """A project at ``path``: demo criteria, the Embase export, and any ``extra`` files."""
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(path), "--criteria", str(DEMO / "criteria.toml")])
    assert result.exit_code == 0, result.output
    for file in (DEMO / "embase.ris", *extra):
        result = runner.invoke(cli, ["import", str(file), "-p", str(path)])
        assert result.exit_code == 0, result.output
    return path


CODING = DEMO / "coding"


def build_coding_demo(path: Path) -> Path:
    """A project with the demo codebook and two studies (one parents', one mixed per segment)."""
    runner = CliRunner()
    steps = [
        ["init", str(path)],
        ["codebook", "import", str(CODING / "codebook.json"), "--coder", "ana", "-p", str(path)],
        ["code", "import", str(CODING / "study-a-hollis-2021.md"), "--attr", "perspective=parent", "-p", str(path)],
        ["code", "import", str(CODING / "study-b-okafor-2022.md"), "--attr", "perspective=practitioner",
         "-p", str(path)],
    ]
    for args in steps:
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("web") / "template", WEB_DATA / "script.ris")


@pytest.fixture()
def demo_dir(demo_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "review"
    shutil.copytree(demo_template, target)
    return target


def csrf_of(client: TestClient) -> str:
    """The CSRF token the pages give this client's session."""
    page = client.get("/reviewer", headers=HTML)
    match = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page.text)
    assert match, page.text[:500]
    return match.group(1)


def choose_reviewer(client: TestClient, name: str) -> str:
    token = csrf_of(client)
    response = client.post("/reviewer", data={"name": name, "next": "/screen", "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    return token


@contextmanager
def web_client(
    project_dir: Path, reviewer: str | None = "ana", encoder: Encoder | None = None
) -> Iterator[tuple[TestClient, str]]:
    """A running app on ``project_dir`` and a client (one browser) with ``reviewer`` chosen."""
    app = create_app(project_dir, queue_factory=fast_queue, secret=b"test-secret", encoder=encoder)
    with TestClient(app) as client:
        app.state.triage.screening.wait_ready(60)  # else /screen shows "preparing" on a busy machine
        token = choose_reviewer(client, reviewer) if reviewer else csrf_of(client)
        yield client, token


def second_tab(client: TestClient) -> TestClient:
    """Another browser tab: the same app and cookies, its own page state."""
    tab = TestClient(client.app)
    tab.cookies.update(client.cookies)
    return tab


def card_fields(html: str) -> dict[str, str]:
    """The hidden fields of the card's decision form (record id, request id, score...)."""
    form = html[html.index('id="decide-form"'):]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    return fields


def decide(client: TestClient, token: str, html: str, decision: str, *reasons: str, **extra: str) -> dict:
    """Post a decision from the card in ``html`` like the page's script does; the JSON answer."""
    fields = card_fields(html)
    fields.update(decision=decision, csrf_token=token, **extra)
    response = client.post("/screen/decide", data={**fields, "reasons": list(reasons)}, headers=JSON)
    assert response.status_code == 200, response.text
    return response.json()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: Marks for real-browser test modules: skipped, with the reason, where Chromium is absent.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent; install it with "
                       "'apt-get install chromium' (CI does) to run the browser tests"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` under uvicorn on a free 127.0.0.1 port, in a thread; yields the base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def browser_page() -> Iterator[Any]:
    """A Chromium page; fails the test on any script error in the page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})  # tabs share cookies
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield page
            assert errors == [], errors
        finally:
            browser.close()
