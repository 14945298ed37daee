"""Turn a file's bytes into text, saying how, never guessing silently.

Order of trust: a byte-order mark, then strict UTF-8, then a charset-normalizer guess.
A guess is reported as a warning :class:`Problem` naming the encoding, because a wrong
guess garbles names and titles without any error (the failure mode of readers that
fall back to Latin-1 quietly). Bytes that look binary (NUL bytes, PDF/ZIP magic) raise
:class:`InputError`: no text reader can do anything useful with them.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer

from triage.errors import InputError
from triage.records.model import Problem

__all__ = ["DecodedText", "decode_bytes", "looks_binary"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: File signatures of binary formats users pick by mistake (PDF, ZIP/XLSX/DOCX, OLE .xls, gzip).
_BINARY_MAGIC: tuple[bytes, ...] = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x1f\x8b")

#: Western single-byte code pages that decode the same letters for most text. When
#: charset-normalizer ranks one of them first and cp1252 decodes the bytes just as
#: cleanly, cp1252 is preferred: it is what Windows reference managers write.
_WESTERN = {"cp1250", "cp1252", "latin_1", "iso8859_15", "iso8859_2", "cp1257", "mac_roman", "cp1254"}


@dataclass
class DecodedText:
    """Text of a file plus the encoding used and any warning about how it was chosen."""

    text: str
    encoding: str
    problems: list[Problem] = field(default_factory=list)


def looks_binary(data: bytes) -> bool:
    """True when the bytes are almost certainly not a text export.

    NUL bytes never occur in UTF-8/single-byte text exports; UTF-16 files (which have
    them) are recognised earlier by their byte-order mark.
    """
    head = data[:8192]
    return head.startswith(_BINARY_MAGIC) or b"\x00" in head


def decode_bytes(data: bytes, path: str | Path, encoding: str | None = None) -> DecodedText:
    """Decode ``data`` read from ``path``; ``encoding`` is the user's word and wins.

    Raises :class:`InputError` for an empty or binary file, bytes no encoding fits, an
    unknown ``encoding``, or bytes that are not valid in the ``encoding`` given.
    """
    name = str(path)
    if not data.strip():
        raise InputError("file is empty", path=name, hint="check you exported the records you meant to")
    binary = InputError(
        "file is binary, not a text export",
        path=name,
        hint="export the records as RIS, BibTeX, PubMed (.nbib), CSV or Excel (.xlsx)",
    )
    if encoding is not None:
        # NUL bytes are normal in UTF-16/32 a user may name, so only file signatures count here.
        if data.startswith(_BINARY_MAGIC):
            raise binary
        return _decode_as(data, name, encoding)
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(bom_encoding).lstrip("\ufeff"), bom_encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"starts with a {bom_encoding} byte-order mark but is not valid {bom_encoding} "
                    f"(byte {exc.start})",
                    path=name,
                    hint="re-export the file as UTF-8",
                ) from exc
    if looks_binary(data):
        raise binary
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    return _guess(data, name)


def _decode_as(data: bytes, name: str, encoding: str) -> DecodedText:
    """Decode strictly with the encoding a user named, or say where it fails."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise InputError(
            f"unknown encoding {encoding!r}", path=name, hint="name a Python codec such as utf-8, cp1252, gb18030 or shift_jis"
        ) from exc
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"is not valid {codec}: byte {exc.start} cannot be decoded",
            path=name,
            line=line,
            hint="check the encoding, or leave --encoding out to let triage detect it",
        ) from exc
    return DecodedText(text.lstrip("\ufeff"), codec)


def _guess(data: bytes, name: str) -> DecodedText:
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise InputError(
            "is not UTF-8 and no text encoding fits its bytes",
            path=name,
            hint="re-export the file as UTF-8",
        )
    encoding = best.encoding
    ranked = [m.encoding for m in matches if m.encoding != encoding]
    if encoding in _WESTERN and encoding != "cp1252":
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = str(best)
        else:
            ranked = [encoding] + [e for e in ranked if e != "cp1252"]
            encoding = "cp1252"
    else:
        text = str(best)
    alternatives = f" (other candidates: {', '.join(ranked[:3])})" if ranked else ""
    problem = Problem(
        path=name,
        message=f"not UTF-8; read as {encoding}, a guess{alternatives}",
        severity="warning",
        hint="check accented names and titles; if they are garbled, import with --encoding (one of the "
        "candidates) or re-export the file as UTF-8",
    )
    return DecodedText(text.lstrip("\ufeff"), encoding, [problem])
