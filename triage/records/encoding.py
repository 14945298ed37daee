"""Turn a file's bytes into text, saying how, never guessing silently.

Order of trust: a byte-order mark, then strict UTF-8, then a charset-normalizer guess;
an East Asian guess is weighed against the other East Asian codecs by how plausible each
decoding is for the script it claims (:func:`plausibility`).
A guess is reported as a warning :class:`Problem` naming the encoding, because a wrong
guess garbles names and titles without any error (the failure mode of readers that
fall back to Latin-1 quietly). NUL bytes in every other position are UTF-16 written without
its byte-order mark (:func:`_utf16_without_bom`); a few NULs elsewhere are stray bytes in
UTF-8 text (:func:`_with_stray_nuls`). Other bytes that look binary (NUL bytes, PDF/ZIP
magic) raise :class:`InputError`: no text reader can do anything useful with them.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import AnyStr

import charset_normalizer

from triage.errors import InputError
from triage.records.model import Problem

__all__ = ["DecodedText", "decode_bytes", "looks_binary", "plausibility"]

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
#: The DOS code pages (cp775, cp850, ...) are in the set: charset-normalizer ranks them first
#: for short Windows files ("Café" read as cp775 is "Cafķ"), and no reference manager writes them.
_WESTERN = {"cp1250", "cp1252", "latin_1", "iso8859_15", "iso8859_2", "cp1257", "mac_roman", "cp1254", "cp1258",
            "cp437", "cp775", "cp850", "cp852", "cp857", "cp858", "cp860", "cp861", "cp863", "cp865"}


@dataclass
class DecodedText:
    """Text of a file plus the encoding used and any warning about how it was chosen."""

    text: str
    encoding: str
    problems: list[Problem] = field(default_factory=list)


def looks_binary(data: bytes) -> bool:
    """True when the bytes are almost certainly not a text export.

    NUL bytes never occur in UTF-8/single-byte text exports; UTF-16 files (which have
    them) are recognised earlier by their byte-order mark, or after this by the NULs'
    positions (:func:`_utf16_without_bom`).
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
    binary = InputError("file is binary, not a text export", path=name, hint=_binary_hint(data))
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
        if (cleaned := _utf16_without_bom(data, name) or _with_stray_nuls(data, name)) is not None:
            return cleaned
        raise binary
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    return _mostly_utf8(data, name) or _guess(data, name)


#: How much of a file's start :func:`_utf16_without_bom` looks at (an even number of bytes).
_UTF16_SAMPLE = 8192


