"""The imported files of a project: list them, and take back an import made by mistake.

Taking back is for the file imported with the wrong encoding or from the wrong export,
noticed before anyone worked with its records. Once a record carries a person's work
(a screening decision, a dedup merge or pair decision, coded text) removing it would
rewrite history, so removal is refused and says what holds the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from triage.errors import TriageError
from triage.records.model import Problem
from triage.store.schema import DecisionRow, EmbeddingRow, RecordRow, SourceRow
from triage.store.schema_coding import CodingDocumentRow
from triage.store.schema_dedup import DedupMergeRow, DedupPairRow, PairDecisionRow
from triage.store.settings_log import log_change

__all__ = ["SourceSummary", "list_sources", "name_database", "remove_source", "source_problems"]


@dataclass(frozen=True)
class SourceSummary:
    """One imported file as the project stored it."""

    id: int
    file_name: str
    database: str | None
    format: str
    encoding: str | None
    records: int
    imported_at: datetime
    problems: int


def list_sources(session: Session) -> list[SourceSummary]:
    """Every imported file, oldest first, with the records it holds now."""
    counts: dict[int, int] = {
        source_id: n for source_id, n in session.execute(select(RecordRow.source_id, func.count()).group_by(RecordRow.source_id))
    }
    return [_summary(s, counts.get(s.id, 0)) for s in session.scalars(select(SourceRow).order_by(SourceRow.id))]


def _summary(source: SourceRow, records: int) -> SourceSummary:
    return SourceSummary(source.id, source.file_name, source.database, source.format, source.encoding, records,
                         source.imported_at, len(source.problems or []))


def source_problems(session: Session, source_id: int) -> tuple[SourceSummary, list[Problem]]:
    """One imported file and every problem its reader reported, in the reader's order.

    The import shows a few of each kind; this is the whole list, kept with the file.
    """
    source = _source(session, source_id)
    records = session.scalar(select(func.count()).select_from(RecordRow).where(RecordRow.source_id == source_id)) or 0
    problems = [Problem.from_stored(source.file_name, p) for p in source.problems or []]
    return _summary(source, records), problems


def _source(session: Session, source_id: int) -> SourceRow:
    source = session.get(SourceRow, source_id)
    if source is None:
        known = ", ".join(str(s) for s in session.scalars(select(SourceRow.id).order_by(SourceRow.id))) or "none"
        raise TriageError(f"no imported file with id {source_id}", hint=f"ids in this project: {known} (see 'triage sources')")
    return source


def _in_use(session: Session, ids: Select[Any]) -> list[str]:
    """What holds any of the records ``ids`` selects (empty when nothing does)."""
    checks = {
        "screening decisions": select(func.count()).select_from(DecisionRow).where(DecisionRow.record_id.in_(ids)),
        "dedup merges": select(func.count()).select_from(RecordRow)
        .where(RecordRow.id.in_(ids), RecordRow.merged_into.is_not(None)),
        "dedup merges (as the record kept)": select(func.count()).select_from(DedupMergeRow)
        .where(DedupMergeRow.representative_id.in_(ids)),
        "possible duplicates or related versions": select(func.count()).select_from(DedupPairRow)
        .where(or_(DedupPairRow.record_a.in_(ids), DedupPairRow.record_b.in_(ids))),
        "dedup decisions": select(func.count()).select_from(PairDecisionRow)
        .where(or_(PairDecisionRow.record_a.in_(ids), PairDecisionRow.record_b.in_(ids))),
        "coded documents": select(func.count()).select_from(CodingDocumentRow).where(CodingDocumentRow.record_id.in_(ids)),
    }
    # Records of other files merged into one of these count too: the merge would dangle.
    merged_in = select(func.count()).select_from(RecordRow).where(RecordRow.merged_into.in_(ids))
    found = [f"{n} {what}" for what, query in checks.items() if (n := session.scalar(query) or 0)]
    if n := session.scalar(merged_in) or 0:
        found.append(f"{n} records of other files merged into them")
    return found


def remove_source(session: Session, source_id: int) -> SourceSummary:
    """Delete one imported file and its records (with their stored embeddings).

    Raises :class:`TriageError` naming what holds the records when any of them already
    carries a person's work or a dedup result; nothing is deleted then. The caller's
    transaction makes it all or nothing.
    """
    source = _source(session, source_id)
    ids = select(RecordRow.id).where(RecordRow.source_id == source_id)
    summary = _summary(source, session.scalar(select(func.count()).select_from(ids.subquery())) or 0)
    held = _in_use(session, ids)
    if held:
        raise TriageError(
            f"{source.file_name} (id {source_id}) cannot be removed: its records have " + ", ".join(held),
            hint="records that people or a dedup run have worked with stay (the history refers to them); "
                 "import the corrected file beside it instead",
        )
    session.execute(delete(EmbeddingRow).where(EmbeddingRow.record_id.in_(ids)))
    session.execute(delete(RecordRow).where(RecordRow.source_id == source_id))
    session.delete(source)
    return summary


def name_database(session: Session, source_id: int, database: str, *, by: str | None) -> tuple[str | None, SourceSummary]:
    """Count the file ``source_id`` under ``database`` from now on (PRISMA's "identified from"),
    with its records that name no database or the file's old one; returns the old name and the
    file. Logged with who and when in the settings log: a count a published flow diagram gave
    must be traceable. For a file that names no database (IEEE, Wiley, Crossref exports), found
    after the import's dedup merged its records, when taking it back is no longer possible."""
    name = " ".join(database.split())
    if not name:
        raise TriageError("no database name given", hint="name it as PRISMA should count it, e.g. 'IEEE Xplore'")
    source = _source(session, source_id)
    old = source.database
    source.database = name
    session.execute(update(RecordRow).where(RecordRow.source_id == source_id,
                                            or_(RecordRow.database.is_(None), RecordRow.database == old))
                    .values(database=name))
    log_change(session, f"database of imported file {source_id} ({source.file_name})", old, name, by=by)
    records = session.scalar(select(func.count()).select_from(RecordRow).where(RecordRow.source_id == source_id)) or 0
    return old, _summary(source, records)
