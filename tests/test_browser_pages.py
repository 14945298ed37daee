"""Every page in a real browser at 1366x768 and 420x900: screenshots, the visible-area rules,
and axe-core (WCAG 2 A/AA) with no serious or critical violation.

Rules checked: no page scrolls sideways; on the screening page the decision buttons and the
exclusion reasons are in view without scrolling at 1366x768, and after ``e`` (in a project
that requires a reason) the reasons show beside the card at both sizes. Screenshots go to
``$TRIAGE_SCREENSHOTS`` when set (to look at them), else to the test's tmp_path.
axe-core is vendored in ``tests/vendor/axe-core`` (MPL-2.0) and injected by Playwright.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _web_support import (
    BROWSER_MARKS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CODING,
    WEB_DATA,
    build_demo,
    fast_queue,
    serving,
)
from typer.testing import CliRunner

from triage.cli.main import app as cli
from triage.store.db import Project
from triage.store.decisions import record_decision
from triage.web.app import create_app

pytestmark = BROWSER_MARKS

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PAGES = {"dashboard": "/", "screen": "/screen", "history": "/history", "dedup": "/dedup", "coding": "/coding",
         "export": "/export", "reviewer": "/reviewer"}
SIZES = {"desktop": (1366, 768), "narrow": (420, 900)}


@pytest.fixture(scope="module")
def project_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo review with decisions (one undone), a dedup pair and the coding demo."""
    path = build_demo(tmp_path_factory.mktemp("pages") / "review", WEB_DATA / "script.ris")
    runner = CliRunner()
    for args in (["codebook", "import", str(CODING / "codebook.json"), "--coder", "ana"],
                 ["code", "import", str(CODING / "study-a-hollis-2021.md"), "--attr", "perspective=parent"]):
        result = runner.invoke(cli, [*args, "-p", str(path)])
        assert result.exit_code == 0, result.output
    with Project.open(path) as project, project.transaction() as session:
        for record_id, decision in ((1, "include"), (2, "exclude"), (3, "maybe"), (4, "exclude"), (5, "include")):
            record_decision(session, record_id, decision, reviewer="ana", reasons=["setting"] * (decision == "exclude"))
        record_decision(session, 5, "retract", reviewer="ana")
    return path


@pytest.fixture()
def project_dir(project_template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(project_template, tmp_path / "review"))


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TRIAGE_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def served(project_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One app for the read-only page checks (they choose a reviewer, nothing else is written)."""
    project = Path(shutil.copytree(project_template, tmp_path_factory.mktemp("served") / "review"))
    app = create_app(project, queue_factory=fast_queue)
    with serving(app) as base:
        app.state.triage.screening.wait_ready(60)
        yield base


def _page(browser: Any, base: str, size: tuple[int, int]) -> Any:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.goto(base + "/reviewer")
    page.fill("#name", "Robin")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert "Robin" in page.inner_text("header .who")
    return page


def _in_view(page: Any, selector: str) -> bool:
    """Whether the element's box lies inside the viewport (no scrolling needed)."""
    return bool(page.eval_on_selector(selector, """el => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0
            && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
    }"""))


def _serious_axe_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})""")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("page_name", list(PAGES))
@pytest.mark.parametrize("size_name", list(SIZES))
def test_every_page_fits_and_passes_axe(served: str, tmp_path: Path, browser: Any, size_name: str,
                                        page_name: str) -> None:
    size = SIZES[size_name]
    page = _page(browser, served, size)
    page.goto(served + PAGES[page_name])
    page.wait_for_load_state("networkidle")
    fits_and_passes_axe(page, _shots(tmp_path) / f"{page_name}-{size_name}.png", size[0])


def fits_and_passes_axe(page: Any, shot: Path, width: int, *, full_page: bool = False) -> None:
    """Screenshot ``page``; no script error, no serious axe violation, no sideways scroll."""
    page.screenshot(path=str(shot), full_page=full_page)
    problems = [f"axe: {v}" for v in _serious_axe_violations(page)]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{overflow} px wider than the {width} px window")
    assert page.errors == []
    assert problems == [], "\n".join(problems)


def test_decision_buttons_and_reasons_in_view_at_1366x768(served: str, browser: Any) -> None:
    page = _page(browser, served, SIZES["desktop"])
    page.goto(served + "/screen")
    page.wait_for_selector("#card[data-record-id]")
    hidden = [selector for selector in ('#decide-form button[value="include"]', '#decide-form button[value="exclude"]',
                                        '#decide-form button[value="maybe"]', "#reason-panel",
                                        '#reason-picker button[data-key="1"]', '#reason-picker button[data-key="9"]')
              if not _in_view(page, selector)]
    assert hidden == [], "not in view without scrolling"


@pytest.mark.parametrize("size_name", list(SIZES))
def test_after_e_the_reasons_show_beside_the_card(project_dir: Path, tmp_path: Path, browser: Any,
                                                  size_name: str) -> None:
    with Project.open(project_dir) as project:
        project.set_setting("exclusion_reason_required", "all_stages")
    app = create_app(project_dir, queue_factory=fast_queue)
    with serving(app) as base:
        app.state.triage.screening.wait_ready(60)
        page = _page(browser, base, SIZES[size_name])
        page.goto(base + "/screen")
        page.wait_for_selector("#card[data-record-id]")
        shown = page.get_attribute("#card", "data-record-id")
        page.keyboard.press("e")
        page.wait_for_selector("#reason-panel.open")
        page.screenshot(path=str(_shots(tmp_path) / f"screen-reasons-{size_name}.png"))
        assert _in_view(page, '#reason-picker button[data-key="1"]')
        assert _in_view(page, '#reason-picker button[data-key="2"]')
        reason = page.get_attribute('#reason-picker button[data-key="2"]', "data-reason")
        page.keyboard.press("2")
        page.wait_for_function("id => document.getElementById('card').dataset.recordId !== id", arg=shown)
        assert page.errors == []
    with Project.open(project_dir) as project, project.reading() as session:
        from triage.store.decisions import decision_history

        last = decision_history(session, reviewer="Robin")[-1]
        assert (str(last.record_id), last.decision, last.reasons) == (shown, "exclude", [reason])


def test_the_stopping_rules_read_whole_in_a_narrow_window(served: str, tmp_path: Path, browser: Any) -> None:
    """At 420 px the five-column stopping table scrolled inside its box: the estimate cut after
    "p = 0.626 for recall < 95" and the cost and advice out of sight (session 18's trial). Each
    rule is now a block with its fields under it, each named, as `triage status` prints it in
    a narrow terminal."""
    page = _page(browser, served, SIZES["narrow"])
    page.goto(served + "/")
    page.wait_for_load_state("networkidle")
    fits = page.eval_on_selector("table.advice", "el => el.scrollWidth <= el.clientWidth + 1")
    page.screenshot(path=str(_shots(tmp_path) / "stopping-narrow.png"), full_page=True)
    assert fits
    assert "random unscreened records" in page.inner_text("table.advice")
    named = page.eval_on_selector_all(
        "table.advice tbody tr:first-child td",
        "cells => cells.map(td => getComputedStyle(td, '::before').content)")
    assert named[1:] == ['"what stopping promises: "', '"estimate: "', '"still to do: "', '"advice: "']
