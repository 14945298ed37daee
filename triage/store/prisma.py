"""Counts in PRISMA 2020 flow-diagram terms, computed from a project store.

Identification: records per database/source and duplicates removed; screening:
records screened at title/abstract, excluded (with reasons), sought and assessed at
full text, excluded there with reasons, and studies included. Counts only; no I/O
beyond the session given.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.store.decisions import CurrentDecision, current_decisions, decisions_in_force
from triage.store.full_text import kept_for_full_text
from triage.store.groups import awaiting_dedup
from triage.store.rounds import first_round_of_groups, round_names, round_summaries
from triage.store.schema import RecordRow, SourceRow
from triage.store.schema_dedup import DedupMergeRow
from triage.store.studies import study_groups

__all__ = ["PrismaCounts", "UpdateCounts", "prisma_counts", "status_state_version"]


@dataclass
class UpdateCounts:
    """The newest search round of an updated review, as the PRISMA 2020 flow diagram for
    updated reviews shows it: records this round identified, studies new in it, and the
    studies included from earlier rounds (the previous version of the review)."""

    round: str = ""
    identified: int = 0
    identified_by_source: dict[str, int] = field(default_factory=dict)
    #: Records of this round that are duplicates (of each other or of earlier studies).
    duplicates_removed: int = 0
    records_to_screen: int = 0
    screened: int = 0
    excluded: int = 0
    excluded_reasons: dict[str, int] = field(default_factory=dict)
    included_title_abstract: int = 0
    full_text_assessed: int = 0
    full_text_excluded: int = 0
    full_text_excluded_reasons: dict[str, int] = field(default_factory=dict)
    included: int = 0
    #: Studies included from earlier rounds (full text), and the total with this round's.
    previous_included: int = 0
    total_included: int = 0
    #: The round's database searches as recorded (PRISMA-S: database, platform, date, query, hits).
    searches: list[dict[str, object]] = field(default_factory=list)


@dataclass
class PrismaCounts:
    """PRISMA 2020 counts. ``identified_by_source`` maps database (or file) to records."""

    identified: int = 0
    identified_by_source: dict[str, int] = field(default_factory=dict)
    sources: int = 0
    duplicates_removed: int = 0
    records_to_screen: int = 0
    screened: int = 0
    undecided: int = 0
    #: Not yet screened and with no title, abstract or keywords: the ranking cannot read
    #: them, so a team deciding to stop should know how many are left.
    undecided_without_text: int = 0
    excluded: int = 0
    excluded_reasons: dict[str, int] = field(default_factory=dict)
    maybe: int = 0
    #: Screened records (merge groups) whose decisions disagree: waiting for a person
    #: (``triage conflicts``); counted as screened, in none of the decisions.
    conflicts: int = 0
    #: Not yet screened, though one reviewer decided them: screened twice (an allocation, blind
    #: mode) and waiting for the second reviewer (the first decision counts nowhere until then).
    awaiting_second_reviewer: int = 0
    #: Decisions in force that were made on a bigger group before a merge was undone:
    #: a person should confirm them (``triage records --subset inherited``).
    inherited: int = 0
    #: Records imported after the last dedup run: not screened until dedup has compared them.
    awaiting_dedup: int = 0
    included_title_abstract: int = 0
    full_text_assessed: int = 0
    full_text_excluded: int = 0
    full_text_excluded_reasons: dict[str, int] = field(default_factory=dict)
    included: int = 0
    #: PRISMA 2020 counts studies and their reports apart: the included reports above
    #: (``included``) belong to this many studies (reports linked by ``triage studies``).
    included_studies: int = 0
    #: Search rounds in the project (1: no update yet).
    search_rounds: int = 1
    #: The newest round's counts once the search was updated (``None`` before).
    update: UpdateCounts | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PrismaCounts:
        """The counts :meth:`to_dict` gave (kept with the ranking state between commands)."""
        update = data.get("update")
        return cls(**{**data, "update": UpdateCounts(**update) if update else None})


def prisma_counts(session: Session) -> PrismaCounts:
    """Compute the counts from the current (latest, non-retracted) decisions."""
    counts = PrismaCounts()
    by_source: Counter[str] = Counter()
    stmt = (
        select(SourceRow.database, SourceRow.file_name, func.count(RecordRow.id))
        .join(RecordRow, RecordRow.source_id == SourceRow.id)
        .group_by(SourceRow.id)
    )
    for database, file_name, n in session.execute(stmt):
        by_source[database or file_name] += n
    counts.identified_by_source = dict(sorted(by_source.items()))
    counts.identified = sum(by_source.values())
    counts.sources = session.scalar(select(func.count(SourceRow.id))) or 0
    counts.duplicates_removed = session.scalar(
        select(func.count(RecordRow.id)).where(RecordRow.merged_into.is_not(None))
    ) or 0
    counts.records_to_screen = counts.identified - counts.duplicates_removed

    active = set(session.scalars(select(RecordRow.id).where(RecordRow.merged_into.is_(None))))
    in_force = decisions_in_force(session, stage="title_abstract")
    ta = {k: v for k, v in in_force.decisions.items() if k in active}
    # Full texts assessed are those title/abstract screening kept, with the other reports of
    # their studies (PRISMA's flow): a full-text decision on a record excluded or unscreened
    # there, alone, stays in the log but counts nowhere.
    kept = kept_for_full_text(session, in_force)
    ft = {k: v for k, v in current_decisions(session, stage="full_text").items() if k in kept and k in active}
    conflicts = {k for k in in_force.conflicts if k in active}
    counts.conflicts = len(conflicts)
    counts.awaiting_second_reviewer = sum(1 for k in in_force.awaiting if k in active)
    counts.inherited = sum(1 for d in ta.values() if d.inherited)
    counts.awaiting_dedup = awaiting_dedup(session)
    counts.screened = len(ta) + len(conflicts)
    counts.undecided = counts.records_to_screen - counts.screened
    counts.undecided_without_text = len(_without_text(session) - set(ta) - conflicts)
    kinds, counts.excluded_reasons = _tally(ta.values())
    counts.excluded, counts.maybe, counts.included_title_abstract = kinds["exclude"], kinds["maybe"], kinds["include"]
    kinds, counts.full_text_excluded_reasons = _tally(ft.values())
    counts.full_text_assessed = sum(kinds.values())
    counts.full_text_excluded, counts.included = kinds["exclude"], kinds["include"]
    studies = study_groups(session)
    counts.included_studies = len({studies.get(g, (g,))[0] for g, d in ft.items() if d.decision == "include"})
    names = round_names(session)
    counts.search_rounds = len(names)
    if len(names) > 1:
        counts.update = _update_counts(session, names[-1], len(names) - 1, ta, ft)
    return counts


def _tally(decisions: Iterable[CurrentDecision]) -> tuple[Counter[str], dict[str, int]]:
    """How many of each decision, and the exclusion reasons most common first (an exclusion
    without a reason counts as "unspecified"): one count for every box of the diagram."""
    kinds: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for decision in decisions:
        kinds[decision.decision] += 1
        if decision.decision == "exclude":
            reasons.update(decision.reasons or ("unspecified",))
    return kinds, dict(reasons.most_common())


def _update_counts(
    session: Session, name: str, latest: int, ta: dict[int, CurrentDecision], ft: dict[int, CurrentDecision]
) -> UpdateCounts:
    """:class:`UpdateCounts` for round number ``latest`` (its name ``name``)."""
    update = UpdateCounts(round=name)
    first = first_round_of_groups(session)
    new = {g for g, n in first.items() if n == latest}
    summary = round_summaries(session)[latest]
    update.identified, update.identified_by_source = summary.records, summary.by_database
    update.searches = summary.searches
    update.records_to_screen = len(new)
    update.duplicates_removed = update.identified - update.records_to_screen
    kinds, update.excluded_reasons = _tally(ta[g] for g in new & set(ta))
    update.screened = sum(kinds.values())
    update.excluded, update.included_title_abstract = kinds["exclude"], kinds["include"]
    kinds, update.full_text_excluded_reasons = _tally(d for g, d in ft.items() if g in new)
    update.full_text_assessed = sum(kinds.values())
    update.full_text_excluded, update.included = kinds["exclude"], kinds["include"]
    update.previous_included = sum(1 for g, d in ft.items() if g not in new and d.decision == "include")
    update.total_included = update.previous_included + update.included
    return update


def _without_text(session: Session) -> set[int]:
    """Records to screen with no title, abstract or keywords, merged versions included
    (a merge's canonical record takes the fullest fields of its members)."""
    stmt = select(RecordRow.id, RecordRow.keywords).where(
        RecordRow.merged_into.is_(None),
        func.coalesce(func.trim(RecordRow.title), "") == "",
        func.coalesce(func.trim(RecordRow.abstract), "") == "",
    )
    bare = {record_id for record_id, keywords in session.execute(stmt) if not keywords}
    if bare:
        merges = select(DedupMergeRow.representative_id, DedupMergeRow.canonical).where(
            DedupMergeRow.undone_at.is_(None), DedupMergeRow.representative_id.in_(bare)
        )
        for record_id, canonical in session.execute(merges):
            if any((canonical or {}).get(k) for k in ("title", "abstract", "keywords")):
                bare.discard(record_id)
    return bare


def status_state_version(session: Session) -> tuple[int, ...]:
    """A cheap fingerprint of what ``triage status`` reads besides the title/abstract
    decisions and the records' merges (which the ranking state's key holds already):
    full-text decisions, study links, search rounds and searches, criteria versions,
    allocations (a lead's resolution is a decision), sources and the number of records (a removed import
    leaves the newest id as it was)."""
    from triage.store.decisions import decision_state_version
    from triage.store.schema import CriteriaVersionRow, DatabaseSearchRow, SearchRoundRow
    from triage.store.schema_allocation import AllocationRow
    from triage.store.studies import study_state_version

    def newest(column: Any) -> int:
        return int(session.scalar(select(func.coalesce(func.max(column), 0))) or 0)

    counted = (session.scalar(select(func.count(RecordRow.id))) or 0, session.scalar(select(func.count(SourceRow.id)))
               or 0, session.scalar(select(func.count(DatabaseSearchRow.id))) or 0)
    # the database each file is counted under ('triage sources database' names it after the import);
    # a checksum, for a project holds a few dozen files at most
    databases = zlib.crc32("\n".join(f"{i}={db}" for i, db in session.execute(
        select(SourceRow.id, SourceRow.database).order_by(SourceRow.id))).encode())
    return (*decision_state_version(session, stage="full_text"), *study_state_version(session),
            newest(SearchRoundRow.id), newest(DatabaseSearchRow.id), newest(CriteriaVersionRow.id),
            newest(AllocationRow.id), newest(SourceRow.id), *(int(c) for c in counted), databases)
