"""Where an exclusion needs a reason: a project setting chosen at ``init`` (PRISMA 2020's rule
by default: required at full text, optional at title/abstract), changeable later, logged."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.db import Project
from triage.store.decisions import decision_history
from triage.store.settings_log import settings_log

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"


def _project(path: Path, *init_options: str) -> Path:
    result = runner.invoke(app, ["init", str(path), "--criteria", str(DEMO / "criteria.toml"), *init_options])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["import", str(DEMO / "embase.ris"), "-p", str(path)]).exit_code == 0
    return path


def _decide(path: Path, *args: str) -> object:
    return runner.invoke(app, ["decide", *args, "--reviewer", "ana", "-p", str(path)])


def test_prisma_default_reason_optional_at_title_abstract_required_at_full_text(tmp_path: Path) -> None:
    path = _project(tmp_path / "review")
    result = _decide(path, "1", "exclude")
    assert result.exit_code == 0, result.output
    assert _decide(path, "2", "include").exit_code == 0  # full text follows title/abstract
    result = _decide(path, "2", "exclude", "--stage", "full_text")
    assert result.exit_code == 1
    assert "error: excluding record 2 needs a reason; name the criterion it fails with --reason" in result.output
    with Project.open(path) as project, project.reading() as session:
        rows = decision_history(session)
        assert [(r.record_id, r.decision, r.reasons) for r in rows] == [(1, "exclude", []), (2, "include", [])]
        assert not decision_history(session, stage="full_text")


def test_all_stages_chosen_at_init(tmp_path: Path) -> None:
    path = _project(tmp_path / "review", "--exclusion-reason-required", "all_stages")
    result = _decide(path, "1", "exclude")
    assert result.exit_code == 1
    assert "(this project's exclusion_reason_required is all_stages)" in result.output
    assert _decide(path, "1", "exclude", "--reason", "setting").exit_code == 0


def test_a_bad_choice_at_init_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "r"), "--exclusion-reason-required", "sometimes"])
    assert result.exit_code == 1
    assert "--exclusion-reason-required must be one of: full_text, all_stages; got 'sometimes'" in result.output
    assert not (tmp_path / "r").exists()


def test_changing_the_setting_later_is_checked_and_logged(tmp_path: Path) -> None:
    path = _project(tmp_path / "review")
    result = runner.invoke(app, ["settings", "exclusion_reason_required", "never", "-p", str(path)])
    assert result.exit_code == 1
    assert "exclusion_reason_required must be one of: full_text, all_stages; got 'never'" in result.output
    result = runner.invoke(app, ["settings", "exclusion_reason_required", "all_stages", "-p", str(path)],
                           env={"TRIAGE_REVIEWER": "lead"})
    assert result.exit_code == 0, result.output
    assert _decide(path, "1", "exclude").exit_code == 1
    assert runner.invoke(app, ["settings", "exclusion_reason_required", "--reset", "-p", str(path)]).exit_code == 0
    assert _decide(path, "1", "exclude").exit_code == 0
    with Project.open(path) as project:
        log = [(e["setting"], e["from"], e["to"]) for e in settings_log(project)]
        by = [e["by"] for e in settings_log(project)]
    assert log == [
        ("exclusion_reason_required", None, "full_text"),  # chosen at init
        ("exclusion_reason_required", "full_text", "all_stages"),
        ("exclusion_reason_required", "all_stages", None),
    ]
    assert by[1] == "lead"
    shown = runner.invoke(app, ["settings", "exclusion_reason_required", "-p", str(path)]).output
    assert "exclusion_reason_required 'full_text' -> 'all_stages' by lead" in shown
