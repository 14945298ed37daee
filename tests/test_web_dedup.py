"""The dedup review page: a possible duplicate side by side, merge, keep apart, undo, run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from _web_support import DEMO, HTML, JSON, build_demo, web_client

from triage.store.db import Project
from triage.store.dedup_runs import run_dedup
from triage.store.schema import RecordRow
from triage.store.schema_dedup import PairDecisionRow


@pytest.fixture(scope="module")
def dedup_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's three exports, deduplicated once: one possible duplicate is left to a person."""
    path = build_demo(tmp_path_factory.mktemp("dedup") / "template", DEMO / "psycinfo.bib", DEMO / "scopus.csv")
    with Project.open(path) as project:
        summary = run_dedup(project)
    assert summary.possible >= 1
    return path


@pytest.fixture()
def dedup_dir(dedup_template: Path, tmp_path: Path) -> Path:
    shutil.copytree(dedup_template, tmp_path / "review")
    return tmp_path / "review"


def _pair(page: str) -> tuple[int, int, int]:
    pair = int(re.search(r'data-pair-id="(\d+)"', page).group(1))
    a, b = (int(x) for x in re.findall(r"<th>record (\d+) ·", page)[:2])
    return pair, a, b


def _merged_into(project_dir: Path, *ids: int) -> list[int | None]:
    with Project.open(project_dir) as project, project.reading() as session:
        return [session.get(RecordRow, i).merged_into for i in ids]


def test_pair_shown_side_by_side_with_differences_marked(dedup_dir: Path) -> None:
    with web_client(dedup_dir) as (client, _):
        page = client.get("/dedup", headers=HTML).text
    assert "pair 1 of " in page
    assert '<tr class="differs"><th>pages</th>' in page  # 1619-1628 against 1919-1928
    assert "same title and authors; pages differ" in page and "pages differs" not in page
    assert re.search(r'<mark class="diff">[^<]+</mark>', page)
    assert '<tr class=""><th>title</th>' in page  # identical titles are not marked
    # written differently, the same in substance: "Fernández, NM" and "Fernández NM.", the RIS type
    # JOUR and Scopus's "Article" (both were marked, so a reviewer learned to skip the marks)
    for field in ("authors", "type"):
        row = re.search(rf'<tr class="(\w*)"><th>{field}</th><td>(.*?)</td><td>(.*?)</td>', page, re.DOTALL)
        assert row and row.group(1) == "" and "<mark" not in row.group(2) + row.group(3), field
    assert "Fernández, NM" in page and "Fernández NM." in page and ">JOUR<" in page and ">Article<" in page


def test_merge_then_undo_and_keep_apart(dedup_dir: Path) -> None:
    with web_client(dedup_dir) as (client, token):
        pair, a, b = _pair(client.get("/dedup", headers=HTML).text)
        before = _merged_into(dedup_dir, a, b)
        response = client.post("/dedup/decide", data={"csrf_token": token, "pair_id": pair, "decision": "merge"},
                               follow_redirects=False)
        assert response.status_code == 303
        assert _merged_into(dedup_dir, a, b) != before  # now in one cluster
        page = client.get("/dedup", headers=HTML).text
        merge_id = int(re.search(r'name="merge_id" value="(\d+)"', page).group(1))
        again = client.post("/dedup/decide", data={"csrf_token": token, "pair_id": pair, "decision": "merge"},
                            headers=JSON)
        assert again.status_code == 400
        assert again.json()["error"]["message"] == f"no open possible-duplicate pair {pair}"
        client.post("/dedup/undo", data={"csrf_token": token, "merge_id": merge_id}, follow_redirects=False)
        assert _merged_into(dedup_dir, a, b) == before  # as before the merge (an earlier automatic one stays)
        with Project.open(dedup_dir) as project, project.reading() as session:
            decisions = {(d.decision, d.reviewer) for d in session.query(PairDecisionRow)}
        assert decisions == {("merge", "ana"), ("undo", "ana")}


def test_keep_apart_is_logged(dedup_dir: Path) -> None:
    with web_client(dedup_dir, reviewer="ben") as (client, token):
        pair, _, _ = _pair(client.get("/dedup", headers=HTML).text)
        client.post("/dedup/decide", data={"csrf_token": token, "pair_id": pair, "decision": "keep_apart"})
        bad = client.post("/dedup/decide", headers=JSON,
                          data={"csrf_token": token, "pair_id": pair, "decision": "fuse"})
        assert bad.json()["error"]["message"] == "unknown decision 'fuse'"
        page = client.get("/dedup", headers=HTML).text
        assert "<td>keep apart</td><td>ben</td>" in page
    with Project.open(dedup_dir) as project, project.reading() as session:
        assert [(d.decision, d.reviewer) for d in session.query(PairDecisionRow)] == [("keep_apart", "ben")]
