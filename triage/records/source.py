"""What every reader knows about the file it reads, and helpers shared by readers.

A :class:`Source` stamps provenance on records and location on problems, so each
reader only parses. ``first`` and ``as_list`` read the str-or-list values of ``raw``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from triage.records.model import Problem, Provenance, Record
from triage.records.normalize import normalize_year

__all__ = ["Source", "as_list", "first", "iter_lines", "split_issn_isbn", "split_keywords"]


@dataclass(frozen=True)
class Source:
    """The file being read: path, content hash and database (detected or given)."""

    path: str
    sha256: str
    database: str | None = None

    @cached_property
    def name(self) -> str:
        return Path(self.path).name

    def provenance(self, position: int, line: int | None) -> Provenance:
        """Provenance of the ``position``-th record (1-based) starting on ``line``."""
        return Provenance(self.name, self.sha256, position, line, self.database)

    def problem(
        self,
        message: str,
        *,
        line: int | None = None,
        record: int | None = None,
        severity: str = "error",
        hint: str | None = None,
    ) -> Problem:
        return Problem(self.path, message, line=line, record=record, severity=severity, hint=hint)


def as_list(value: Any) -> list[str]:
    """A raw value as a list of non-empty stripped strings."""
    if value is None:
        return []
    if isinstance(value, str):  # the common case, kept cheap: called per tag per record
        text = value.strip()
        return [text] if text else []
    stripped = (str(v).strip() for v in value if v is not None)
    return [text for text in stripped if text]


def first(raw: dict[str, Any], keys: Iterable[str]) -> str | None:
    """The first non-empty value among ``keys`` of ``raw`` (lists give their first item).

    Called for every field of every record, so it avoids building lists (the import
    benchmark's hot spot).
    """
    for key in keys:
        value = raw.get(key)
        if value is None:
            continue
        for item in value if isinstance(value, list) else (value,):
            if item is not None:
                text = str(item).strip()
                if text:
                    return text
    return None


def split_issn_isbn(value: str | None) -> tuple[str | None, str | None]:
    """Tell an ISSN from an ISBN in a field that may hold either (RIS ``SN``).

    An ISBN has 10 or 13 digits; an ISSN 8 (``1234-567X``). Returns (issn, isbn),
    the matching one set to the verbatim value.
    """
    if not value:
        return None, None
    token = value.replace("-", "").split()[0].split(",")[0]
    digits = token.rstrip("xX")
    if digits.isdigit() and len(token) in (10, 13):
        return None, value
    return value, None


#: Keyword separators: semicolons where a value has any (Web of Science, whose keywords may hold
#: commas: "potential of rivers (recreation, energetic, flood)"), else commas (Zotero, ACM,
#: Embase CSV), never a comma inside parentheses ("duplication cyst (diagnosis, surgery)").
_KEYWORD_SEMICOLON = re.compile(r"\s*;\s*")
_KEYWORD_COMMA = re.compile(r"\s*,\s*(?![^()]*\))")


def split_keywords(value: str) -> list[str]:
    """The keywords of one field that lists several (BibTeX ``keywords``, a CSV keywords cell),
    line folds collapsed. A single keyword holding a comma, in a field with no semicolon, is
    split too: no separator tells it from a list."""
    split = _KEYWORD_SEMICOLON if ";" in value else _KEYWORD_COMMA
    return [k for part in split.split(value) if (k := " ".join(part.split()))]


def iter_lines(text: str, *, keepends: bool = False) -> Iterator[str]:
    """Lines of ``text`` one at a time; endings LF, CRLF (or CR alone, old Mac files).

    Hand-written rather than ``str.splitlines`` (a list of every line) or
    ``io.StringIO`` (which copies the text at 4 bytes a character): on a
    100,000-record file either doubles or triples peak memory. It also does not split
    at U+2028 and other separators that occur inside abstracts.
    """
    newline = "\n" if "\n" in text or "\r" not in text else "\r"
    start, size = 0, len(text)
    while start < size:
        end = text.find(newline, start)
        stop = size if end < 0 else end + 1
        line = text[start:stop]
        if not keepends:
            line = line.rstrip("\r\n")
        elif newline == "\r":
            line = line[:-1] + "\n" if line.endswith("\r") else line
        yield line
        start = stop


#: Record fields every tag-table reader fills with the first value found under the field's tags.
_PLAIN_FIELDS: tuple[str, ...] = (
    "title", "abstract", "journal", "volume", "issue", "pages", "doi", "pmid", "issn", "isbn",
    "language", "publication_type", "url", "notes",
)


def record_from_tags(
    raw: dict[str, Any], tags: dict[str, tuple[str, ...]], *, values: dict[str, Any] | None = None, **fields: Any
) -> Record:
    """A :class:`Record` whose plain fields come from a reader's tag table, ``fields`` winning.

    Each plain field present in ``tags`` takes the first value found under its tags in
    ``values`` (default ``raw``); the year is normalised. Readers pass what needs their own
    logic (authors, keywords, DOI rules...) as ``fields``; ``raw`` is kept verbatim.
    """
    source = raw if values is None else values
    plain: dict[str, Any] = {name: first(source, tags[name]) for name in _PLAIN_FIELDS if name in tags}
    if "year" in tags:
        plain["year"] = normalize_year(first(source, tags["year"]))
    plain.update(fields)
    if isinstance(doi := plain.get("doi"), str) and (link := _DOI_LINK.match(doi.strip())):
        plain["doi"] = link.group(1)
    if isinstance(pages := plain.get("pages"), str) and _NO_PAGES.fullmatch(pages.strip()):
        plain["pages"] = None
    for name in ("issn", "isbn"):
        if isinstance(number := plain.get(name), str):
            plain[name] = _NUMBER_LABEL.sub("", number).strip() or None
    return Record(raw=raw, **plain)


#: A DOI written as a link or with a ``doi:`` prefix (Ovid and ProQuest RIS "http://dx.doi.org/10...",
#: Wiley BibTeX "https://doi.org/10..."): the record's DOI is the DOI itself, as written, so an
#: export's ``doi`` field holds a DOI (BibTeX styles put https://doi.org/ before it themselves).
#: The source's text stays in ``raw``; dedup compares :func:`normalize_doi` keys either way.
_DOI_LINK = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi:\s*)(10\.\d{4,9}/\S+)$", re.IGNORECASE)
#: Ovid's "No Pagination Specified" (its RIS splits it into SP "No" and EP "Specified", read as
#: "No-Specified"): a note that the article has no page numbers, not a page range.
_NO_PAGES = re.compile(r"no(?:\s+pagination)?[\s-]+specified", re.IGNORECASE)
#: The label a database writes around an ISSN or ISBN: Scopus RIS "03064530 (ISSN)", PubMed
#: "1532-8600 (Electronic)" (or Print, Linking), ERIC's MEDLINE format "ISSN-1234-4567"; the
#: number alone is the record's.
_NUMBER_LABEL = re.compile(r"^\s*IS[SB]N[-:\s]+|\s*\((?:IS[SB]N|Electronic|Print|Linking)\)\s*$", re.IGNORECASE)

