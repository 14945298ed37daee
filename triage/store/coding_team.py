"""Coding as a team: each coder's segments to code, agreement data per pair, disagreements
a lead resolves with a note, and the codebook's change log.

The unit compared and allocated is a sentence or paragraph segment; a coder's decisions
on a span inside it count for it (:func:`~triage.store.coding_allocation.unit_of`), so two
coders who mark slightly different words of one sentence with the same code agree. A coder
has coded a unit once they accepted or refused a code on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.coding.codebook import Codebook
from triage.errors import DecisionError
from triage.store.code_decisions import CurrentCodeDecision, current_code_decisions, theme_refused
from triage.store.coding import memos, sentence_segments
from triage.store.coding_allocation import coding_allocation, units_of
from triage.store.schema_coding import (
    CodeDecisionRow,
    CodeHistoryRow,
    CodingDocumentRow,
    CodingResolutionRow,
    CodingSegmentRow,
)

__all__ = [
    "CodebookChange",
    "CoderProgress",
    "CoderWork",
    "CodingResolution",
    "UnitDisagreement",
    "codebook_history",
    "coder_progress",
    "coding_by_unit",
    "coding_disagreements",
    "coding_resolutions",
    "resolve_coding_disagreement",
    "segments_to_code",
    "standing_resolutions",
]


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; triage stores UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _by_unit(session: Session, decisions: Sequence[CurrentCodeDecision]) -> dict[int, list[CurrentCodeDecision]]:
    units = units_of(session, {d.segment_id for d in decisions})
    grouped: dict[int, list[CurrentCodeDecision]] = defaultdict(list)
    for d in decisions:
        grouped[units[d.segment_id]].append(d)
    return grouped


def coding_by_unit(session: Session, codebook: Codebook) -> tuple[dict[str, set[tuple[int, str]]], dict[str, set[int]]]:
    """Every coder's applied ``(unit, code)`` pairs and the units they coded: what
    :func:`triage.coding.agreement.pairwise_agreement` compares."""
    applied: dict[str, set[tuple[int, str]]] = defaultdict(set)
    coded: dict[str, set[int]] = defaultdict(set)
    for unit, decisions in _by_unit(session, current_code_decisions(session, codebook)).items():
        for d in decisions:
            coded[d.coder].add(unit)
            if d.decision == "accept":
                applied[d.coder].add((unit, d.code_id))
    return dict(applied), dict(coded)


def _coded_units(session: Session, codebook: Codebook, coder: str) -> set[int]:
    return set(_by_unit(session, current_code_decisions(session, codebook, coder)))


def segments_to_code(session: Session, codebook: Codebook, coder: str, *, document_id: int | None = None,
                     limit: int | None = None) -> list[CodingSegmentRow]:
    """The sentence segments ``coder`` is to code next, in reading order: those the coding
    allocation gives them (every segment without one) that they have not coded yet."""
    allocation = coding_allocation(session)
    done = _coded_units(session, codebook, coder)
    todo = [s for s in sentence_segments(session, document_id)
            if s.id not in done and (allocation is None or coder in allocation.coders_of(s.id))]
    return todo[:limit] if limit is not None else todo


@dataclass(frozen=True)
class CoderProgress:
    """One coder under the allocation: segments given them, coded so far, of those coded twice."""

    coder: str
    allocated: int
    coded: int
    double: int


def coder_progress(session: Session, codebook: Codebook) -> list[CoderProgress]:
    """Per coder of the allocation in force (empty without one): what they have to do and have done."""
    allocation = coding_allocation(session)
    if allocation is None:
        return []
    _, coded = coding_by_unit(session, codebook)
    given: dict[str, list[int]] = {c: [] for c in allocation.coders}
    for segment in sentence_segments(session):
        for coder in allocation.coders_of(segment.id):
            given[coder].append(segment.id)
    return [CoderProgress(c, len(ids), len(set(ids) & coded.get(c, set())), sum(allocation.twice(i) for i in ids))
            for c, ids in given.items()]


@dataclass(frozen=True)
class CodingResolution:
    """A lead's settlement of one segment: the codes that apply, why, who, when."""

    id: int
    segment_id: int
    codes: tuple[str, ...]
    note: str
    resolved_by: str
    created_at: datetime


@dataclass(frozen=True)
class CoderWork:
    """What one coder did on a segment: codes applied (with the reason recorded), refused, memos."""

    coder: str
    applied: tuple[tuple[str, str | None], ...]
    refused: tuple[str, ...]
    memos: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitDisagreement:
    """A segment two or more coders coded differently: each coder's work, the codes not all
    applied, and the lead's resolution if one stands (none after a coder decided again)."""

    segment_id: int
    document_id: int
    study: str
    text: str
    coders: tuple[CoderWork, ...]
    differing: tuple[str, ...]
    resolution: CodingResolution | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``triage code disagreements --json``, the web page's JSON)."""
        def res(r: CodingResolution) -> dict[str, Any]:
            return {"codes": list(r.codes), "note": r.note, "resolved_by": r.resolved_by,
                    "created_at": r.created_at.isoformat(timespec="seconds")}

        return {
            "segment_id": self.segment_id, "document_id": self.document_id, "study": self.study, "text": self.text,
            "coders": [{"coder": w.coder, "applied": [{"code_id": c, "reason": r} for c, r in w.applied],
                        "refused": list(w.refused), "memos": list(w.memos)} for w in self.coders],
            "differing": list(self.differing),
            "resolution": res(self.resolution) if self.resolution else None,
        }


def _resolution(row: CodingResolutionRow) -> CodingResolution:
    return CodingResolution(row.id, row.segment_id, tuple(row.codes or ()), row.note, row.resolved_by, row.created_at)


