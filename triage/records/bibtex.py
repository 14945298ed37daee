"""BibTeX reader on bibtexparser 2.

bibtexparser's default middlewares resolve ``@string`` macros and strip enclosing
braces; ``raw`` keeps those values (LaTeX and all) so export can write them back.
Record fields then get LaTeX turned into Unicode by bibtexparser's
``LatexDecodingMiddleware`` (pylatexenc). We add what a review needs on top:
``crossref`` resolution with a warning for a missing parent, case-insensitive field
names (Web of Science writes ``Title``), duplicate keys and repeated fields imported
rather than dropped, and damaged entries (a stray brace, a missing comma) read line by
line by :mod:`triage.records.bibtex_salvage` and reported with their line.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bibtexparser import model
from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares import LatexDecodingMiddleware
from bibtexparser.middlewares.enclosing import REMOVED_ENCLOSING_KEY
from bibtexparser.middlewares.names import split_multiple_persons_names

from triage.records import ris_tags
from triage.records.bibtex_salvage import ScannedField, looks_like_fields, scan_entry, scan_tail
from triage.records.model import Problem, Record
from triage.records.source import Source, first, record_from_tags, split_keywords

__all__ = ["read_bibtex", "record_from_bibtex", "record_from_raw"]

# bibtexparser logs each parse failure; with no handler configured Python's last-resort
# handler would print it to stderr. We report each as a Problem with its line instead,
# so the library's logger gets the NullHandler the logging docs advise for libraries.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

#: Fields a child inherits from its crossref parent under another name (BibLaTeX rules).
_INHERIT_AS = {"title": "booktitle"}
_MAX_CROSSREF_DEPTH = 8
_CONCAT = re.compile(r"\s*#\s*")
_LATEX_HINT = re.compile(r"[\\$~]")
_MAPPED = frozenset(name for names in ris_tags.BIBTEX_FIELDS.values() for name in names)


def read_bibtex(text: str, source: Source) -> tuple[list[Record], list[Problem]]:
    """Read BibTeX ``text``; entries in file order, damaged ones salvaged or reported with their line."""
    library = parse_string(text)
    problems: list[Problem] = []
    entries: list[model.Entry] = []
    last: model.Entry | None = None  # the entry just before this block, if the block follows one
    for block in library.blocks:
        follows, last = last, None
        if isinstance(block, model.Entry):
            last = _checked(block, source, problems)
        elif isinstance(block, model.DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, model.Entry
        ):
            last = block.ignore_error_block
            problems.append(
                source.problem(
                    f"duplicate entry key {block.key!r}; both entries imported",
                    line=_line(block),
                    severity="warning",
                    hint="give each entry its own key if you cite from this file",
                )
            )
        elif isinstance(block, model.DuplicateFieldKeyBlock) and isinstance(
            block.ignore_error_block, model.Entry
        ):
            last = _unenclosed(block.ignore_error_block)
            problems.append(_repeated_fields_problem(last, source))
        elif isinstance(block, model.ParsingFailedBlock):
            last = _salvaged(block, source, problems, file_ends_inside=block is library.blocks[-1]
                             and _opens_more_than_it_closes(block.raw or ""))
        elif isinstance(block, model.ImplicitComment) and follows is not None:
            _recover_cut_fields(block, follows, source, problems)
        if last is not None:
            entries.append(last)
    by_key = {e.key.lower(): e for e in entries}
    strings = {s.key.lower(): str(s.value) for s in library.strings}
    records: list[Record] = []
    for position, entry in enumerate(entries, 1):
        raw = _raw(entry)
        merged = _resolve_crossref(entry, by_key, source, problems)
        _join_concatenations(entry, merged, strings)
        record = record_from_bibtex(_decode(merged, entry.entry_type), raw)
        record.provenance = source.provenance(position, _line(entry))
        records.append(record)
    return records, problems


def _checked(entry: model.Entry, source: Source, problems: list[Problem]) -> model.Entry:
    """``entry``, or its fields read line by line when a field swallowed the next (missing comma)."""
    scanned = scan_entry(entry.raw or "", first_line=entry.start_line or 0)
    if scanned is None:
        return entry
    parsed = {f.key.lower() for f in entry.fields}
    swallowed = [f for f in scanned[2] if f.name.lower() not in parsed]
    if not swallowed:
        return entry
    names = ", ".join(f"{f.name!r} (line {f.line + 1})" for f in swallowed)
    problems.append(
        source.problem(
            f"entry {entry.key!r}: field(s) {names} were read as part of the field before them; "
            "the entry's fields were read line by line instead",
            line=swallowed[0].line + 1,
            severity="warning",
            hint="a comma is probably missing at the end of the line before; check the entry",
        )
    )
    return _entry_from_scan(entry.entry_type, entry.key, scanned[2], entry)


def _opens_more_than_it_closes(raw: str) -> bool:
    """Whether ``raw`` ends inside a brace it opened: the last entry of a file that was cut short (a download
    or a copy stopped early) ends so."""
    depth = 0
    for char in raw:
        depth += {"{": 1, "}": -1}.get(char, 0)
    return depth > 0


def _salvaged(block: model.ParsingFailedBlock, source: Source, problems: list[Problem], *,
              file_ends_inside: bool = False) -> model.Entry | None:
    """An entry bibtexparser could not parse, read line by line; None (and a problem) if nothing reads.
    ``file_ends_inside``: the file ends inside this entry, so it was probably cut short, and the problem
    says so rather than blaming braces or commas."""
    raw = block.raw or ""
    head = raw.strip().splitlines()[0][:60] if raw.strip() else ""
    scanned = scan_entry(raw, first_line=block.start_line or 0)
    cut = "the file ends inside entry {head!r}: it was probably cut short (a download or copy stopped early)"
    if scanned is None or not scanned[2]:
        problems.append(
            source.problem(
                (cut.format(head=head) if file_ends_inside
                 else f"entry {head!r} could not be parsed (unbalanced braces or a missing comma)") + "; skipped",
                line=_line(block),
                hint="export the file again and import it" if file_ends_inside
                else "fix the braces or commas from this line on, then import the file again",
            )
        )
        return None
    entry_type, key, fields = scanned
    read = f"{len(fields)} field(s) were read line by line ({', '.join(f.name for f in fields)})"
    problems.append(
        source.problem(
            f"{cut.format(head=head)}; its {read}, the last one perhaps incomplete" if file_ends_inside
            else f"entry {head!r} has unbalanced braces or a missing comma; its {read}",
            line=_line(block),
            hint="export the file again and import it" if file_ends_inside
            else "check the entry's values and fix its braces or commas",
        )
    )
    return _entry_from_scan(entry_type, key, fields, block)


def _recover_cut_fields(
    comment: model.ImplicitComment, entry: model.Entry, source: Source, problems: list[Problem]
) -> None:
    """Fields after a stray ``}`` that closed ``entry`` early: read them back into it."""
    text = comment.raw or str(comment.comment)
    if not looks_like_fields(text):
        return
    fields = scan_tail(text, first_line=comment.start_line or 0)  # ends with the entry's real closing brace
    entry.fields.extend(model.Field(f.name, f.value) for f in fields)
    names = ", ".join(f.name for f in fields)
    problems.append(
        source.problem(
            f"entry {entry.key!r} ends early on this line (a closing brace or comma too many?); "
            f"the {len(fields)} field(s) after it were read back ({names})",
            line=_line(comment),
            severity="warning",
            hint="check the braces and commas on this line",
        )
    )


def _entry_from_scan(entry_type: str, key: str, fields: list[ScannedField], block: model.Block) -> model.Entry:
    fields_read = [model.Field(f.name, f.value) for f in fields]
    return model.Entry(entry_type, key, fields_read, start_line=block.start_line, raw=block.raw)


def _unenclosed(entry: model.Entry) -> model.Entry:
    """``entry`` with each value's enclosing braces or quotes removed.

    bibtexparser runs its middlewares (which do this) only on entries it accepts; the
    entry behind a duplicate-field error comes back as written.
    """
    for f in entry.fields:
        value = f.value
        if isinstance(value, str) and len(value) >= 2 and (value[0], value[-1]) in (("{", "}"), ('"', '"')):
            f.value = value[1:-1]
    return entry


def _repeated_fields_problem(entry: model.Entry, source: Source) -> Problem:
    counts: dict[str, int] = {}
    for f in entry.fields:
        counts[f.key.lower()] = counts.get(f.key.lower(), 0) + 1
    repeated = ", ".join(f"{name!r} ({n} times)" for name, n in counts.items() if n > 1)
    return source.problem(
        f"entry {entry.key!r} repeats field(s) {repeated}; every value kept (the first is used)",
        line=_line(entry),
        severity="warning",
    )


def _line(block: model.Block) -> int | None:
    return block.start_line + 1 if block.start_line is not None else None  # bibtexparser counts from 0


def _raw(entry: model.Entry) -> dict[str, Any]:
    raw: dict[str, Any] = {"ENTRYTYPE": entry.entry_type, "ID": entry.key}
    for f in entry.fields:
        value = f.value if isinstance(f.value, str) else str(f.value)
        if f.key in raw:  # repeated field: keep every value, as a list
            prior = raw[f.key]
            raw[f.key] = [*prior, value] if isinstance(prior, list) else [prior, value]
        else:
            raw[f.key] = value
    return raw


def _resolve_crossref(
    entry: model.Entry, by_key: dict[str, model.Entry], source: Source, problems: list[Problem]
) -> dict[str, str]:
    """The entry's fields (lower-cased names) with missing ones taken from its crossref chain."""
    fields: dict[str, str] = {}
    for f in entry.fields:
        fields.setdefault(f.key.lower(), f.value if isinstance(f.value, str) else str(f.value))
    current, seen = entry, {entry.key.lower()}
    for _ in range(_MAX_CROSSREF_DEPTH):
        target = next((f.value for f in current.fields if f.key.lower() == "crossref"), None)
        if not isinstance(target, str) or not target.strip():
            break
        parent = by_key.get(target.strip().lower())
        if parent is None:
            problems.append(
                source.problem(
                    f"entry {entry.key!r}: crossref {target.strip()!r} not found in this file; "
                    "imported without inherited fields",
                    line=_line(entry),
                    severity="warning",
                    hint="export the parent entry too, or import the file it is in",
                )
            )
            break
        if parent.key.lower() in seen:
            break
        seen.add(parent.key.lower())
        for f in parent.fields:
            key = f.key.lower()
            if key in ("crossref", "ids"):
                continue
            value = f.value if isinstance(f.value, str) else str(f.value)
            fields.setdefault(_INHERIT_AS.get(key, key), value)
        current = parent
    return fields


