"""Labels for simulation from CSV columns, BibTeX fields and ASReview's RIS notes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from triage.errors import EvaluationError
from triage.evaluation.labelled import label_of, load_labelled
from triage.records.model import Record


def test_ris_labels_as_asreview_writes_them(test_data: Path) -> None:
    data = load_labelled(test_data / "evaluate" / "asreview_labels.ris")
    assert data.labels.tolist() == [1, 0, 1]
    assert data.name == "asreview_labels"


def test_bibtex_included_field(test_data: Path) -> None:
    assert load_labelled(test_data / "evaluate" / "labelled.bib").labels.tolist() == [1, 0]


def test_csv_label_included(repo_root: Path) -> None:
    path = repo_root / "corpora" / "demo" / "demo_labelled.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    data = load_labelled(path)
    assert data.n == len(rows) > 0
    assert data.labels.tolist() == [int(row["label_included"]) for row in rows]
    assert 0 < data.relevant < data.n


def test_label_of_prefers_the_label_column() -> None:
    assert label_of(Record(raw={"label_included": "0", "note": "ASReview_relevant"})) == 0
    assert label_of(Record(raw={"Included": "1"})) == 1
    assert label_of(Record(raw={"title": "x"})) is None


def test_missing_label_names_file_and_record(tmp_path: Path) -> None:
    path = tmp_path / "half.csv"
    path.write_text("title,label_included\nA,1\nB,\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"half.csv: record 2 has no label; add a label_included"):
        load_labelled(path)