def coding_resolutions(session: Session) -> list[CodingResolution]:
    """Every resolution, oldest first (the log: who settled which segment, when, why)."""
    return [_resolution(r) for r in session.scalars(select(CodingResolutionRow).order_by(CodingResolutionRow.id))]


def _last_decided(session: Session) -> dict[int, datetime]:
    """Unit -> when a coder last decided on it (retractions included)."""
    rows = session.execute(select(CodeDecisionRow.segment_id, func.max(CodeDecisionRow.created_at))
                           .group_by(CodeDecisionRow.segment_id)).all()
    units = units_of(session, {segment for segment, _ in rows})
    last: dict[int, datetime] = {}
    for segment, moment in rows:
        unit = units[segment]
        last[unit] = max(last.get(unit, _aware(moment)), _aware(moment))
    return last


def standing_resolutions(session: Session) -> dict[int, CodingResolution]:
    """Unit -> the lead's resolution that stands on it: the newest, made at or after the coders'
    last decision there (a coder deciding again reopens the unit)."""
    newest = {r.segment_id: r for r in coding_resolutions(session)}
    last = _last_decided(session)
    return {unit: r for unit, r in newest.items() if unit not in last or _aware(r.created_at) >= last[unit]}


def coding_disagreements(session: Session, codebook: Codebook, *, resolved: bool = False) -> list[UnitDisagreement]:
    """Segments coded by two or more coders whose applied codes differ, in reading order.

    Those a lead resolved after the coders' last decisions are left out unless ``resolved``.
    Only segments two coders have coded are listed, so blind coding is kept by construction.
    """
    grouped = _by_unit(session, current_code_decisions(session, codebook))
    shared = {u: ds for u, ds in grouped.items() if len({d.coder for d in ds}) >= 2}
    if not shared:
        return []
    segments = {s.id: s for s in session.scalars(select(CodingSegmentRow).where(CodingSegmentRow.id.in_(shared)))}
    documents = {d.id: d for d in session.scalars(select(CodingDocumentRow).where(
        CodingDocumentRow.id.in_({s.document_id for s in segments.values()})))}
    notes = [m for m in memos(session) if m.segment_id is not None]
    memo_units = units_of(session, {m.segment_id for m in notes if m.segment_id is not None})
    standing_now = standing_resolutions(session)
    out = []
    for unit, decisions in shared.items():
        work = []
        for coder in sorted({d.coder for d in decisions}):
            mine = [d for d in decisions if d.coder == coder]
            work.append(CoderWork(
                coder,
                tuple(sorted({d.code_id: d.reason for d in reversed(mine) if d.decision == "accept"}.items())),
                tuple(sorted({d.code_id for d in mine if d.decision == "reject"})),
                tuple(m.text for m in notes if m.coder == coder and memo_units.get(m.segment_id or -1) == unit),
            ))
        sets = [frozenset(c for c, _ in w.applied) for w in work]
        differing = tuple(sorted(frozenset().union(*sets) - sets[0].intersection(*sets[1:])))
        if not differing:
            continue
        standing = standing_now.get(unit)
        if standing is not None and not resolved:
            continue
        segment = segments[unit]
        out.append(UnitDisagreement(unit, segment.document_id, documents[segment.document_id].study, segment.text,
                                    tuple(work), differing, standing))
    return sorted(out, key=lambda d: (d.document_id, segments[d.segment_id].start))


def resolve_coding_disagreement(session: Session, codebook: Codebook, segment_id: int, codes: Sequence[str], *,
                                lead: str, note: str, created_at: datetime | None = None) -> CodingResolution:
    """Settle the open disagreement on ``segment_id`` (the codes that apply, none if empty) with a
    note, inside the caller's transaction; DecisionError names the fix. ``created_at`` keeps the
    time of a resolution read from a file (now if None)."""
    units = units_of(session, [segment_id])
    if segment_id not in units:
        raise DecisionError(f"no segment {segment_id} in this project", hint="'triage code disagreements' lists them")
    unit = units[segment_id]
    if unit not in {d.segment_id for d in coding_disagreements(session, codebook)}:
        raise DecisionError(f"segment {unit} has no open disagreement between coders",
                            hint="'triage code disagreements' lists the segments to resolve")
    if not note or not note.strip():
        raise DecisionError(f"resolving segment {unit} needs a note saying why", hint="pass --note TEXT")
    if not lead or not lead.strip():
        raise DecisionError("a resolution needs the name of who resolves", hint="pass --by NAME")
    agreed = []
    for code_id in codes:
        code = codebook.get(code_id)
        if not code.codable:
            raise theme_refused(code, "name")
        agreed.append(code.id)
    row = CodingResolutionRow(segment_id=unit, codes=sorted(set(agreed)), note=note.strip(), resolved_by=lead.strip())
    if created_at is not None:
        row.created_at = created_at
    session.add(row)
    session.flush()
    return _resolution(row)


@dataclass(frozen=True)
class CodebookChange:
    """One codebook edit: what was done to which code, by whom, when."""

    id: int
    code_id: str
    action: str
    detail: dict[str, Any]
    coder: str
    created_at: datetime


def codebook_history(session: Session, code_id: str | None = None) -> list[CodebookChange]:
    """Every codebook change, oldest first (``code_id``'s only if given; ``*`` is a whole import)."""
    stmt = select(CodeHistoryRow).order_by(CodeHistoryRow.id)
    if code_id is not None:
        stmt = stmt.where(CodeHistoryRow.code_id == code_id)
    return [CodebookChange(r.id, r.code_id, r.action, dict(r.detail or {}), r.coder, r.created_at)
            for r in session.scalars(stmt)]
