"""Export buttons: records by subset, stage and format, counts JSON, the decision log."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from _web_support import DEMO_RECORDS, HTML, JSON, demo_dir, demo_template, web_client  # noqa: F401

from triage.store.db import Project
from triage.store.decisions import record_decision


def _seed(demo_dir: Path) -> None:
    with Project.open(demo_dir) as project, project.transaction() as session:
        record_decision(session, 1, "include", reviewer="ana")
        record_decision(session, 2, "exclude", reviewer="ana", reasons=["setting"])


def test_export_page_offers_every_subset_and_format(demo_dir: Path) -> None:
    _seed(demo_dir)
    with web_client(demo_dir) as (client, _):
        page = client.get("/export", headers=HTML).text
    for subset in ("all", "included", "excluded", "maybe", "undecided", "decided"):
        for fmt in ("ris", "bibtex", "csv"):
            assert f'href="/export/records.{fmt}?subset={subset}&amp;stage=title_abstract"' in page
    assert "<td>excluded (1)</td>" in page and f"<td>undecided ({DEMO_RECORDS - 1})</td>" in page
    for url in ("/export/status.json", "/figures/prisma.svg", "/figures/prisma.png", "/export/decisions.csv",
                "/export/codebook.qdc", "/export/coded-segments.csv", "/export/coded-counts.csv"):
        assert f'href="{url}"' in page


def test_record_downloads_carry_decisions(demo_dir: Path) -> None:
    _seed(demo_dir)
    with web_client(demo_dir) as (client, _):
        ris = client.get("/export/records.ris?subset=included")
        assert ris.headers["content-disposition"] == 'attachment; filename="review-included.ris"'
        assert ris.text.count("TY  - ") == 1
        bib = client.get("/export/records.bibtex?subset=excluded")
        assert bib.headers["content-disposition"].endswith('review-excluded.bib"') and bib.text.count("@") == 1
        table = client.get("/export/records.csv?subset=all")
        rows = list(csv.DictReader(io.StringIO(table.text)))
        assert len(rows) == DEMO_RECORDS + 1
        missing = client.get("/export/records.docx", headers=JSON)
        assert missing.status_code == 404 and missing.json()["error"]["message"] == "no record format 'docx'"
        wrong = client.get("/export/records.ris?subset=some", headers=JSON)
        assert wrong.status_code == 400 and wrong.json()["error"]["message"] == "unknown subset 'some'"


def test_status_json_and_decision_log(demo_dir: Path) -> None:
    _seed(demo_dir)
    with web_client(demo_dir) as (client, _):
        status = json.loads(client.get("/export/status.json").text)
        assert status["screened"] == 2 and status["excluded_reasons"] == {"setting": 1}
        assert status["stopping"]["screened"] == 2
        log = list(csv.DictReader(io.StringIO(client.get("/export/decisions.csv").text)))
    assert [(r["record_id"], r["decision"], r["reasons"], r["reviewer"]) for r in log] == [
        ("1", "include", "", "ana"), ("2", "exclude", "setting", "ana"),
    ]


def test_stage_headings_read_as_words(demo_dir: Path) -> None:
    with web_client(demo_dir, reviewer=None) as (client, _):
        page = client.get("/export", headers=HTML).text
    assert "<h2>Title and abstract</h2>" in page and "<h2>Full text</h2>" in page
    assert "full/text" not in page and "title/abstract</h2>" not in page
