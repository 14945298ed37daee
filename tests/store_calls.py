"""Counting what a piece of code asks of the store on the real pool and driver (every engine)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class StoreCalls:
    """Pool checkouts (on PostgreSQL each a pre-ping round trip) and the SQL given to the driver."""

    checkouts: int = 0
    statements: list[str] = field(default_factory=list)


@contextmanager
def counted_store_calls() -> Iterator[StoreCalls]:
    """Count every checkout and driver statement made inside the block."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    calls = StoreCalls()

    def statement(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        calls.statements.append(sql)

    def checkout(*_args: object) -> None:
        calls.checkouts += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Pool, "checkout", checkout)
    try:
        yield calls
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
        event.remove(Pool, "checkout", checkout)
