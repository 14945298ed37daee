"""Alembic environment: runs triage's revisions on the connection triage passes in.

:mod:`triage.store.versioning` puts an open connection (inside its transaction) into
``config.attributes["connection"]``, so users never need an ``alembic.ini``. SQLite
cannot alter most columns in place, so there revisions run in batch mode (copy and swap).
"""

from __future__ import annotations

from alembic import context

from triage.store import (  # noqa: F401  (register tables)
    schema,
    schema_allocation,
    schema_coding,
    schema_dedup,
    schema_ranking,
    schema_users,
)
from triage.store.base import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
