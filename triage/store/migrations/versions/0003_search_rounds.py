"""Search rounds: ``sources.round_id``, ``search_rounds`` and ``database_searches`` (PRISMA-S).

Reviews re-run their searches and import the new exports into the same project; each
import can name its round, and each round records what was searched where. Existing
files belong to the first search (``round_id`` empty), so nothing stored changes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "database_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("database", sa.String(), nullable=False),
        sa.Column("platform", sa.String(), nullable=True),
        sa.Column("searched_on", sa.String(), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("hits", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_database_searches_round_id", "database_searches", ["round_id"], unique=False)
    op.add_column("sources", sa.Column("round_id", sa.Integer(), nullable=True))
    op.create_index("ix_sources_round_id", "sources", ["round_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sources_round_id", table_name="sources")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("round_id")
    op.drop_index("ix_database_searches_round_id", table_name="database_searches")
    op.drop_table("database_searches")
    op.drop_table("search_rounds")
