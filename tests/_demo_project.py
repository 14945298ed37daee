"""The demo project for CLI tests: the demo's Embase export with its criteria, ranked by
``elas_u4`` (words and criteria only: no embedding model to load), and ``triage next``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from triage.cli.main import app

runner = CliRunner()


def make_demo_project(path: Path, repo_root: Path, *, rank: bool = False) -> Path:
    """Init, choose ``elas_u4``, import the demo's Embase export; with ``rank``, run ``next`` once."""
    demo = repo_root / "corpora" / "demo"
    assert runner.invoke(app, ["init", str(path), "--criteria", str(demo / "criteria.toml")]).exit_code == 0
    assert runner.invoke(app, ["settings", "preset", "elas_u4", "-p", str(path)]).exit_code == 0
    result = runner.invoke(app, ["import", str(demo / "embase.ris"), "-p", str(path)])
    assert result.exit_code == 0, result.output
    if rank:
        assert runner.invoke(app, ["next", "-p", str(path)]).exit_code == 0
    return path


def next_json(proj: Path, n: int) -> list[dict[str, object]]:
    """``triage next -n N --json`` as parsed lines."""
    result = runner.invoke(app, ["next", "-n", str(n), "--json", "-p", str(proj)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]
