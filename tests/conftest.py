"""Shared fixtures: paths to the repo, to ../shared/data (skipping where absent), and
fresh project stores in tmp_path.

Tests that name ``project`` (and the modules in :data:`BOTH_DATABASES`) run on SQLite
and on PostgreSQL: a fresh database per test on the server named by
``$TRIAGE_TEST_DATABASE`` (``bash scripts/pg-dev.sh start`` gives one; ``.ci/run`` always
sets it, so there a server that cannot be reached fails the run instead of skipping).
"""

from __future__ import annotations

import inspect
import os
import uuid
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from triage.records.load import read_file
from triage.records.model import Record
from triage.store.db import DATABASE_ENV, Project

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"

# Queues compute missing embeddings before ranking in tests (deterministic orders, no
# detached processes outliving a test); tests of the background mode set it themselves.
os.environ.setdefault("TRIAGE_EMBEDDINGS", "wait")


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


TEST_DATABASE_ENV = "TRIAGE_TEST_DATABASE"


#: Test modules run whole on SQLite and on PostgreSQL: their ``project`` fixture and
#: every CLI command they run (through ``$TRIAGE_DATABASE``). Elsewhere a test runs on
#: both when it names ``project`` or ``database`` itself. Modules that build a project
#: once and copy its file between tests (cli_screen, web_*) cannot run on both yet.
BOTH_DATABASES: tuple[str, ...] = (
    "test_cli_project",
    "test_cli_settings",
    "test_cli_sources",
    "test_coding_cli",
    "test_coding_project_map",
    "test_dedup_cli",
    "test_dedup_project",
    "test_embedding_cache",
    "test_evaluate_heldout",
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    named = {"project", "database"} & set(inspect.signature(metafunc.function).parameters)
    # A test's own ``database`` parameter (e.g. the database a reader detects) is not the store's.
    own = any("database" in str(mark.args[0]) for mark in metafunc.definition.iter_markers("parametrize"))
    if own:
        return
    if named or metafunc.module.__name__.startswith(BOTH_DATABASES):
        metafunc.parametrize("database", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(autouse=True)
def _database_for_every_test(database: str | None) -> None:
    """Every test sees ``$TRIAGE_DATABASE`` as :func:`database` sets it (unset for SQLite)."""


@pytest.fixture()
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """``None`` (SQLite in the project directory) or the URL of a fresh PostgreSQL database.

    The URL is also ``$TRIAGE_DATABASE`` for the test, so CLI commands given only
    ``--project`` open the same database (the path a team member's shell takes).
    """
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    if getattr(request, "param", "sqlite") == "sqlite":
        yield None
        return
    with fresh_postgres_database(_test_server()) as url:
        monkeypatch.setenv(DATABASE_ENV, url)
        yield url


@pytest.fixture()
def postgres_database() -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database (dropped after the test)."""
    with fresh_postgres_database(_test_server()) as url:
        yield url


@pytest.fixture()
def postgres_server() -> str:
    """The PostgreSQL server of ``$TRIAGE_TEST_DATABASE`` (skips where it is unset), for a test that
    makes databases of its own (one per Hypothesis example: :func:`fresh_postgres_database`)."""
    return _test_server()


def _test_server() -> str:
    server = os.environ.get(TEST_DATABASE_ENV)
    if not server:
        pytest.skip(f"${TEST_DATABASE_ENV} is not set (bash scripts/pg-dev.sh start gives a server; CI sets it)")
    return server


@contextmanager
def fresh_postgres_database(server: str) -> Iterator[str]:
    """A new, empty database on ``server`` (any URL of it), dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"triage_test_{uuid.uuid4().hex[:12]}"
    admin = make_url(server).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def project(tmp_path: Path, database: str | None) -> Iterator[Project]:
    """A new, empty project store in a temporary directory (on PostgreSQL where parametrized)."""
    proj = Project.init(tmp_path / "review", database)
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
