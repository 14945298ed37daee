"""Team screening: ``allocations``, ``screening_claims`` and ``conflict_resolutions``.

Who screens at a stage and what share twice (logged), the leases that keep two
reviewers off one single-screened record, and which decisions a lead made to settle a
conflict. New tables only; reviewers are names, as in ``decisions``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("reviewers", sa.JSON(), nullable=False),
        sa.Column("double_share", sa.Float(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "screening_claims",
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("stage", "record_id", "slot"),
    )
    op.create_index("ix_screening_claims_stage_reviewer", "screening_claims", ["stage", "reviewer"], unique=False)
    op.create_table(
        "conflict_resolutions",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("resolved_by", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"]),
        sa.PrimaryKeyConstraint("decision_id"),
    )


def downgrade() -> None:
    op.drop_table("conflict_resolutions")
    op.drop_index("ix_screening_claims_stage_reviewer", table_name="screening_claims")
    op.drop_table("screening_claims")
    op.drop_table("allocations")
