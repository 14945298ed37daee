"""Helpers shared by the dedup tests: put records into a real project store."""

from __future__ import annotations

from sqlalchemy import func, select

from triage.dedup.keys import record_keys
from triage.dedup.match import Verdict, classify_pair
from triage.records.model import Provenance, Record
from triage.store.db import Project
from triage.store.records import add_records
from triage.store.schema import RecordRow, SourceRow

TITLE = "Eculizumab in atypical haemolytic uraemic syndrome after kidney transplantation"


def add(project: Project, database: str, records: list[Record]) -> list[int]:
    """Import ``records`` as one source from ``database``; returns their ids."""
    with project.transaction() as session:
        source = SourceRow(file_name=f"{database}.ris", file_path=f"/x/{database}.ris", sha256=database * 8,
                        format="ris", database=database)
        session.add(source)
        session.flush()
        for n, r in enumerate(records, start=1):
            r.provenance = Provenance(f"{database}.ris", database * 8, n, database=database)
        before = session.scalar(select(func.max(RecordRow.id))) or 0
        add_records(session, source.id, records)
        return list(session.scalars(select(RecordRow.id).where(RecordRow.id > before).order_by(RecordRow.id)))


def rec(title: str = TITLE, **fields: object) -> Record:
    base: dict[str, object] = {"title": title, "authors": ["Zuber, J."], "year": 2011, "journal": "Transplantation",
                               "volume": "91", "pages": "1057-1064"}
    base.update(fields)
    return Record(**base)  # type: ignore[arg-type]


def verdict(sets: dict[str, dict[str, Record]], name: str, a: str, b: str) -> Verdict:
    """How triage classifies records ``a`` and ``b`` of shared dedup set ``name``."""
    return classify_pair(record_keys(0, sets[name][a]), record_keys(1, sets[name][b]))
