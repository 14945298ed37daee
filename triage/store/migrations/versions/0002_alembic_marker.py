"""Mark the store as kept by Alembic: ``meta.schema_version`` becomes 2.

triage before Alembic reads ``meta.schema_version`` and refuses a store whose number is
above its own 1 ("written by a newer triage"); without this mark it would treat an
Alembic store as its own and could write to tables that have since changed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_meta = sa.table("meta", sa.column("key", sa.String()), sa.column("value", sa.Text()))


def _set_version(value: str) -> None:
    op.execute(_meta.delete().where(_meta.c.key == "schema_version"))
    op.execute(_meta.insert().values(key="schema_version", value=value))


def upgrade() -> None:
    _set_version("2")


def downgrade() -> None:
    _set_version("1")
