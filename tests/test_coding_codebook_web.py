"""The living codebook on the web (issue 16): a lead merges, splits and moves codes and undoes
it from /coding/team, each change logged with the logged-in lead and an undo offered right
after; a coder's forged POST to any of them gets 403 and changes nothing. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _auth_support import log_in, team_app
from _coding_team_support import coding_team_project
from _web_support import HTML, JSON
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.code_decisions import current_code_decisions
from triage.store.coding import load_codebook, sentence_segments
from triage.store.coding_team import codebook_history
from triage.store.db import Project

runner = CliRunner()

TEAM = {"ana": ("lead", "ana-long-secret-1"), "cat": ("coder", "cat-long-secret-3")}


@pytest.fixture()
def project_dir(tmp_path: Path, database: str | None) -> Path:
    return coding_team_project(tmp_path / "review", database, TEAM)


@pytest.fixture()
def browsers(project_dir: Path, database: str | None) -> Iterator[dict[str, tuple[TestClient, str]]]:
    with team_app(project_dir, database) as first:
        second = TestClient(first.app)
        yield {"ana": (first, log_in(first, "ana", TEAM["ana"][1])),
               "cat": (second, log_in(second, "cat", TEAM["cat"][1]))}


def _post(browser: tuple[TestClient, str], path: str, **form: str) -> Any:
    client, token = browser
    return client.post(path, data={**form, "csrf_token": token}, headers=JSON, follow_redirects=False)


def _state(path: Path, database: str | None) -> tuple[list[tuple[str, str, str]], dict[str, str], set[str]]:
    """The codebook history (action, code, who), each code's parent, and the codes applied."""
    with Project.open(path, database) as project, project.reading() as session:
        codebook = load_codebook(session)
        parents = {c.id: (p.id if p else "") for c, p, _ in codebook.walk()}
        applied = {d.code_id for d in current_code_decisions(session, codebook) if d.decision == "accept"}
        return [(c.action, c.code_id, c.coder) for c in codebook_history(session)], parents, applied


FORGED = [("/coding/codebook/merge", {"source": "hiding-difficulties", "target": "fear-of-removal"}),
          ("/coding/codebook/move", {"code_id": "fear-of-removal", "parent": ""}),
          ("/coding/codebook/split", {"code_id": "fear-of-removal", "into": "Fear a, Fear b", "rest": "Fear a"}),
          ("/coding/codebook/undo", {})]


def test_a_coders_forged_codebook_posts_are_refused(browsers: dict[str, Any], project_dir: Path,
                                                    database: str | None) -> None:
    before = _state(project_dir, database)
    for path, form in FORGED:
        response = _post(browsers["cat"], path, **form)
        assert response.status_code == 403, path
        assert response.json()["error"]["message"] == "cat is a coder and may not merge, split or move codes in " \
                                                      "the codebook"
    assert _state(project_dir, database) == before
    page = browsers["cat"][0].get("/coding/team", headers=HTML).text
    assert 'action="/coding/codebook/merge"' not in page and "A lead merges, splits and moves codes here." in page
    # without the CSRF token even a lead is refused
    ana = browsers["ana"][0]
    assert ana.post("/coding/codebook/undo", data={}, headers=JSON).status_code == 403


def test_a_lead_merges_moves_splits_and_undoes_on_the_web(browsers: dict[str, Any], project_dir: Path,
                                                          database: str | None) -> None:
    with Project.open(project_dir, database) as project, project.reading() as session:
        s = [seg.id for seg in sentence_segments(session)][:2]
    p = ["-p", str(project_dir), "--coder", "cat"]
    for segment in s:
        assert runner.invoke(app, ["code", "accept", str(segment), "fear-of-removal", *p]).exit_code == 0
    ana = browsers["ana"]
    page = ana[0].get("/coding/team", headers=HTML).text
    assert all(f'action="{path}"' in page for path, _ in FORGED)

    merged = _post(ana, "/coding/codebook/merge", source="hiding-difficulties", target="fear-of-removal")
    assert merged.status_code == 303 and merged.headers["location"].startswith("/coding/team?changed=")
    shown = ana[0].get(merged.headers["location"], headers=HTML).text
    assert "ana did a merge of hiding-difficulties into fear-of-removal" in shown and 'id="undo-change"' in shown
    history, parents, _ = _state(project_dir, database)
    assert history[-1] == ("merge", "hiding-difficulties", "ana") and "hiding-difficulties" not in parents
    change = int(merged.headers["location"].split("=")[1].split("#")[0])
    undone = _post(ana, "/coding/codebook/undo", change=str(change))
    assert undone.status_code == 303
    history, parents, _ = _state(project_dir, database)
    assert history[-1] == ("undo", "hiding-difficulties", "ana") and "hiding-difficulties" in parents
    after = ana[0].get(merged.headers["location"], headers=HTML).text
    assert 'id="undo-change"' not in after  # undone already: no second undo offered

    assert _post(ana, "/coding/codebook/move", code_id="fear-of-removal", parent="").status_code == 303
    assert _state(project_dir, database)[1]["fear-of-removal"] == ""
    split = _post(ana, "/coding/codebook/split", code_id="fear-of-removal", into="Fear for the children, Fear of services",
                  rest="Fear of services", assign=f"{s[0]}=Fear for the children")
    assert split.status_code == 303
    history, parents, applied = _state(project_dir, database)
    assert history[-2:] == [("move", "fear-of-removal", "ana"), ("split", "fear-of-removal", "ana")]
    assert applied == {"fear-for-the-children", "fear-of-services"} and "fear-of-removal" not in parents
    bad = _post(ana, "/coding/codebook/split", code_id="fear-for-the-children", into="A, B", assign="x=A")
    assert bad.status_code == 400 and "assignment 'x=A' is not SEGMENT=CODE" in bad.json()["error"]["message"]
    assert _post(ana, "/coding/codebook/undo").status_code == 303  # the latest: the split
    history, parents, applied = _state(project_dir, database)
    assert history[-1] == ("undo", "fear-of-removal", "ana") and applied == {"fear-of-removal"}
