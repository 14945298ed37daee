"""Exceptions raised by triage's library code.

Only ``triage.cli`` and ``triage.web`` turn these into one-line messages; library code
raises them and never prints. The tree::

    TriageError                 base of everything triage raises on purpose
    ├── InputError              a file a user gave us cannot be read (names path, line, record)
    ├── CriteriaError           a SPICE criteria TOML file is invalid (names key and line)
    ├── ProjectError            the project store is missing, locked, or from a newer triage
    ├── DecisionError           a screening/coding decision is invalid (unknown record, reason)
    ├── EvaluationError         evaluation input lacks what the metric needs (labels, truth column)
    └── AccessError             on a team project: no such active user, or the role may not do this
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AccessError",
    "CriteriaError",
    "DecisionError",
    "EvaluationError",
    "InputError",
    "ProjectError",
    "TriageError",
]


class TriageError(Exception):
    """Base class: an expected failure whose message is fit to show a user as is."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class InputError(TriageError):
    """A user-supplied file cannot be read, or part of it cannot.

    The message reads ``path:line: what is wrong; what to do`` so that editors and
    terminals can jump to the place.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        record: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.record = record
        where = ""
        if self.path is not None:
            where = Path(self.path).name
            if line is not None:
                where += f":{line}"
            elif record is not None:
                where += f": record {record}"
            where += ": "
        super().__init__(where + message, hint=hint)


class CriteriaError(TriageError):
    """A criteria file is invalid; the message names the key and, where known, the line."""


class ProjectError(TriageError):
    """The project store cannot be opened or used as asked."""


class DecisionError(TriageError):
    """A decision cannot be recorded (unknown record, missing exclusion reason, ...)."""


class EvaluationError(TriageError):
    """Evaluation input is missing what a metric needs."""


class AccessError(TriageError):
    """On a team project, the person acting is unknown, deactivated, or their role may not do this."""
