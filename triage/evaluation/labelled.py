"""Labelled datasets for simulation: records plus 1/0 relevance labels.

Labels come from each record's verbatim source fields (``Record.raw``): a CSV/TSV
column ``label_included`` or ``included`` (1/0, as ASReview and SYNERGY write them; also
the other names ASReview LAB reads a label column by, such as ``final_included`` or
``label``), or, in RIS, ASReview's ``ASReview_relevant`` / ``ASReview_irrelevant`` notes (``N1``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from triage.errors import EvaluationError
from triage.records.model import Record

__all__ = ["ASREVIEW_LABEL_COLUMNS", "LABEL_COLUMNS", "LabelledSet", "label_of", "load_labelled"]

LABEL_COLUMNS = ("label_included", "included")
#: The other names ASReview LAB reads a label column by (its ``COLUMN_DEFINITIONS["included"]``),
#: tried after :data:`LABEL_COLUMNS`: labelled sets written for ASReview use them. Some are
#: common words (``label`` is also EndNote's Label field), so one of these holding anything
#: but 1/0 is passed over rather than taken as a missing label.
ASREVIEW_LABEL_COLUMNS = ("final_included", "included_final", "included_label", "label", "included_flag", "include")
_RIS_RELEVANT = "ASReview_relevant"
_RIS_IRRELEVANT = "ASReview_irrelevant"


@dataclass
class LabelledSet:
    """``records[i]`` has label ``labels[i]`` (shape ``(n,)``, int 0/1)."""

    name: str
    path: str
    records: list[Record]
    labels: NDArray[np.int64]

    @property
    def n(self) -> int:
        return len(self.records)

    @property
    def relevant(self) -> int:
        return int(self.labels.sum())


def _text_values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def label_of(record: Record, columns: tuple[str, ...] = LABEL_COLUMNS) -> int | None:
    """The record's 1/0 label from its raw fields (the first of ``columns`` it has), or None
    when it has none."""
    raw = record.raw
    default = columns == LABEL_COLUMNS
    for column in (*columns, *ASREVIEW_LABEL_COLUMNS) if default else columns:
        for key, value in raw.items():
            if str(key).strip().lower() != column:
                continue
            text = " ".join(_text_values(value)).strip()
            if text in ("1", "1.0", "True", "true"):
                return 1
            if text in ("0", "0.0", "False", "false"):
                return 0
            if column in ASREVIEW_LABEL_COLUMNS and default:
                break  # a common word as a field name (EndNote's Label): not a label column
            return None
    if columns != LABEL_COLUMNS:  # a column asked for by name: ASReview's notes are not it
        return None
    for value in raw.values():
        for text in _text_values(value):
            if _RIS_IRRELEVANT in text:
                return 0
            if _RIS_RELEVANT in text:
                return 1
    return None


def load_labelled(path: str | Path, *, encoding: str | None = None, label: str | None = None) -> LabelledSet:
    """Read ``path`` (CSV, RIS or BibTeX) with triage's readers and take its labels, from the
    column ``label`` when given (``label_abstract_screening``: the title/abstract decision,
    the better target for title/abstract screening where a dataset has it).

    Raises :class:`EvaluationError` naming the file when a record has no label, so a
    simulation never silently treats unlabelled records as exclusions.
    """
    from triage.records.load import read_file

    path = Path(path)
    result = read_file(path, encoding=encoding)
    if result.errors and not result.records:
        raise EvaluationError(f"{path.name}: no records could be read ({result.errors[0]})")
    labels: list[int] = []
    columns = LABEL_COLUMNS if label is None else (label.strip().lower(),)
    for position, record in enumerate(result.records, start=1):
        value = label_of(record, columns)
        if value is None and label and not labels and not any(
                label_of(other, columns) is not None for other in result.records):
            # The column is absent or blank throughout (SYNERGY sets carry an empty
            # label_abstract_screening): the dataset has no such decisions, not one bad row.
            raise EvaluationError(
                f"{path.name}: record 1 has no label in column {label!r}, nor does any of the "
                f"{len(result.records)} records (the column is empty or absent)",
                hint="this dataset has no such decisions; leave --label out to use label_included")
        if value is None:
            raise EvaluationError(
                f"{path.name}: record {position} has no label" + (f" in column {label!r}" if label else ""),
                hint=f"give every record 1 or 0 in {label!r}, or leave --label out to use label_included"
                if label else "add a label_included (or included) column with 1/0 (ASReview's names "
                f"{', '.join(ASREVIEW_LABEL_COLUMNS)} are read too; --label NAME for another), "
                "or ASReview_relevant/ASReview_irrelevant notes in RIS",
            )
        labels.append(value)
    if not labels:
        raise EvaluationError(f"{path.name}: no records", hint="check the file is a labelled export")
    return LabelledSet(path.stem, str(path), result.records, np.asarray(labels, dtype=np.int64))

