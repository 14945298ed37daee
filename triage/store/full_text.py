"""What full-text assessment takes: the reports title/abstract screening kept, study by study."""

from __future__ import annotations

from sqlalchemy.orm import Session

from triage.store.decisions import DecisionsInForce, decision_state_version, decisions_in_force
from triage.store.studies import study_groups, study_groups_version

__all__ = ["full_text_selection_version", "kept_for_full_text"]


def full_text_selection_version(session: Session) -> tuple[int, ...]:
    """A cheap fingerprint of everything :func:`kept_for_full_text` reads (the title/abstract
    decisions in force, the study links, the merges): equal fingerprints, the same records kept.
    A full-text queue compares it to the one it selected its records under, so a record a
    colleague includes at title/abstract, or a report linked to an included study, arrives in
    it without a rebuild. A card's session has it primed (:mod:`triage.store.decisions_primed`)."""
    return (*decision_state_version(session, stage="title_abstract"), *study_groups_version(session))


def kept_for_full_text(session: Session, in_force: DecisionsInForce | None = None) -> dict[int, str]:
    """The merge groups full-text assessment takes -> the title/abstract decision that keeps
    them (include or maybe).

    PRISMA 2020's flow: the reports sought are those title/abstract screening kept, study by
    study, so a group counts when it was included or marked maybe there, or when another
    report of its study (``triage studies``) was (a conference abstract excluded alone is a
    report of an included study). The one rule the full-text queue
    (:func:`~triage.store.selection.servable_groups`), ``decide --stage full_text``
    (:func:`~triage.store.selection.title_abstract_standing`), the web's full-text screening and
    the PRISMA counts (:mod:`triage.store.prisma`) follow. ``in_force``: the title/abstract
    decisions in force, where the caller has read them already.
    """
    if in_force is None:
        in_force = decisions_in_force(session, stage="title_abstract")
    kept = {group: d.decision for group, d in in_force.decisions.items() if d.decision in ("include", "maybe")}
    if not kept:
        return {}
    studies = study_groups(session)
    out = dict(kept)
    for group in sorted(kept):  # a report's own decision first, then its study's (lowest id first)
        for report in studies.get(group, ()):
            out.setdefault(report, kept[group])
    return out
