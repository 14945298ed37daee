"""Reading the results-section text of an included study from txt, DOCX, Markdown, JATS XML, HTML or PDF.

Plain text is read as it is (UTF-8, else the encoding charset-normalizer guesses, with
a warning) and DOCX paragraphs with python-docx. Markdown, JATS XML, HTML and PDF are
read as whole papers (:mod:`triage.coding.fulltext`): only the results section is kept
(a file that holds nothing else is kept whole), with the section heading and page of
each part as :attr:`DocumentText.regions` and the headings found as
:attr:`DocumentText.outline`, so a person can check the boundaries. PDF text layers
may carry broken glyph maps, so :func:`read_document` returns the text together with
warnings a coder should see before coding ("looks broken: 14% of characters are not
letters..."). Offsets of segments refer to the text returned here, which is what the
store keeps.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from triage.coding.fulltext import FULLTEXT_FORMATS, OutlineEntry, Region
from triage.errors import InputError
from triage.records.model import Problem

__all__ = ["DOCUMENT_FORMATS", "DocumentText", "read_document", "text_problems"]

#: Suffix -> format name of the files we read.
DOCUMENT_FORMATS: dict[str, str] = {".txt": "text", ".md": "markdown", ".markdown": "markdown",
                                    ".docx": "docx", ".pdf": "pdf", ".xml": "jats", ".nxml": "jats",
                                    ".html": "html", ".htm": "html"}

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
    regions: list[Region] = field(default_factory=list)
    outline: list[OutlineEntry] = field(default_factory=list)
    how: str = ""


#: Suffixes of records exports (``triage import``), not study texts: named as such when given here.
_RECORD_EXPORTS = frozenset({".ris", ".bib", ".nbib", ".enw", ".ciw", ".csv", ".tsv", ".xlsx", ".xls", ".enl"})


def read_document(path: str | Path, *, from_heading: str | None = None, to_heading: str | None = None,
                  whole: bool = False) -> DocumentText:
    """Read ``path`` by suffix; InputError when it cannot be read at all, warnings otherwise.

    For papers (Markdown, JATS, HTML, PDF) only the results section is kept, or the span
    from ``from_heading`` up to (not including) ``to_heading``; ``whole`` keeps every
    section (running heads, tables and references of a PDF are still dropped).
    """
    path = Path(path)
    fmt = DOCUMENT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        formats = ", ".join(DOCUMENT_FORMATS)
        records = path.suffix.lower() in _RECORD_EXPORTS
        raise InputError(
            f"cannot import {path.suffix or 'a file without suffix'} documents",
            path=path,
            hint=f"a {path.suffix.lower()} file holds records: import it with 'triage import FILE'; a study's text "
            f"for coding is one of: {formats}" if records else f"save the results section as one of: {formats}",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", path=path) from exc
    problems: list[Problem] = []
    sha256 = hashlib.sha256(data).hexdigest()
    if fmt in FULLTEXT_FORMATS:
        return _read_paper(path, fmt, data, problems, sha256, from_heading=from_heading, to_heading=to_heading,
                           whole=whole)
    text = _decode(data, path, problems) if fmt == "text" else _read_docx(path)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    problems.extend(text_problems(text, str(path)))
    return DocumentText(str(path), fmt, text, sha256, problems)


def _read_paper(path: Path, fmt: str, data: bytes, problems: list[Problem], sha256: str, *,
                from_heading: str | None, to_heading: str | None, whole: bool) -> DocumentText:
    from triage.coding.fulltext import fulltext_blocks, select_text

    original = None
    if fmt == "markdown":
        original = _decode(data, path, problems).replace("\r\n", "\n").replace("\r", "\n")
    blocks = fulltext_blocks(fmt, path, data, original)
    text, regions, choice = select_text(blocks, path, original, from_heading=from_heading,
                                        to_heading=to_heading, whole=whole)
    if not text.strip():
        raise InputError("no text in the section chosen", path=path,
                         hint="pick other headings with --from-heading / --to-heading, or pass --whole")
    problems.extend(text_problems(text, str(path)))
    return DocumentText(str(path), fmt, text, sha256, problems, regions, choice.outline, choice.how)


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
