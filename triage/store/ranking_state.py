"""Reading and writing the project's ranking state (table ``ranking_state``).

Each piece is stored under ``(kind, stage, preset)`` with the key of what it was computed
from; a reader asks for it with the key it would compute now and gets nothing when they
differ, so a stale piece is never used. What goes into the keys is read here too
(:func:`ranking_inputs`): a handful of aggregate queries, cheap enough for every command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from triage.store.base import utcnow
from triage.store.decisions import decision_state_version
from triage.store.groups import dedup_horizon
from triage.store.schema import EmbeddingRow
from triage.store.schema_ranking import RankingStateRow
from triage.store.upsert import conflict_insert

__all__ = ["RankingInputs", "StoredState", "clear_ranking_state", "load_state", "ranking_inputs", "save_state",
           "state_summaries"]


@dataclass(frozen=True)
class RankingInputs:
    """What the ranking of one stage depends on, as cheap fingerprints.

    ``records``: the records to screen (newest record id, merges made and undone, the dedup
    horizon); ``decisions``: :func:`~triage.store.decisions.decision_state_version`, which
    includes ``records``; ``embedded``: vectors stored for the embedding model."""

    records: tuple[int, ...]
    decisions: tuple[int, ...]
    embedded: int


@dataclass(frozen=True)
class StoredState:
    """One stored piece: its arrays (``data``), what a reader shows without them (``meta``)."""

    kind: str
    key: str
    meta: dict[str, Any]
    data: bytes
    decisions_seen: int
    computed_at: datetime


def ranking_inputs(session: Session, *, stage: str, embedding_model: str) -> RankingInputs:
    """The fingerprints :class:`RankingInputs` describes, read now."""
    decisions = decision_state_version(session, stage=stage)
    records = (*decisions[2:], dedup_horizon(session) or 0)
    embedded = session.scalar(select(func.count()).where(EmbeddingRow.model == embedding_model)) or 0
    return RankingInputs(records=records, decisions=(*decisions, records[-1]), embedded=int(embedded))


def load_state(session: Session, kind: str, *, stage: str, preset: str, key: str | None = None) -> StoredState | None:
    """The stored piece, or None if there is none or (``key`` given) it was computed from
    something else."""
    row = session.get(RankingStateRow, (kind, stage, preset))
    if row is None or (key is not None and row.key != key):
        return None
    return StoredState(row.kind, row.key, dict(row.meta or {}), row.data, row.decisions_seen, row.computed_at)


def save_state(
    session: Session, kind: str, *, stage: str, preset: str, key: str, data: bytes,
    meta: dict[str, Any] | None = None, decisions_seen: int = 0,
) -> None:
    """Store a piece, replacing the one computed before.

    One statement that inserts or replaces (``ON CONFLICT DO UPDATE``, in SQLite and PostgreSQL
    alike): two processes of a team project (two servers, a server and a CLI command) that
    built the same piece at once both store it, where a read-then-insert let the second fail."""
    values = {"kind": kind, "stage": stage, "preset": preset, "key": key, "data": data, "meta": meta or {},
              "decisions_seen": decisions_seen, "computed_at": utcnow()}
    insert = conflict_insert(session)
    statement = insert(RankingStateRow).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["kind", "stage", "preset"],
        set_={name: statement.excluded[name] for name in ("key", "data", "meta", "decisions_seen", "computed_at")},
    ))


def state_summaries(session: Session) -> list[dict[str, Any]]:
    """Every stored piece without its arrays: kind, stage, preset, size, when, decisions seen."""
    query = select(RankingStateRow.kind, RankingStateRow.stage, RankingStateRow.preset,
                   func.length(RankingStateRow.data), RankingStateRow.computed_at, RankingStateRow.decisions_seen)
    return [
        {"kind": kind, "stage": stage, "preset": preset, "bytes": int(size or 0),
         "computed_at": when.isoformat() if when else None, "decisions_seen": seen}
        for kind, stage, preset, size, when, seen in session.execute(query)
    ]


def clear_ranking_state(session: Session) -> int:
    """Forget every stored piece (they are rebuilt on next use); returns how many."""
    result = session.execute(delete(RankingStateRow))
    return int(getattr(result, "rowcount", 0) or 0)
