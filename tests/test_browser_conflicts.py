"""The conflicts page (issue 16) in a real browser at 1366x768 and 420x900: no sideways
scroll, axe-core (WCAG 2 A/AA) with no serious or critical violation, and the page it
leads to after a lead resolves one (the same checks as tests/test_browser_pages.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _web_support import BROWSER_MARKS, WEB_DATA, build_demo, fast_queue, serving
from test_browser_pages import SIZES, _page, _shots, browser, fits_and_passes_axe  # noqa: F401

from triage.store.allocation import set_allocation
from triage.store.db import Project
from triage.store.decisions import record_decision
from triage.web.app import create_app

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo review screened twice by ana and ben, two records in conflict."""
    path = build_demo(tmp_path_factory.mktemp("conflicts") / "review", WEB_DATA / "script.ris")
    with Project.open(path) as project, project.transaction() as session:
        set_allocation(session, stage="title_abstract", reviewers=["ana", "ben"], double_share=1.0, set_by="lea")
        for rid, a, b in [(1, "include", "exclude"), (2, "exclude", "exclude"), (3, "maybe", "include")]:
            record_decision(session, rid, a, reviewer="ana")
            record_decision(session, rid, b, reviewer="ben", reasons=["setting"] if b == "exclude" else [])
    app = create_app(Path(shutil.copytree(path, path.parent / "served")), queue_factory=fast_queue)
    with serving(app) as base:
        app.state.triage.screening.wait_ready(60)
        yield base


@pytest.mark.parametrize("size_name", list(SIZES))
def test_conflicts_page_fits_and_passes_axe(served: str, tmp_path: Path, browser: Any, size_name: str) -> None:  # noqa: F811
    size = SIZES[size_name]
    page = _page(browser, served, size)
    page.goto(served + "/conflicts")
    page.wait_for_load_state("networkidle")
    assert page.locator("article.conflict").count() == 2
    fits_and_passes_axe(page, _shots(tmp_path) / f"conflicts-{size_name}.png", size[0], full_page=True)


@pytest.mark.parametrize("size_name", list(SIZES))
def test_dashboard_with_reviewers_and_agreement_passes_axe(served: str, tmp_path: Path, browser: Any,  # noqa: F811
                                                           size_name: str) -> None:
    size = SIZES[size_name]
    page = _page(browser, served, size)
    page.goto(served + "/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#agreement").count() == 1 and page.locator("#reviewers").count() == 1
    fits_and_passes_axe(page, _shots(tmp_path) / f"dashboard-team-{size_name}.png", size[0], full_page=True)
