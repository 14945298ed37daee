"""Export records, with screening decisions, as RIS, BibTeX or CSV.

A record keeps its source fields in ``raw``; when that source is the format being
written, the writer starts from ``raw`` so unknown tags and fields survive, and only
rewrites the tags of fields whose value differs from what ``raw`` gives (edited or
merged records). Otherwise it writes the record's fields. Decisions travel as:

- RIS: tag ``TR`` (not in the RIS spec, so no tool gives it another meaning) with
  ``decision:``/``reason:``/``stage:``/``reviewer:`` lines, plus an ``N1`` note such
  as ``triage: exclude (reason: setting) ASReview_irrelevant`` that EndNote shows and
  ASReview reads as a label (``ASReview_relevant``/``ASReview_irrelevant``/``ASReview_not_seen``).
- BibTeX: fields ``triage-decision``, ``triage-reasons``, ``triage-stage``, ``triage-reviewer``.
- CSV: ``included`` 1/0 (ASReview's label column), ``decision``, ``reasons``, ``stage``, ``reviewer``.

An article number (a journal's locator instead of pages) is no record field; each writer
maps it from ``raw`` (:func:`article_number`) to RIS ``C7``, BibTeX ``eid`` or the CSV
column ``article_number``.

Files are written to a temporary file beside the target and renamed over it, so a
failure never leaves half an export.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bibtexparser import model
from bibtexparser.entrypoint import write_string
from bibtexparser.library import Library

from triage.errors import InputError
from triage.records import bibtex, ris_tags
from triage.records.model import BIBLIOGRAPHIC_FIELDS, Record
from triage.records.ris import record_from_ris
from triage.records.source import as_list
from triage.records.tabular import column_map

__all__ = ["CSV_COLUMNS", "WRITE_FORMATS", "ExportItem", "article_number", "render_records", "write_records"]

WRITE_FORMATS: tuple[str, ...] = ("ris", "bibtex", "csv")

#: Columns the CSV writer always writes, in order; raw columns not mapped follow.
#: ``article_number``: see :func:`article_number` (not a record field, read from ``raw``).
CSV_COLUMNS: tuple[str, ...] = (
    "record_id", *BIBLIOGRAPHIC_FIELDS, "article_number", "included", "decision", "reasons", "stage", "reviewer")

_ASREVIEW_LABEL = {"include": "ASReview_relevant", "exclude": "ASReview_irrelevant"}
_RIS_KEY = re.compile(r"[A-Z][A-Z0-9]")
_REPLACES = {tag: replaced for tag, replaced in ris_tags.WRITE_TAGS.values()}
_TAG_LIKE = re.compile(r"%.|[A-Z][A-Z0-9@]{1,3}|.*/.*")  # RIS/MEDLINE/ENL tags, XML paths


@dataclass
class ExportItem:
    """One record to export, with its id in the project and its latest decision."""

    record: Record
    record_id: int | None = None
    decision: str | None = None
    reasons: tuple[str, ...] = ()
    reviewer: str | None = None
    stage: str | None = None


def render_records(items: Iterable[ExportItem], fmt: str) -> str:
    """The export text of ``items`` in ``fmt`` (one of :data:`WRITE_FORMATS`)."""
    if fmt == "ris":
        return "".join(_ris_entry(item) for item in items)
    if fmt == "bibtex":
        return _bibtex(list(items))
    if fmt == "csv":
        return _csv(list(items))
    raise InputError(f"cannot write format {fmt!r}", hint=f"use one of: {', '.join(WRITE_FORMATS)}")


def write_records(items: Iterable[ExportItem], path: str | Path, fmt: str) -> int:
    """Write ``items`` to ``path`` atomically; returns the number of records written."""
    listed = list(items)
    text = render_records(listed, fmt)
    target = Path(path)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    try:
        # mkstemp makes the file private (0600) and os.replace keeps that: give it the mode
        # the file it replaces had, or the one any new file gets (the team shares exports).
        os.fchmod(handle, stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask())
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return len(listed)


def _umask() -> int:
    """The process's umask. Python reads it only by setting it, so it is set back at once
    (a CLI command is one thread; nothing else creates files in between)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _raw_kind(record: Record) -> str:
    """Which format ``record.raw`` holds: "ris" (tags with a TY), "bibtex" or "other"."""
    raw = record.raw
    if "TY" in raw and all(_RIS_KEY.fullmatch(k) for k in raw):
        return "ris"
    return "bibtex" if "ENTRYTYPE" in raw and "ID" in raw else "other"


def _article_number_keys(record: Record) -> list[str]:
    """The keys of ``record.raw`` that hold its article number (:data:`ris_tags.ARTICLE_NUMBER_KEYS`)."""
    kind = _raw_kind(record)
    names = ris_tags.ARTICLE_NUMBER_KEYS[kind]
    if kind == "ris":
        types = record.raw.get("TY")
        first = types[0] if isinstance(types, list) and types else types
        meant = str(first).strip() in ris_tags.ARTICLE_NUMBER_RIS_TYPES or _from_scopus(record.raw)
        return [k for k in names if k in record.raw] if meant else []
    return [k for k in record.raw if " ".join(k.lower().split()) in names]


