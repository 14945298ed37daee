"""The peer-comparison report writer (evaluation/compare_asreview.py), on made-up rows."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture()
def compare(repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare_asreview", repo_root / "evaluation" / "compare_asreview.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "REPORTS", tmp_path)
    return module


def row(tool: str, dataset: str, seed: int, wss95: float) -> dict[str, object]:
    stop = {"cmh_random": {"stopped_at": 80, "recall": 1.0, "work_saved": 0.2}}
    return {
        "tool": tool, "dataset": dataset, "seed": seed, "n": 100, "relevant": 10, "wss95": wss95, "wss100": 0.3,
        "recall5": 0.3, "recall10": 0.5, "recall20": 0.8, "atd": 0.2, "erf10": 0.4, "loss": 0.1, "seconds": 2.0,
        "stopping": stop, "model": "default@0" if tool.startswith("triage") else None,
    }


def test_report_has_means_ratios_and_stopping(compare: ModuleType, tmp_path: Path) -> None:
    rows = [row("triage:default", "A", 0, 0.6), row("asreview:elas_u4", "A", 0, 0.4),
            row("triage:default", "B", 0, 0.2), row("asreview:elas_u4", "B", 0, 0.4)]
    args = argparse.Namespace(seeds=1, priors="1,1")
    md = compare.write_report(rows, args, ["triage:default", "asreview:elas_u4"], 60.0)
    text = md.read_text()
    assert "| triage:default | 2 | 0.400 |" in text
    assert "- WSS@95: 1.000" in text
    assert "triage:default has the higher mean WSS@95 on 1 of 2 datasets." in text
    assert "| asreview:elas_u4 | cmh_random | 2 | 100.0% | 1.000 | 20.0% |" in text
    assert "triage preset versions used: default@0; code: commit " in text
    assert (tmp_path / "screening.csv").read_text().startswith("dataset,seed,tool,n,relevant,wss95")
