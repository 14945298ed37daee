"""Put a spreadsheet row with a value too many back under the right columns, by content.

Scopus CSV exports sometimes carry one value more than the header in a row (an unnamed
second "Funding Text" column): every value after it lands one column off, the PubMed id
under "Language of Original Document" and the journal abbreviation under "Document
Type". Which value is the extra one can be read from the content: the file's other rows
show what each column holds (a DOI, a number, a link, a short name, a long text), so the
alignment under which the row looks most like its neighbours, column by column, is the
right one. When no alignment clearly wins the row is refused rather than stored shifted.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["ColumnProfile", "Realignment", "realign"]

#: Rows read into the profile: enough to know the columns, cheap on a 100,000-row file.
_PROFILE_ROWS = 2_000
#: Log-likelihood (natural log) by which a realignment must beat the row as written (about
#: one column's clear evidence once a few rows are profiled), and beat any other realignment
#: (less: only a tie, such as between two text columns alike, is undecidable).
_MARGIN = 2.0
_TIE = 0.5
_DOI = re.compile(r"10\.\d{4,9}/\S+$")
_YEAR = re.compile(r"(1[5-9]|20)\d\d$")


def _kind(value: str) -> str:
    """A coarse kind of cell content: what a column holds, not what the value is.

    Text is told apart by length class (up to 12, 30, 60, 150, 400 characters, or more)
    and by whether it is a ";"-separated list (authors, keywords, references).
    """
    text = value.strip()
    if not text:
        return "empty"
    if text.isdigit():
        return "year" if _YEAR.match(text) else "number"
    if text.startswith(("http://", "https://")):
        return "link"
    if _DOI.match(text):
        return "doi"
    size = next((i for i, limit in enumerate(_LENGTHS) if len(text) <= limit), len(_LENGTHS))
    return f"text{size}{';' if ';' in text else ''}"


_LENGTHS = (12, 30, 60, 150, 400)
#: Kinds a cell can have (for add-one smoothing): 5 named plus text in 6 lengths, listed or not.
_KINDS = 5 + 2 * (len(_LENGTHS) + 1)


@dataclass
class ColumnProfile:
    """How often each kind of content occurs in each column, over well-formed rows."""

    width: int
    counts: list[Counter[str]] = field(default_factory=list)
    rows: int = 0

    def __post_init__(self) -> None:
        self.counts = [Counter() for _ in range(self.width)]

    def add(self, cells: list[str]) -> None:
        """Count one row that has exactly one value per column (the first few thousand only)."""
        if self.rows >= _PROFILE_ROWS:
            return
        self.rows += 1
        for counter, value in zip(self.counts, cells, strict=False):
            counter[_kind(value)] += 1

    def log_likelihood(self, cells: list[str]) -> float:
        """How well ``cells`` (one per column) fit the columns (add-one smoothed)."""
        return sum(
            math.log((counter[_kind(value)] + 1) / (self.rows + _KINDS))
            for counter, value in zip(self.counts, cells, strict=False)
        )


@dataclass(frozen=True)
class Realignment:
    """A row put back under its columns: the cells, and the extra values (in the row's order) with the
    column each followed in ``cells``."""

    cells: list[str]
    extras: list[tuple[int, str]]


def realign(cells: list[str], profile: ColumnProfile) -> Realignment | None:
    """``cells`` (more than the header's width) with each surplus value taken out where the
    row then fits the columns best; None when that place cannot be told.

    Surplus values are taken out one at a time. The row as written (its surplus at the
    end) stands unless taking a value out elsewhere fits the columns better by
    :data:`_MARGIN` and better than every other place by :data:`_TIE`.
    """
    extras: list[tuple[int, str]] = []
    row = list(cells)
    alive = list(range(len(cells)))  # each remaining value's place in ``cells``
    taken: list[int] = []  # the place in ``cells`` of each extra
    while len(row) > profile.width:
        scores = sorted(
            ((profile.log_likelihood(row[:k] + row[k + 1 :]), k) for k in range(len(row))), reverse=True
        )
        as_written = len(row) - 1
        (best, k), written = scores[0], profile.log_likelihood(row[:as_written])
        chosen = row[:k] + row[k + 1 :]
        if chosen == row[:as_written] or best - written < _MARGIN:
            k = as_written
        else:
            tied = {k} | {j for score, j in scores[1:] if best - score < _TIE and row[:j] + row[j + 1 :] != chosen}
            if len(tied) > 2 or max(tied) - min(tied) > 1:
                return None
            # Two neighbouring values alike for one column (two funding texts): the column keeps
            # the first, the surplus is the second, as the unnamed column follows the named one.
            k = max(tied)
        extras.append((k, row[k]))
        taken.append(alive.pop(k))
        row = row[:k] + row[k + 1 :]
    # In the row's own order ('extra_1' is the first surplus value as written), not the order taken out.
    return Realignment(row, [extra for _, extra in sorted(zip(taken, extras))])
