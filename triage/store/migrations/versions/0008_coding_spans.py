"""Coding a span inside a paragraph: ``coding_segments.parent_id``.

A coder can apply a code to part of a paragraph (a phrase, one clause of a quotation),
not only to a whole paragraph or sentence. The span is stored as a segment of kind
``span`` with its own character offsets into the document's text; ``parent_id`` names
the paragraph or sentence it was selected in. Existing segments get NULL; nothing
stored changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("coding_segments", sa.Column("parent_id", sa.Integer(), nullable=True))
    op.create_index("ix_coding_segments_parent_id", "coding_segments", ["parent_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_coding_segments_parent_id", table_name="coding_segments")
    with op.batch_alter_table("coding_segments") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("parent_id")
