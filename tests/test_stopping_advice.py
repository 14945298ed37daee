"""`triage status`: each stopping rule with its promise in a reviewer's words and what it still costs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage import stopping
from triage.cli.main import app

runner = CliRunner()


def _project(tmp_path: Path, repo_root: Path) -> Path:
    demo = repo_root / "corpora" / "demo"
    path = tmp_path / "review"
    assert runner.invoke(app, ["init", str(path)]).exit_code == 0
    assert runner.invoke(app, ["settings", "preset", "tfidf", "-p", str(path)]).exit_code == 0
    result = runner.invoke(app, ["import", str(demo / "embase.ris"), "-p", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _decide(path: Path, n: int, decision: str) -> None:
    result = runner.invoke(app, ["next", "-n", str(n), "--json", "-p", str(path)])
    assert result.exit_code == 0, result.output
    for line in result.output.splitlines():
        args = ["decide", str(json.loads(line)["id"]), decision, "--reviewer", "ana", "-p", str(path)]
        if decision == "exclude":
            args += ["--reason", "setting"]
        assert runner.invoke(app, args).exit_code == 0


@pytest.mark.slow  # about 20 s on the shared 2-core machine: an import, ten decisions, two status calls
def test_status_gives_each_rule_its_promise_and_cost(tmp_path: Path, repo_root: Path) -> None:
    path = _project(tmp_path, repo_root)
    _decide(path, 1, "include")
    _decide(path, 9, "exclude")
    data = json.loads(runner.invoke(app, ["status", "--json", "-p", str(path)]).output)["stopping"]
    rules = data["rules"]
    unscreened = data["records"] - data["screened"]
    for info in rules.values():
        assert {"rule", "promise", "to_screen", "cost", "estimate", "advice", "safe_to_stop"} <= set(info)
    assert data["recommended"] in rules
    statistical = rules["statistical (Callaghan & Müller-Hansen)"]
    assert statistical["rule"] == "cmh_ranked"
    assert statistical["promise"].startswith("with 95% confidence at least 95% of the relevant records are found")
    assert statistical["to_screen"] == stopping.random_sample_size(unscreened, data["found"])
    assert f"screen {statistical['to_screen']} random unscreened records" in statistical["cost"]
    consecutive = rules["consecutive irrelevant"]
    assert consecutive["to_screen"] == stopping.run_threshold(data["records"]) - 9
    assert "heuristic" in consecutive["promise"]
    assert rules["knee method"]["rule"] == "knee"
    text = runner.invoke(app, ["status", "-p", str(path)], env={"COLUMNS": "400"}).output
    assert "what stopping promises" in text and "still to do" in text
    assert "Müller-Hansen) (recommended)" in text
