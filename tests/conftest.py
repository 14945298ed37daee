"""Shared fixtures: paths to the repo, to ../shared/data (skipping where absent), and
fresh project stores in tmp_path."""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from triage.records.load import read_file
from triage.records.model import Record
from triage.store.db import Project

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repo; tests using it skip where a clone has none (and
    fail under CI, which must have it)."""
    if not SHARED_DATA.is_dir():
        if running_in_ci():
            pytest.fail(f"CI is set but {SHARED_DATA} is absent: put the shared data beside the repo")
        pytest.skip("../shared/data is absent (a user's clone has none; CI has it)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    """A new, empty project store in a temporary directory."""
    proj = Project.init(tmp_path / "review")
    yield proj
    proj.close()


@pytest.fixture(scope="session")
def dedup_sets(shared_data: Path) -> dict[str, dict[str, Record]]:
    """The four shared dedup benchmark sets, read once: set name -> record_id -> Record."""
    out = {}
    for name in ("haematology", "cytology_screening", "respiratory", "digital_work"):
        result = read_file(shared_data / "dedup" / f"{name}.csv")
        out[name] = {r.raw["record_id"]: r for r in result.records}
    return out


# --- CI strictness and the loud local skip line --------------------------------------------


def running_in_ci() -> bool:
    """True under CI (the ``CI`` environment variable set to true/1/yes, as CI services do)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Under CI a browser test that would skip (no Chromium) fails instead: CI installs it."""
    outcome = yield
    report = outcome.get_result()
    if running_in_ci() and report.skipped and item.get_closest_marker("browser") is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = f"CI is set, so a browser test may not skip: {reason}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Locally, skipped browser tests end the run with one loud line (they are easy to miss)."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "browser" in getattr(r, "keywords", {})]
    if skipped:
        terminalreporter.write_line(
            f"!!! {len(skipped)} BROWSER TESTS SKIPPED: /usr/bin/chromium is absent "
            "(apt-get install chromium); the web pages were NOT checked in a browser !!!",
            red=True, bold=True,
        )
