"""The project's criteria file, found from its settings (light: no ranking imports,
so quick commands such as ``triage decide`` start fast)."""

from __future__ import annotations

from pathlib import Path

from triage.criteria import Criteria, load_criteria
from triage.store.db import Project

__all__ = ["project_criteria"]


def project_criteria(project: Project) -> Criteria | None:
    """The project's criteria (``criteria_file`` setting, relative to the project), if any."""
    name = project.get_setting("criteria_file")
    if not name:
        return None
    path = Path(str(name))
    if not path.is_absolute():
        path = project.directory / path
    return load_criteria(path)
