"""Decisions other screening tools wrote into their exports, read from a record's raw fields.

A review that moves to triage, or an update of a review screened elsewhere, brings its
history in the exports themselves:

- ASReview LAB and labelled datasets: a column ``included``, ``label_included`` or
  ``asreview_label`` holding 1 / 0 (or -1 / empty for unlabelled; ``label_abstract_screening``,
  the title/abstract label, before the final ``label_included`` where a file has both), or ``ASReview_relevant`` /
  ``ASReview_irrelevant`` in the notes.
- Rayyan: ``RAYYAN-INCLUSION: {"Ana"=>"Included", "Ben"=>"Excluded"}`` in the notes (RIS
  ``N1``, CSV ``notes``), with ``RAYYAN-EXCLUSION-REASONS: ...``; one decision per reviewer.
- Covidence, EPPI-Reviewer and hand-made spreadsheets: a ``decision`` (or ``screening
  decision``) column with include / exclude / maybe, and an ``exclusion reason`` column.

Only what a file states is read; nothing is guessed from other fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["PriorLabel", "prior_labels"]

_TRUE = {"1", "1.0", "true", "yes", "y", "include", "included", "relevant"}
_FALSE = {"0", "0.0", "false", "no", "n", "exclude", "excluded", "irrelevant"}
_MAYBE = {"maybe", "unsure", "undecided?"}
#: ``label_abstract_screening`` first: labelled benchmark exports (ASReview's datasets, SYNERGY)
#: give it as the title/abstract decision beside ``label_included``, the final (full-text) one;
#: where it is empty, the final label is the only one the file has.
_LABEL_COLUMNS = ("label_abstract_screening", "included", "label_included", "asreview_label")
_DECISION_COLUMNS = ("decision", "screening decision", "screening_decision", "title/abstract decision")
_REASON_COLUMNS = ("exclusion reason", "exclusion_reason", "exclusion reasons", "reason for exclusion")
_RAYYAN_INCLUSION = re.compile(r"RAYYAN-INCLUSION:\s*\{([^}]*)\}", re.IGNORECASE)
_RAYYAN_PAIR = re.compile(r'"([^"]+)"\s*=>\s*"([^"]+)"')
_RAYYAN_REASONS = re.compile(r"RAYYAN-EXCLUSION-REASONS:\s*([^|\n]+)", re.IGNORECASE)
_ASREVIEW_NOTE = re.compile(r"\bASReview_(relevant|irrelevant)\b", re.IGNORECASE)


@dataclass(frozen=True)
class PriorLabel:
    """One decision a tool recorded: by whom (if the tool says), what, why."""

    decision: str
    reasons: tuple[str, ...] = ()
    reviewer: str | None = None


def _value(raw: Mapping[str, object], names: tuple[str, ...]) -> str | None:
    lowered = {str(k).strip().lower(): v for k, v in raw.items()}
    for name in names:
        value = lowered.get(name)
        if value not in (None, "", []):
            return str(value[0] if isinstance(value, list) else value).strip()
    return None


def _notes(raw: Mapping[str, object]) -> str:
    parts: list[str] = []
    for key, value in raw.items():
        if str(key).strip().lower() in ("n1", "notes", "note", "annotation"):
            parts.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    return " | ".join(parts)


def _decision(word: str) -> str | None:
    word = word.strip().lower()
    if word in _TRUE:
        return "include"
    if word in _FALSE:
        return "exclude"
    if word in _MAYBE:
        return "maybe"
    return None


def prior_labels(raw: Mapping[str, object]) -> list[PriorLabel]:
    """The decisions another tool recorded in ``raw`` (a record's fields as exported)."""
    notes = _notes(raw)
    reasons_text = _value(raw, _REASON_COLUMNS) or ""
    found = _RAYYAN_REASONS.search(notes)
    if found:
        reasons_text = reasons_text or found.group(1)
    reasons = tuple(r.strip() for r in re.split(r"[;,]", reasons_text) if r.strip())
    rayyan = _RAYYAN_INCLUSION.search(notes)
    if rayyan:
        labels = []
        for reviewer, word in _RAYYAN_PAIR.findall(rayyan.group(1)):
            decision = _decision(word)
            if decision is not None:
                labels.append(PriorLabel(decision, reasons if decision == "exclude" else (), reviewer))
        return labels
    for columns in (_DECISION_COLUMNS, _LABEL_COLUMNS):
        value = _value(raw, columns)
        if value is not None:
            decision = _decision(value)
            return [PriorLabel(decision, reasons if decision == "exclude" else ())] if decision else []
    note = _ASREVIEW_NOTE.search(notes)
    if note:
        return [PriorLabel("include" if note.group(1).lower() == "relevant" else "exclude")]
    return []