def _from_scopus(raw: dict[str, Any]) -> bool:
    """An RIS record Scopus wrote (its ``DB  - Scopus``, or a Scopus record link where a tool
    such as Citavi passed it on without DB). Scopus writes a paper's "Art. No." as C7 whatever
    its type, conference papers (TY CONF) too, where the RIS specification gives C7 no meaning."""
    return any(str(v).strip() == "Scopus" for v in as_list(raw.get("DB"))) or any(
        "scopus.com/inward/record" in str(v) for v in as_list(raw.get("UR")))


def article_number(record: Record) -> str | None:
    """The article number a journal gives instead of pages (PLoS ONE's e0229999), as the
    source kept it in ``raw`` (Scopus CSV "Art. No.", RIS C7, BibTeX eid, ...); None if none.

    Exported as RIS ``C7``, BibTeX ``eid`` and CSV ``article_number``: without it such an
    article has no locator but its DOI."""
    for key in _article_number_keys(record):
        value = record.raw[key]
        one = value[0] if isinstance(value, list) and value else value
        text = " ".join(str(one).replace("{", "").replace("}", "").split()) if one is not None else ""
        if text:
            return text
    return None


def _note(item: ExportItem) -> str | None:
    if item.decision is None:
        return None
    reasons = f" (reason: {'; '.join(item.reasons)})" if item.reasons else ""
    label = _ASREVIEW_LABEL.get(item.decision, "ASReview_not_seen")
    return f"triage: {item.decision}{reasons} {label}"


def _decision_lines(item: ExportItem) -> list[str]:
    if item.decision is None and not item.reasons:
        return []  # undecided: no stage or reviewer to report (a bare "stage:" line read as a decision made)
    lines = []
    if item.decision is not None:
        lines.append(f"decision: {item.decision}")
    lines += [f"reason: {r}" for r in item.reasons]
    if item.stage:
        lines.append(f"stage: {item.stage}")
    if item.reviewer:
        lines.append(f"reviewer: {item.reviewer}")
    return lines


def _one_line(value: Any) -> str:
    return " ".join(str(value).split("\n")).strip() if value is not None else ""


def _ris_overrides(record: Record, derived: Record) -> dict[str, list[str] | str]:
    """RIS tags to (re)write: the fields whose value differs from what ``raw`` gives."""
    out: dict[str, list[str] | str] = {}
    for name in ("title", "abstract", "journal", "volume", "issue", "doi", "pmid", "language", "url"):
        if getattr(record, name) != getattr(derived, name):
            out[ris_tags.WRITE_TAGS[name][0]] = _one_line(getattr(record, name) or "")
    if record.authors != derived.authors:
        out["AU"] = [_one_line(a) for a in record.authors]
    if record.keywords != derived.keywords:
        out["KW"] = [_one_line(k) for k in record.keywords]
    if record.year != derived.year:
        out["PY"] = str(record.year) if record.year is not None else ""
    if record.notes != derived.notes:
        out["N1"] = record.notes.split("\n") if record.notes else []
    if (record.issn, record.isbn) != (derived.issn, derived.isbn):
        out["SN"] = [v for v in (record.issn, record.isbn) if v]
    if record.pages != derived.pages:
        pages = record.pages or ""
        start, _, end = pages.partition("-")
        simple = end and "-" not in end and start.strip() != end.strip()
        out["SP"], out["EP"] = (start.strip(), end.strip()) if simple else (pages, "")
    if record.publication_type != derived.publication_type:
        kind = record.publication_type or ""
        out["TY"] = ris_tags.ris_type_code(kind) or "GEN"
    return out


def _ris_entry(item: ExportItem) -> str:
    """One RIS record, written line by line rather than by ``rispy.dumps``: the round trip
    starts from the record's own tags as exported (``raw``), in their order, with the
    tags rispy's mapping does not know (``DB``, ``AN``, vendor tags, our ``TR``) and
    repeated tags kept verbatim. rispy's writer takes its own field names, not tags: a tag
    given as itself is dropped ("label `AN` not exported", checked with rispy 0.10) and
    each record gets a numbering line; tests/test_records_writers.py checks the round trip."""
    record = item.record
    native = _raw_kind(record) == "ris"
    tags: dict[str, Any] = dict(record.raw) if native else {}
    database = record.provenance.database if record.provenance else None
    derived = record_from_ris(tags, database) if native else Record()
    for tag, value in _ris_overrides(record, derived).items():
        for old in _REPLACES.get(tag, ()):
            if old != tag:
                tags.pop(old, None)
        if value in ("", []):
            tags.pop(tag, None)
        else:
            tags[tag] = value
    number = article_number(record)
    if number is not None and "C7" not in tags:
        tags["C7"] = number
    kind = tags.pop("TY", None)
    kind = "GEN" if kind is None else kind
    lines = [f"TY  - {_one_line(kind[0] if isinstance(kind, list) else kind)}"]
    for tag, value in tags.items():
        for one in value if isinstance(value, list) else [value]:
            lines.append(f"{tag}  - {_one_line(one)}")
    note = _note(item)
    if note:
        lines.append(f"N1  - {note}")
    lines += [f"{ris_tags.DECISION_TAG}  - {line}" for line in _decision_lines(item)]
    lines.append("ER  - ")
    return "\n".join(lines) + "\n\n"