def _utf16_byte_order(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the NUL bytes across the file's start stand in one
    position of each byte pair (the high byte of ASCII letters, digits and tags), else None.

    An export's tags, years and punctuation are ASCII, so at least a quarter of its pairs have
    the NUL (text all in Chinese still has them in its tags), while the other position holds a NUL only for the rare
    characters U+xx00. Binary data with zeros has them in both positions.
    """
    head = data[: min(len(data), _UTF16_SAMPLE) // 2 * 2]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    first, second = head[0::2].count(0), head[1::2].count(0)
    for nuls, others, codec in ((second, first, "utf-16-le"), (first, second, "utf-16-be")):
        if nuls * 4 >= pairs and others * 50 <= nuls:
            return codec
    return None


def _utf16_without_bom(data: bytes, name: str) -> DecodedText | None:
    """UTF-16 written without its byte-order mark (some Windows tools do), read in the byte
    order its NULs show, with a warning that the mark was missing; else None.

    The bytes must decode strictly and give text: no NUL or other control characters
    besides line ends and tabs, which 16-bit numbers in a binary file would decode to.
    """
    codec = None if data.startswith(_BINARY_MAGIC) else _utf16_byte_order(data)
    if codec is None:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    if any(c < " " and c not in "\t\n\r\f\v" for c in text[:_UTF16_SAMPLE]):
        return None
    return _guessed(text, codec, name, f"has no byte-order mark; read as {codec.upper()} (a NUL byte in every "
                    "other position)", "import with --encoding, or re-export the file as UTF-8")


def _guessed(text: str, encoding: str, name: str, message: str, remedy: str) -> DecodedText:
    """``text`` read as ``encoding`` from a file whose bytes do not say so, with the warning
    that says how it was chosen: a wrong choice garbles accented letters without an error."""
    problem = Problem(path=name, message=message, severity="warning",
                      hint=f"check accented names and titles; if they are garbled, {remedy}")
    return DecodedText(text.lstrip("\ufeff"), encoding, [problem])


def _with_stray_nuls(data: bytes, name: str) -> DecodedText | None:
    """A UTF-8 text export with a few NUL bytes in it (a field pasted from a program that
    writes them): the text without them and a warning naming their lines; else None.

    A binary file has a signature, or NULs in quantity, and never decodes as UTF-8 once they
    are gone; refusing a whole export for one stray byte would lose every good record in it.
    """
    count = data.count(b"\x00")
    if data.startswith(_BINARY_MAGIC) or count > max(8, len(data) // 1000):
        return None
    try:
        text = data.replace(b"\x00", b"").decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = _first_lines(data, (m.start() for m in re.finditer(b"\x00", data)), b"\n")
    where = f"line {lines[0]}" if len(lines) == 1 else (
        f"lines {', '.join(map(str, lines))}" if len(lines) <= 3 else f"lines {', '.join(map(str, lines[:3]))} and more")
    problem = Problem(
        path=name,
        message=f"{count} NUL byte{'s' if count > 1 else ''} removed ({where}); the rest of the file read as UTF-8",
        line=lines[0],
        severity="warning",
        hint="check the text there; a NUL byte is not text and no export should contain one",
    )
    return DecodedText(text.lstrip("\ufeff"), "utf-8", [problem])


#: Bytes that are not UTF-8, as ``surrogateescape`` leaves them in the text (U+DC80..U+DCFF).
_STRAY = re.compile("[\udc80-\udcff]+")


def _mostly_utf8(data: bytes, name: str) -> DecodedText | None:
    """A UTF-8 file with a few bytes that are not (a title pasted from a Windows program):
    its UTF-8 text kept, each stray byte read as cp1252, and a warning naming the lines.

    Guessing one encoding for the whole file instead reads every dash and accent of every
    record wrongly for the sake of one byte. The file counts as UTF-8 when its valid
    multi-byte sequences outweigh the stray bytes (``len(data) - len(text)``: a byte or two
    per accented letter, dash or quote decoded; Windows text has next to none); else None.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    strays = list(_STRAY.finditer(text))
    bad = sum(m.end() - m.start() for m in strays)
    if len(data) - len(text) <= bad:
        return None
    lines = _first_lines(text, (m.start() for m in strays), "\n")
    sample = _windows(strays[0].group())
    fixed = _STRAY.sub(lambda m: _windows(m.group()), text)
    more = f" (and more, first lines {', '.join(map(str, lines[:3]))})" if len(lines) > 3 else (
        f" (lines {', '.join(map(str, lines))})" if len(lines) > 1 else "")
    problem = Problem(
        path=name,
        message=f"{bad} byte{'s' if bad > 1 else ''} on line {lines[0]}{more} not UTF-8; read as cp1252 "
        f"({sample!r}), the rest of the file as UTF-8",
        line=lines[0],
        severity="warning",
        hint="check the accented letters there; if they are wrong, fix them or re-export the file as UTF-8",
    )
    return DecodedText(fixed.lstrip("\ufeff"), "utf-8", [problem])


def _first_lines(text: AnyStr, offsets: Iterable[int], newline: AnyStr) -> list[int]:
    """The numbers of the first four distinct lines the ascending ``offsets`` fall on (a warning
    names three and says "more"), counting line breaks once over the text."""
    lines: list[int] = []
    line, counted_to = 1, 0
    for at in offsets:
        line += text.count(newline, counted_to, at)
        counted_to = at
        if not lines or lines[-1] != line:
            lines.append(line)
            if len(lines) > 3:
                break
    return lines


def _windows(escaped: str) -> str:
    """Stray bytes (as ``surrogateescape`` keeps them) read as cp1252."""
    return bytes(ord(c) - 0xDC00 for c in escaped).decode("cp1252", errors="replace")


def _binary_hint(data: bytes) -> str:
    """What to do with a binary file a user gave as an export: said for what it is (the zip
    Rayyan and Covidence export, a paper's PDF, a coding project), else the formats read."""
    formats = "export the records as RIS, BibTeX, PubMed (.nbib), CSV or Excel (.xlsx)"
    if data.startswith(b"%PDF"):
        return f"it is a PDF; to code a paper's results use 'triage code import FILE'; {formats}"
    if data.startswith(b"PK\x03\x04"):
        import io
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
        except zipfile.BadZipFile:
            return formats
        if "project.qde" in names:
            return "it is a REFI-QDA project: import it with 'triage code import FILE'"
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        return f"it is a zip archive holding {shown}: unzip it and import the records file inside"
    return formats


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
    if encoding in _CJK_LANGUAGE:
        encoding = _likeliest_cjk(data, [best.encoding, *(m.encoding for m in matches)])
    ranked = [m.encoding for m in matches if m.encoding != encoding]
    if encoding != best.encoding:
        text = data.decode(encoding)
    elif encoding in _WESTERN and encoding != "cp1252":
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
    return _guessed(text, encoding, name, f"not UTF-8; read as {encoding}, a guess{alternatives}",
                    "import with --encoding (one of the candidates) or re-export the file as UTF-8")


#: Language each East Asian codec writes (Python codec names, as charset-normalizer gives them).
_CJK_LANGUAGE: dict[str, str] = {
    **dict.fromkeys(("gb18030", "gbk", "gb2312", "hz", "big5", "big5hkscs", "cp950"), "zh"),
    **dict.fromkeys(("cp949", "euc_kr", "johab", "iso2022_kr"), "ko"),
    **dict.fromkeys(
        ("shift_jis", "cp932", "euc_jp", "euc_jis_2004", "euc_jisx0213", "shift_jis_2004", "iso2022_jp"), "ja"
    ),
}
#: Tried besides charset-normalizer's candidates: the encoding each language's exports use most.
_CJK_ALWAYS = ("gb18030", "big5", "cp949", "shift_jis", "euc_jp")
_LETTER_RUN = re.compile(r"[^\W\d_\x00-\x7f]+")


def _script(char: str) -> str:
    code = ord(char)
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "kana"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or code >= 0x20000:
        return "han"
    return "other"


def _common(char: str, codec: str, last_common_lead: int) -> bool:
    """True when ``char`` is in the "frequently used" part of a national character set:
    GB2312 level 1 (3,755 hanzi), Big5's frequent block (5,401), JIS X 0208 level 1 (2,965
    kanji), KS X 1001's 2,350 Hangul syllables. Those sets were drawn up by frequency of use,
    so text decoded with the wrong codec lands outside them far more often than real text."""
    try:
        encoded = char.encode(codec)
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and encoded[0] <= last_common_lead


def plausibility(text: str, language: str) -> float:
    """How much ``text`` looks like ``language`` ("zh", "ko", "ja") written in its own script.

    Bytes of one East Asian encoding often decode without error in another (GBK as
    Korean cp949 gives Hangul syllables mixed with Hanja inside words: "열힁", "꿎桿퍅엷"),
    so validity proves nothing. Per non-ASCII letter: 1 when it is of the language's
    script and in its national set's frequently used part (see :func:`_common`), 0.5 when
    of the script but rarer (Hanja in Korean only as whole words), 0 otherwise; Japanese
    without any kana is halved (real Japanese text always has some); +1 when the letter
    is among the language's most frequent characters (charset-normalizer's tables).
    Divided by the letters counted (the first 20,000): 0 to 2.
    """
    from charset_normalizer.constant import FREQUENCIES

    frequent = {
        "zh": set(FREQUENCIES["Chinese"]),
        "ko": set(FREQUENCIES["Korean"]),
        "ja": {c for name in ("Japanese", "Japanese—", "Japanese——") for c in FREQUENCIES[name]},
    }[language]
    letters = kana = 0
    score = 0.0
    for run in _LETTER_RUN.findall(text):
        scripts = [_script(c) for c in run]
        has_hangul = "hangul" in scripts
        for char, script in zip(run, scripts, strict=True):
            letters += 1
            kana += script == "kana"
            score += char in frequent
            if language == "zh" and script == "han":
                common = _common(char, "gb2312", 0xD7) or _common(char, "big5", 0xC6)
                score += 1.0 if common else 0.5
            elif language == "ko" and script == "hangul":
                score += 1.0 if _common(char, "euc_kr", 0xC8) else 0.25
            elif language == "ko" and script == "han" and not has_hangul:
                score += 0.5
            elif language == "ja" and script == "kana":
                score += 1.0
            elif language == "ja" and script == "han":
                score += 1.0 if _common(char, "euc_jp", 0xCF) else 0.5
        if letters >= 20_000:
            break
    if not letters:
        return 0.0
    if language == "ja" and kana == 0:
        score /= 2
    return score / letters


def _likeliest_cjk(data: bytes, candidates: list[str]) -> str:
    """Of the East Asian ``candidates`` (best first) and :data:`_CJK_ALWAYS`, the one whose
    strict decoding of ``data`` is most plausible for its language; ties keep the earlier."""
    best, best_score = candidates[0], -1.0
    for encoding in dict.fromkeys([*candidates, *_CJK_ALWAYS]):
        language = _CJK_LANGUAGE.get(encoding)
        if language is None:
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = plausibility(text, language)
        if score > best_score:
            best, best_score = encoding, score
    return best