def _join_concatenations(entry: model.Entry, fields: dict[str, str], strings: dict[str, str]) -> None:
    """Resolve ``jean # " " # cesar``: bibtexparser 2 only resolves a value that is a
    single macro name, so unenclosed values with ``#`` are joined here."""
    enclosing = entry.parser_metadata.get(REMOVED_ENCLOSING_KEY) or {}
    for f in entry.fields:
        key = f.key.lower()
        if enclosing.get(f.key) != "no-enclosing" or "#" not in fields.get(key, ""):
            continue
        parts = []
        for piece in _CONCAT.split(fields[key].strip()):
            if len(piece) >= 2 and (piece[0], piece[-1]) in (('"', '"'), ("{", "}")):
                parts.append(piece[1:-1])
            else:
                parts.append(strings.get(piece.lower(), piece))
        fields[key] = "".join(parts)


def _decode(fields: dict[str, str], entry_type: str) -> dict[str, str]:
    """Field values (lower-case names) with LaTeX turned into Unicode.

    pylatexenc is slow (~8 ms a long value): values whose only markup is case-protecting
    braces ("{DNA}", Zotero's habit) just lose the braces, which is what pylatexenc would
    give; only mapped values with macros or math go through bibtexparser's middleware.
    """
    values = {k: v.replace("{", "").replace("}", "") if k in _MAPPED else v for k, v in fields.items()}
    latex = [model.Field(k, v) for k, v in fields.items() if k in _MAPPED and _LATEX_HINT.search(v)]
    if latex:
        decoder = LatexDecodingMiddleware(allow_inplace_modification=True)
        decoded = decoder.transform_entry(model.Entry(entry_type, "x", latex), Library())
        if isinstance(decoded, model.Entry):
            values.update({f.key: f.value for f in decoded.fields if isinstance(f.value, str)})
    values["ENTRYTYPE"] = entry_type
    return values


