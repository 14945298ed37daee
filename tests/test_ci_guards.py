"""The suite's CI guards (tests/conftest.py), run on a tiny suite in a subprocess.

Under ``CI=true`` a browser test that would skip and a test whose ``../shared/data`` is
absent fail; locally they skip, and a skipped browser test prints one loud line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent

SUITE = '''
import pytest

@pytest.mark.browser
@pytest.mark.skipif(True, reason="/usr/bin/chromium is absent")
def test_in_a_browser() -> None:
    pass

def test_on_shared_data(shared_data) -> None:
    assert shared_data.is_dir()
'''


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    suite = tmp_path / "repo" / "tests"  # ../shared/data beside this "repo" does not exist
    suite.mkdir(parents=True, exist_ok=True)
    shutil.copy(TESTS / "conftest.py", suite / "conftest.py")
    (suite / "test_guarded.py").write_text(SUITE, encoding="utf-8")
    (suite.parent / "pytest.ini").write_text("[pytest]\nmarkers =\n    browser: real browser\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-rs", str(suite)],
        cwd=suite.parent, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_ci_fails_where_a_local_run_skips(tmp_path: Path) -> None:
    local = _run(tmp_path, None)
    assert local.returncode == 0, local.stdout
    assert "2 skipped" in local.stdout
    assert local.stdout.count("BROWSER TESTS SKIPPED") == 1

    ci = _run(tmp_path, "true")
    assert ci.returncode == 1, ci.stdout
    assert "CI is set, so a browser test may not skip: /usr/bin/chromium is absent" in ci.stdout
    assert "CI is set but" in ci.stdout and "shared" in ci.stdout
    assert "2 errors" in ci.stdout  # both fail in setup, where the skip would have happened
