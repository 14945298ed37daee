"""RIS reader: our own TY/ER integrity pass with line numbers, rispy for each record.

rispy alone silently drops a record without ``ER``, skips text before ``TY`` and
merges two records when a second ``TY`` comes before ``ER``. So we split the file into
records ourselves, reporting each of those with its line, and hand every record's lines
to rispy's parser (identity tag mapping, so ``raw`` keeps the source's own tags).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rispy import RisParser

from triage.records import ris_tags
from triage.records.model import Problem, Record
from triage.records.normalize import normalize_doi, normalize_year
from triage.records.source import Source, as_list, first, iter_lines, record_from_tags, split_issn_isbn

__all__ = ["Chunk", "is_ris_tag_line", "read_ris", "record_from_ris", "split_records"]

#: "XX  - value": what rispy accepts as a tag line (two spaces, a dash, a space or nothing).
_TAG_LINE = re.compile(r"[A-Z][A-Z0-9]  -(?: |$)")
#: A line that looks meant as a tag but has the wrong spacing ("KW - x", "PMID - 1").
_MALFORMED = re.compile(r"[A-Z][A-Z0-9]{1,3} {0,3}-(?: |$)")
_RECORD_NUMBER = re.compile(r"\d+\.")
_PUBMED_DATABASES = ("PubMed", "Ovid MEDLINE")
_PMID_URL = re.compile(r"(?:ncbi\.nlm\.nih\.gov/pubmed/|pubmed\.ncbi\.nlm\.nih\.gov/)(\d{1,9})")


class _Identity(dict[str, str]):
    """rispy mapping that keeps every tag as its own key (so nothing is 'unknown' to rispy)."""

    def __missing__(self, key: str) -> str:
        return key


@dataclass
class Chunk:
    """The lines of one record and the 1-based line number of its first line."""

    line: int
    lines: list[str] = field(default_factory=list)
    closed: bool = False


def is_ris_tag_line(line: str) -> bool:
    """True for a well-formed RIS tag line (``TY  - JOUR``)."""
    return _TAG_LINE.match(line) is not None


def split_records(
    lines: Iterable[str],
    source: Source,
    problems: list[Problem],
    *,
    is_start: Callable[[str], bool],
    is_end: Callable[[str], bool],
    start_name: str,
    end_name: str,
) -> Iterator[Chunk]:
    """Yield the records between start and end lines, one at a time, appending to
    ``problems`` every record without an end and any text outside records, with its line."""
    current: Chunk | None = None
    outside: list[tuple[int, str]] = []
    seen_any = False
    for number, line in enumerate(lines, 1):
        if is_start(line):
            if current is not None:
                problems.append(
                    source.problem(
                        f"{start_name} without {end_name}: a new {start_name} starts at line {number}; "
                        f"the record was imported up to line {number - 1}",
                        line=current.line,
                        hint=f"check this record; add the missing {end_name} line or re-export the file",
                    )
                )
                yield current
            elif outside:
                problems.append(
                    _outside_problem(outside, source, before_first=not seen_any, start=start_name)
                )
                outside = []
            current = Chunk(number, [line])
            seen_any = True
        elif current is None:
            # Ovid numbers its records ("1.", "2.") between them: not data, not worth a warning.
            if line.strip() and not _RECORD_NUMBER.fullmatch(line.strip()):
                outside.append((number, line))
        else:
            current.lines.append(line)
            if is_end(line):
                current.closed = True
                yield current
                current = None
    if current is not None:
        problems.append(
            source.problem(
                f"{start_name} without {end_name} at the end of the file; the record was imported "
                "up to the last line",
                line=current.line,
                hint="the file may be cut short; re-export it",
            )
        )
        yield current
    if outside:
        problems.append(_outside_problem(outside, source, before_first=not seen_any, start=start_name))


def _outside_problem(
    outside: list[tuple[int, str]], source: Source, *, before_first: bool, start: str
) -> Problem:
    first_line, last_line = outside[0][0], outside[-1][0]
    span = f"line {first_line}" if first_line == last_line else f"lines {first_line}-{last_line}"
    tags = {text[:2] for _, text in outside if _TAG_LINE.match(text)}
    where = (
        f"before the first {start}" if before_first else f"between records (after an ER, before a {start})"
    )
    if tags & ris_tags.RECORD_BODY_TAGS:
        return source.problem(
            f"tagged lines {where} ({span}) were not imported",
            line=first_line,
            hint=f"a record may be missing its {start} line; add it or re-export the file",
        )
    if tags:
        # Ovid writes "NL  - journal abbreviation" after ER: stray, but no record lost.
        return source.problem(
            f"tag(s) {', '.join(sorted(tags))} {where} ({span}) not imported",
            line=first_line,
            severity="warning",
        )
    return source.problem(f"text {where} ignored ({span})", line=first_line, severity="warning")


def read_ris(text: str, source: Source) -> tuple[list[Record], list[Problem]]:
    """Read RIS ``text``: every TY..ER block becomes a record, problems carry lines."""
    problems: list[Problem] = []
    chunks = split_records(
        iter_lines(text),
        source,
        problems,
        is_start=lambda line: line.startswith("TY  -"),
        is_end=lambda line: line.startswith("ER  -"),
        start_name="TY",
        end_name="ER",
    )
    parser = RisParser(
        mapping=_Identity(),
        list_tags=list(ris_tags.LIST_TAGS),
        delimiter_tags_mapping={},
        enforce_list_tags=False,
    )
    unknown: dict[str, list[int]] = {}
    records: list[Record] = []
    for position, chunk in enumerate(chunks, 1):
        body = chunk.lines if chunk.closed else [*chunk.lines, "ER  - "]
        for offset, line in enumerate(body[1:], chunk.line + 1):
            if _TAG_LINE.match(line):
                tag = line[:2]
                if tag not in ris_tags.KNOWN_TAGS:
                    unknown.setdefault(tag, [offset, 0])[1] += 1
            elif _MALFORMED.match(line):
                problems.append(
                    source.problem(
                        f"malformed tag line {line.strip()[:40]!r} read as text of the previous tag",
                        line=offset,
                        severity="warning",
                        hint="RIS tags are two characters, two spaces, a dash and a space: 'KW  - value'",
                    )
                )
        parsed = parser.parse_lines(iter(body))
        raw: dict[str, Any] = parsed[0] if parsed else {}
        record = record_from_ris(raw, source.database)
        record.provenance = source.provenance(position, chunk.line)
        records.append(record)
    for tag, (first_line, count) in unknown.items():
        problems.append(
            source.problem(
                f"unknown RIS tag {tag!r} on {count} line(s), kept in raw",
                line=first_line,
                severity="warning",
            )
        )
    return records, problems


def record_from_ris(raw: dict[str, Any], database: str | None = None) -> Record:
    """Build a :class:`Record` from RIS tags (``raw`` is kept as is).

    Tag choice follows :data:`ris_tags.FIELDS`; the dialects differ only in that table.
    """
    tags = ris_tags.FIELDS
    authors: list[str] = []
    for tag in ris_tags.AUTHOR_TAGS:
        # A name repeated within a tag is two people; one repeated across AU and A1 is one.
        seen = set(authors)
        authors.extend(a for a in as_list(raw.get(tag)) if a not in seen)
    start, end = first(raw, tags["start_page"]), first(raw, tags["end_page"])
    pages = start
    if start and end and "-" not in start and end != start:
        pages = f"{start}-{end}"
    doi = first(raw, tags["doi"])
    if doi is None:
        doi = next(
            (
                d
                for tag in tags["doi_fallback"]
                if tag in raw
                for v in as_list(raw[tag])
                if (d := normalize_doi(v))
            ),
            None,
        )
    issn = isbn = None
    for value in (v for tag in tags["issn_isbn"] for v in as_list(raw.get(tag))):
        as_issn, as_isbn = split_issn_isbn(value)
        issn, isbn = issn or as_issn, isbn or as_isbn
    notes = as_list(raw.get("N1"))
    return record_from_tags(
        raw,
        tags,
        authors=authors,
        year=next((y for t in tags["year"] if (y := normalize_year(first(raw, (t,)))) is not None), None),
        pages=pages,
        doi=doi,
        pmid=_pmid(raw, database),
        issn=issn,
        isbn=isbn,
        keywords=as_list(raw.get("KW")),
        notes="\n".join(notes) if notes else None,
    )


def _pmid(raw: dict[str, Any], database: str | None) -> str | None:
    accession = first(raw, ris_tags.FIELDS["pmid"])
    from_pubmed = database in _PUBMED_DATABASES or first(raw, ("DP",)) == "NLM"
    if accession and accession.isdigit() and (from_pubmed or len(accession) <= ris_tags.PMID_MAX_DIGITS):
        return accession
    for tag in ("UR", "L2"):
        for value in as_list(raw.get(tag)) if tag in raw else ():
            if match := _PMID_URL.search(value):
                return match.group(1)
    return None
