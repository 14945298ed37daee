"""``triage settings``: list, change (checked), reset; the screening commands use the value."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from triage.cli.main import app
from triage.config import SETTINGS
from triage.store.db import Project

runner = CliRunner()


def _init(tmp_path: Path) -> Path:
    path = tmp_path / "review"
    assert runner.invoke(app, ["init", str(path)]).exit_code == 0
    return path


def test_lists_every_setting_with_defaults(tmp_path: Path) -> None:
    path = _init(tmp_path)
    result = runner.invoke(app, ["settings", "-p", str(path)])
    assert result.exit_code == 0, result.output
    for name in ("preset", "recall_target", "stopping_confidence", "reviewer"):
        assert name in result.output
    assert "'default' (default)" in result.output
    # at 80 columns every name whole on its line, as it is typed back ('exclusion_reason_requir…' was cut)
    narrow = runner.invoke(app, ["settings", "-p", str(path)], env={"COLUMNS": "80"}).output
    assert "…" not in narrow and max(len(line) for line in narrow.splitlines()) <= 80
    names = {line.split("│")[1].strip() for line in narrow.splitlines() if line.startswith("│")}
    assert {s.name for s in SETTINGS} <= names


def test_change_and_reset_a_setting(tmp_path: Path) -> None:
    path = _init(tmp_path)
    assert runner.invoke(app, ["settings", "preset", "tfidf", "-p", str(path)]).exit_code == 0
    assert runner.invoke(app, ["settings", "recall_target", "0.99", "-p", str(path)]).exit_code == 0
    with Project.open(path) as project:
        assert project.get_setting("preset") == "tfidf"
        assert project.get_setting("recall_target") == 0.99
    assert runner.invoke(app, ["settings", "preset", "--reset", "-p", str(path)]).exit_code == 0
    with Project.open(path) as project:
        assert project.get_setting("preset") is None
        assert project.get_setting("recall_target") == 0.99


def test_bad_values_are_refused_before_anything_is_stored(tmp_path: Path) -> None:
    path = _init(tmp_path)
    cases = [
        (["settings", "preset", "nosuch"], "unknown preset 'nosuch'; valid:"),
        (["settings", "recall_target", "1.5"], "between 0 and 1"),
        (["settings", "stopping_confidence", "high"], "must be a number"),
        (["settings", "criteria_file", "missing.toml"], "not found"),
        (["settings", "colour", "blue"], "unknown setting 'colour'; valid:"),
    ]
    for args, message in cases:
        result = runner.invoke(app, [*args, "-p", str(path)])
        assert result.exit_code == 1, args
        assert message in " ".join(result.output.split()), (args, result.output)
    with Project.open(path) as project:
        assert project.get_setting("preset") is None and project.get_setting("recall_target") is None


def test_next_uses_the_preset_setting(tmp_path: Path, repo_root: Path) -> None:
    path = _init(tmp_path)
    assert runner.invoke(app, ["import", str(repo_root / "corpora" / "demo" / "embase.ris"), "-p", str(path)]).exit_code == 0
    assert runner.invoke(app, ["settings", "preset", "tfidf", "-p", str(path)]).exit_code == 0
    result = runner.invoke(app, ["next", "--json", "-p", str(path)])
    assert result.exit_code == 0, result.output
    assert '"model": "tfidf@1' in result.output
