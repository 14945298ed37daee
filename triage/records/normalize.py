"""Normalised forms of bibliographic fields, shared by dedup, ranking and export.

These are comparison keys, not display values: the stored record keeps the source's
text; these functions give what two records must agree on to be "the same".
"""

from __future__ import annotations

import re
import unicodedata

from pylatexenc.latex2text import LatexNodes2Text

__all__ = [
    "author_surname",
    "author_surnames",
    "expand_pages",
    "first_page",
    "fold_text",
    "fold_title",
    "normalize_doi",
    "normalize_pmid",
    "normalize_year",
]

_DOI_CORE = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
_DOI_TRAILING = ".,;:)]}>\"'"


def normalize_doi(value: str | None) -> str | None:
    """Return the bare lower-case DOI (``10.xxxx/yyy``) or None.

    Accepts ``https://doi.org/...``, ``doi:...``, URL-encoded slashes and trailing
    punctuation that exports glue on. DOIs are case-insensitive by the DOI handbook,
    so lower-casing is safe for comparison.
    """
    if not value:
        return None
    text = value.strip().replace("%2F", "/").replace("%2f", "/")
    match = _DOI_CORE.search(text)
    if not match:
        return None
    doi = match.group(0).rstrip(_DOI_TRAILING).lower()
    return doi or None


_LATEX_HINT = re.compile(r"[\\{}$]")
_latex = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def _delatex(text: str) -> str:
    # pylatexenc does the LaTeX-to-Unicode conversion (accents, braces, macros);
    # only called when the text looks like LaTeX, since it is slow on plain text.
    if not _LATEX_HINT.search(text):
        return text
    try:
        return str(_latex.latex_to_text(text))
    except Exception:  # noqa: BLE001  pylatexenc raises many types on malformed input; keep the raw text
        return text


_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]{0,40}>")
_ASCII_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def fold_text(value: str | None) -> str:
    """Fold text for comparison: LaTeX and HTML tags removed, accents stripped,
    lower-cased, punctuation turned into single spaces. ``None`` gives ``""``.
    """
    if not value:
        return ""
    if value.isascii() and not _LATEX_HINT.search(value):
        # Fast path with the same result (ASCII letters and digits are the only L/N
        # characters there); the loop below is most of dedup's time at 80k records.
        return " ".join(_ASCII_NON_ALNUM.sub(" ", _HTML_TAG.sub(" ", value)).lower().split())
    text = _HTML_TAG.sub(" ", _delatex(value))
    text = unicodedata.normalize("NFKD", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Mn":  # combining accent
            continue
        if cat[0] in "LN":
            out.append(ch.lower())
        else:
            out.append(" ")
    return " ".join("".join(out).split())


def fold_title(value: str | None) -> str:
    """Title comparison key: :func:`fold_text` of the title (empty when missing)."""
    return fold_text(value)


_PAGES = re.compile(r"^\s*([A-Za-z]*)(\d+)\s*(?:[-\u2010-\u2015]+|\s+to\s+)\s*([A-Za-z]*)(\d+)\s*$")


def expand_pages(value: str | None) -> str | None:
    """Expand abbreviated page ranges: ``123-9`` -> ``123-129``, ``e1234`` kept.

    Medline writes the last page with the leading digits dropped; other databases
    write it in full. Expanding lets both compare equal.
    """
    if not value:
        return None
    text = value.strip()
    match = _PAGES.match(text)
    if not match:
        return text or None
    prefix1, start, prefix2, end = match.groups()
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return f"{prefix1}{start}-{prefix2 or prefix1}{end}"


def first_page(value: str | None) -> str | None:
    """The first page of a range (``"123-9"`` -> ``"123"``), or None."""
    pages = expand_pages(value)
    if not pages:
        return None
    head = re.split(r"[-\u2010-\u2015,\s]", pages, maxsplit=1)[0]
    return head.lower() or None


_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "la", "le", "ten", "ter", "dos", "das", "bin", "al", "el"}


def author_surname(name: str | None) -> str:
    """Folded surname of one author name in any common form.

    ``"Smith, J."``, ``"Smith J"``, ``"J. Smith"``, ``"John A. Smith"``,
    ``"van der Berg, A"`` all give the folded family name (particles dropped:
    ``"berg"``). Empty string when nothing usable is left.
    """
    if not name:
        return ""
    text = _delatex(name).strip()
    if "," in text:
        family = text.split(",", 1)[0]
    else:
        tokens = text.split()
        if not tokens:
            return ""
        # "Smith JA" (Medline): last token all capitals and short -> initials.
        if len(tokens) > 1 and tokens[-1].replace(".", "").isupper() and len(tokens[-1].replace(".", "")) <= 3:
            family = " ".join(tokens[:-1])
        else:
            family = tokens[-1]
    words = [w for w in fold_text(family).split() if w not in _PARTICLES]
    return words[-1] if words else fold_text(family).replace(" ", "")


def author_surnames(authors: list[str]) -> list[str]:
    """Folded surnames of all authors, empties dropped, order kept."""
    return [s for s in (author_surname(a) for a in authors) if s]


def normalize_pmid(value: str | None) -> str | None:
    """Digits of a PubMed id (``"PMID: 123"`` -> ``"123"``) or None."""
    if not value:
        return None
    match = re.search(r"\d{1,9}", str(value))
    return match.group(0).lstrip("0") or None if match else None


def normalize_year(value: object) -> int | None:
    """A plausible four-digit year (1000-2999) found in ``value``, or None."""
    if value is None:
        return None
    match = re.search(r"(?<!\d)([12]\d{3})(?!\d)", str(value))
    return int(match.group(1)) if match else None
