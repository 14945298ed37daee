"""Coders' decisions on codes, what is currently applied, and the coded-segments export.

Every code application is a coder's ``accept``, recorded with coder and time; the tool
never applies a code by itself. Decisions are appended, never changed: a coder's
current decision on (segment, code) is their latest row, ``retract`` withdraws it. A
decision recorded under a code later merged away counts for the code it went into.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.coding.codebook import Code, Codebook
from triage.coding.segments import shown_text
from triage.errors import DecisionError
from triage.store.coding import load_codebook, memos, segment_attributes, unknown_segment
from triage.store.coding_allocation import check_allocated
from triage.store.coding_blind import withheld
from triage.store.schema_coding import (
    CODE_DECISIONS,
    CodeDecisionRow,
    CodeSuggestionRow,
    CodingDocumentRow,
    CodingMemoRow,
    CodingSegmentRow,
)

if TYPE_CHECKING:  # scikit-learn comes with suggest.py; only the hint is needed here
    from triage.coding.suggest import Suggestion

__all__ = [
    "AppliedCode",
    "CurrentCodeDecision",
    "coded_codes_left_out",
    "coded_columns",
    "coded_rows",
    "count_table",
    "current_code_decisions",
    "heading_refused",
    "last_suggestion",
    "latest_code_rows",
    "record_code_decision",
    "record_suggestions",
    "segment_rows",
    "shared_and_withheld",
    "shared_code_decisions",
    "shared_memos",
    "study_labels",
    "theme_notice",
    "theme_refused",
]


@dataclass(frozen=True)
class CurrentCodeDecision:
    segment_id: int
    code_id: str
    decision: str
    coder: str
    created_at: datetime
    #: Why the code was offered (the suggestion's reason) or applied, as recorded with the decision.
    reason: str | None = None


def record_code_decision(
    session: Session,
    codebook: Codebook,
    segment_id: int,
    code_id: str,
    decision: str,
    *,
    coder: str,
    score: float | None = None,
    rank: int | None = None,
    reason: str | None = None,
    allocated_only: bool = True,
    theme_ok: bool = False,
) -> CodeDecisionRow:
    """Append one decision inside the caller's transaction (DecisionError names the fix).

    Under a coding allocation a coder accepts or refuses codes only on segments given to them (a
    lead on any: :func:`~triage.store.coding_allocation.check_allocated`); withdrawing is always
    allowed. A heading is not coded (it is its segments' section). ``allocated_only=False`` for coding read from another program (``.qdpx``), and
    ``theme_ok=True`` for its coding on a code with subcodes: the other programs code on parent
    codes, and a code coded here that later got a subcode is exported with its coding."""
    if decision not in CODE_DECISIONS:
        raise DecisionError(f"unknown decision {decision!r}", hint=f"use one of: {', '.join(CODE_DECISIONS)}")
    if not coder or not coder.strip():
        raise DecisionError("a coding decision needs a coder name", hint="pass --coder NAME")
    segment = session.get(CodingSegmentRow, segment_id)
    if segment is None:
        raise unknown_segment(segment_id)
    if segment.kind == "heading" and decision != "retract":  # an earlier one can still be withdrawn
        raise heading_refused(segment_id, segment.text)
    code = codebook.get(code_id)
    if not code.codable and not theme_ok:
        raise theme_refused(code, "apply")
    if allocated_only and decision != "retract":
        check_allocated(session, segment_id, coder.strip())
    row = CodeDecisionRow(segment_id=segment_id, code_id=code.id, decision=decision, coder=coder.strip(),
                          score=score, rank=rank, reason=reason)
    session.add(row)
    session.flush()
    return row


def heading_refused(segment_id: int, text: str) -> DecisionError:
    """The refusal to code, or suggest codes for, a heading: it is the section of the segments
    under it (each keeps it as its ``section``), not text a code applies to."""
    return DecisionError(
        f"segment {segment_id} is the heading {shown_text(text)!r}: a section's title, kept with each of its "
        "segments as their section, not coded", hint="code the sentences under it (triage code next)")


def theme_refused(theme: Code, verb: str) -> DecisionError:
    """The refusal of a theme (a code with subcodes) where a code is needed, saying what to do instead.

    Why themes are not coded by hand, as NVivo allows for parent codes: the codebook's design
    (:mod:`triage.coding.codebook`) applies codes (leaves) to text, and a theme counts its codes'
    coding; counts, agreement and suggestions are per code. Coding on a parent read from another
    program's ``.qdpx`` is kept (``theme_ok``) so nothing a person coded is lost."""
    under = ", ".join(c.name for c in theme.children)
    return DecisionError(
        f"{theme.name!r} ({theme.id}) is a theme: it counts the coding of its codes ({under}), which are what "
        "is applied to text",
        hint=f"{verb} one of them, or for text none of them fits add a code under it "
        f"(triage codebook add NAME --parent {theme.id}) and {verb} that")


def latest_code_rows(session: Session, codebook: Codebook, coder: str | None = None
                     ) -> dict[tuple[int, str, str], CodeDecisionRow]:
    """Each coder's latest row per (segment, code), the code id resolved through merges;
    retracts included (the codebook edits in :mod:`triage.store.codebook_changes` read them)."""
    query = select(CodeDecisionRow).order_by(CodeDecisionRow.id)
    if coder is not None:
        query = query.where(CodeDecisionRow.coder == coder)
    latest: dict[tuple[int, str, str], CodeDecisionRow] = {}
    for row in session.scalars(query):
        latest[(row.segment_id, codebook.resolve(row.code_id), row.coder)] = row
    return latest


def current_code_decisions(session: Session, codebook: Codebook, coder: str | None = None) -> list[CurrentCodeDecision]:
    """Each coder's latest accept/reject per (segment, code), retracted ones dropped."""
    return [
        CurrentCodeDecision(seg, code, row.decision, who, row.created_at, row.reason)
        for (seg, code, who), row in latest_code_rows(session, codebook, coder).items()
        if row.decision != "retract" and code in codebook
    ]


def coded_codes_left_out(session: Session, new: Codebook) -> dict[str, int]:
    """Codes of the project's codebook that ``new`` lacks, with the segments coded with them.

    Why: importing a codebook replaces the project's, and a code it lacks takes its coding out
    of every export, count and synthesis (kept in the store, back when the code is), so the
    import says which codes and how much before it does that.
    """
    old = load_codebook(session)
    kept = {code.id for code in new.codes()} | set(new.merged)
    segments: dict[str, set[int]] = {}
    for decision in current_code_decisions(session, old):
        if decision.decision == "accept" and decision.code_id not in kept:
            segments.setdefault(decision.code_id, set()).add(decision.segment_id)
    return {code_id: len(ids) for code_id, ids in sorted(segments.items())}


def theme_notice(session: Session, codebook: Codebook, parent_id: str | None) -> str | None:
    """One line to say when a subcode added or moved under ``parent_id`` makes that code a theme;
    None when it is a theme already (or nothing is its parent). ``codebook`` is before the change.

    Why: a code that gains a subcode becomes a theme with no word: its coding stays on it and is
    counted under the theme, but it can no longer be applied by hand, and a coder who just coded
    with it would not know why ``code accept`` now refuses it.
    """
    if parent_id is None:
        return None
    parent = codebook.get(parent_id)
    if parent.children:
        return None
    coded = {d.segment_id for d in current_code_decisions(session, codebook)
             if d.decision == "accept" and codebook.resolve(d.code_id) == parent.id}
    if coded:
        n = len(coded)
        held = f"its {n} coded segment{'s' if n != 1 else ''} stay{'s' if n == 1 else ''} counted under it; " \
               "code new text"
    else:
        held = "no segment is coded with it; code text"
    return f"{parent.name!r} ({parent.id}) is now a theme: {held} with the codes under it"


def shared_code_decisions(session: Session, codebook: Codebook, coder: str | None = None, *,
                          viewer: str | None = None) -> list[CurrentCodeDecision]:
    """The current decisions (``coder``'s only, if given) that ``viewer`` may see: blind coding
    withholds other coders' decisions on a segment coded twice until two have coded it."""
    return shared_and_withheld(session, codebook, coder, viewer=viewer)[0]


def shared_and_withheld(session: Session, codebook: Codebook, coder: str | None = None, *,
                        viewer: str | None = None) -> tuple[list[CurrentCodeDecision], list[CurrentCodeDecision]]:
    """:func:`shared_code_decisions` and the decisions blind coding withholds from ``viewer``
    (an export says how many segments wait for their second coder instead of dropping them unsaid)."""
    decisions = current_code_decisions(session, codebook)  # every coder's: who has coded a unit
    hidden = withheld(session, {(d.segment_id, d.coder) for d in decisions}, viewer)
    mine = [d for d in decisions if coder in (None, d.coder)]
    return ([d for d in mine if (d.segment_id, d.coder) not in hidden],
            [d for d in mine if (d.segment_id, d.coder) in hidden])


def shared_memos(session: Session, codebook: Codebook, *, viewer: str | None = None, code_id: str | None = None,
                 segment_id: int | None = None) -> list[CodingMemoRow]:
    """Memos, oldest first, less those blind coding withholds from ``viewer``: another coder's
    memo on a segment coded twice that two coders have not coded yet says what they saw in it."""
    notes = memos(session, code_id=code_id, segment_id=segment_id)
    coded = {(d.segment_id, d.coder) for d in current_code_decisions(session, codebook)}
    hidden = withheld(session, coded, viewer, shown={(m.segment_id, m.coder) for m in notes if m.segment_id})
    return [m for m in notes if (m.segment_id, m.coder) not in hidden]


def record_suggestions(session: Session, segment_id: int, suggestions: Sequence[Suggestion], *, model: str,
                       coder: str | None) -> None:
    """Log what the coder was shown for a segment (rank 1 = first)."""
    for rank, s in enumerate(suggestions, start=1):
        session.add(CodeSuggestionRow(segment_id=segment_id, code_id=s.code_id, rank=rank, score=s.score,
                                      reason=s.reason, model=model, coder=coder))


def last_suggestion(session: Session, segment_id: int, code_id: str) -> CodeSuggestionRow | None:
    """The latest time ``code_id`` was suggested for the segment (what a decision on it records as
    shown), or None if it never was."""
    return session.scalars(select(CodeSuggestionRow).filter_by(segment_id=segment_id, code_id=code_id)
                           .order_by(CodeSuggestionRow.id.desc()).limit(1)).first()


def coded_rows(session: Session, codebook: Codebook, coder: str | None = None, *,
               viewer: str | None = None) -> list[dict[str, Any]]:
    """One row per accepted (segment, code, coder): each coder's own coding. Study, offsets,
    attributes, themes, whether the segment is a participant quotation, text. Blind coding's
    withheld decisions are left out (:func:`shared_code_decisions`). The coding in force, where
    two coders' work is settled, is :func:`triage.store.coding_in_force.rows_in_force`."""
    accepted = [d for d in shared_code_decisions(session, codebook, coder, viewer=viewer) if d.decision == "accept"]
    return segment_rows(session, codebook, [AppliedCode(d.segment_id, d.code_id, d.coder, d.created_at)
                                            for d in accepted])


@dataclass(frozen=True)
class AppliedCode:
    """A code applied to a segment, by whom (a coder, coders who agree, a lead who resolved), when,
    and on what ``basis`` (the coding in force says; None for a coder's own coding)."""

    segment_id: int
    code_id: str
    coder: str
    decided_at: datetime
    basis: str | None = None
    #: A lead's resolution: its note.
    note: str | None = None


def segment_rows(session: Session, codebook: Codebook, applied: Sequence[AppliedCode]) -> list[dict[str, Any]]:
    """The coded-segments export's rows for ``applied``, in reading order (``basis`` only where set)."""
    segments = {s.id: s for s in session.scalars(
        select(CodingSegmentRow).where(CodingSegmentRow.id.in_({a.segment_id for a in applied})))}
    docs = {d.id: d for d in session.scalars(select(CodingDocumentRow))}
    keys = sorted({k for s in segments.values() for k in segment_attributes(docs[s.document_id], s)})
    rows = []
    for a in sorted(applied, key=lambda a: (segments[a.segment_id].document_id, segments[a.segment_id].start,
                                            a.code_id, a.coder)):
        seg = segments[a.segment_id]
        doc = docs[seg.document_id]
        path = codebook.path(a.code_id)
        attrs = segment_attributes(doc, seg)
        rows.append({
            "study": doc.study, "document_id": doc.id, "record_id": doc.record_id or "",
            "segment_id": seg.id, "start": seg.start, "end": seg.end,
            "code_id": a.code_id, "code_name": path[-1].name,
            "themes": " > ".join(c.name for c in path[:-1]),
            **{k: attrs.get(k, "") for k in keys},
            "coder": a.coder, **({"basis": a.basis} if a.basis is not None else {}),
            "decided_at": a.decided_at.isoformat(timespec="seconds"), "quote": seg.quote,
            "text": shown_text(seg.text),  # a quotation without its Markdown marks (offsets count them)
        })
    return rows


def coded_columns(rows: Sequence[dict[str, Any]], *, in_force: bool) -> list[str]:
    """The coded-segments CSV's columns for :func:`segment_rows`: place and code, the segments'
    attributes, who (and on what basis, for the coding in force), when, text."""
    base = ["study", "document_id", "record_id", "segment_id", "start", "end", "code_id", "code_name", "themes"]
    tail = ["coder", *(["basis"] if in_force else []), "decided_at", "quote", "text"]
    return base + [k for k in (rows[0] if rows else {}) if k not in base + tail] + tail


def study_labels(session: Session) -> dict[int, str]:
    """Document id -> the label of the study it reports, joining documents whose records are
    reports of one study (#8's study groups: a conference abstract and its article, say):
    their own labels with ``" + "`` in import order. Documents on their own keep theirs."""
    from triage.store.studies import reports_of  # brings dedup's pair rules: loaded when asked (CLI start-up)

    docs = list(session.scalars(select(CodingDocumentRow).order_by(CodingDocumentRow.id)))
    by_study: dict[tuple[int, ...], list[CodingDocumentRow]] = {}
    for doc in docs:
        key = reports_of(session, doc.record_id) if doc.record_id is not None else (-doc.id,)
        by_study.setdefault(key, []).append(doc)
    out = {}
    for members in by_study.values():
        label = " + ".join(dict.fromkeys(d.study for d in members))
        out.update({d.id: label for d in members})
    return out


def count_table(rows: Sequence[dict[str, Any]], codebook: Codebook, by: Sequence[str] = ("study", "perspective")
                ) -> list[dict[str, Any]]:
    """Per-code counts of coded segments: total, then one column per value of each ``by`` column.

    A segment coded by two coders counts once. Columns are named ``study: Smith 2019``,
    ``perspective: parent``; codes without applications have zeros.
    """
    seen = {(r["segment_id"], r["code_id"]): r for r in rows}
    values = {b: sorted({str(r.get(b) or "(none)") for r in seen.values()}) for b in by}
    counts: Counter[tuple[str, str]] = Counter()
    for (_, code), r in seen.items():
        counts[(code, "total")] += 1
        for b in by:
            counts[(code, f"{b}: {r.get(b) or '(none)'}")] += 1
    table = []
    for code in codebook.codable():
        path = codebook.path(code.id)
        row: dict[str, Any] = {"code_id": code.id, "code_name": code.name,
                               "themes": " > ".join(c.name for c in path[:-1]), "total": counts[(code.id, "total")]}
        for b in by:
            for v in values[b]:
                row[f"{b}: {v}"] = counts[(code.id, f"{b}: {v}")]
        table.append(row)
    return table
