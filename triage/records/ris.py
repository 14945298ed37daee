"""RIS reader: our own TY/ER integrity pass with line numbers, rispy for each record.

rispy alone silently drops a record without ``ER``, skips text before ``TY`` and
merges two records when a second ``TY`` comes before ``ER``; it also fails with
``KeyError: None`` on text between ``TY`` and the first tag and with ``TypeError`` on a
continuation of a tag that occurred twice. So we split the file into records ourselves,
reporting each of those with its line; read loosely written tags (``ti  - x``, ``KW - x``,
APA's four-letter ``PMID  - 1``) as their tag, reporting them; join continuation lines;
and hand every record's tag lines to rispy's parser (identity tag mapping, so ``raw``
keeps the source's own tags).
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

#: "XX  - value": a tag line as the RIS specification writes it. Databases write tags of up to
#: four characters the same way (APA PsycInfo: "PMID  - 33355555"); the value may be empty.
_TAG_LINE = re.compile(r"([A-Z][A-Z0-9]{1,3})  -(?: (.*))?$")
#: A line meant as a tag but written loosely: lower case, or spaces missing or added
#: around the dash ("KW - x", "ti  - y", "TY  -JOUR"). At least one space must touch the
#: dash, so words such as "ER-positive" at the start of a wrapped line stay text.
_LOOSE_TAG = re.compile(r"([A-Za-z][A-Za-z0-9]{1,3})(?:( +)-( ?)|-( ))(.*)$")
_LIST_TAGS = frozenset(ris_tags.LIST_TAGS)
#: Lines export services write around records, not data and not worth a warning: Ovid's record
#: numbers ("1.", "2.") and the header publishers' exports write before a record: the Cochrane
#: Library's and Wiley Online Library's before every one ("Record #1 of 611", "Provider: John
#: Wiley & Sons, Ltd.", "Content: text/plain; charset=..."), APA PsycNet's before the first
#: ("Provider: American Psychological Association", "Database: PsycINFO", "Content: ...").
_EXPORT_FRAMING = re.compile(r"\d+\.|Record #\d+ of \d+|(?:Provider|Database|Content): ?\S.*", re.IGNORECASE)
_PUBMED_DATABASES = ("PubMed", "Ovid MEDLINE")
_PMID_URL = re.compile(r"(?:ncbi\.nlm\.nih\.gov/pubmed/|pubmed\.ncbi\.nlm\.nih\.gov/)(\d{1,9})")
#: Ovid's link to a MEDLINE record ("...ovidweb.cgi?...&D=medl&...&AN=12345678"): there AN is the PMID
#: (Ovid MEDLINE RIS carries it nowhere else). In other Ovid databases AN is their own accession.
_OVID_MEDLINE_AN = re.compile(r"ovidweb\.cgi\?(?=[^\s]*[?&]D=(?:med|prem)\w*)[^\s]*?[?&]AN=(\d{1,9})(?:&|$|\s)")
#: Ovid's untagged link lines after a record's ER: "Link to the Ovid Full Text or citation: URL"
#: and "Link to the External Link Resolver: URL", run together on one line. Each URL is read
#: as one more ``L2`` of the record before (L2: the RIS specification's link to the full
#: text, where Ovid puts its own reference link too), so the record keeps them and the RIS
#: export writes them back as tags; their labels are Ovid's display text, not data.
_OVID_LINK = re.compile(r"Link to [^:]{1,80}?: (\S+?)(?=Link to |\s*$)")
_OVID_LINK_TAG = "L2"


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
    #: Tagged lines found after the record's end, before the next record, that belong to it
    #: (Ovid writes "NL  - journal abbreviation" after ER), with their line numbers.
    trailer: list[tuple[int, str]] = field(default_factory=list)


def is_ris_tag_line(line: str) -> bool:
    """True for a well-formed RIS tag line (``TY  - JOUR``)."""
    return _tag(line) is not None


def _ovid_links(line: str) -> list[str]:
    """The URLs of an Ovid link line (see :data:`_OVID_LINK`); [] for any other line."""
    if not line.startswith("Link to "):
        return []
    matches = list(_OVID_LINK.finditer(line))
    if sum(len(m.group(0)) for m in matches) != len(line.rstrip()):
        return []  # not wholly links: text, reported as such
    return [m.group(1) for m in matches]


def _trailer_tag(line: str) -> str | None:
    """A line's tag where it may follow a record's ER and belong to it: a tag line, or an
    Ovid link line (read as ``L2``)."""
    tag = _tag(line)
    if tag is None and _ovid_links(line):
        return _OVID_LINK_TAG
    return tag


def _tag(line: str) -> str | None:
    """The tag of a well-formed tag line, or None.

    Called several times for every line of files of 100,000 records: the common case (a
    known two-character tag) is settled by slicing, the rest by :data:`_TAG_LINE`.
    """
    if line[2:5] == "  -" and (len(line) == 5 or line[5] == " ") and line[:2] in ris_tags.KNOWN_TAGS:
        return line[:2]
    match = _TAG_LINE.match(line)
    return match.group(1) if match else None


def split_records(
    lines: Iterable[str],
    source: Source,
    problems: list[Problem],
    *,
    is_start: Callable[[str], bool],
    is_end: Callable[[str], bool],
    start_name: str,
    end_name: str,
    trailer_tag: Callable[[str], str | None] | None = None,
) -> Iterator[Chunk]:
    """Yield the records between start and end lines, one at a time, appending to
    ``problems`` every record without an end and any text outside records, with its line.

    With ``trailer_tag`` (a line's tag, or None), tagged lines between one record's end and
    the next start go to the record before them as its ``trailer`` when none of them is a
    record's body (a title, an abstract, authors: that would be a record missing its start,
    which stays an error). A closed record is therefore yielded when the next one starts.
    """
    current: Chunk | None = None
    ended: Chunk | None = None  # closed; waits for what follows its end
    outside: list[tuple[int, str]] = []
    seen_any = False

    def settle() -> Iterator[Chunk]:
        nonlocal ended, outside
        if ended is not None and trailer_tag is not None and outside:
            tagged = [(n, text) for n, text in outside if trailer_tag(text) is not None]
            if tagged and not {trailer_tag(text) for _, text in tagged} & ris_tags.RECORD_BODY_TAGS:
                ended.trailer = tagged
                outside = [(n, text) for n, text in outside if trailer_tag(text) is None]
        if ended is not None:
            yield ended
            ended = None
        if outside:
            problems.append(_outside_problem(outside, source, before_first=not seen_any, start=start_name))
            outside = []

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
            else:
                yield from settle()
            current = Chunk(number, [line])
            seen_any = True
        elif current is None:
            if line.strip() and not _EXPORT_FRAMING.fullmatch(line.strip()):
                outside.append((number, line))
        else:
            current.lines.append(line)
            if is_end(line):
                current.closed = True
                ended, current = current, None
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
    yield from settle()


def _outside_problem(
    outside: list[tuple[int, str]], source: Source, *, before_first: bool, start: str
) -> Problem:
    first_line, last_line = outside[0][0], outside[-1][0]
    span = f"line {first_line}" if first_line == last_line else f"lines {first_line}-{last_line}"
    tags = {m.group(1) for _, text in outside if (m := _TAG_LINE.match(text))}
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
        # Stray tags no record claims (RIS takes such tags after ER into the record before).
        return source.problem(
            f"tag(s) {', '.join(sorted(tags))} {where} ({span}) not imported",
            line=first_line,
            severity="warning",
        )
    return source.problem(f"text {where} ignored ({span})", line=first_line, severity="warning")


class _Parser(RisParser):  # type: ignore[misc]  # rispy ships no type hints
    """rispy's parser reading the tag lines :func:`_canonical_lines` writes (tags of 2-4 characters).

    rispy itself only knows two-character tags (``line[2:5] == "  -"``); overriding
    ``parse_line`` is the extension point its docstring names.
    """

    def parse_line(self, line: str) -> tuple[str, str] | tuple[None, str]:
        # read_ris hands over tag lines only (continuations already joined), all "XX  - value".
        split = line.find("  -")
        if split < 2:
            return None, line.strip()
        return line[:split], line[split + 4 :].strip()


@dataclass
class _Loose:
    """Loosely written tag lines read as tags: how many, and the first one."""

    count: int = 0
    first_line: int = 0
    first_text: str = ""


def _canonical_lines(lines: Iterable[str], loose: _Loose) -> Iterator[str]:
    """``lines`` with every loosely written tag of a known name rewritten as ``XX  - value``.

    A bare ``ER`` line closes a record as ``ER  - `` does. Loose lines whose tag is not a
    known one pass through unchanged (they are reported as malformed in their record).
    """
    for number, line in enumerate(lines, 1):
        if not (line[2:5] == "  -" and (len(line) == 5 or line[5] == " ") and line[:2].isupper()) and _tag(line) is None:
            match = _LOOSE_TAG.match(line)
            tag = match.group(1).upper() if match else line.strip()
            if (match is not None and tag in ris_tags.KNOWN_TAGS) or line.rstrip() == "ER":
                if loose.count == 0:
                    loose.first_line, loose.first_text = number, line.strip()[:40]
                loose.count += 1
                line = f"{tag}  - {match.group(5).strip() if match else ''}"
        yield line


def read_ris(text: str, source: Source) -> tuple[list[Record], list[Problem]]:
    """Read RIS ``text``: every TY..ER block becomes a record, problems carry lines."""
    problems: list[Problem] = []
    loose = _Loose()
    chunks = split_records(
        _canonical_lines(iter_lines(text), loose),
        source,
        problems,
        is_start=lambda line: line.startswith("TY  -"),
        is_end=lambda line: line.startswith("ER  -"),
        start_name="TY",
        end_name="ER",
        trailer_tag=_trailer_tag,
    )
    parser = _Parser(
        mapping=_Identity(),
        list_tags=list(ris_tags.LIST_TAGS),
        delimiter_tags_mapping={},
        enforce_list_tags=False,
    )
    unknown: dict[str, list[int]] = {}
    known = ris_tags.known_tags(source.database)
    records: list[Record] = []
    for position, chunk in enumerate(chunks, 1):
        body = [chunk.lines[0]]
        last_tag: str | None = None
        numbered = list(enumerate(chunk.lines[1:], chunk.line + 1))
        if chunk.trailer:  # after the record's own tags, before its ER
            numbered[-1:-1] = chunk.trailer
        for offset, line in numbered:
            tag = _tag(line)
            if tag is not None:
                last_tag = tag
                if last_tag not in known:
                    unknown.setdefault(last_tag, [offset, 0])[1] += 1
                body.append(line)
                continue
            if links := _ovid_links(line):
                body.extend(f"{_OVID_LINK_TAG}  - {url}" for url in links)
                last_tag = _OVID_LINK_TAG
                continue
            text = line.strip()
            if last_tag is None:
                # Text between TY and the first other tag belongs to no field (rispy would
                # fail on it with KeyError: None): report it rather than guess a field.
                if text:
                    problems.append(
                        source.problem(
                            f"text {text[:40]!r} follows TY before any other tag; not imported",
                            line=offset,
                            hint="give the line its RIS tag ('AB  - ...') or re-export the file",
                        )
                    )
                continue
            if (loose_match := _LOOSE_TAG.match(line)) and loose_match.group(1).isupper():
                problems.append(
                    source.problem(
                        f"malformed tag line {text[:40]!r} read as text of the previous tag",
                        line=offset,
                        severity="warning",
                        hint="RIS tags are two characters, two spaces, a dash and a space: 'KW  - value'",
                    )
                )
            # Continuation lines are joined here, not by rispy: rispy fails (TypeError) on a
            # continuation of a tag that occurred twice. A list tag's continuation is its
            # next value, as rispy reads it; any other tag's is more of its text.
            if not text:
                continue
            if last_tag in _LIST_TAGS:
                body.append(f"{last_tag}  - {text}")
            else:
                body[-1] = f"{body[-1]} {text}"
        if not chunk.closed:
            body.append("ER  - ")
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
    if loose.count:
        problems.append(
            source.problem(
                f"{loose.count} tag line(s) in lower case or with irregular spacing read as tags "
                f"(first: {loose.first_text!r})",
                line=loose.first_line,
                severity="warning",
                hint="RIS tags are upper case, two spaces, a dash and a space: 'KW  - value'",
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
            if match := _PMID_URL.search(value) or _OVID_MEDLINE_AN.search(value):
                return match.group(1)
    return None
