"""Merging, splitting, moving codes and undoing it, with their coded segments and memos.

A codebook grows while coding (Thomas & Harden 2008): codes are merged, split and moved
after segments were coded with them, so the coding must follow each edit:

- **merge** A into B: A's id redirects to B (``codes.merged_into``), so every accept and
  reject recorded under A counts for B: the coded segments, the coded-segments export and
  the examples the suggester learns from (``current_code_decisions`` resolves ids). Memos
  on A are listed with B's (:func:`triage.store.coding.memos`). Where a coder accepted one
  and refused (or withdrew) the other on a segment, the acceptance wins, whichever came
  later: the segment was coded with the concept the merged code now names. The log stays
  append-only: the accept is appended under B (the coder's, at the time they accepted,
  its reason naming the merge), and undoing the merge re-appends B's own decision there
  unless the coder decided on B again since.
- **split** A into A1, A2: each segment coded with A goes to the part a person assigns it
  to. The decision log stays append-only: the coder's decision on A is withdrawn
  (``retract``) and the same decision appended for the part, under the same coder and
  the time they decided, its reason naming the split and who made it. A reject of A says
  the segment is none of A, so it is carried to every part. Memos on A are copied to
  each part.
- **move**: applications and memos are keyed by the code's id; they stay with it.
- **undo** takes back the latest (or a named) merge, split or move: a merge's redirect is
  removed (A's own decisions count for A again), a split's appended decisions are
  withdrawn and A's re-appended, the memo copies removed.

Every edit and every undo is a ``code_history`` row with the coder who made it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from triage.coding.codebook import UNDOABLE, Code, Codebook, CodebookError, slugify
from triage.errors import DecisionError
from triage.store.code_decisions import latest_code_rows
from triage.store.coding import load_codebook, save_codebook
from triage.store.schema_coding import CodeDecisionRow, CodeHistoryRow, CodingMemoRow

__all__ = ["merge_codes", "move_code", "parse_assignments", "split_code", "undo_change"]


def merge_codes(session: Session, source_id: str, target_id: str, *, coder: str) -> Codebook:
    """Merge ``source_id`` into ``target_id`` (its applications and memos count for the target;
    an acceptance of either on a segment wins over a refusal of the other)."""
    codebook = load_codebook(session)
    source, target = codebook.get(source_id).id, codebook.get(target_id).id
    before = latest_code_rows(session, codebook)
    codebook.merge(source, target)
    why = f"merged {source} into {target} by {coder}: the accept counts"
    appended: list[int] = []
    restore: list[int] = []
    for (segment, code, who), theirs in before.items():
        other = before.get((segment, source, who))
        if code != target or other is None:
            continue
        accepts = [r for r in (theirs, other) if r.decision == "accept"]
        if not accepts or max(theirs, other, key=lambda r: r.id).decision == "accept":
            continue  # no accept, or the later decision is one: it already counts for the merged code
        kept = max(accepts, key=lambda r: r.id)
        row = CodeDecisionRow(segment_id=segment, code_id=target, decision="accept", coder=who,
                              created_at=kept.created_at, score=kept.score, rank=kept.rank, reason=why)
        session.add(row)
        session.flush()
        appended.append(row.id)
        restore.append(theirs.id)
    codebook.history[-1].detail.update({"appended": appended, "restore": restore})
    save_codebook(session, codebook, coder)
    return codebook


def move_code(session: Session, code_id: str, parent_id: str | None, *, coder: str) -> Codebook:
    """Move ``code_id`` under ``parent_id`` (None: a theme); its applications stay with it."""
    codebook = load_codebook(session)
    codebook.move(code_id, parent_id)
    save_codebook(session, codebook, coder)
    return codebook


def parse_assignments(pairs: Sequence[str]) -> dict[int, str]:
    """``SEGMENT=CODE`` pairs (``--assign``, the web form's lines) -> segment id -> new code."""
    targets: dict[int, str] = {}
    for pair in pairs:
        segment, sep, part = pair.partition("=")
        if not (sep and segment.strip().isdigit() and part.strip()):
            raise DecisionError(f"assignment {pair!r} is not SEGMENT=CODE", hint="write a segment id, =, and a new code, e.g. 12=waiting (one per --assign or per line)")
        targets[int(segment)] = part.strip()
    return targets


def split_code(session: Session, source_id: str, names: Sequence[str], assign: Mapping[int, str], *,
               coder: str, rest: str | None = None) -> dict[str, Any]:
    """Split ``source_id`` into new codes named ``names``; ``assign`` maps each segment coded
    with it to a new code (id or name), ``rest`` takes the segments not named. Returns the
    history row's detail (``into``: the new ids, ``withdrawn``: the decisions carried).

    DecisionError lists the coded segments left without a part, so nothing is dropped.
    """
    codebook = load_codebook(session)
    source = codebook.get(source_id)
    parts = [Code(slugify(name), " ".join(name.split())) for name in names]
    codebook.split(source.id, parts)

    def part_of(name: str) -> str:
        for part in parts:
            if name in (part.id, part.name):
                return part.id
        raise DecisionError(f"{name!r} is none of the new codes",
                            hint=f"assign to one of: {', '.join(p.id for p in parts)}")

    targets = {int(segment): part_of(name) for segment, name in assign.items()}
    fallback = part_of(rest) if rest is not None else None
    in_force = [row for (segment, code, _), row in latest_code_rows(session, codebook).items()
                if code == source.id and row.decision != "retract"]
    accepted = {row.segment_id for row in in_force if row.decision == "accept"}
    unknown = sorted(set(targets) - accepted)
    if unknown:
        raise DecisionError(f"segment(s) {', '.join(map(str, unknown))} are not coded with {source.id!r}",
                            hint="assign only segments coded with the code you split")
    missing = sorted(accepted - set(targets)) if fallback is None else []
    if missing:
        raise DecisionError(f"segment(s) {', '.join(map(str, missing))} coded with {source.id!r} have no new code",
                            hint="pass --assign SEGMENT=CODE for each, or --rest CODE")
    why = f"split from {source.id} by {coder}"
    appended: list[int] = []
    for row in in_force:
        session.add(CodeDecisionRow(segment_id=row.segment_id, code_id=source.id, decision="retract",
                                    coder=row.coder, reason=why))
        goes_to = [p.id for p in parts] if row.decision == "reject" else [targets.get(row.segment_id, fallback)]
        for part_id in goes_to:
            new = CodeDecisionRow(segment_id=row.segment_id, code_id=part_id, decision=row.decision, coder=row.coder,
                                  created_at=row.created_at, score=row.score, rank=row.rank, reason=why)
            session.add(new)
            session.flush()
            appended.append(new.id)
    copies = []
    merged = [source.id, *(old for old in codebook.merged if codebook.resolve(old) == source.id)]
    for memo in session.scalars(select(CodingMemoRow).where(CodingMemoRow.code_id.in_(merged))):
        for part in parts:
            copy = CodingMemoRow(code_id=part.id, text=memo.text, coder=memo.coder, created_at=memo.created_at)
            session.add(copy)
            session.flush()
            copies.append(copy.id)
    detail = codebook.history[-1].detail
    detail.update({"assign": {str(s): p for s, p in sorted(targets.items())}, "rest": fallback,
                   "withdrawn": sorted(row.id for row in in_force), "appended": appended, "memo_copies": copies})
    save_codebook(session, codebook, coder)
    return detail


def undo_change(session: Session, *, coder: str, change_id: int | None = None,
                code_id: str | None = None, action: str | None = None) -> CodeHistoryRow:
    """Undo history row ``change_id``, or the latest merge, split or move (of ``code_id`` and of
    kind ``action`` when given) not undone yet; returns the row undone."""
    undone = {int(r.detail.get("change", 0)) for r in session.scalars(
        select(CodeHistoryRow).where(CodeHistoryRow.action == "undo"))}
    query = select(CodeHistoryRow).where(CodeHistoryRow.action.in_(UNDOABLE)).order_by(CodeHistoryRow.id.desc())
    if change_id is not None:
        query = query.where(CodeHistoryRow.id == change_id)
    if code_id is not None:
        query = query.where(CodeHistoryRow.code_id == code_id)
    if action is not None:
        query = query.where(CodeHistoryRow.action == action)
    change = next((r for r in session.scalars(query) if r.id not in undone), None)
    if change is None:
        what = f"change {change_id}" if change_id is not None else f"{action or 'merge, split or move'}"
        raise CodebookError(f"no {what}{f' of {code_id!r}' if code_id else ''} to undo",
                            hint="see 'triage codebook show --history'")
    codebook = load_codebook(session)
    detail: dict[str, Any] = dict(change.detail)
    if change.action == "split":
        _undo_split(session, codebook, change.code_id, detail, coder)
    if change.action == "merge":
        _undo_merge_accepts(session, codebook, detail, coder)
    codebook.undo(change.action, change.code_id, detail, change.id)
    save_codebook(session, codebook, coder)
    return change


def _undo_merge_accepts(session: Session, codebook: Codebook, detail: dict[str, Any], coder: str) -> None:
    """Re-append the target's own decision where the merge appended an accept for it, unless the
    coder decided on the merged code since (their later decision stands)."""
    appended, restore = list(detail.get("appended") or []), list(detail.get("restore") or [])
    if not appended:
        return
    rows = {r.id: r for r in session.scalars(select(CodeDecisionRow).where(
        CodeDecisionRow.id.in_(appended + restore)))}
    latest = latest_code_rows(session, codebook)
    for added, own in zip(appended, restore, strict=True):
        row, before = rows[added], rows[own]
        if latest.get((row.segment_id, codebook.resolve(row.code_id), row.coder)) is not row:
            continue
        session.add(CodeDecisionRow(segment_id=before.segment_id, code_id=before.code_id, decision=before.decision,
                                    coder=before.coder, created_at=before.created_at, score=before.score,
                                    rank=before.rank, reason=f"merge into {row.code_id} undone by {coder}"))
    session.flush()


def _undo_split(session: Session, codebook: Codebook, source_id: str, detail: dict[str, Any], coder: str) -> None:
    """Withdraw the decisions a split appended and re-append the ones it withdrew."""
    appended = set(detail.get("appended") or [])
    parts = set(detail.get("into") or [])
    later = sorted({row.segment_id for (_, code, _), row in latest_code_rows(session, codebook).items()
                    if code in parts and row.decision != "retract" and row.id not in appended})
    if later:
        raise DecisionError(f"the new codes were applied after the split (segment(s) {', '.join(map(str, later))})",
                            hint="retract those decisions first, or keep the split")
    why = f"split of {source_id} undone by {coder}"
    rows = session.scalars(select(CodeDecisionRow).where(CodeDecisionRow.id.in_(appended | set(detail["withdrawn"]))))
    for row in sorted(rows, key=lambda r: r.id):
        if row.id in appended:
            session.add(CodeDecisionRow(segment_id=row.segment_id, code_id=row.code_id, decision="retract",
                                        coder=row.coder, reason=why))
        else:
            session.add(CodeDecisionRow(segment_id=row.segment_id, code_id=source_id, decision=row.decision,
                                        coder=row.coder, created_at=row.created_at, score=row.score, rank=row.rank,
                                        reason=row.reason))
    if detail.get("memo_copies"):
        session.execute(delete(CodingMemoRow).where(CodingMemoRow.id.in_(detail["memo_copies"])))
    session.flush()
