"""``triage evaluate screening``: the real ScreeningCycle on a small labelled file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import triage.cli.evaluate  # noqa: F401  (registers the evaluate commands)
from triage.cli.app import app
from triage.evaluation.report import JSON_KEYS

runner = CliRunner()


@pytest.fixture(scope="module")
def small_labelled(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 60 demo records (made-up data, 1/0 in label_included)."""
    src = repo_root / "corpora" / "demo" / "demo_labelled.csv"
    out = tmp_path_factory.mktemp("data") / "demo60.csv"
    with src.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows[:61])
    return out


def test_json_and_plot(small_labelled: Path, tmp_path: Path) -> None:
    out = tmp_path / "res.json"
    plot = tmp_path / "curves.png"
    result = runner.invoke(
        app, ["evaluate", "screening", str(small_labelled), "--seeds", "2", "--json", str(out), "--plot", str(plot)]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text())
    assert [(r["dataset"], r["seed"]) for r in rows] == [("demo60", 0), ("demo60", 1)]
    for row in rows:
        assert tuple(row) == JSON_KEYS
        assert row["n"] == 60 and row["preset"] == "default"
        assert 0 <= row["recall10"] <= 1 and -1 <= row["wss95"] <= 1
        assert set(row["stopping"]) >= {"cmh_random", "knee", "consecutive_irrelevant"}
    assert plot.stat().st_size > 10_000 and plot.with_suffix(".svg").exists()
    assert "Stopping rules (target recall 95%)" in result.output
    assert "cmh_random" in result.output


def test_bad_priors_is_one_line(small_labelled: Path) -> None:
    result = runner.invoke(app, ["evaluate", "screening", str(small_labelled), "--priors", "1"])
    assert result.exit_code == 1
    assert "error: --priors '1' is not two counts; use --priors I,E such as 1,1 (or 0,0 for a cold start)" in (
        " ".join(result.output.split())
    )


def test_unknown_preset_lists_valid_ones(small_labelled: Path) -> None:
    result = runner.invoke(app, ["evaluate", "screening", str(small_labelled), "--preset", "nope"])
    assert result.exit_code == 1
    assert "error: unknown preset 'nope'; valid: " in result.output
    assert "Traceback" not in result.output


def test_unlabelled_file_names_the_record(tmp_path: Path) -> None:
    data = tmp_path / "nolabels.csv"
    data.write_text("title,abstract\nA study,Some text\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "screening", str(data)])
    assert result.exit_code == 1
    assert "error: nolabels.csv: record 1 has no label; add a label_included (or included) column with 1/0" in (
        " ".join(result.output.split())
    )
