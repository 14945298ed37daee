"""A real browser codes a segment with the keyboard on the coding page (Chromium via Playwright)."""

from __future__ import annotations

import re
from pathlib import Path

from _web_support import BROWSER_MARKS, browser_page, build_coding_demo, serving

from triage.store import code_decisions as appl
from triage.store import coding as store
from triage.store.db import Project
from triage.web.app import create_app

pytestmark = BROWSER_MARKS


def test_code_a_segment_with_the_keyboard(tmp_path: Path) -> None:
    project_dir = build_coding_demo(tmp_path / "review")
    with serving(create_app(project_dir)) as base, browser_page() as page:
        page.goto(base + "/reviewer?next=/coding")
        page.fill("#name", "Kim")
        page.keyboard.press("Enter")
        page.wait_for_selector(".suggestions li[data-code]", timeout=60000)
        page.wait_for_load_state("load")  # the keys work once the deferred coding.js has run
        first = int(re.search(r"\d+", page.inner_text("#segment-heading")).group(0))
        code = page.get_attribute(".suggestions li[data-code]", "data-code")
        with page.expect_navigation(timeout=60000):
            page.keyboard.press("1")  # accept the first suggestion
        assert page.locator(f"#seg-{first}.coded").count() == 1
        with page.expect_navigation(timeout=60000):
            page.keyboard.press("j")  # next segment
        second = int(re.search(r"\d+", page.inner_text("#segment-heading")).group(0))
        assert second != first
        rejected = page.get_attribute(".suggestions li[data-code]", "data-code")
        with page.expect_navigation(timeout=60000):
            page.keyboard.press("x")  # reject the first suggestion there
    with Project.open(project_dir) as project, project.reading() as session:
        codebook = store.load_codebook(session)
        decided = sorted((d.segment_id, d.code_id, d.decision) for d in appl.current_code_decisions(session, codebook, "Kim"))
    assert decided == sorted([(first, code, "accept"), (second, rejected, "reject")])
