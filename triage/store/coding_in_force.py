"""The coding in force: what each coded segment counts as once coders' work is compared.

The coded-segments CSV and its counts (``triage code export``, ``/export/coded-segments.csv``,
``/export/coded-counts.csv``) and the synthesis matrix (``triage code synthesis``,
``/coding/synthesis``, ``/export/synthesis.csv``) all read this one rule, per unit (a sentence
or paragraph segment; a span inside one counts for it, :func:`~triage.store.coding_allocation.unit_of`):

- **single**: a unit one coder has coded: that coder's accepted codes, one row per segment
  and code, as each coder's own export has them.
- **resolved**: a unit two or more coders coded, where a lead's resolution stands (the newest,
  made after the coders' last decision on it: :func:`~triage.store.coding_team.standing_resolutions`):
  exactly the resolution's codes, once each, attributed to the lead, whatever each coder applied.
  A coder deciding again afterwards reopens the unit and the next two cases apply.
- **agreed**: a unit two or more coders coded, no resolution standing: the codes every one of
  them applied, once each, attributed to them all (``ana + ben``).
- **disputed**: codes only some of them applied, unresolved: not in force; counted in
  :attr:`CodingInForce.disputed` so exports can say what waits for a lead
  (``triage code disagreements``). They are never shown as agreed or counted twice.

A resolved or agreed code sits on the segment the coders applied it to when they all used the
same one (a span, say), else on the unit. Blind coding's withheld decisions are left out, as
in each coder's own export (:func:`~triage.store.code_decisions.shared_code_decisions`). Each
coder's own coding, with attribution, stays available (:func:`~triage.store.code_decisions.coded_rows`,
``triage code export --every-coder``, and the ``.qdpx`` export, which adds the lead's resolutions).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from triage.coding.codebook import Codebook
from triage.store.code_decisions import (
    AppliedCode,
    CurrentCodeDecision,
    coded_rows,
    segment_rows,
    shared_and_withheld,
    study_labels,
)
from triage.store.coding_allocation import units_of
from triage.store.coding_team import standing_resolutions

__all__ = ["BASES", "CodingInForce", "RowsInForce", "coding_in_force", "rows_in_force", "synthesis_rows"]

#: The ``basis`` column of the coding in force, in the order of the rule above.
BASES = ("single", "resolved", "agreed")


@dataclass(frozen=True)
class CodingInForce:
    """The applications in force, and how many (unit, code) pairs coders dispute unresolved."""

    applied: tuple[AppliedCode, ...]
    disputed: int
    #: The units holding disputed codes (a lead resolves them).
    disputed_units: tuple[int, ...] = ()
    #: The units coded once with accepts that blind double coding withholds until a second coder codes them.
    awaiting_units: tuple[int, ...] = ()


def _place(unit: int, applied: Sequence[CurrentCodeDecision]) -> int:
    """The segment an agreed or resolved code sits on: the one all its applications share, else the unit."""
    places = {d.segment_id for d in applied}
    return places.pop() if len(places) == 1 else unit


def coding_in_force(session: Session, codebook: Codebook, *, viewer: str | None = None) -> CodingInForce:
    """The coding in force under the module's rule (``viewer`` as for blind coding)."""
    decisions, hidden = shared_and_withheld(session, codebook, viewer=viewer)
    units = units_of(session, {d.segment_id for d in decisions + hidden})
    awaiting = tuple(sorted({units[d.segment_id] for d in hidden if d.decision == "accept"}))
    by_unit: dict[int, list[CurrentCodeDecision]] = defaultdict(list)
    for d in decisions:
        by_unit[units[d.segment_id]].append(d)
    standing = standing_resolutions(session)
    applied: list[AppliedCode] = []
    disputed = 0
    disputed_units: list[int] = []
    for unit, mine in by_unit.items():
        coders = {d.coder for d in mine}
        accepted = [d for d in mine if d.decision == "accept"]
        if len(coders) < 2:
            applied += [AppliedCode(d.segment_id, d.code_id, d.coder, d.created_at, "single") for d in accepted]
            continue
        by_code: dict[str, list[CurrentCodeDecision]] = defaultdict(list)
        for d in accepted:
            by_code[d.code_id].append(d)
        resolution = standing.get(unit)
        if resolution is not None:
            codes = dict.fromkeys(codebook.resolve(c) for c in resolution.codes)  # a code merged since: its target
            applied += [AppliedCode(_place(unit, by_code.get(code, [])), code, resolution.resolved_by,
                                    resolution.created_at, "resolved", resolution.note)
                        for code in codes if code in codebook]
            continue
        together = " + ".join(sorted(coders))
        for code, on in sorted(by_code.items()):
            if {d.coder for d in on} == coders:
                applied.append(AppliedCode(_place(unit, on), code, together, max(d.created_at for d in on), "agreed"))
            else:
                disputed += 1
                if unit not in disputed_units:
                    disputed_units.append(unit)
    return CodingInForce(tuple(applied), disputed, tuple(sorted(disputed_units)), awaiting)


@dataclass(frozen=True)
class RowsInForce:
    """The coded-segments rows in force (with ``basis``) and the disputes left out."""

    rows: list[dict[str, Any]]
    disputed: int
    disputed_units: tuple[int, ...]
    awaiting_units: tuple[int, ...] = ()


def rows_in_force(session: Session, codebook: Codebook, *, viewer: str | None = None) -> RowsInForce:
    """The coded-segments export's rows for the coding in force, each with its ``basis``."""
    found = coding_in_force(session, codebook, viewer=viewer)
    return RowsInForce(segment_rows(session, codebook, found.applied), found.disputed, found.disputed_units,
                       found.awaiting_units)


def synthesis_rows(session: Session, codebook: Codebook, coder: str | None = None) -> RowsInForce:
    """The coding in force (``coder``'s own coding if given) with ``study`` naming the study
    (:func:`~triage.store.code_decisions.study_labels`), not the document: what a study-by-theme matrix counts."""
    labels = study_labels(session)
    found = RowsInForce(coded_rows(session, codebook, coder), 0, ()) if coder else rows_in_force(session, codebook)
    return RowsInForce([{**row, "study": labels.get(row["document_id"], row["study"])} for row in found.rows],
                       found.disputed, found.disputed_units, found.awaiting_units)
