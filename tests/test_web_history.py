"""The history page: find any past decision, change it (appended; the old row stays)."""

from __future__ import annotations

import re
from pathlib import Path

from _web_support import HTML, JSON, demo_dir, demo_template, web_client  # noqa: F401

from triage.store.db import Project
from triage.store.decisions import current_decisions, decision_history, record_decision


def _seed(demo_dir: Path) -> None:
    with Project.open(demo_dir) as project, project.transaction() as session:
        record_decision(session, 1, "include", reviewer="ana")
        record_decision(session, 2, "exclude", reviewer="ben", reasons=["setting"], note="school <b>only</b>")
        record_decision(session, 3, "maybe", reviewer="ana")


def test_history_lists_and_finds_decisions(demo_dir: Path) -> None:
    _seed(demo_dir)
    with Project.open(demo_dir) as project, project.reading() as session:
        from triage.store.schema import RecordRow

        title = session.get(RecordRow, 2).title
    with web_client(demo_dir) as (client, _):
        page = client.get("/history", headers=HTML).text
        assert "3 decisions." in page
        assert page.index('id="decision-3"') < page.index('id="decision-1"')  # newest first
        assert "<em>school &lt;b&gt;only&lt;/b&gt;</em>" in page
        word = max(title.split(), key=len)
        found = client.get("/history", params={"q": word}, headers=HTML).text
        assert 'id="decision-2"' in found
        assert "3 decisions" not in found
        assert '"decision-1"' not in client.get("/history?q=2", headers=HTML).text
        by_ben = client.get("/history?reviewer=ben", headers=HTML).text
        assert "1 decisions." in by_ben and 'id="decision-2"' in by_ben
        assert "1 decisions." in client.get("/history?decision=maybe", headers=HTML).text


def test_changing_a_decision_appends_and_keeps_the_old_one(demo_dir: Path) -> None:
    _seed(demo_dir)
    with web_client(demo_dir, reviewer="ben") as (client, token):
        page = client.get("/history?record_id=2", headers=HTML).text
        request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
        form = {"csrf_token": token, "record_id": "2", "decision": "include", "request_id": request_id}
        response = client.post("/history/change", data=form, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/history?record_id=2"
        again = client.post("/history/change", data=form, follow_redirects=False)  # double click
        assert again.status_code == 303
        shown = client.get("/history?record_id=2", headers=HTML).text
        assert "2 decisions on record 2" in shown
        bad = client.post("/history/change", headers=JSON,
                          data={**form, "decision": "exclude", "request_id": "r2", "reasons": "too long"})
        assert bad.json()["error"]["message"] == "reason 'too long' names no criterion"
    with Project.open(demo_dir) as project, project.reading() as session:
        rows = decision_history(session, record_id=2)
        assert [(r.decision, r.reviewer, r.model) for r in rows] == [
            ("exclude", "ben", None), ("include", "ben", "history page"),
        ]
        assert current_decisions(session)[2].decision == "include"


def test_history_pages_through_many_decisions(demo_dir: Path) -> None:
    with Project.open(demo_dir) as project, project.transaction() as session:
        for record_id in range(1, 61):
            record_decision(session, record_id, "maybe", reviewer="ana")
    with web_client(demo_dir) as (client, _):
        first = client.get("/history", headers=HTML).text
        assert "page 1 of 2" in first and 'id="decision-60"' in first and 'id="decision-10"' not in first
        second = client.get("/history?page=2", headers=HTML).text
        assert 'id="decision-10"' in second and 'id="decision-60"' not in second


def _row_html(page: str, decision_id: int) -> str:
    start = page.index(f'id="decision-{decision_id}"')
    return page[start:page.index("</tr>", start)]


def test_each_row_offers_what_it_holds_and_the_undone_decision_is_struck(demo_dir: Path) -> None:
    _seed(demo_dir)
    with Project.open(demo_dir) as project, project.transaction() as session:
        record_decision(session, 3, "retract", reviewer="ana")  # undoes decision 3 (maybe)
    with web_client(demo_dir, reviewer="ben") as (client, _):
        page = client.get("/history", headers=HTML).text
    excluded = _row_html(page, 2)
    assert "<option selected>exclude</option>" in excluded
    assert "<option selected>setting</option>" in excluded
    assert "<option selected>include</option>" in _row_html(page, 1)
    assert "<option selected>maybe</option>" in _row_html(page, 3)
    assert "<del" in _row_html(page, 3) and "withdrawn" in _row_html(page, 3)  # the undone decision
    assert "<del" not in _row_html(page, 4) and "withdrawn" not in _row_html(page, 4)  # not the retract row
    assert "<del" not in _row_html(page, 1)
    assert "setting: adult inpatient wards" in excluded  # the criteria's own exclude phrases are offered


def test_changing_a_decision_two_reviewers_disagree_on_points_to_resolve(demo_dir: Path) -> None:
    # Session 16: a lead's "Change" on the history page of a record ana and ben screened twice
    # and disagree on was recorded as a third screening decision (the conflict left three-way).
    from triage.store.allocation import set_allocation

    with Project.open(demo_dir) as project, project.transaction() as session:
        set_allocation(session, stage="title_abstract", reviewers=["ana", "ben"], double_share=1.0, set_by="lea")
        record_decision(session, 2, "include", reviewer="ana")
        record_decision(session, 2, "exclude", reviewer="ben", reasons=["setting"])
    with web_client(demo_dir, reviewer="lea") as (client, token):
        form = {"csrf_token": token, "record_id": "2", "decision": "include", "request_id": "r-lea"}
        refused = client.post("/history/change", data=form, headers=JSON)
        assert refused.status_code == 400
        assert "triage resolve 2" in refused.json()["error"]["hint"]
    with Project.open(demo_dir) as project, project.reading() as session:
        assert len(decision_history(session, record_id=2)) == 2
