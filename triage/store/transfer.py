"""Copying a whole project store between databases (SQLite <-> PostgreSQL), row for row.

Every table of the models is copied with its primary keys, so ids that people quote
(record 42, merge 7, decision 1031) mean the same in the copy, and the append-only logs
keep their order. The copy is written in one transaction together with the new store's
schema (see ``contents`` of :meth:`Project.init`): a failed copy leaves no half-made store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Integer, Table, bindparam, select, text, update

from triage.store.base import Base
from triage.store.db import Project

__all__ = ["copy_project", "copy_rows", "table_rows"]

#: Rows read and written per round trip.
BATCH = 5000


def copy_project(source: Project, directory: Path, database: str | None) -> tuple[Project, dict[str, int]]:
    """A new project in ``directory`` / ``database`` holding every row of ``source``.

    Returns the new (open) project and the rows copied per table.
    """
    counts: dict[str, int] = {}

    def fill(target: Connection) -> None:
        with source.engine.connect() as reading:
            counts.update(copy_rows(reading, target))

    return Project.init(directory, database, contents=fill), counts


def _self_references(table: Table) -> list[Column[Any]]:
    """Columns pointing into their own table (``records.merged_into``): filled in afterwards."""
    return [c for c in table.columns if any(fk.column.table is table for fk in c.foreign_keys)]


def _utc(value: object) -> object:
    """Timestamps as aware UTC: SQLite hands back naive UTC, PostgreSQL the session's zone."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _rows(connection: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    stmt = select(table).order_by(*table.primary_key.columns)
    result = connection.execution_options(yield_per=BATCH).execute(stmt)
    for chunk in result.partitions():
        yield [{k: _utc(v) for k, v in row._mapping.items()} for row in chunk]


def copy_rows(source: Connection, target: Connection) -> dict[str, int]:
    """Replace every row of ``target``'s tables with ``source``'s; rows per table."""
    tables = Base.metadata.sorted_tables
    for table in reversed(tables):
        target.execute(table.delete())
    counts: dict[str, int] = {}
    for table in tables:
        later = _self_references(table)
        pk = table.primary_key.columns
        deferred: list[dict[str, Any]] = []
        counts[table.name] = 0
        for rows in _rows(source, table):
            for row in rows:
                if any(row[c.name] is not None for c in later):
                    deferred.append({f"b_{k.name}": row[k.name] for k in [*pk, *later]})
                    row.update({c.name: None for c in later})
            target.execute(table.insert(), rows)
            counts[table.name] += len(rows)
        if deferred:
            stmt = (
                update(table)
                .where(*[k == bindparam(f"b_{k.name}") for k in pk])
                .values({c.name: bindparam(f"b_{c.name}") for c in later})
            )
            target.execute(stmt, deferred)
    if target.dialect.name == "postgresql":
        _advance_sequences(target, tables)
    return counts


def _advance_sequences(connection: Connection, tables: list[Table]) -> None:
    """Move each serial id's sequence past the copied ids, so the next row gets a new one."""
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        connection.execute(
            text(
                f'SELECT setval(pg_get_serial_sequence(:table, :column), COALESCE(MAX("{pk[0].name}"), 0) + 1, false) '
                f'FROM "{table.name}"'
            ),
            {"table": table.name, "column": pk[0].name},
        )


def table_rows(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary-key order, timestamps in UTC: for comparing stores."""
    return {table.name: [row for rows in _rows(connection, table) for row in rows] for table in Base.metadata.sorted_tables}
