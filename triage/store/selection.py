"""Subsets of a project's records with their current decisions (for export and listing)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from triage.errors import DecisionError, TriageError
from triage.records.writers import ExportItem
from triage.store.decisions import decisions_in_force
from triage.store.full_text import kept_for_full_text
from triage.store.groups import current_groups
from triage.store.records import screening_records
from triage.store.rounds import new_in_latest_round
from triage.store.schema import RecordRow
from triage.store.search import rank_by_relevance

__all__ = ["SUBSETS", "check_full_text", "select_items", "servable_groups", "title_abstract_standing"]

#: Names accepted by ``--subset``. ``conflicts``: merge groups whose decisions disagree (a
#: person decides); ``inherited``: decisions made on a merge since undone (to confirm);
#: ``new``: studies first found in the newest search round (an update's new records).
SUBSETS: tuple[str, ...] = (
    "all", "included", "excluded", "maybe", "undecided", "decided", "conflicts", "inherited", "new",
)


def servable_groups(session: Session, *, stage: str, new_only: bool = False) -> frozenset[int] | None:
    """The merge groups a screening queue at ``stage`` may serve; None: every one.

    At ``full_text`` only :func:`kept_for_full_text` (what title/abstract screening kept,
    with the other reports of its studies); a search update (``new_only``) narrows to the
    newest round's studies.
    """
    only = new_in_latest_round(session) if new_only else None
    if stage == "full_text":
        kept = frozenset(kept_for_full_text(session))
        only = kept if only is None else only & kept
    return only


def title_abstract_standing(session: Session, record_id: int) -> str | None:
    """Where ``record_id``'s merge group stands at title/abstract for full-text assessment:
    include or maybe where :func:`kept_for_full_text` takes it (its own decision, or another
    report of its study kept there), else its decision in force (exclude), ``"conflict"``,
    ``"awaiting"`` (screened twice, one decision so far) or None (not screened)."""
    if session.get(RecordRow, record_id) is None:
        raise DecisionError(f"no record {record_id} in this project", hint="see 'triage records' for ids")
    group = current_groups(session).get(record_id, record_id)
    in_force = decisions_in_force(session, stage="title_abstract")  # read once, for both questions
    kept = kept_for_full_text(session, in_force)
    if group in kept:
        return kept[group]
    if group in in_force.decisions:
        return in_force.decisions[group].decision
    if group in in_force.conflicts:
        return "conflict"
    return "awaiting" if group in in_force.awaiting else None


#: Why a record cannot be assessed at full text, by where it stands at title/abstract
#: (:func:`title_abstract_standing`).
_NOT_AT_FULL_TEXT = {
    "exclude": "was excluded at title/abstract",
    "conflict": "has conflicting title/abstract decisions",
    "awaiting": "waits for its second title/abstract decision",
    None: "has no title/abstract decision yet",
}


def check_full_text(session: Session, record_id: int) -> None:
    """Refuse (:class:`~triage.errors.DecisionError`) a full-text decision on a record title/abstract
    screening did not keep: PRISMA would not count it, and a reviewer would have assessed a report
    screening excluded. The one check ``decide --stage full_text`` and the web's full-text screening make."""
    standing = title_abstract_standing(session, record_id)
    if standing in ("include", "maybe"):
        return
    raise DecisionError(f"record {record_id} {_NOT_AT_FULL_TEXT[standing]}, so it has no full text to assess",
                        hint=f"decide it at title/abstract first (triage decide {record_id} include), then at full text")


def select_items(
    session: Session, *, subset: str = "all", stage: str = "title_abstract", search: str | None = None
) -> list[ExportItem]:
    """Records to screen (duplicates merged), filtered by current decision; in id order, or
    with ``search`` the records holding any of its words, most relevant first
    (:func:`triage.store.search.rank_by_relevance`)."""
    if subset not in SUBSETS:
        raise TriageError(f"unknown subset {subset!r}", hint=f"use one of: {', '.join(SUBSETS)}")
    in_force = decisions_in_force(session, stage=stage)
    decisions = in_force.decisions
    new = new_in_latest_round(session) if subset == "new" else frozenset()
    wanted = {"included": "include", "excluded": "exclude", "maybe": "maybe"}.get(subset)
    items = []
    records = screening_records(session)
    if search and search.strip():
        by_id = dict(records)
        records = [(record_id, by_id[record_id]) for record_id in rank_by_relevance(session, search, records)]
    for record_id, record in records:
        current = decisions.get(record_id)
        in_conflict = record_id in in_force.conflicts
        if subset == "undecided" and (current is not None or in_conflict):
            continue
        if subset == "decided" and current is None:
            continue
        if subset == "conflicts" and not in_conflict:
            continue
        if subset == "inherited" and (current is None or not current.inherited):
            continue
        if subset == "new" and record_id not in new:
            continue
        if wanted is not None and (current is None or current.decision != wanted):
            continue
        items.append(
            ExportItem(
                record=record,
                record_id=record_id,
                decision=current.decision if current else None,
                reasons=current.reasons if current else (),
                reviewer=current.reviewer if current else None,
                stage=stage,
            )
        )
    return items
