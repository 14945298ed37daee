"""A team server's pooled PostgreSQL connections after the server cut them (a restart of
PostgreSQL, an administrator, an idle timeout): the next read must work, not fail once per
pooled connection. The pool checks a connection before handing it out (``pool_pre_ping``);
SQLAlchemy's optimistic alternative (no check; the pool invalidated after the first error)
fails that first read, so this test is what keeps the check."""

from __future__ import annotations

from pathlib import Path

from dedup_support import add
from sqlalchemy import create_engine, func, select, text

from triage.records.model import Record
from triage.store.db import Project
from triage.store.schema import RecordRow


def test_the_pool_reads_again_after_postgresql_cut_its_connections(tmp_path: Path, postgres_database: str) -> None:
    project = Project.init(tmp_path / "review", postgres_database)
    ids = add(project, "Embase", [Record(title=f"Peer support for new fathers, trial {i}") for i in range(3)])
    with project.reading() as first, project.reading() as second:  # two pooled connections
        assert first.scalar(select(func.count(RecordRow.id))) == second.scalar(select(func.count(RecordRow.id)))
    other = create_engine(postgres_database)
    try:
        with other.connect() as admin:
            cut = admin.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                     "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    finally:
        other.dispose()
    assert cut and cut >= 1
    for _ in range(3):  # every pooled connection was cut: each checkout must notice
        with project.reading() as session:
            assert session.scalar(select(func.count(RecordRow.id))) == len(ids)
    project.close()
