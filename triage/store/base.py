"""The SQLAlchemy declarative base shared by every table module.

Table modules (``schema.py`` for the core, ``schema_dedup.py``, ``schema_coding.py``, ``schema_ranking.py``)
all register on this one ``Base.metadata`` so migrations see every table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.orm import DeclarativeBase, Session

__all__ = ["IN_CHUNK", "Base", "in_chunks", "read_once", "utcnow"]

T = TypeVar("T")

#: Ids per ``IN`` list: below every database's limit on bound parameters (SQLite's 32,766,
#: PostgreSQL's 65,535), so a query over many ids is sent in pieces of this size.
IN_CHUNK = 5_000


def in_chunks(ids: Sequence[T]) -> Iterator[Sequence[T]]:
    """``ids`` in consecutive pieces of :data:`IN_CHUNK` (``itertools.batched`` is Python 3.12)."""
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start : start + IN_CHUNK]


class Base(DeclarativeBase):
    """Declarative base of all triage tables."""


def utcnow() -> datetime:
    """Timezone-aware UTC now; every timestamp triage stores is UTC."""
    return datetime.now(UTC)


def read_once(session: Session, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, asked once per read-only session (``Project.reading``: nothing changes
    there, and a request asks some questions, such as the allocation in force, several times:
    each a round trip to a server database). Other sessions compute every time."""
    if not session.info.get("read_only"):
        return compute()
    memo = session.info.setdefault("read_once", {})
    if key not in memo:
        memo[key] = compute()
    found: T = memo[key]
    return found
