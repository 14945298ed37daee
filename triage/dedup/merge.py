"""The canonical record of a merge group and the member screened for it.

Pure functions over records; applying, undoing and listing merges in a project is the
store's (:mod:`triage.store.merges`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

from triage.records.model import Record

__all__ = ["CANONICAL_FIELDS", "canonical_record", "choose_representative"]

#: Fields a canonical record takes from its members (``raw`` and provenance stay per source).
CANONICAL_FIELDS: tuple[str, ...] = (
    "title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
    "issn", "isbn", "keywords", "language", "publication_type", "url",
)


def _filled(record: Record) -> int:
    return sum(1 for name in CANONICAL_FIELDS if getattr(record, name) not in (None, "", []))


def _best(values: list[Any]) -> Any:
    """Most common value, ties to the longest (fullest) one: ``123-129`` over ``123-9``."""
    present = [v for v in values if v not in (None, "", [])]
    if not present:
        return None
    counts = Counter(repr(v) for v in present)
    return max(present, key=lambda v: (counts[repr(v)], len(str(v))))


def canonical_record(members: Sequence[Record]) -> dict[str, Any]:
    """Canonical fields of a group: the most complete value of each field.

    Text fields take the most common value (ties: the longest), lists and abstracts
    the longest, so a record with a full author list and an abstract beats a
    truncated one. Returns a JSON-ready dict of :data:`CANONICAL_FIELDS`.
    """
    result: dict[str, Any] = {}
    for name in CANONICAL_FIELDS:
        values = [getattr(m, name) for m in members]
        if name in ("authors", "keywords"):
            lists: list[list[str]] = [list(v or []) for v in values]
            result[name] = max(lists, key=lambda v: len(v))
        elif name == "abstract":
            texts: list[str] = [v for v in values if v]
            result[name] = max(texts, key=len) if texts else None
        else:
            result[name] = _best(values)
    return result


def choose_representative(members: Sequence[tuple[int, Record]], screened: Collection[int] = ()) -> int:
    """The member screened for the group: one already screened (``screened``: ids a decision
    or a reviewer's claim names), then the most complete record, then the oldest id.

    Screening decisions hang on this id, so it is stable: the same group always picks the
    same representative, and a search update's fuller copy of a screened record does not
    take its place (what is screened twice is drawn from this id: a new one drew anew).
    """
    return max(members, key=lambda m: (m[0] in screened, _filled(m[1]), m[1].has_abstract, -m[0]))[0]








