"""Reading the results-section text of an included study from txt, Markdown, DOCX or PDF.

Plain text and Markdown are read as they are (UTF-8, else the encoding
charset-normalizer guesses, with a warning). DOCX (python-docx) and PDF text layers
(pypdf) are best effort: PDFs lose paragraph breaks and may carry broken glyph maps, so
:func:`read_document` returns the text together with warnings a coder should see
before coding ("looks broken: 14% of characters are not letters..."). Offsets of
segments refer to the text returned here, which is what the store keeps.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from triage.errors import InputError
from triage.records.model import Problem

__all__ = ["DOCUMENT_FORMATS", "DocumentText", "read_document", "text_problems"]

#: Suffix -> format name of the files we read.
DOCUMENT_FORMATS: dict[str, str] = {".txt": "text", ".md": "markdown", ".markdown": "markdown",
                                    ".docx": "docx", ".pdf": "pdf"}

#: Thresholds of the broken-text check. Chosen by looking at pypdf output of PDFs with
#: broken font maps (``(cid:12)``, U+FFFD, letter-by-letter spacing); ordinary English
#: prose has ~80% letters among non-space characters and <5% one-letter words.
_MIN_LETTER_SHARE = 0.6
_MAX_SINGLE_LETTER_WORDS = 0.3


@dataclass
class DocumentText:
    """Text of one document plus what a coder should know about its quality."""

    path: str
    format: str
    text: str
    sha256: str
    problems: list[Problem] = field(default_factory=list)


def read_document(path: str | Path) -> DocumentText:
    """Read ``path`` by suffix; InputError when it cannot be read at all, warnings otherwise."""
    path = Path(path)
    fmt = DOCUMENT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"cannot import {path.suffix or 'a file without suffix'} documents",
            path=path, hint=f"save the results section as one of: {', '.join(DOCUMENT_FORMATS)}",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", path=path) from exc
    problems: list[Problem] = []
    if fmt in ("text", "markdown"):
        text = _decode(data, path, problems)
    elif fmt == "docx":
        text = _read_docx(path)
    else:
        text = _read_pdf(path, problems)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    problems.extend(text_problems(text, str(path)))
    return DocumentText(str(path), fmt, text, hashlib.sha256(data).hexdigest(), problems)


def _decode(data: bytes, path: Path, problems: list[Problem]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError("not text (no encoding fits)", path=path, hint="save the file as UTF-8 text")
    problems.append(Problem(str(path), f"not UTF-8; read as {best.encoding}", severity="warning",
                            hint="check accented letters, or save the file as UTF-8"))
    return str(best)


def _read_docx(path: Path) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError("not a readable .docx file", path=path, hint="open and save it again in Word") from exc
    # One blank line between Word paragraphs, so segmentation sees the same paragraphs.
    return "\n\n".join(p.text.strip() for p in document.paragraphs if p.text.strip())


def _read_pdf(path: Path, problems: list[Problem]) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, OSError) as exc:
        raise InputError("not a readable PDF", path=path, hint="export the results section as text") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise InputError("the PDF has no text layer (scanned?)", path=path,
                         hint="run OCR or paste the results section into a .txt file")
    problems.append(Problem(str(path), "PDF text is best effort: check paragraph breaks and quotes",
                            severity="warning", hint="import a .docx or .txt copy where you have one"))
    # pypdf keeps the PDF's line breaks: rejoin words hyphenated at a line end and the
    # lines of a paragraph (a hand-written step: pypdf has no paragraph reconstruction).
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text)


def text_problems(text: str, path: str) -> list[Problem]:
    """Warnings when ``text`` looks like a broken text layer rather than prose."""
    problems = []
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return [Problem(path, "the document has no text", severity="warning", hint="check the file")]
    bad = text.count("\ufffd") + len(re.findall(r"\(cid:\d+\)", text))
    if bad:
        problems.append(Problem(path, f"text looks broken: {bad} unreadable characters", severity="warning",
                                hint="the PDF's font map is broken; import a .docx or .txt copy"))
    letters = sum(c.isalpha() for c in visible) / len(visible)
    if letters < _MIN_LETTER_SHARE:
        problems.append(Problem(path, f"text looks broken: only {letters:.0%} of characters are letters",
                                severity="warning", hint="check the imported text before coding"))
    words = re.findall(r"[^\W\d_]+", text)
    if len(words) >= 20:
        single = sum(len(w) == 1 and w.lower() not in ("a", "i") for w in words) / len(words)
        if single > _MAX_SINGLE_LETTER_WORDS:
            problems.append(Problem(path, f"text looks broken: {single:.0%} of words are single letters",
                                    severity="warning", hint="the PDF spaces letters apart; import a text copy"))
    return problems
