"""Shared fixtures: paths to the repo, to ../shared/data (skipping where absent), and
fresh project stores in tmp_path."""

from __future__ import annotations

from pathlib import Path

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
    """``../shared/data`` beside the repo; tests using it skip where a clone has none."""
    if not SHARED_DATA.is_dir():
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
