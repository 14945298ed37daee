"""Problems of an import as a person can read them: a few of each kind, then how many more.

A 5,000-record export with one quirk per record (a loose tag line in every record, an
unknown tag) would otherwise scroll 5,000 warnings past the one error that matters. The
project keeps every problem with its file (``triage sources problems ID``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from triage.records.model import Problem

__all__ = ["ProblemLine", "grouped_problems", "severity_label"]

_NUMBER = re.compile(r"\d+")
#: How many problems of one kind an import prints before it summarises the rest.
SHOWN_PER_KIND = 3


@dataclass(frozen=True)
class ProblemLine:
    """One line to print: a problem itself, or how many more of ``kind`` were not printed."""

    severity: str
    text: str


def severity_label(severity: str) -> str:
    """The Rich markup a problem's line starts with: ``error:`` or ``warning:``."""
    return "[bold red]error:[/]" if severity == "error" else "[yellow]warning:[/]"


def _kind(problem: Problem) -> tuple[str, str, str]:
    """Problems that differ only in their numbers (lines, counts, record numbers) are one kind."""
    return problem.severity, _NUMBER.sub("#", problem.message), _NUMBER.sub("#", problem.hint or "")


def grouped_problems(problems: Iterable[Problem], *, shown_per_kind: int = SHOWN_PER_KIND,
                     more: str = "") -> Iterator[ProblemLine]:
    """The problems in their order, at most ``shown_per_kind`` of each kind, each kind's
    remainder summarised after the last one shown (``more``: where the rest can be read)."""
    groups: dict[tuple[str, str, str], list[Problem]] = {}
    for problem in problems:
        groups.setdefault(_kind(problem), []).append(problem)
    for same in groups.values():
        for problem in same[:shown_per_kind]:
            yield ProblemLine(problem.severity, str(problem))
        if hidden := same[shown_per_kind:]:
            lines = [str(p.line) for p in hidden if p.line is not None]
            where = f" (lines {', '.join(lines[:5])}{', ...' if len(lines) > 5 else ''})" if lines else ""
            yield ProblemLine(hidden[0].severity,
                              f"{Path(hidden[0].path).name}: {len(hidden)} more like the one above{where}{more}")
