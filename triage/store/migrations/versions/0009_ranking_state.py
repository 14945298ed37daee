"""The ranking state kept in the project: ``ranking_state``.

TF-IDF, criteria scores and the last order are stored with a key naming what they were
computed from, so ``triage next`` and ``triage status`` reuse them instead of rebuilding
the ranking on every call. A new table only; it starts empty and fills on first use.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ranking_state",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("preset", sa.String(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decisions_seen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "stage", "preset"),
    )


def downgrade() -> None:
    op.drop_table("ranking_state")
