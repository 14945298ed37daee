"""The conflicts page (issue 16): differing decisions with their reasons, resolved by a lead
with a note (logged, in force after), agreement per pair on the page and the dashboard."""

from __future__ import annotations

import re
from pathlib import Path

from _web_support import HTML, demo_dir, demo_template, web_client  # noqa: F401

from triage.store.allocation import set_allocation
from triage.store.db import Project
from triage.store.decisions import decisions_in_force, record_decision
from triage.store.resolutions import resolutions


def test_conflicts_listed_resolved_with_a_note_and_agreement_shown(demo_dir: Path) -> None:
    with Project.open(demo_dir) as project, project.transaction() as session:
        set_allocation(session, stage="title_abstract", reviewers=["ana", "ben"], double_share=1.0, set_by="lea")
        for rid, a, b in [(1, "include", "exclude"), (2, "exclude", "exclude"), (3, "include", "include"),
                          (4, "maybe", "include")]:
            record_decision(session, rid, a, reviewer="ana")
            record_decision(session, rid, b, reviewer="ben", reasons=["setting"] if b == "exclude" else [])
    with web_client(demo_dir, reviewer="lea") as (client, token):
        page = client.get("/conflicts", headers=HTML).text
        assert "2 records in conflict." in page and 'id="conflict-1"' in page and 'id="conflict-4"' in page
        assert 'id="conflict-2"' not in page and "setting" in page
        # agreement on 4 records: 2 agree; kappa and PABAK (k=3: (3 * 0.5 - 1) / 2 = 0.25)
        assert re.search(r"ana &amp; ben</td><td>4</td><td>50.0%</td><td>[-0-9.]+</td><td>0.250</td>", page)
        response = client.post("/conflicts/resolve", data={"record_id": "1", "decision": "include",
                                                           "note": "a clinic is in scope", "csrf_token": token},
                               follow_redirects=False)
        assert response.status_code == 303
        after = client.get("/conflicts", headers=HTML).text
        assert "1 record in conflict." in after and "a clinic is in scope" in after
        history = client.get("/history?record_id=1", headers=HTML).text  # the resolution is marked as one there
        assert history.count("lead's resolution</span>") == 1, history
        assert 'id="agreement"' in client.get("/", headers=HTML).text  # the dashboard shows agreement too
    with Project.open(demo_dir) as project, project.reading() as session:
        assert decisions_in_force(session).decisions[1].reviewer == "lea"
        assert [(r.record_id, r.resolved_by, r.note) for r in resolutions(session)] == [(1, "lea", "a clinic is in scope")]
