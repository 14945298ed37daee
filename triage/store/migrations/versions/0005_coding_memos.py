"""Memos on codes and segments: ``coding_memos``.

A synthesis keeps analytic notes beside its coding (why a code exists, what a passage
suggests); they travel to NVivo and ATLAS.ti as REFI-QDA notes. A new table only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coding_memos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.String(), nullable=True),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("coder", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["segment_id"], ["coding_segments.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_coding_memos_code_id", "coding_memos", ["code_id"], unique=False)
    op.create_index("ix_coding_memos_segment_id", "coding_memos", ["segment_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_coding_memos_segment_id", table_name="coding_memos")
    op.drop_index("ix_coding_memos_code_id", table_name="coding_memos")
    op.drop_table("coding_memos")
