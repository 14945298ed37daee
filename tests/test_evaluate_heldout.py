"""``triage evaluate heldout`` on a real project store in tmp_path."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import triage.cli.evaluate  # noqa: F401  (registers the evaluate commands)
from triage.cli.app import app
from triage.evaluation.heldout import stop_point
from triage.records.model import Provenance, Record
from triage.store.db import Project
from triage.store.decisions import record_decision
from triage.store.records import add_records, screening_rows
from triage.store.schema import SourceRow

runner = CliRunner()


@pytest.fixture()
def screened(repo_root: Path, tmp_path: Path) -> Path:
    """A project with 80 made-up demo records; ana decided 50, ben double-screened 12."""
    with (repo_root / "corpora" / "demo" / "demo_labelled.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[:80]
    directory = tmp_path / "review"
    with Project.init(directory) as project:
        with project.transaction() as s:
            source = SourceRow(file_name="demo.csv", file_path="demo.csv", sha256="h", format="csv")
            s.add(source)
            s.flush()
            add_records(s, source.id, [
                Record(title=r["title"], abstract=r["abstract"] or None, provenance=Provenance("demo.csv", "h", i))
                for i, r in enumerate(rows, start=1)
            ])
        with project.transaction() as s:
            ids = [row.id for row in screening_rows(s)]
            for record_id, row in list(zip(ids, rows))[:50]:
                include = row["label_included"] == "1"
                record_decision(s, record_id, "include" if include else "exclude", reviewer="ana",
                                reasons=[] if include else ["setting"])
            for record_id, row in list(zip(ids, rows))[:12]:
                include = row["label_included"] == "1"
                record_decision(s, record_id, "include" if include else "exclude", reviewer="ben",
                                reasons=[] if include else ["setting"])
    return directory


def test_folds(screened: Path, tmp_path: Path) -> None:
    out = tmp_path / "heldout.json"
    result = runner.invoke(app, ["evaluate", "heldout", "--project", str(screened), "--folds", "3", "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["mode"] == "folds" and data["folds"] == 3
    assert data["records"] == 80 and data["heldout"] == 50
    assert 0 <= data["roc_auc"] <= 1 and 0 <= data["average_precision"] <= 1
    assert data["recall_top10"] <= data["recall_top20"] <= data["recall_top50"] <= 1
    assert 0 <= data["missed_below_stop"] <= data["heldout_includes"]
    assert "ROC AUC" in result.output
    found = data["heldout_includes"] - data["missed_below_stop"]
    assert data["recall_at_stop"] == pytest.approx(found / data["heldout_includes"])
    # "recall at the stopping point 1.000 (0.91-1.00)" read as the review's recall on a demo
    # project (session 18): it is the recall of includes already decided; the table says so.
    said = " ".join(result.output.split())
    assert f"stopping point ({data['stop_rule']}" in said
    assert "recall of the held-out includes, records already decided" in said
    assert "not the review's recall among the records not yet screened" in said
    assert "recall so far >= X%" in said


def test_reviewer(screened: Path, tmp_path: Path) -> None:
    out = tmp_path / "ben.json"
    result = runner.invoke(app, ["evaluate", "heldout", "--project", str(screened), "--reviewer", "ben", "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["mode"] == "reviewer" and data["heldout"] == 12
    # 12 held-out decisions: the recall at the stopping point comes with its interval and a caveat
    low, high = data["recall_at_stop_ci"]
    assert 0 <= low <= data["recall_at_stop"] <= high <= 1 and high - low > 0.2
    assert "Only 12 held-out decisions" in " ".join(result.output.split())


def test_unknown_reviewer_lists_reviewers(screened: Path) -> None:
    result = runner.invoke(app, ["evaluate", "heldout", "--project", str(screened), "--reviewer", "zoe"])
    assert result.exit_code == 1
    assert "error: no decisions by reviewer 'zoe'; reviewers in this project: ana, ben" in " ".join(result.output.split())


def test_folds_and_reviewer_together(screened: Path) -> None:
    result = runner.invoke(app, ["evaluate", "heldout", "--project", str(screened), "--folds", "3", "--reviewer", "ben"])
    assert result.exit_code == 1
    assert "error: use either --folds or --reviewer, not both" in result.output


def test_too_few_decisions(project: Project) -> None:
    result = runner.invoke(app, ["evaluate", "heldout", "--project", str(project.directory)])
    assert result.exit_code == 1
    assert "error: held-out evaluation needs at least 2 includes and 2 excludes, the project has 0 and 0" in (
        " ".join(result.output.split())
    )


def test_stop_point_is_now_without_a_knee() -> None:
    assert stop_point([1, 0, 1, 0], 100) == (4, "now")
    assert stop_point([1] * 20 + [0] * 400, 1000)[1] == "knee"
