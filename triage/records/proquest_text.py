"""ProQuest's plain-text export ("Document 1 of 100", then one "Label: value" line per field).

ProQuest writes a report header and a table of contents, then each record after a line
of underscores and a ``Document N of M`` line; fields are ``Label: value`` lines, values
may run over further lines (abstract paragraphs). Only labels ProQuest uses
(:data:`ris_tags.PROQUEST_LABELS`) start a field, so a structured abstract's
``Methods: ...`` stays in the abstract. Hand-written: no library reads this format.
"""

from __future__ import annotations

import re
from typing import Any

from triage.records import ris_tags
from triage.records.model import Problem, Record
from triage.records.normalize import normalize_doi
from triage.records.source import Source, first, iter_lines, record_from_tags

__all__ = ["looks_like_proquest_text", "read_proquest_text", "record_from_proquest"]

_DOCUMENT = re.compile(r"Document \d+ of \d+\s*$")
_FIELD = re.compile(r"([A-Za-z][A-Za-z0-9 /()&.-]{0,40}?)\s*:\s?(.*)$")
_DOCUMENT_LINE = re.compile(r"(?m)^Document \d+ of \d+\s*$")
_LABEL_LINE = re.compile(r"(?m)^(?:Title|Author|Abstract): ")
_RULE = re.compile(r"_{10,}\s*$")
_LIST_SPLIT = re.compile(r"\s*;\s*")


def looks_like_proquest_text(text: str) -> bool:
    """True when ``text`` has ProQuest's ``Document N of M`` lines followed by labelled fields."""
    return _DOCUMENT_LINE.search(text) is not None and _LABEL_LINE.search(text) is not None


def read_proquest_text(text: str, source: Source) -> tuple[list[Record], list[Problem]]:
    """Read a ProQuest text export; the header and table of contents before the first document are skipped."""
    records: list[Record] = []
    problems: list[Problem] = []
    raw: dict[str, Any] | None = None
    start = 0
    last: str | None = None

    def finish() -> None:
        if raw is None:
            return
        record = record_from_proquest(raw)
        if record.title is None and not record.authors:
            problems.append(
                source.problem(
                    "document without a Title or Author line; not imported", line=start, hint="check the export"
                )
            )
            return
        record.provenance = source.provenance(len(records) + 1, start)
        records.append(record)

    for number, line in enumerate(iter_lines(text), 1):
        if _DOCUMENT.match(line):
            finish()
            raw, start, last = {}, number, None
            continue
        if raw is None or not line.strip():
            continue
        if _RULE.match(line):
            last = None  # the rule after a document ends it; what follows until the next document is not data
            continue
        match = _FIELD.match(line)
        if match and match.group(1) in ris_tags.PROQUEST_LABELS:
            last = match.group(1)
            value = match.group(2).strip()
            raw[last] = [*raw[last], value] if isinstance(raw.get(last), list) else (
                [raw[last], value] if last in raw else value
            )
        elif last is not None:
            previous = raw[last]
            if isinstance(previous, list):
                previous[-1] = f"{previous[-1]} {line.strip()}"
            else:
                raw[last] = f"{previous} {line.strip()}"
    finish()
    return records, problems


def record_from_proquest(raw: dict[str, Any]) -> Record:
    """Build a :class:`Record` from ProQuest labels (:data:`ris_tags.PROQUEST_FIELDS`)."""
    tags = ris_tags.PROQUEST_FIELDS
    authors = [a for a in _LIST_SPLIT.split(first(raw, tags["authors"]) or "") if a]
    keywords = [k for label in tags["keywords"] for k in _LIST_SPLIT.split(first(raw, (label,)) or "") if k]
    return record_from_tags(
        raw,
        tags,
        authors=authors,
        keywords=keywords,
        doi=normalize_doi(first(raw, tags["doi"])),
    )
