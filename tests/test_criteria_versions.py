"""Criteria change during a review: versions kept with who and when, decisions name theirs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from triage.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def narrowed(tmp_path: Path) -> Path:
    """The demo criteria with one more exclusion phrase (a change a team makes mid-review)."""
    text = (DEMO / "criteria.toml").read_text(encoding="utf-8")
    changed = tmp_path / "criteria-v2.toml"
    changed.write_text(text + "\n# v2: surveys were excluded from the start; now said so\n", encoding="utf-8")
    return changed


def test_a_criteria_change_is_logged_and_earlier_decisions_are_listed(tmp_path: Path) -> None:
    where = str(tmp_path / "review")
    invoke("init", where, "--criteria", str(DEMO / "criteria.toml"))
    invoke("import", str(DEMO / "embase.ris"), "-p", where)
    for record, decision in ((1, "include"), (2, "exclude")):
        invoke("decide", str(record), decision, "--reason", "evaluation", "--reviewer", "ana", "-p", where)
    out = invoke("criteria", "set", str(narrowed(tmp_path)), "--reviewer", "lead", "--note", "surveys", "-p", where)
    assert "Criteria version 2 in force" in out and "2 decisions in force were made under an earlier" in out
    invoke("decide", "3", "include", "--reviewer", "ana", "-p", where)
    history = json.loads(invoke("criteria", "history", "--json", "-p", where))
    assert [(v["id"], v["created_by"], v["decisions"]) for v in history] == [(1, history[0]["created_by"], 2),
                                                                            (2, "lead", 1)]
    assert history[1]["note"] == "surveys"
    earlier = [json.loads(x) for x in invoke("criteria", "earlier", "--json", "-p", where).splitlines()]
    assert sorted(d["id"] for d in earlier) == [1, 2]
    status = json.loads(invoke("status", "--json", "-p", where))
    assert (status["criteria_version"], status["decisions_under_earlier_criteria"]) == (2, 2)
    # Deciding again under the new version takes the record off the list.
    invoke("decide", "1", "include", "--reviewer", "ana", "-p", where)
    earlier = [json.loads(x) for x in invoke("criteria", "earlier", "--json", "-p", where).splitlines()]
    assert [d["id"] for d in earlier] == [2]


def test_setting_the_same_file_again_is_no_new_version_and_a_bad_file_changes_nothing(tmp_path: Path) -> None:
    where = str(tmp_path / "review")
    invoke("init", where, "--criteria", str(DEMO / "criteria.toml"))
    invoke("criteria", "set", str(DEMO / "criteria.toml"), "-p", where)
    bad = tmp_path / "bad.toml"
    bad.write_text("[spice\n", encoding="utf-8")
    out = invoke("criteria", "set", str(bad), "-p", where, code=1)
    assert "bad.toml" in out and "Traceback" not in out
    assert len(json.loads(invoke("criteria", "history", "--json", "-p", where))) == 1


def test_a_project_from_before_versions_keeps_its_file_as_the_first_version(tmp_path: Path) -> None:
    where = tmp_path / "review"
    invoke("init", str(where))
    (where / "criteria.toml").write_text((DEMO / "criteria.toml").read_text(encoding="utf-8"), encoding="utf-8")
    invoke("settings", "criteria_file", "criteria.toml", "-p", str(where))  # versioned like criteria set
    invoke("criteria", "set", str(narrowed(tmp_path)), "--reviewer", "lead", "-p", str(where))
    history = json.loads(invoke("criteria", "history", "--json", "-p", str(where)))
    assert len(history) == 2 and history[1]["created_by"] == "lead"
