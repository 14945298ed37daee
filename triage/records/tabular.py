"""CSV, TSV and Excel exports: one record per row, columns mapped by ``columns.toml``.

Databases and screening tools name their columns differently (``Source title``,
``Journal/Book``, ``Publication Title``); the mapping from column names to record
fields is data in ``columns.toml``, so a new export format is a table edit. Every
column, mapped or not (``label_included``, ``cluster_id``), is kept verbatim in ``raw``.
Encoding is handled before this module (see :mod:`triage.records.encoding`).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

from triage.errors import InputError
from triage.records.model import Problem, Record
from triage.records.realign import ColumnProfile, Realignment, realign
from triage.records.source import Source, first, iter_lines, record_from_tags, split_keywords
from triage.records.wos import wos_pmid

__all__ = ["ColumnMap", "column_map", "read_csv", "read_tsv", "read_xlsx", "record_from_cells", "split_authors"]

_DELIMITERS = (",", ";", "\t", "|")
#: Zotero keeps fields it has no column for as "Key: value" lines in "Extra", a PMID among them.
_EXTRA_PMID = re.compile(r"^PMID:\s*(\d{1,9})\s*$", re.MULTILINE | re.IGNORECASE)
_TAG_LIKE = re.compile(r"[A-Z][A-Z0-9]")


@dataclass(frozen=True)
class ColumnMap:
    """The column mapping chosen for one header: field -> column, plus dialect facts."""

    columns: dict[str, str]
    dialect: str | None
    author_separator: str
    keyword_separator: str


@cache
def _table() -> dict[str, Any]:
    # Read once per process: an immutable view of a package data file, not mutable state.
    text = resources.files("triage.records").joinpath("columns.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def column_map(header: list[str]) -> ColumnMap:
    """Pick, for each record field, the column of ``header`` that holds it."""
    table = _table()
    by_folded: dict[str, str] = {}
    for name in header:
        by_folded.setdefault(name.strip().lower(), name)
    columns: dict[str, str] = {}
    for fieldname, candidates in table["fields"].items():
        for candidate in candidates:
            if candidate.lower() in by_folded:
                columns[fieldname] = by_folded[candidate.lower()]
                break
    dialect = None
    author_sep = table["defaults"]["author_separator"]
    for spec in table["dialects"]:
        if all(col.lower() in by_folded for col in spec["detect"]):
            dialect = spec["name"] or None  # "": a layout known, no database (triage's own export)
            author_sep = spec.get("author_separator", author_sep)
            break
    return ColumnMap(columns, dialect, author_sep, table["defaults"]["keyword_separator"])


def split_authors(value: str, separator: str) -> list[str]:
    """Split an authors cell; ``"auto"`` follows the rule documented in columns.toml."""
    value = value.strip()
    if not value:
        return []
    if separator == "none":
        return [value]
    if ";" in value:  # no name contains ";", whatever the dialect's usual separator
        separator = ";"
    elif separator == "auto":
        parts = _with_suffixes([p.strip() for p in value.split(",")])
        return parts if len(parts) > 1 and all(" " in p for p in parts) else [value]
    if separator == " and ":
        parts = re.split(r"\s+and\s+", value)
    else:
        parts = value.split(separator.strip() or separator)
    return _with_suffixes([p.strip() for p in parts if p.strip()])


#: Generational suffixes Scopus writes after a comma ("Barrow W.C., Jr."): part of the name before.
_SUFFIX = re.compile(r"(?:Jr|Sr|Jnr|Snr)\.?|I{2,3}|IV|V|2nd|3rd|4th", re.IGNORECASE)


def _with_suffixes(parts: list[str]) -> list[str]:
    """``parts`` with each lone generational suffix joined to the name before it."""
    names: list[str] = []
    for part in parts:
        if names and _SUFFIX.fullmatch(part):
            names[-1] = f"{names[-1]}, {part}"
        else:
            names.append(part)
    return names


def record_from_cells(raw: dict[str, Any], cmap: ColumnMap) -> Record:
    """Build a :class:`Record` from one row (``raw``: column -> verbatim text).

    The column map is a tag table with one column per field, so the plain fields come
    from :func:`record_from_tags` like every other reader's; only what is particular to
    spreadsheets is done here (start/end page columns, separated authors and keywords).
    """
    tags: dict[str, tuple[str, ...]] = {name: (column,) for name, column in cmap.columns.items()}

    def get(fieldname: str) -> str | None:
        return first(raw, tags.get(fieldname, ()))

    pages = get("pages")
    start, end = get("start_page"), get("end_page")
    if pages is None and start:
        pages = f"{start}-{end}" if end and end != start else start
    keywords = get("keywords")
    cited: dict[str, Any] = _embase_source(raw) if cmap.dialect == "Embase" and get("journal") is None else {}
    pages = pages or cited.pop("pages", None)
    return record_from_tags(
        raw,
        tags,
        **cited,
        pmid=get("pmid") or (wos_pmid(raw) if cmap.dialect == "Web of Science" else None)
        or (_zotero_pmid(raw) if cmap.dialect == "Zotero" else None),
        pages=pages,
        authors=split_authors(get("authors") or "", cmap.author_separator),
        keywords=(([k.strip() for k in keywords.split(cmap.keyword_separator) if k.strip()]
                   if cmap.keyword_separator in keywords else split_keywords(keywords)) if keywords else []),
    )


#: Embase's CSV writes the citation in one "Source" cell: "Journal (2014) 3:3 (152-160). Date of
#: Publication: 2014", a volume without an issue ("... (2019) 54 (83-86)"), or no pages.
_EMBASE_SOURCE = re.compile(r"^(?P<journal>.+?) \((?P<year>\d{4})\)(?: (?P<volume>[^\s:(.]+)(?::(?P<issue>[^\s(.]+))?)?"
                            r"(?: \((?P<pages>[^()]+)\))?\.?(?:\s|$)")


def _embase_source(raw: dict[str, Any]) -> dict[str, Any]:
    """Journal, volume, issue and pages from an Embase CSV's "Source" cell (empty when it does not
    read as one: the cell stays in raw either way); dedup compares them across databases."""
    cell = next((str(v) for k, v in raw.items() if k.strip().lower() == "source" and v), "")
    match = _EMBASE_SOURCE.match(cell.strip())
    if match is None:
        return {}
    return {k: v.strip() for k, v in match.groupdict().items() if v and k != "year"}


def _zotero_pmid(raw: dict[str, Any]) -> str | None:
    """The PubMed id Zotero writes into its "Extra" column ("PMID: 12345678")."""
    extra = next((v for k, v in raw.items() if k.strip().lower() == "extra" and isinstance(v, str)), None)
    match = _EXTRA_PMID.search(extra) if extra else None
    return match.group(1) if match else None


def read_csv(text: str, source: Source) -> tuple[list[Record], list[Problem]]:
    """Read comma- (or semicolon-) separated text with a header row."""
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    return _read_rows(text, source, delimiter)


def read_tsv(text: str, source: Source) -> tuple[list[Record], list[Problem]]:
    """Read tab-separated text with a header row (Web of Science "tab-delimited")."""
    return _read_rows(text, source, "\t")


def _unique(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in header:
        name = name.strip() or "column"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _read_rows(text: str, source: Source, delimiter: str) -> tuple[list[Record], list[Problem]]:
    # The stdlib csv module does the quoting rules; it reads lines as they come (no
    # copy of the text). The field size limit is raised for the huge cells (reference
    # lists) some databases export, then restored.
    old_limit = csv.field_size_limit()
    csv.field_size_limit(1 << 30)
    reader = csv.reader(iter_lines(text, keepends=True), delimiter=delimiter)

    unclosed: list[Problem] = []

    def numbered() -> Iterator[tuple[int | None, list[str]]]:
        # One row held back: the last one is checked for a quote left open (see _opens_quote).
        start, held = 1, None
        for row in reader:
            if held is not None:
                yield held
            held = (start, row)
            start = reader.line_num + 1
        if held is None:
            return
        if held[0] is not None and _opens_quote(text, held[0], delimiter):
            unclosed.append(
                source.problem(
                    f"a quoted value in the row starting on line {held[0]} is never closed, so the rest of the file "
                    f"(lines {held[0]}-{reader.line_num}) reads as that one value; that row and the lines after it "
                    "were not imported",
                    line=held[0],
                    hint="close the quote there (or re-export the file: it may be cut short), "
                    "`triage sources remove` this import, then import the file again",
                )
            )
            return
        yield held

    try:
        records, problems = _records(numbered(), source)
        return records, problems + unclosed
    except csv.Error as exc:
        raise InputError(
            f"is not valid CSV near line {reader.line_num} ({exc})",
            path=source.path,
            line=reader.line_num,
            hint="re-export the file, or check its quotes",
        ) from exc
    finally:
        csv.field_size_limit(old_limit)


def _opens_quote(text: str, start: int, delimiter: str) -> bool:
    """True when the row from line ``start`` to the end of ``text`` ends inside a quoted value.

    The csv module, in its forgiving default mode, reads an unclosed quote as a value that
    runs to the end of the file: every row after it vanishes into one cell with no error.
    Its strict mode says so ("unexpected end of data"), so only the last row is read again
    strictly (its lines only, not the file).
    """
    lines = itertools.islice(iter_lines(text, keepends=True), start - 1, None)
    try:
        for _ in csv.reader(lines, delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "end of data" in str(exc)
    return False


def _records(
    rows: Iterable[tuple[int | None, list[str]]], source: Source
) -> tuple[list[Record], list[Problem]]:
    problems: list[Problem] = []
    body: Iterator[tuple[int | None, list[str]]] = ((n, r) for n, r in rows if any(str(c).strip() for c in r))
    first_row = next(body, None)
    if first_row is not None and sum(1 for c in first_row[1] if str(c).strip()) == 1:
        # Dimensions puts one line "About the data: Exported on ..." above the header.
        header_row = next(body, None)
        if header_row is not None and len(header_row[1]) > 2:
            note = next(str(c) for c in first_row[1] if str(c).strip())
            problems.append(
                source.problem(f"line above the header skipped: {note.strip()[:60]!r}", line=first_row[0], severity="warning")
            )
            first_row = header_row
        elif header_row is not None:
            body = itertools.chain([header_row], body)
    if first_row is None:
        return [], problems
    header = _unique([str(c) for c in first_row[1]])
    cmap = column_map(header)
    if not (cmap.columns.keys() & {"title", "abstract", "doi", "pmid"}):
        problems.append(
            source.problem(
                "no column holds a title, abstract, DOI or PMID; records imported with raw columns only",
                line=first_row[0],
                hint=f"rename the title column to 'title' (columns found: {', '.join(header[:8])})",
            )
        )
    database = source.database or cmap.dialect
    if database != source.database:
        source = replace(source, database=database)
    records: list[tuple[int | None, Record]] = []
    profile = ColumnProfile(len(header))
    long_rows: list[tuple[int | None, list[str]]] = []
    for line, row in body:
        cells = [str(c) if c is not None else "" for c in row]
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            long_rows.append((line, cells))  # placed once the other rows show what each column holds
            continue
        profile.add(cells)
        records.append((line, _record(cells[: len(header)], [], header, cmap)))
    realigned: list[tuple[int | None, list[str], Realignment]] = []
    for line, cells in long_rows:
        fixed = realign(cells, profile)
        if fixed is None:
            problems.append(
                source.problem(
                    f"row has {len(cells)} values but the header has {len(header)}, and which value has no "
                    "column cannot be told from the content; row not imported",
                    line=line,
                    hint="check the row for an unquoted separator or an unnamed column, then import it again",
                )
            )
            continue
        realigned.append((line, cells, fixed))
        records.append((line, _record(fixed.cells, [v for _, v in fixed.extras], header, cmap)))
    records.sort(key=lambda item: item[0] or 0)
    out: list[Record] = []
    for position, (line, record) in enumerate(records, 1):
        record.provenance = source.provenance(position, line)
        out.append(record)
    positions = {line: position for position, (line, _) in enumerate(records, 1)}
    for line, cells, fixed in realigned:
        places = ", ".join(_place(header, k) for k, _ in fixed.extras)
        shifted = any(k < len(header) for k, _ in fixed.extras)
        problems.append(
            source.problem(
                f"row has {len(cells)} values but the header has {len(header)}; "
                + (
                    f"the value(s) without a column ({places}) kept in raw as 'extra_1', ...; "
                    "the values after it realigned by content"
                    if shifted
                    else "extra values kept in raw as 'extra_1', ..."
                ),
                line=line,
                record=positions[line],
                severity="warning",
                hint="check the row for an unquoted separator" if not shifted else "check the row's values",
            )
        )
    return out, problems


def _record(cells: list[str], extras: list[str], header: list[str], cmap: ColumnMap) -> Record:
    raw: dict[str, Any] = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(header)}
    for i, value in enumerate(extras, 1):
        if value.strip():
            raw[f"extra_{i}"] = value
    return record_from_cells(raw, cmap)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _has_content(sheet: Any) -> bool:
    """True when any cell of ``sheet`` holds a value (stops at the first one)."""
    return any(v is not None and str(v).strip() for row in sheet.iter_rows(values_only=True) for v in row)


def read_xlsx(data: bytes, source: Source) -> tuple[list[Record], list[Problem]]:
    """Read the first sheet of an Excel workbook with openpyxl.

    A record's ``line`` is its row number in the sheet, as Excel shows it. Other sheets
    holding anything are named in a warning (an export's records belong on one sheet;
    guessing how several relate would import the wrong ones); empty ones are not.
    """
    import openpyxl  # imported here: only Excel imports pay for it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/ValueError variants for a bad file
        raise InputError(
            f"is not a readable Excel workbook ({type(exc).__name__})",
            path=source.path,
            hint="open it in Excel and save as .xlsx, or export as CSV",
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = [(number, [_cell(v) for v in row]) for number, row in enumerate(sheet.iter_rows(values_only=True), 1)]
        others = [ws.title for ws in workbook.worksheets[1:] if _has_content(ws)]
    finally:
        workbook.close()
    records, problems = _records(rows, source)
    if others:
        problems.append(
            source.problem(
                f"only the first sheet {sheet.title!r} was read; other sheets ignored: {', '.join(others)}",
                severity="warning",
                hint="put all records on one sheet, or save each sheet as its own file",
            )
        )
    return records, problems


def _place(header: list[str], k: int) -> str:
    """Where a surplus value stood, for the problem line: before the first column, after a
    named one, or past the last (a row with several values too many at its end)."""
    if k == 0:
        return "at the start"
    return f"after {header[k - 1]!r}" if k <= len(header) else "after the last column"