def record_from_raw(raw: dict[str, Any]) -> Record:
    """Rebuild a record from BibTeX ``raw`` alone (no crossref): what re-reading gives."""
    fields: dict[str, str] = {}
    for key, value in raw.items():
        if key not in ("ENTRYTYPE", "ID"):
            fields.setdefault(key.lower(), value[0] if isinstance(value, list) else str(value))
    return record_from_bibtex(_decode(fields, str(raw.get("ENTRYTYPE", "misc"))), raw)


def record_from_bibtex(values: dict[str, str], raw: dict[str, Any]) -> Record:
    """Build a :class:`Record` from decoded BibTeX ``values`` (lower-case names)."""
    tags = ris_tags.BIBTEX_FIELDS
    author = first(values, tags["authors"])
    authors = [" ".join(a.split()) for a in split_multiple_persons_names(author)] if author else []
    keywords = [k for tag in tags["keywords"] if (v := values.get(tag)) for k in split_keywords(v)]
    return record_from_tags(
        raw,
        tags,
        values=values,
        title=_clean(first(values, tags["title"])),
        abstract=_clean(first(values, tags["abstract"])),
        authors=[a for a in authors if a],
        journal=_clean(first(values, tags["journal"])),
        pages=_pages(first(values, tags["pages"])),
        keywords=keywords,
    )


def _clean(value: str | None) -> str | None:
    """Collapse the line breaks and runs of spaces that BibTeX wraps long values with."""
    return " ".join(value.split()) if value else None


def _pages(value: str | None) -> str | None:
    return value.replace("--", "-") if value else None
