"""Search rounds: the first search and its updates, which files each brought, what is new.

A review's searches are re-run (before publication, every few months in a living
review) and the new exports join the same project under a round name. Files imported
without one belong to the first search. A study is *new in a round* when none of the
records of its merge group came from an earlier round: records of a round that merged
into earlier groups are the update's duplicates of studies already screened.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.errors import TriageError
from triage.store.groups import current_groups
from triage.store.schema import DatabaseSearchRow, RecordRow, SearchRoundRow, SourceRow

__all__ = [
    "FIRST_ROUND",
    "RoundSummary",
    "add_database_search",
    "first_round_of_groups",
    "latest_round",
    "new_in_latest_round",
    "resolve_round",
    "round_names",
    "round_summaries",
]

#: How the first search (files imported without a round) is named in listings.
FIRST_ROUND = "first search"


@dataclass
class RoundSummary:
    """One round's counts, in PRISMA 2020 terms for updated reviews."""

    name: str
    files: int = 0
    records: int = 0
    by_database: dict[str, int] = field(default_factory=dict)
    #: Records of this round merged into a study an earlier round had found.
    duplicates_of_earlier: int = 0
    #: Studies (merge groups) first found in this round.
    new_studies: int = 0
    searches: list[dict[str, object]] = field(default_factory=list)


def round_names(session: Session) -> list[str]:
    """Rounds in the order they were made, the first search first."""
    return [FIRST_ROUND] + list(session.scalars(select(SearchRoundRow.name).order_by(SearchRoundRow.id)))


def resolve_round(session: Session, name: str | None, *, create: bool = False) -> int | None:
    """The id of round ``name`` (``None``: the first search), made if ``create``."""
    if name is None or name.strip() in ("", FIRST_ROUND):
        return None
    name = name.strip()
    row = session.scalars(select(SearchRoundRow).where(SearchRoundRow.name == name)).first()
    if row is None:
        if not create:
            known = ", ".join(round_names(session))
            raise TriageError(f"no search round {name!r}", hint=f"rounds in this project: {known}")
        row = SearchRoundRow(name=name)
        session.add(row)
        session.flush()
    return row.id


def latest_round(session: Session) -> str:
    """The newest round's name (the first search while there is no other)."""
    return round_names(session)[-1]


def _round_order(session: Session) -> tuple[dict[int, int], dict[int | None, int]]:
    """Record id -> round index (0: first search), and round id -> index."""
    index: dict[int | None, int] = {None: 0}
    for n, round_id in enumerate(session.scalars(select(SearchRoundRow.id).order_by(SearchRoundRow.id)), start=1):
        index[round_id] = n
    source_round = {sid: index.get(rid, 0) for sid, rid in session.execute(select(SourceRow.id, SourceRow.round_id))}
    records = session.execute(select(RecordRow.id, RecordRow.source_id))
    return {rid: source_round.get(sid, 0) for rid, sid in records}, index


def first_round_of_groups(session: Session) -> dict[int, int]:
    """Screened record (merge group) -> index of the earliest round any member came from."""
    record_round, _ = _round_order(session)
    first: dict[int, int] = {}
    for record_id, screened_as in current_groups(session).items():
        n = record_round.get(record_id, 0)
        first[screened_as] = min(first.get(screened_as, n), n)
    return first


def new_in_latest_round(session: Session) -> frozenset[int]:
    """Screened records (merge groups) first found in the newest round: an update's new
    studies. Empty while the project has one round only (every study is then "new")."""
    latest = len(round_names(session)) - 1
    if latest == 0:
        return frozenset()
    return frozenset(g for g, n in first_round_of_groups(session).items() if n == latest)


def add_database_search(
    session: Session,
    *,
    round_name: str | None,
    database: str,
    platform: str | None = None,
    searched_on: str | None = None,
    query: str | None = None,
    hits: int | None = None,
    recorded_by: str | None = None,
) -> DatabaseSearchRow:
    """Record one database search of a round (PRISMA-S), made if the round is new."""
    if not database.strip():
        raise TriageError("a search needs the database searched", hint="pass --database NAME")
    if hits is not None and hits < 0:
        raise TriageError(f"hits must be 0 or more, not {hits}", hint="give the number of records the search found")
    row = DatabaseSearchRow(round_id=resolve_round(session, round_name, create=True), database=database.strip(),
                         platform=platform, searched_on=searched_on, query=query, hits=hits,
                         recorded_by=recorded_by)
    session.add(row)
    session.flush()
    return row


def round_summaries(session: Session) -> list[RoundSummary]:
    """Every round with its files, records per database, duplicates of earlier rounds,
    new studies and recorded searches, in round order."""
    names = round_names(session)
    record_round, index = _round_order(session)
    summaries = [RoundSummary(name) for name in names]
    by_database: list[Counter[str]] = [Counter() for _ in names]
    file_names: dict[int, str] = {}
    for source in session.scalars(select(SourceRow)):
        n = index.get(source.round_id, 0)
        summaries[n].files += 1
        file_names[source.id] = source.file_name
    for record_id, database, source_id in session.execute(select(RecordRow.id, RecordRow.database,
                                                                 RecordRow.source_id)):
        n = record_round.get(record_id, 0)
        summaries[n].records += 1
        # A file naming no database is named by its file, as the PRISMA counts name it.
        by_database[n][database or file_names.get(source_id, f"source {source_id}")] += 1
    first = first_round_of_groups(session)
    for record_id, screened_as in current_groups(session).items():
        n = record_round.get(record_id, 0)
        if n > first[screened_as]:
            summaries[n].duplicates_of_earlier += 1
    for n in first.values():
        summaries[n].new_studies += 1
    for search in session.scalars(select(DatabaseSearchRow).order_by(DatabaseSearchRow.id)):
        summaries[index.get(search.round_id, 0)].searches.append({
            "database": search.database, "platform": search.platform, "searched_on": search.searched_on,
            "query": search.query, "hits": search.hits,
        })
    for summary, counter in zip(summaries, by_database, strict=True):
        summary.by_database = dict(sorted(counter.items()))
    return summaries
