"""The SQLAlchemy declarative base shared by every table module.

Table modules (``schema.py`` for the core, ``schema_dedup.py``, ``schema_coding.py``, ``schema_ranking.py``)
all register on this one ``Base.metadata`` so migrations see every table.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import DeclarativeBase

__all__ = ["Base", "utcnow"]


class Base(DeclarativeBase):
    """Declarative base of all triage tables."""


def utcnow() -> datetime:
    """Timezone-aware UTC now; every timestamp triage stores is UTC."""
    return datetime.now(UTC)
