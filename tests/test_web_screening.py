"""The screening page: reviewer, one record at a time, keys' endpoints, idempotency, two tabs, escaping."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from _web_support import (  # noqa: F401  (fixtures)
    DEMO_RECORDS,
    HTML,
    JSON,
    card_fields,
    choose_reviewer,
    decide,
    demo_dir,
    demo_template,
    fast_queue,
    second_tab,
    web_client,
)
from fastapi.testclient import TestClient

from triage.store.db import Project
from triage.store.decisions import decision_history, record_decision
from triage.web.app import create_app


def _history(project_dir: Path) -> list[tuple[int, str, str, list[str], str | None]]:
    with Project.open(project_dir) as project, project.reading() as session:
        return [(r.record_id, r.decision, r.reviewer, list(r.reasons or []), r.note) for r in decision_history(session)]


def test_screening_asks_for_a_reviewer_first(demo_dir: Path) -> None:
    with web_client(demo_dir, reviewer=None) as (client, token):
        response = client.get("/screen", headers=HTML, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/reviewer?next=/screen"
        response = client.post("/screen/undo", headers={**JSON, "X-CSRF-Token": token})
        assert response.status_code == 400
        assert response.json()["error"]["message"] == "no reviewer chosen"
        response = client.post("/reviewer", data={"name": "  ", "csrf_token": token}, headers=JSON)
        assert response.json()["error"]["message"] == "a reviewer name cannot be empty"
        response = client.post("/reviewer", data={"name": "Zoë  Ng", "next": "//evil.example", "csrf_token": token},
                               follow_redirects=False)
        assert response.headers["location"] == "/"  # never off this server
        page = client.get("/screen", headers=HTML)
        assert "reviewer: <strong>Zoë Ng</strong>" in page.text


def test_screen_page_shows_record_highlights_legend_and_why(demo_dir: Path) -> None:
    with web_client(demo_dir) as (client, _):
        page = client.get("/screen", headers=HTML).text
    assert 'id="record-title"' in page and 'id="record-abstract"' in page
    for element in ("setting", "perspective", "interest", "context", "evaluation"):
        assert '<span class="chip el-' in page and f">{element}</span>" in page
    assert re.search(r'<mark class="el-\d" title="\w+">[^<]+</mark>', page)
    assert "Why this record is here" in page and "elas_u4" in page
    fields = card_fields(page)
    assert fields["rank"] == "1" and 0.0 <= float(fields["score"]) <= 1.0 and fields["request_id"].startswith("web-")


def test_decisions_record_reviewer_reason_note_and_what_was_shown(demo_dir: Path) -> None:
    with web_client(demo_dir) as (client, token):
        page = client.get("/screen", headers=HTML).text
        first = int(card_fields(page)["record_id"])
        answer = decide(client, token, page, "include", note="clear fit")
        second = answer["record_id"]
        assert second != first and f'data-record-id="{second}"' in answer["html"]
        answer = decide(client, token, answer["html"], "exclude", "setting")
        third = answer["record_id"]
        decide(client, token, answer["html"], "maybe")
    rows = _history(demo_dir)
    assert rows == [
        (first, "include", "ana", [], "clear fit"),
        (second, "exclude", "ana", ["setting"], None),
        (third, "maybe", "ana", [], None),
    ]
    with Project.open(demo_dir) as project, project.reading() as session:
        shown = decision_history(session)[0]
        assert shown.rank == 1 and shown.model and shown.score is not None
        assert shown.probability is not None and 0.0 < shown.probability < 1.0  # the model's, as shown


def test_a_reason_is_optional_at_title_abstract_but_must_name_a_criterion(demo_dir: Path) -> None:
    with web_client(demo_dir) as (client, token):
        page = client.get("/screen", headers=HTML).text
        fields = {**card_fields(page), "csrf_token": token, "decision": "exclude"}
        response = client.post("/screen/decide", data={**fields, "reasons": ["too long"]}, headers=JSON)
        assert response.json()["error"]["message"] == "reason 'too long' names no criterion"
        response = client.post("/screen/decide", data={**fields, "decision": "burn"}, headers=JSON)
        assert response.json()["error"]["message"] == "unknown decision 'burn'"
        response = client.post("/screen/decide", data=fields, headers=JSON)  # PRISMA 2020: optional here
        assert response.status_code == 200, response.text
    assert _history(demo_dir) == [(int(fields["record_id"]), "exclude", "ana", [], None)]


def test_a_project_can_require_reasons_at_title_abstract(demo_dir: Path) -> None:
    with Project.open(demo_dir) as project:
        project.set_setting("exclusion_reason_required", "all_stages")
    with web_client(demo_dir) as (client, token):
        page = client.get("/screen", headers=HTML).text
        assert 'data-reason-required="1"' in page
        fields = {**card_fields(page), "csrf_token": token, "decision": "exclude"}
        response = client.post("/screen/decide", data=fields, headers=JSON)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["kind"] == "DecisionError"
        assert error["message"] == f"excluding record {fields['record_id']} needs a reason"
    assert _history(demo_dir) == []


def test_a_decision_posted_twice_is_recorded_once(demo_dir: Path) -> None:
    with web_client(demo_dir) as (client, token):
        page = client.get("/screen", headers=HTML).text
        first = decide(client, token, page, "include")
        again = decide(client, token, page, "exclude", "setting")  # double click, second key
        assert first["notice"] is None
        record = card_fields(page)["record_id"]
        assert again["notice"] == (
            f"record {record} was already decided in another tab or by a double click (include by ana); recorded once"
        )
    assert [(r[1], r[2]) for r in _history(demo_dir)] == [("include", "ana")]


def test_a_second_tab_sees_the_first_tabs_decisions(demo_dir: Path) -> None:
    with web_client(demo_dir) as (client, token):
        tab = second_tab(client)
        page_a = client.get("/screen", headers=HTML).text
        page_b = tab.get("/screen", headers=HTML).text
        shown = card_fields(page_a)["record_id"]
        assert card_fields(page_b)["record_id"] == shown  # both tabs show the best record
        answer_a = decide(client, token, page_a, "include")
        answer_b = decide(tab, token, page_b, "include")  # tab B decides the same record, same state
        assert answer_b["notice"] is not None and answer_b["record_id"] != int(shown)
        # A decision made elsewhere (the CLI, another reviewer) is never shown again either.
        with Project.open(demo_dir) as project, project.transaction() as session:
            record_decision(session, answer_a["record_id"], "include", reviewer="ben")
        following = tab.get("/screen/card", headers=JSON).json()["record_id"]
        assert following not in (int(shown), answer_a["record_id"])
        # what the page asks when it becomes visible again: is the record I show decided?
        assert tab.get(f"/screen/card?record_id={shown}", headers=JSON).json()["decided"] is True
        assert tab.get(f"/screen/card?record_id={following}", headers=JSON).json()["decided"] is False
    assert len(_history(demo_dir)) == 2


def test_skip_sends_a_record_to_the_end_and_undo_brings_one_back(demo_dir: Path) -> None:
    with web_client(demo_dir) as (client, token):
        page = client.get("/screen", headers=HTML).text
        first = int(card_fields(page)["record_id"])
        skipped = client.get(f"/screen/card?skip={first}", headers=JSON).json()
        assert skipped["record_id"] != first
        answer = decide(client, token, skipped["html"], "include", skip=str(first))
        assert answer["record_id"] != first  # still skipped after a decision
        undone = client.post("/screen/undo", headers={**JSON, "X-CSRF-Token": token}).json()
        assert undone["record_id"] == skipped["record_id"]
        assert undone["notice"] == f"undid your decision on record {skipped['record_id']}"
        nothing = client.post("/screen/undo", headers={**JSON, "X-CSRF-Token": token}).json()
        assert nothing["notice"] == "nothing to undo"
    assert [r[1] for r in _history(demo_dir)] == ["include", "retract"]


def test_plain_forms_work_without_scripts(demo_dir: Path) -> None:
    with web_client(demo_dir) as (client, token):
        page = client.get("/screen", headers=HTML).text
        fields = {**card_fields(page), "csrf_token": token, "decision": "maybe"}
        response = client.post("/screen/decide", data=fields, headers=HTML, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/screen"
        response = client.post("/screen/undo", data={"csrf_token": token}, headers=HTML, follow_redirects=False)
        assert response.headers["location"] == f"/screen?record_id={fields['record_id']}"
        shown = client.get(response.headers["location"], headers=HTML).text
        assert card_fields(shown)["record_id"] == fields["record_id"]


def test_record_text_is_escaped_even_inside_highlights(demo_dir: Path) -> None:
    with Project.open(demo_dir) as project, project.reading() as session:
        from sqlalchemy import select

        from triage.store.schema import RecordRow

        record_id = session.scalar(select(RecordRow.id).where(RecordRow.title.like("%<b>bold</b>%")))
    with web_client(demo_dir) as (client, _):
        page = client.get(f"/screen?record_id={record_id}", headers=HTML).text
        card = page[page.index('id="card"'):]
        assert "<script>" not in card and "<b>" not in card and "<img" not in card and "<i>" not in card
        assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in card
        assert "&lt;b&gt;bold&lt;/b&gt; &amp; " in card
        assert "Journal of &lt;i&gt;Markup&lt;/i&gt;" in card and "&lt;script&gt;kw&lt;/script&gt;" in card
        assert re.search(r'<mark class="el-\d" title="perspective">Mothers</mark>', card)
        answer = client.get(f"/screen/card?record_id={record_id}", headers=JSON).json()
        assert "<script>" not in answer["html"] and "&lt;script&gt;" in answer["html"]


def test_the_queue_runs_dry_politely(demo_dir: Path) -> None:
    with Project.open(demo_dir) as project, project.transaction() as session:
        for record_id in range(1, DEMO_RECORDS + 2):
            record_decision(session, record_id, "maybe", reviewer="ben")
    with web_client(demo_dir) as (client, _):
        page = client.get("/screen", headers=HTML).text
        assert "Nothing left to screen" in page and "No records yet" not in page


def test_a_project_with_nothing_imported_says_to_import_not_that_all_is_decided(tmp_path: Path) -> None:
    project_dir = tmp_path / "empty"
    Project.init(project_dir).close()
    with web_client(project_dir) as (client, _):
        page = client.get("/screen", headers=HTML).text
        assert "No records yet" in page and "triage import FILE" in page
        assert "Nothing left to screen" not in page


def test_screening_page_says_when_the_ranking_is_still_being_built(demo_dir: Path) -> None:
    release = threading.Event()

    def slow_queue(project: Project):  # type: ignore[no-untyped-def]
        release.wait(30)
        return fast_queue(project)

    app = create_app(demo_dir, queue_factory=slow_queue, secret=b"test")
    with TestClient(app) as client:
        try:
            choose_reviewer(client, "ana")
            page = client.get("/screen", headers=HTML)
            assert page.status_code == 503 and page.headers["retry-after"] == "3"
            assert "<h1>Preparing the ranking…</h1>" in page.text and 'http-equiv="refresh"' in page.text
            assert 'id="embedding"' not in page.text  # nothing to embed reported yet
            app.state.triage.screening.embedding = (1200, 50000)  # as the first build reports it
            page = client.get("/screen", headers=HTML)
            assert "Embedding records for the ranking: 1,200 of 50,000" in page.text
            assert client.get("/", headers=HTML).status_code == 200  # the dashboard does not wait
        finally:
            release.set()
        # The build then runs in the background; on a loaded machine it can outlast the
        # page's own short wait, so wait for it here before asking again.
        assert app.state.triage.screening.is_ready(wait=120)
        assert client.get("/screen", headers=HTML).status_code == 200
