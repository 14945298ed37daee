"""Each decision keeps the model's inclusion probability of its record as shown.

The weighted stopping test (``triage.stopping.weighted_quasi``) weighs the records screened
last by what the model thought of them before their labels were known; the ranking score
(``decisions.score``) is not that probability (it carries the criteria's weight). A new
nullable column: decisions made before it stay empty.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("probability", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("probability")
