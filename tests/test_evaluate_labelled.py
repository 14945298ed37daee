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


def test_label_column_by_name_on_a_real_set(shared_data: Path) -> None:
    """``--label label_abstract_screening``: the title/abstract decisions, the target the
    shared data's README recommends for title/abstract screening (Cohen's sets have both)."""
    path = shared_data / "screening" / "Cohen_2006_Antihistamines.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    abstract = load_labelled(path, label="label_abstract_screening")
    assert abstract.labels.tolist() == [int(row["label_abstract_screening"]) for row in rows]
    assert abstract.relevant > load_labelled(path).relevant  # more kept at title/abstract than finally included
    with pytest.raises(EvaluationError, match=r"record 1 has no label in column 'label_screening'"):
        load_labelled(path, label="label_screening")


def test_a_named_column_ignores_asreview_notes() -> None:
    assert label_of(Record(raw={"note": "ASReview_relevant"}), ("label_abstract_screening",)) is None


def test_a_label_column_empty_in_every_record_is_said_so(shared_data: Path) -> None:
    """README's `evaluate screening data.csv --label label_abstract_screening` on a SYNERGY set,
    whose column is there but empty throughout, said only 'record 1 has no label ...; give every
    record 1 or 0', as if one row were missing a value: it now says no record has one."""
    path = shared_data / "screening" / "SYNERGY_Donners_2021.csv"
    with pytest.raises(EvaluationError, match=r"record 1 has no label in column 'label_abstract_screening'") as err:
        load_labelled(path, label="label_abstract_screening")
    assert "nor does any of the 258 records" in str(err.value)
    assert "leave --label out" in (err.value.hint or "")
    # A column with a value missing in one row only still names that row.
    rows = load_labelled(shared_data / "screening" / "Cohen_2006_Antihistamines.csv", label="label_abstract_screening")
    assert len(rows.labels) == 310


@pytest.mark.parametrize("column", ["final_included", "label", "included_final", "include"])
def test_asreview_label_column_names(shared_data: Path, tmp_path: Path, column: str) -> None:
    """A labelled CSV written with another of ASReview's names for the label column
    (``final_included``, ``label`` ...; ASReview reads all of them) and capitalised headers
    as a spreadsheet writes them: `evaluate screening` refused it ('record 1 has no label')."""
    source = shared_data / "screening" / "SYNERGY_Donners_2021.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    path = tmp_path / "asreview_style.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Title", "Abstract", "Authors", "Year", "DOI", column])
        for row in rows:
            writer.writerow([row["title"], row["abstract"], row["authors"], row["year"], row["doi"], row["label_included"]])
    data = load_labelled(path)
    assert data.labels.tolist() == [int(row["label_included"]) for row in rows]
    assert data.relevant == 15 and data.n == 258


def test_no_label_column_names_the_columns_read(tmp_path: Path) -> None:
    path = tmp_path / "nolabel.csv"
    path.write_text("title,relevance\nA,1\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"nolabel.csv: record 1 has no label") as err:
        load_labelled(path)
    assert "final_included" in (err.value.hint or "") and "--label" in (err.value.hint or "")
