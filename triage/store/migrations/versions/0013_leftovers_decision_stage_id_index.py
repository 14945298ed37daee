"""An index on ``decisions (stage, id)``.

Every screening card reads the decision log's fingerprint at its stage
(``triage.store.decisions_primed.decision_log_columns``): the newest decision id and the rows
among the last ids. The only index on the stage was ``(stage, record_id)``, so both were a
pass over every decision of the stage: 6 of 12.6 ms per card at 40,000 decisions on
PostgreSQL (``evaluation/bench_card_fingerprint.py``). With this index the newest is one
lookup and the recent rows a short range. An index only; no data changes.

Revision ID: 0013_leftovers
Revises: 0012_scale1m
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013_leftovers"
down_revision: str | Sequence[str] | None = "0012_scale1m"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_decisions_stage_id", "decisions", ["stage", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_decisions_stage_id", table_name="decisions")
