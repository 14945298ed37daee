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
    assert "Stopping rules (target recall 95%, confidence 95%)" in result.output
    assert "cmh_random" in result.output
    # the rule status recommends on new decision logs is simulated too, and named as status names it
    assert all("weighted_quasi" in row["stopping"] for row in rows)
    assert "weighted_quasi: model-weighted quasi-sampling" in " ".join(result.output.split())


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


def test_a_methodologist_sets_the_target_and_reads_the_rules_as_status_names_them(
        shared_data: Path, tmp_path: Path) -> None:
    # Found by trying it as a methodologist (session 16): the table always said "target recall
    # 95%" (no option to check 90% or 80%, as the stopping report does), named the rules
    # cmh_ranked / cmh_random where 'triage status' says "statistical (Callaghan &
    # Müller-Hansen)", and counted the knee, which never fired on this review, as reaching
    # the target in every run (saving 0%).
    data = shared_data / "screening" / "Cohen_2006_UrinaryIncontinence.csv"
    out = tmp_path / "ev.json"
    result = runner.invoke(app, ["evaluate", "screening", str(data), "--preset", "tfidf", "--recall-target", "0.8",
                                 "--confidence", "0.9", "--json", str(out)], terminal_width=200)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Stopping rules (target recall 80%, confidence 90%)" in said
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert "at least 80%" in rows[0]["stopping"]["cmh_ranked"]["promise"]
    assert "with 90% confidence" in rows[0]["stopping"]["cmh_ranked"]["promise"]
    table = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
             for line in result.output.splitlines() if line.startswith("│")}
    assert table["knee"][1] == "0%"  # stopped before the last record in no run
    assert rows[0]["stopping"]["knee"]["stopped_at"] == rows[0]["n"]
    assert "cmh_ranked: statistical (Callaghan & Müller-Hansen), ranked quasi-sampling" in said


def test_a_target_outside_0_1_is_one_line(small_labelled: Path) -> None:
    result = runner.invoke(app, ["evaluate", "screening", str(small_labelled), "--recall-target", "95"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "--recall-target" in result.output


def test_plots_follow_the_target_and_confidence_asked_for(small_labelled: Path, tmp_path: Path) -> None:
    """`--recall-target 0.9 --confidence 0.9 --plot`: the figures drew the target at 95% and the
    estimates figure computed and labelled its lower bound at 95% whatever was asked."""
    plot = tmp_path / "curves.png"
    result = runner.invoke(app, ["evaluate", "screening", str(small_labelled), "--preset", "tfidf",
                                 "--recall-target", "0.9", "--confidence", "0.9", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    curves = plot.with_suffix(".svg").read_text(encoding="utf-8")
    estimates = (tmp_path / "curves-estimates.svg").read_text(encoding="utf-8")
    assert "<!-- target 90% -->" in curves and "<!-- target 90% -->" in estimates
    assert "<!-- lower bound (90%) -->" in estimates and "lower bound (95%)" not in estimates


def test_the_results_table_says_what_its_columns_measure(small_labelled: Path) -> None:
    """A methodologist new to triage met 'ATD' and 'loss' with no word on them anywhere, and
    'n 60, rel ...' beside WSS and R@10% that are computed without the two priors."""
    result = runner.invoke(app, ["evaluate", "screening", str(small_labelled), "--preset", "tfidf"],
                           terminal_width=80)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "WSS@95: work saved over sampling at 95% recall" in said
    assert "R@10%: recall after 10% of the records" in said
    assert "ATD: average time to discovery" in said and "loss: ASReview's loss" in said
    assert "n and rel count the whole file; the measures leave out the priors (1 include, 1 exclude)" in said
