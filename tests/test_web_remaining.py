"""The screening card says how many records are left for its reviewer under an allocation
(issue 16): their own queue, less what is settled, what they decided and what others hold.
Without an allocation everyone screens everything and the card shows the shared count only.
SQLite and PostgreSQL (the ``database`` fixture)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _auth_support import build_team_of_two_reviewers, log_in, team_app
from _web_support import JSON
from fastapi.testclient import TestClient

from triage.store.allocation import set_allocation
from triage.store.db import Project


@pytest.fixture()
def team_dir(tmp_path: Path, database: str | None) -> Path:
    return build_team_of_two_reviewers(tmp_path / "review", database)


def _card(client: TestClient) -> tuple[int, int, int | None, str]:
    """The card's record, records left to screen, records left for this reviewer, request id."""
    html = client.get("/screen/card", headers=JSON).json()["html"]
    record = int(re.search(r'data-record-id="(\d+)"', html).group(1))  # type: ignore[union-attr]
    left = int(re.search(r'data-live-count="remaining">(\d+)<', html).group(1))  # type: ignore[union-attr]
    yours = re.search(r'<span id="yours-left">(\d+)</span> of them yours', html)
    request_id = re.search(r'name="request_id" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    return record, left, int(yours.group(1)) if yours else None, request_id


def test_the_card_counts_the_reviewers_own_records_left(team_dir: Path, database: str | None) -> None:
    with team_app(team_dir, database) as ben, team_app(team_dir, database) as dan:
        token_b = log_in(ben, "ben")
        log_in(dan, "dan", "dan-long-secret-4")
        _, total, yours, _ = _card(ben)
        assert yours is None  # no allocation: everyone screens everything, one shared count
        with Project.open(team_dir, database) as project, project.transaction() as session:
            set_allocation(session, stage="title_abstract", reviewers=["ben", "dan"], double_share=0.0, set_by="ana")
        held, left, yours, request_id = _card(ben)
        assert (left, yours) == (total, total)  # the card ben holds is his own
        other, left, yours, _ = _card(dan)
        assert other != held and (left, yours) == (total, total - 1)  # ben's lease fills that record's one slot
        answer = ben.post("/screen/decide", data={"record_id": str(held), "decision": "include",
                                                  "request_id": request_id},
                          headers={**JSON, "X-CSRF-Token": token_b})
        assert answer.status_code == 200
        _, left, yours, _ = _card(ben)
        assert (left, yours) == (total - 1, total - 2)  # decided by ben; dan holds another
