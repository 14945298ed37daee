"""A lead's resolutions of disagreements between coders: ``coding_resolutions``.

Double coding a share of segments (issue 16) needs the disagreements settled with a
note, logged with who and when. A new table only; the coding allocation itself is an
``allocations`` row at stage ``coding`` and needs no change.

Revision ID: 0011_tcode
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_tcode"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coding_resolutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("resolved_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["segment_id"], ["coding_segments.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_coding_resolutions_segment_id", "coding_resolutions", ["segment_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_coding_resolutions_segment_id", table_name="coding_resolutions")
    op.drop_table("coding_resolutions")
