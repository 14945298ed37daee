"""A wheel built from the repository installs in a fresh virtual environment and runs the demo's
main steps away from the checkout: presets, templates and static files come from the installed
package, under the distribution name ``triage-review`` (``triage`` on PyPI is someone else's).

Slow (a wheel build and a venv, about a minute): ``pytest -m slow tests/test_cli_packaging.py``.
The new venv reuses this environment's installed dependencies (torch's CPU wheel, as
scripts/setup.sh installs it) through a ``.pth`` line, so nothing is downloaded; only triage
itself comes from the wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "corpora" / "demo"

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_wheel_runs_the_demo_without_the_checkout(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TRIAGE_MODELS", "TRIAGE_PROJECT", "PYTHONPATH")}
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
         tmp_path, env)
    wheel = next(dist.glob("*.whl"))
    assert wheel.name.startswith("triage_review-")
    names = zipfile.ZipFile(wheel).namelist()
    assert "triage/web/templates/screen.html" in names and "triage/web/static/screen.js" in names
    assert any(n.endswith("data/share/triage/models/default.toml") for n in names)

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    python = str(venv / "bin" / "python")
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path, env).strip()
    # dependencies from this environment (a plain path: its .pth files, the editable triage among them, are not read)
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], tmp_path, env)

    work = tmp_path / "elsewhere"
    work.mkdir()
    where = _run([python, "-c", "import triage; print(triage.__file__)"], work, env)
    assert where.startswith(str(venv)), where
    triage = str(venv / "bin" / "triage")
    project = work / "demo-project"
    steps = [
        ["init", str(project), "--criteria", str(DEMO / "criteria.toml")],
        ["import", str(DEMO / "embase.ris"), str(DEMO / "scopus.csv")],
        ["import", str(DEMO / "psycinfo.bib"), "--source", "PsycINFO"],
        ["dedup"],
        ["settings", "preset", "tfidf"],  # checked against the installed presets
        ["next", "-n", "3"],
        ["records", "--search", "cross-sectional survey", "-n", "1"],
        ["status", "--diagram", str(project / "prisma-flow.svg")],
        ["codebook", "import", str(DEMO / "coding" / "codebook.json"), "--coder", "demo"],
        ["code", "import", str(DEMO / "coding" / "study-a-hollis-2021.md"), "--attr", "perspective=parent"],
    ]
    for step in steps:
        _run([triage, *step, *([] if step[0] == "init" else ["-p", str(project)])], work, env)
    first = json.loads(_run([triage, "next", "-n", "1", "--json", "-p", str(project)], work, env).splitlines()[0])
    _run([triage, "decide", str(first["id"]), "include", "--reviewer", "demo", "-p", str(project)], work, env)
    _run([triage, "export", str(project / "included.ris"), "--subset", "included", "-p", str(project)], work, env)
    assert (project / "included.ris").read_text(encoding="utf-8").count("TY  -") == 1
    assert (project / "prisma-flow.svg").is_file()
    presets = _run([python, "-c", ("from triage.ranking.presets import list_presets, models_dir; "
                                   "print(models_dir()); print(list_presets())")], work, env)
    assert presets.startswith(str(venv)) and "'default'" in presets

    # the web app's templates and static files, from the installed package
    page = _run([python, "-c", (
        "import sys\nfrom fastapi.testclient import TestClient\nfrom triage.web.app import create_app\n"
        f"with TestClient(create_app({str(project)!r})) as client:\n"
        "    for path in ('/', '/export', '/static/app.css', '/static/screen.js'):\n"
        "        response = client.get(path, headers={'accept': 'text/html'})\n"
        "        print(path, response.status_code, len(response.text))\n"
    )], work, env)
    assert [line.split()[1] for line in page.splitlines()] == ["200"] * 4, page
