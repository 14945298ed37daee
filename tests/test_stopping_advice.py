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


def test_decisions_keep_the_probability_shown_and_status_recommends_the_weighted_test(
    tmp_path: Path, repo_root: Path
) -> None:
    """Every decision made on a shown record keeps the model's inclusion probability of it
    at that moment; with them all there (and enough decisions) status runs the weighted test
    and recommends it; one decision without it and the statistical test is recommended."""
    from triage.screening.advice import DUAL_REASON, NO_PROBABILITY_REASON, RECOMMENDED, WEIGHTED
    from triage.screening.queue import ScreeningQueue
    from triage.store.db import Project
    from triage.store.decisions import decision_history

    path = _project(tmp_path, repo_root)
    expected = []
    with Project.open(path) as project:
        queue = ScreeningQueue(project, random_state=0)
        first = None
        for i in range(30):
            shown = queue.next(1)[0]
            first = first or shown
            expected.append(queue.cycle.inclusion_probabilities()[shown.index])
            queue.decide(shown.record_id, "include" if i % 6 == 0 else "exclude", reviewer="ana",
                         reasons=["setting"], shown=shown)
        with project.reading() as session:
            recorded = [row.probability for row in decision_history(session)]
    assert recorded == pytest.approx(expected)
    assert all(0.0 < float(p or 0) < 1.0 for p in recorded)
    data = json.loads(runner.invoke(app, ["status", "--json", "-p", str(path)]).output)["stopping"]
    weighted = data["rules"][WEIGHTED]
    assert data["recommended"] == WEIGHTED and weighted["rule"] == "weighted_quasi"
    assert "assumption" in weighted["promise"] and weighted["safe_to_stop"] in (True, False)
    assert "model-weighted quasi-sampling" in weighted["estimate"] or "not yet" in weighted["estimate"]
    assert "recommended_reason" not in data
    # For scripts (session 18's trial as a methodologist): the confidence beside the target, the
    # recommended rule by its stable id (the key is its display name), and the weighted test's
    # p-value as a number, as the statistical rule's has been.
    assert data["confidence"] == 0.95 and data["recommended_rule"] == "weighted_quasi"
    assert isinstance(weighted["p_value"], float) and 0.0 <= weighted["p_value"] <= 1.0
    assert f"p = {weighted['p_value']:.3g} for recall < 95%" in weighted["estimate"]
    with Project.open(path) as project:  # a second reviewer screens one record too: dual screening
        assert first is not None
        ScreeningQueue(project).decide(first.record_id, "include", reviewer="ben", reasons=["setting"], shown=first)
    data = json.loads(runner.invoke(app, ["status", "--json", "-p", str(path)]).output)["stopping"]
    assert WEIGHTED in data["rules"]  # it still runs and is shown, but is not the one recommended
    assert data["recommended"] == RECOMMENDED and data["recommended_reason"] == DUAL_REASON
    assert data["recommended_rule"] == "cmh_ranked"
    assert "because two reviewers" in runner.invoke(app, ["status", "-p", str(path)], env={"COLUMNS": "400"}).output
    with Project.open(path) as project:  # a decision no ranking was shown for (no probability)
        unseen = ScreeningQueue(project).next(5)[-1].record_id
    result = runner.invoke(app, ["decide", str(unseen), "exclude", "--reason", "setting", "--reviewer", "ana",
                                 "-p", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(app, ["status", "--json", "-p", str(path)]).output)["stopping"]
    assert WEIGHTED not in data["rules"] and data["recommended"] == RECOMMENDED
    # ... and status says why the weighted test is missing (before: no word, session 16's trial)
    assert data["recommended_reason"] == NO_PROBABILITY_REASON


@pytest.mark.parametrize("width", [80, 100])
def test_stopping_rules_read_whole_in_a_narrow_terminal(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 80 columns a five-column table cut the rules' names ("Callaghan & Müller-Hanse…")
    and wrapped every cell to a word or two; below 120 columns each rule is a block, each of
    its fields wrapped under it, nothing cut."""
    from rich.console import Console

    import triage.cli.project as status_cli
    from triage.cli import layout

    narrow = Console(width=width, record=True, color_system=None)
    monkeypatch.setattr(status_cli, "console", narrow)
    monkeypatch.setattr(layout, "console", narrow)
    rules = {name: {"estimate": f"{name}: an estimate long enough to need wrapping in any terminal, " * 2,
                    "advice": "not yet; screen 571 random unscreened records (preset 'random') to test it",
                    "promise": "with 95% confidence at least 95% of the relevant records are found",
                    "cost": "screen 571 random unscreened records"}
             for name in ("statistical (Callaghan & Müller-Hansen)", "model estimate", "knee method")}
    status_cli._print_stopping({"rules": rules, "recommended": "model estimate", "recommended_reason": "why"})
    text = narrow.export_text()
    lines = text.splitlines()
    assert "…" not in text and max(len(line) for line in lines) <= width
    assert "statistical (Callaghan & Müller-Hansen)" in lines and "model estimate (recommended)" in lines
    unwrapped = " ".join(line.strip() for line in lines)
    for info in rules.values():
        for field in ("estimate", "advice", "promise", "cost"):
            assert info[field].strip() in unwrapped
    wide = Console(width=160, record=True, color_system=None)
    monkeypatch.setattr(status_cli, "console", wide)
    status_cli._print_stopping({"rules": rules})
    table = wide.export_text()
    assert "what stopping promises" in table and "┃" in table


def test_a_run_past_the_threshold_says_none_left_not_zero_more(tmp_path: Path, repo_root: Path) -> None:
    """A demo project screened to 81 irrelevant in a row (threshold 50) said "still to do: 0
    more irrelevant records in a row" beside "threshold reached" (session 18's trial)."""
    from triage.screening.advice import stopping_advice
    from triage.screening.queue import ScreeningQueue
    from triage.store.db import Project

    path = _project(tmp_path, repo_root)
    with Project.open(path) as project:
        queue = ScreeningQueue(project, random_state=0)
        for i in range(56):
            shown = queue.next(1)[0]
            queue.decide(shown.record_id, "include" if i < 2 else "exclude", reviewer="ana", reasons=["setting"],
                         shown=shown)
        rule = stopping_advice(project, with_model=False)["rules"]["consecutive irrelevant"]
    assert rule["run"] == 54 and rule["safe_to_stop"] is True
    assert rule["to_screen"] == 0 and rule["cost"] == "none: the run reached the threshold (50)"
