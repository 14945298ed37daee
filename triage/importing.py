"""Import files into a project: one transaction per file, duplicates of a file detected by hash.

A file either lands whole (its source row plus every good record) or not at all: a
failure or a kill part-way leaves the project as it was. Problems the reader found are
stored on the source row so they can be shown again later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from triage.errors import InputError
from triage.records.load import read_file
from triage.records.model import Problem
from triage.store.db import Project
from triage.store.records import add_records, find_source_by_hash
from triage.store.rounds import resolve_round
from triage.store.schema import SourceRow

__all__ = ["ImportOutcome", "import_file", "import_files"]


@dataclass
class ImportOutcome:
    """What happened to one file: imported, skipped as already imported, or failed."""

    path: str
    status: str  # "imported" | "skipped" | "failed"
    records: int = 0
    database: str | None = None
    format: str | None = None
    source_id: int | None = None
    problems: list[Problem] = field(default_factory=list)
    message: str | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def import_file(
    project: Project,
    path: str | Path,
    *,
    source: str | None = None,
    force: bool = False,
    encoding: str | None = None,
    search_round: str | None = None,
) -> ImportOutcome:
    """Read ``path`` and store its records in one transaction.

    A file whose bytes were imported before is skipped unless ``force``. Raises
    nothing for bad input: an unreadable file gives ``status="failed"`` with the
    reader's message; record-level problems come back in ``problems``.
    ``search_round`` names the search round the file belongs to (made if new); none:
    the first search.
    """
    path = Path(path)
    try:
        result = read_file(path, source=source, encoding=encoding)
    except InputError as exc:
        return ImportOutcome(path=str(path), status="failed", message=str(exc))
    with project.transaction() as session:
        earlier = find_source_by_hash(session, result.sha256)
        if earlier is not None and not force:
            when = earlier.imported_at.strftime("%Y-%m-%d %H:%M")
            return ImportOutcome(
                path=str(path),
                status="skipped",
                source_id=earlier.id,
                database=earlier.database,
                format=earlier.format,
                message=(
                    f"{path.name}: already imported on {when} as source {earlier.id} "
                    f"({earlier.record_count} records); pass --force to import it again"
                ),
            )
        row = SourceRow(
            file_name=path.name,
            file_path=str(path.resolve()),
            sha256=result.sha256,
            format=result.format,
            encoding=result.encoding,
            database=source or result.database,
            record_count=len(result.records),
            problems=[p.stored() for p in result.problems],
            round_id=resolve_round(session, search_round, create=True),
        )
        session.add(row)
        session.flush()
        count = add_records(session, row.id, result.records)
        return ImportOutcome(
            path=str(path),
            status="imported",
            records=count,
            database=row.database,
            format=result.format,
            source_id=row.id,
            problems=list(result.problems),
        )


def import_files(
    project: Project,
    paths: Iterable[str | Path],
    *,
    source: str | None = None,
    force: bool = False,
    encoding: str | None = None,
    search_round: str | None = None,
    on_file_done: Callable[[ImportOutcome], None] | None = None,
) -> list[ImportOutcome]:
    """Import several files, each in its own transaction; one bad file stops none of the rest."""
    outcomes = []
    for path in paths:
        outcome = import_file(project, path, source=source, force=force, encoding=encoding,
                              search_round=search_round)
        outcomes.append(outcome)
        if on_file_done is not None:
            on_file_done(outcome)
    return outcomes
