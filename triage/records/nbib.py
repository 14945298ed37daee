"""Readers for two line-tagged formats with one record per blank-line block:
PubMed/MEDLINE (``.nbib``: ``PMID- 123``, ``AU  - Smith J``) and EndNote tagged
("refer", ``.enl``/``.txt``: ``%A Smith, J``). A blank line followed by a tag line separates
records; text after a blank line continues its field. A block with neither title nor
authors is reported, not imported as a record.

Hand-written: no maintained, light library parses these (Biopython's ``Bio.Medline``
would add a large dependency for what is a line split), and both formats are only
"tag, value, continuation lines". Tag tables live in :mod:`triage.records.ris_tags`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from triage.records import ris_tags
from triage.records.model import Problem, Record
from triage.records.normalize import normalize_doi
from triage.records.source import Source, as_list, first, record_from_tags, split_issn_isbn

__all__ = ["read_enl", "read_nbib", "record_from_enl", "record_from_medline"]

_MEDLINE_TAG = re.compile(r"([A-Z][A-Z0-9]{1,3}) {0,3}- ?(.*)")
_ENL_TAG = re.compile(r"(%[0-9A-Z@!#$&()*+^~>]) ?(.*)")


def _blocks(lines: list[str], is_continuation: Callable[[str], bool]) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    """Yield (first line number, numbered lines) for each blank-line separated record.

    A blank line ends a record only when a tag line follows it: text after a blank line
    continues the field it is in (CNKI's abstracts hold blank lines and tab-indented
    paragraphs). Blank lines themselves are dropped.
    """
    block: list[tuple[int, str]] = []
    previous_blank = False
    for number, line in enumerate(lines, 1):
        blank = not line.strip()
        if previous_blank and not blank and not is_continuation(line) and block:
            yield block[0][0], block
            block = []
        if not blank:
            block.append((number, line))
        previous_blank = blank
    if block:
        yield block[0][0], block


def _read_tagged(
    text: str,
    source: Source,
    *,
    tag_line: re.Pattern[str],
    is_continuation: Callable[[str], bool],
    list_tags: tuple[str, ...],
    build: Callable[[dict[str, Any]], Record],
    example: str,
) -> tuple[list[Record], list[Problem]]:
    records: list[Record] = []
    problems: list[Problem] = []
    for start, block in _blocks(text.splitlines(), is_continuation):
        raw: dict[str, Any] = {}
        last: str | None = None
        for number, line in block:
            match = None if is_continuation(line) else tag_line.fullmatch(line.rstrip())
            if match is None:
                if last is None:
                    problems.append(
                        source.problem(
                            f"line is not a tag line and follows no tag; ignored: {line.strip()[:40]!r}",
                            line=number,
                            severity="warning",
                            hint=f"tag lines look like {example!r}",
                        )
                    )
                    continue
                value = raw[last]
                if isinstance(value, list):
                    value[-1] = f"{value[-1]} {line.strip()}".strip()
                else:
                    raw[last] = f"{value} {line.strip()}".strip()
                continue
            tag, value = match.group(1), match.group(2).strip()
            if tag in list_tags or (tag in raw and not isinstance(raw[tag], list)):
                existing = raw.get(tag)
                raw[tag] = [*as_list_keep(existing), value]
            elif tag in raw:
                raw[tag].append(value)
            else:
                raw[tag] = value
            last = tag
        if not raw:
            continue
        record = build(raw)
        if record.title is None and not record.authors:
            problems.append(
                source.problem(
                    f"lines {start}-{block[-1][0]} hold no title and no authors (tags: {', '.join(raw)}); "
                    "not imported as a record",
                    line=start,
                    hint="if they belong to the record above, a record separator is misplaced; check the export",
                )
            )
            continue
        record.provenance = source.provenance(len(records) + 1, start)
        records.append(record)
    return records, problems


def as_list_keep(value: Any) -> list[str]:
    """Like :func:`as_list` but keeps empty strings (raw is verbatim)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def read_nbib(text: str, source: Source) -> tuple[list[Record], list[Problem]]:
    """Read PubMed/MEDLINE text (continuation lines start with spaces)."""
    return _read_tagged(
        text,
        source,
        tag_line=_MEDLINE_TAG,
        is_continuation=lambda line: line.startswith(" "),
        list_tags=ris_tags.MEDLINE_LIST_TAGS,
        build=record_from_medline,
        example="TI  - Title",
    )


def read_enl(text: str, source: Source) -> tuple[list[Record], list[Problem]]:
    """Read EndNote tagged text (continuation lines do not start with ``%``)."""
    return _read_tagged(
        text,
        source,
        tag_line=_ENL_TAG,
        is_continuation=lambda line: not line.startswith("%"),
        list_tags=ris_tags.ENL_LIST_TAGS,
        build=record_from_enl,
        example="%T Title",
    )


def _medline_doi(raw: dict[str, Any]) -> str | None:
    values = [v for tag in ris_tags.MEDLINE_FIELDS["doi"] for v in as_list(raw.get(tag))]
    for value in values:
        if value.endswith("[doi]"):
            return value[: -len("[doi]")].strip()
    return next((d for v in values if (d := normalize_doi(v))), None)


def record_from_medline(raw: dict[str, Any]) -> Record:
    """Build a :class:`Record` from MEDLINE tags (:data:`ris_tags.MEDLINE_FIELDS`)."""
    tags = ris_tags.MEDLINE_FIELDS
    authors = next((a for tag in tags["authors"] if (a := as_list(raw.get(tag)))), [])
    urls = [v for tag in tags["url"] for v in as_list(raw.get(tag)) if v.startswith("http")]
    notes = as_list(raw.get("GN"))
    return record_from_tags(
        raw,
        tags,
        authors=authors,
        doi=_medline_doi(raw),
        keywords=[k for tag in tags["keywords"] for k in as_list(raw.get(tag))],
        url=urls[0] if urls else None,
        notes="\n".join(notes) if notes else None,
    )


def record_from_enl(raw: dict[str, Any]) -> Record:
    """Build a :class:`Record` from EndNote tags (:data:`ris_tags.ENL_FIELDS`)."""
    tags = ris_tags.ENL_FIELDS
    issn, isbn = split_issn_isbn(first(raw, tags["issn_isbn"]))
    keywords = [k.strip() for v in as_list(raw.get("%K")) for k in re.split(r"[;\n]", v) if k.strip()]
    notes = as_list(raw.get("%Z"))
    return record_from_tags(
        raw,
        tags,
        authors=as_list(raw.get("%A")),
        pmid=None,
        issn=issn,
        isbn=isbn,
        keywords=keywords,
        notes="\n".join(notes) if notes else None,
    )