def _bibtex_fields(record: Record) -> tuple[str, dict[str, str]]:
    raw = record.raw
    native = "ENTRYTYPE" in raw and "ID" in raw
    fields: dict[str, str] = {}
    if native:
        for key, value in raw.items():
            if key not in ("ENTRYTYPE", "ID"):
                fields[key] = value[0] if isinstance(value, list) else str(value)
    derived = bibtex.record_from_raw(raw) if native else Record()
    wanted = {
        "title": record.title,
        "abstract": record.abstract,
        "journal": record.journal,
        "volume": record.volume,
        "number": record.issue,
        "pages": record.pages,
        "doi": record.doi,
        "pmid": record.pmid,
        "issn": record.issn,
        "isbn": record.isbn,
        "language": record.language,
        "url": record.url,
        "note": record.notes,
    }
    names = {"number": "issue", "note": "notes"}
    for key, value in wanted.items():
        if value != getattr(derived, names.get(key, key)):
            _set_field(fields, key, value)
    if record.authors != derived.authors:
        _set_field(fields, "author", " and ".join(record.authors) or None)
    if record.keywords != derived.keywords:
        _set_field(fields, "keywords", "; ".join(record.keywords) or None)
    if record.year != derived.year:
        _set_field(fields, "year", str(record.year) if record.year is not None else None)
    number = article_number(record)
    if number is not None and not any(k.lower() == "eid" for k in fields):
        fields["eid"] = number
    entry_type = str(raw.get("ENTRYTYPE")) if native else "misc"
    if record.publication_type != derived.publication_type:
        kind = record.publication_type or "misc"
        # A BibTeX type as it is ("article"), an RIS code ("JOUR"), else a database's or
        # Zotero's name for it ("Journal Article", "journalArticle") through its RIS code.
        entry_type = kind if kind.isalpha() and kind.islower() else ris_tags.BIBTEX_TYPES.get(
            kind.upper(), ris_tags.BIBTEX_TYPES.get(ris_tags.TYPE_CODES.get(kind.lower(), ""), "misc"))
    return entry_type, fields


def _set_field(fields: dict[str, str], key: str, value: str | None) -> None:
    for existing in [k for k in fields if k.lower() == key]:
        del fields[existing]
    if value is not None:
        fields[key] = value


def _bibtex(items: list[ExportItem]) -> str:
    library = Library()
    used: set[str] = set()
    for number, item in enumerate(items, 1):
        entry_type, fields = _bibtex_fields(item.record)
        key = str(item.record.raw.get("ID") or f"triage{item.record_id or number}")
        base, suffix = key, 1
        while key.lower() in used:
            suffix += 1
            key = f"{base}-{suffix}"
        used.add(key.lower())
        if item.decision is not None:
            fields["triage-decision"] = item.decision
        if item.reasons:
            fields["triage-reasons"] = "; ".join(item.reasons)
        if item.stage:
            fields["triage-stage"] = item.stage
        if item.reviewer:
            fields["triage-reviewer"] = item.reviewer
        library.add(model.Entry(entry_type, key, [model.Field(k, v) for k, v in fields.items()]))
    return write_string(library) if items else ""


def _csv(items: list[ExportItem]) -> str:
    ours = {c.lower() for c in CSV_COLUMNS}
    extras: list[str] = []
    for item in items:
        consumed = set(column_map(list(item.record.raw)).columns.values()) | set(_article_number_keys(item.record))
        for key in item.record.raw:
            if (
                key not in consumed
                and key.lower() not in ours
                and key not in extras
                and not _TAG_LIKE.fullmatch(key)
            ):
                extras.append(key)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, *extras])
    for item in items:
        r = item.record
        included = {"include": "1", "exclude": "0"}.get(item.decision or "", "")
        row = [
            item.record_id if item.record_id is not None else "",
            r.title,
            r.abstract,
            "; ".join(r.authors),
            r.year,
            r.journal,
            r.volume,
            r.issue,
            r.pages,
            r.doi,
            r.pmid,
            r.issn,
            r.isbn,
            "; ".join(r.keywords),
            r.language,
            r.publication_type,
            r.url,
            r.notes,
            article_number(r),
            included,
            item.decision,
            "; ".join(item.reasons),
            item.stage,
            item.reviewer,
        ]
        extra = [r.raw.get(k, "") for k in extras]
        writer.writerow(
            ["" if v is None else v for v in row]
            + ["; ".join(v) if isinstance(v, list) else v for v in extra]
        )
    return out.getvalue()
