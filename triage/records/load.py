"""Pick the reader for a file and return its records plus problems.

``read_file`` is the one entry point the importer, CLI and benchmarks use. It reads the
bytes once (for the hash), decodes them with explicit encoding handling, detects the
format from the extension and the content (a ``.ris`` may hold Web of Science plain
text, a ``.txt`` any tagged format), detects the database, and calls the reader.
Whole-file failures raise :class:`InputError`; everything per record is a Problem.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path

from triage.errors import InputError
from triage.records import bibtex, endnote_xml, nbib, proquest_text, ris, tabular, wos
from triage.records.database import contradicts, detect_database
from triage.records.encoding import decode_bytes
from triage.records.model import Problem, ReadResult, Record
from triage.records.source import Source

__all__ = ["FORMATS", "detect_format", "read_file", "unify_line_ends"]

Reader = Callable[[str, Source], tuple[list[Record], list[Problem]]]

#: Format name -> reader of decoded text. ``xlsx`` is read from bytes (see read_file).
_READERS: dict[str, Reader] = {
    "ris": ris.read_ris,
    "wos": wos.read_wos,
    "nbib": nbib.read_nbib,
    "enl": nbib.read_enl,
    "bibtex": bibtex.read_bibtex,
    "csv": tabular.read_csv,
    "tsv": tabular.read_tsv,
    "endnote-xml": endnote_xml.read_endnote_xml,
    "proquest-text": proquest_text.read_proquest_text,
}

#: Every value ``fmt`` accepts.
FORMATS: tuple[str, ...] = (*_READERS, "xlsx")

#: Extensions that settle the format; others (.ris, .txt, none) are sniffed.
_BY_EXTENSION: dict[str, str] = {
    ".nbib": "nbib",
    ".medline": "nbib",
    ".enl": "enl",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xml": "endnote-xml",
}

#: Content fingerprints tried in order when the extension does not settle the format.
_SNIFF: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("endnote-xml", re.compile(r"\A\s*<(?:\?xml|xml)\b")),
    # TY as RIS writes it, or loosely ("TY - JOUR", "ty  - JOUR"): the reader accepts both.
    ("ris", re.compile(r"^TY(?: +-|- )", re.MULTILINE | re.IGNORECASE)),
    ("nbib", re.compile(r"^(?:PMID|OWN )- ", re.MULTILINE)),
    ("enl", re.compile(r"^%[0-9A-Z] ", re.MULTILINE)),
    ("bibtex", re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)),
    # A header row with two or more tabs: Web of Science "tab-delimited" savedrecs.txt.
    ("tsv", re.compile(r"\A[^\n]*\t[^\n]*\t[^\n]*\n")),
)


def detect_format(path: Path, text: str) -> str | None:
    """Format name for ``path`` with content ``text``, or None when nothing fits."""
    by_ext = _BY_EXTENSION.get(path.suffix.lower())
    if by_ext:
        return by_ext
    head = text[:200_000]
    if wos.looks_like_wos(head):
        return "wos"
    if proquest_text.looks_like_proquest_text(head):
        return "proquest-text"
    for name, pattern in _SNIFF:
        if pattern.search(head):
            return name
    return None


def read_file(
    path: str | Path, *, source: str | None = None, fmt: str | None = None, encoding: str | None = None
) -> ReadResult:
    """Read every record of one export file.

    ``source`` names the database (``"Embase"``) and overrides detection; ``fmt`` is
    one of :data:`FORMATS` and overrides format detection; ``encoding`` overrides the
    detection of a text file's encoding (a wrong guess garbles names without an error). Raises :class:`InputError`
    when the file as a whole cannot be read; per-record trouble is in ``problems``.
    """
    p = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", path=p, hint=f"use one of: {', '.join(FORMATS)}")
    if p.is_dir():
        raise InputError("is a folder, not a file", path=p,
                         hint=f"name the files in it, e.g. 'triage import {p}/*'")
    if not p.is_file():
        raise InputError("no such file", path=p, hint="check the path")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot be read ({exc.strerror})", path=p, hint="check the file's permissions"
        ) from exc
    sha256 = hashlib.sha256(data).hexdigest()
    if fmt == "xlsx" or (fmt is None and (p.suffix.lower() == ".xlsx" or _is_workbook(data))):
        src = Source(str(p), sha256, source)
        records, problems = tabular.read_xlsx(data, src)
        return ReadResult(records, problems, str(p), sha256, "xlsx", None, source or _dialect(records))
    decoded = decode_bytes(data, p, encoding)
    del data  # the text alone is enough from here; frees memory on large files
    decoded.text = unify_line_ends(decoded.text)
    chosen = fmt or detect_format(p, decoded.text)
    if chosen is None:
        raise InputError(
            "is not a format triage reads",
            path=p,
            hint=f"export as RIS, BibTeX, PubMed (.nbib), CSV or Excel, or give the format (one of: {', '.join(FORMATS)})",
        )
    if chosen == "ris" and fmt is None and wos.looks_like_wos(decoded.text):
        chosen = "wos"
    detected = detect_database(decoded.text)
    database = source or detected
    src = Source(str(p), sha256, database)
    records, problems = _READERS[chosen](decoded.text, src)
    problems = decoded.problems + problems
    if source and detected and contradicts(source, detected):
        problems.append(src.problem(
            f"--source {source!r} given, but the file looks like a {detected} export; recorded as {source}",
            severity="warning",
            hint="if that is wrong, take the import back with 'triage sources remove ID' and import the file "
            "again with the right --source (or none)",
        ))
    if not records and not any(pr.severity == "error" for pr in problems):
        problems.append(
            src.problem(
                f"no records found in this {chosen} file",
                severity="warning",
                hint="check the file is the export you meant, or give the format",
            )
        )
    return ReadResult(
        records, problems, str(p), sha256, chosen, decoded.encoding, database or _dialect(records)
    )


def _is_workbook(data: bytes) -> bool:
    """An Excel workbook whatever its name (saved without ``.xlsx``): a zip with ``xl/workbook.xml``."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def unify_line_ends(text: str) -> str:
    """``text`` with classic Mac line ends (a lone carriage return) turned into newlines.

    Older Mac reference managers end lines with CR alone. Format sniffing and every reader
    look for line starts after a newline, so such a file would read as one line: "not a
    format triage reads". Windows CRLF is left alone (the readers handle it); lone CRs are
    rewritten everywhere only where they outnumber the newlines, so a stray CR inside one
    field of a normal file is not turned into a line break. A lone CR followed by a tag
    (``Canada\rAD  - ...``, ``ER  - \r\n\n\rTY  - CONF``, as Web of Science RIS and
    some conference exports write) is a line break whatever the majority is: left in, it
    glues the tag's field onto the one before or hides the start of a record.
    """
    if "\r" not in text:
        return text
    lone_cr = text.count("\r") - text.count("\r\n")
    if lone_cr == 0:
        return text
    if lone_cr > text.count("\n"):
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return _LONE_CR_BEFORE_TAG.sub("\n", text)


#: A carriage return not followed by a newline, followed by a RIS or MEDLINE tag line.
_LONE_CR_BEFORE_TAG = re.compile(r"\r(?=[A-Z][A-Z0-9]{1,3} {1,3}- |[A-Z][A-Z0-9]  -$)", re.MULTILINE)


def _dialect(records: list[Record]) -> str | None:
    """The database a reader recognised from the file's layout (CSV column dialects)."""
    prov = records[0].provenance if records else None
    return prov.database if prov else None
