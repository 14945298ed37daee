"""Each reviewer's own queue in the web app under an allocation (issue 16): two reviewers
never get the same single-screened record at once; a double-screened one reaches both."""

from __future__ import annotations

from pathlib import Path

from _web_support import JSON, choose_reviewer, demo_dir, demo_template, second_tab, web_client  # noqa: F401

from triage.store.allocation import set_allocation
from triage.store.db import Project


def _allocate(demo_dir: Path, share: float) -> None:
    with Project.open(demo_dir) as project, project.transaction() as session:
        set_allocation(session, stage="title_abstract", reviewers=["ana", "ben"], double_share=share, set_by="lea")


def test_two_reviewers_get_different_single_screened_records(demo_dir: Path) -> None:
    _allocate(demo_dir, 0.0)
    with web_client(demo_dir, reviewer="ana") as (ana, _):
        ben = second_tab(ana)
        choose_reviewer(ben, "ben")
        first = ana.get("/screen/card", headers=JSON).json()["record_id"]
        other = ben.get("/screen/card", headers=JSON).json()["record_id"]
        assert first is not None and other is not None and first != other
        assert ana.get("/screen/card", headers=JSON).json()["record_id"] == first  # still ana's
        cy = second_tab(ana)
        choose_reviewer(cy, "cy")
        refused = cy.get("/screen/card", headers=JSON)
        assert refused.status_code >= 400 and "cy is not allocated" in refused.text


def test_a_double_screened_record_reaches_both(demo_dir: Path) -> None:
    _allocate(demo_dir, 1.0)
    with web_client(demo_dir, reviewer="ana") as (ana, _):
        ben = second_tab(ana)
        choose_reviewer(ben, "ben")
        assert ana.get("/screen/card", headers=JSON).json()["record_id"] == ben.get(
            "/screen/card", headers=JSON).json()["record_id"]
