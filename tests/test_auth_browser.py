"""The login page and the signed-in header in a real browser: axe-core (WCAG 2 A/AA) finds
nothing serious at both sizes, the form logs in and out, no page scrolls sideways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _auth_support import TEAM, build_project
from _web_support import BROWSER_MARKS, browser_page, fast_queue, serving
from test_browser_pages import SIZES, _serious_axe_violations

from triage.web.app import create_app

pytestmark = BROWSER_MARKS


def _problems(page: Any, width: int) -> list[str]:
    problems = [f"axe: {v}" for v in _serious_axe_violations(page)]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return problems + ([f"{overflow} px wider than the {width} px window"] if overflow > 0 else [])


@pytest.mark.parametrize("size_name", list(SIZES))
def test_log_in_and_out_in_a_browser(tmp_path: Path, size_name: str) -> None:
    path = build_project(tmp_path / "review", None)
    width, height = SIZES[size_name]
    app = create_app(path, queue_factory=fast_queue)
    with serving(app) as base, browser_page() as page:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(base + "/export")
        assert page.url == base + "/login?next=/export"
        assert _problems(page, width) == []
        page.fill("#name", "ana")
        page.fill("#password", "not-her-password")
        page.click("form button[type=submit]")
        assert "wrong name or password" in page.inner_text("p.error")
        page.fill("#name", "ana")
        page.fill("#password", TEAM["ana"][1])
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert page.url == base + "/export"
        assert "signed in as ana (lead)" in page.inner_text("header .who")
        assert _problems(page, width) == []
        with page.expect_navigation():
            page.click("header .who button")
        assert page.url == base + "/login"
        page.goto(base + "/")
        assert page.url.startswith(base + "/login")
