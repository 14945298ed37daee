"""Changing a project setting with a record of the change: who, when, from what, to what.

A setting such as ``exclusion_reason_required`` changes what a decision needs; a
methodologist reading the project later must see when it changed. The log is a list
kept in the ``settings`` table itself (key :data:`LOG_KEY`), written in the same
transaction as the new value, so the two never disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from triage.store.db import Project
from triage.store.schema import SettingRow

__all__ = ["LOG_KEY", "change_setting", "log_change", "settings_log"]

LOG_KEY = "settings_log"


def change_setting(project: Project, name: str, value: object, *, by: str | None = None) -> None:
    """Store ``value`` for ``name`` (None: back to the default) and log the change."""
    with project.transaction() as session:
        row = session.get(SettingRow, name)
        old = row.value if row is not None else None
        if value is None:
            if row is not None:
                session.delete(row)
        else:
            session.merge(SettingRow(key=name, value=value))
        log_change(session, name, old, value, by=by)


def log_change(session: Session, name: str, old: object, new: object, *, by: str | None) -> None:
    """Append one change to the log in the caller's transaction (a setting, or what else a
    methodologist must see changed later: the database an imported file is counted under)."""
    log = session.get(SettingRow, LOG_KEY)
    entries: list[dict[str, Any]] = list(log.value) if log is not None and isinstance(log.value, list) else []
    entries.append({
        "setting": name, "from": old, "to": new, "by": by,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    })
    session.merge(SettingRow(key=LOG_KEY, value=entries))


def settings_log(project: Project) -> list[dict[str, Any]]:
    """Every logged change, oldest first."""
    stored = project.get_setting(LOG_KEY, [])
    return list(stored) if isinstance(stored, list) else []
