"""triage: import, deduplicate, rank and code records for systematic reviews.

Every final decision is a person's: triage suggests, orders, explains and records;
it never includes, excludes or codes anything by itself.
"""

from __future__ import annotations

from triage.errors import (
    CriteriaError,
    DecisionError,
    EvaluationError,
    InputError,
    ProjectError,
    TriageError,
)
from triage.records.model import Problem, Provenance, ReadResult, Record
from triage.store.db import Project

__version__ = "0.1.0"

__all__ = [
    "CriteriaError",
    "DecisionError",
    "EvaluationError",
    "InputError",
    "Problem",
    "Project",
    "ProjectError",
    "Provenance",
    "ReadResult",
    "Record",
    "TriageError",
    "__version__",
]
