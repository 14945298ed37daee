"""Shared pieces of the web tests: a demo project per test, an app client with a reviewer.

The demo project (``corpora/demo/embase.ris`` + criteria, built once per session with
the real CLI) is copied for each test, so tests never see each other's decisions. The
app's queue uses the ``elas_u4`` preset: lexical criteria matching without sentence
embeddings, so a queue builds in about a second instead of encoding every record.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from triage.cli.main import app as cli
from triage.screening.queue import ScreeningQueue
from triage.store.db import Project
from triage.web.app import create_app

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO = REPO_ROOT / "corpora" / "demo"
WEB_DATA = Path(__file__).resolve().parent / "data" / "web"
#: Records in corpora/demo/embase.ris (counted with ``grep -c '^TY  -'``).
DEMO_RECORDS = 212
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
def web_client(project_dir: Path, reviewer: str | None = "ana") -> Iterator[tuple[TestClient, str]]:
    """A running app on ``project_dir`` and a client (one browser) with ``reviewer`` chosen."""
    app = create_app(project_dir, queue_factory=fast_queue, secret=b"test-secret")
    with TestClient(app) as client:
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
