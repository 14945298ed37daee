"""Normalised comparison keys of one record, computed once and reused by every pair.

Blocking and pair scoring look at the same handful of derived values (folded title,
surnames, numeric volume, expanded pages, trap markers); computing them per record
instead of per pair keeps an 80,000-record run to seconds.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache

from triage.records.model import Record
from triage.records.normalize import (
    author_surname,
    expand_pages,
    fold_text,
    normalize_doi,
    normalize_pmid,
)

__all__ = ["COLUMN_WORDS", "TITLE_STOPWORDS", "RecordKeys", "journal_tokens", "record_keys"]

#: Words too common to identify a title; dropped from the sorted-token key only.
TITLE_STOPWORDS = frozenset(
    ["a", "an", "and", "the", "of", "in", "on", "for", "to", "with", "by", "from", "at", "as", "or", "is", "are", "be", "its", "their", "into", "via", "vs", "versus"]
)
_JOURNAL_STOPWORDS = frozenset(["the", "of", "and", "in", "for", "on", "de", "la", "et", "der", "und"])

# Trap markers, matched on the folded title (lower case, punctuation as spaces).
# Each marks a record that must never be merged with the article it refers to.
_ERRATUM = re.compile(r"^(?:erratum|errata|corrigendum|retraction note|retracted|notice of retraction|"
                      r"expression of concern)\b|^(?:correction|retraction) (?:to|of article|notice)\b|"
                      r"\b(?:erratum|corrigendum)(?: to)?$")
# "Correction: Title" is a notice but "Correction of scoliosis" is not: the colon,
# lost in folding, decides, so it is matched on the raw title.
_NOTICE_COLON = re.compile(r"^\s*(?:correction|retraction|erratum|corrigendum)\s*[:\u2013-]", re.IGNORECASE)
_COMMENT = re.compile(r"^(?:comment(?:ary)? on|reply|response|in reply|author s reply|authors reply|"
                      r"letter to the editor|author response)\b|\b(?:reply to|comment on|"
                      r"commentary on|in reply to)\b|\b(?:reply|rejoinder|authors reply)$")
# ("response to" is only a marker at the start: "... in response to humanitarian events";
# "Re:" only with its colon, which folding removes, so it is matched on the raw title.)
_RE_COLON = re.compile(r"^\s*re\s*:", re.IGNORECASE)
_PART = re.compile(r"\b(?:part|pt|phase|study|paper|series|section)\s+([ivx]+|\d+|one|two|three|four|five)\b")
_PREPRINT_JOURNALS = ("arxiv", "biorxiv", "medrxiv", "ssrn", "research square", "preprints", "psyarxiv",
                      "osf preprints", "social science research network")
#: DOI prefixes of preprint servers (bioRxiv/medRxiv, arXiv, SSRN, Research Square, OSF, Preprints.org).
_PREPRINT_DOIS = ("10.1101/", "10.48550/", "10.2139/ssrn", "10.21203/rs", "10.31219/osf", "10.31234/osf",
                  "10.20944/preprints")
_CONFERENCE = re.compile(r"\b(?:proceedings|conference|congress|symposium|meeting|workshop|abstracts?|annual "
                         r"scientific|supplement|suppl)\b")
# Notes databases append to a title: MEDLINE's "[Erratum appears in ...]", "[Comment in
# ...]", "[Article in French]", Embase's "(multiple letters) [1]", the CRD databases'
# "(Brief record)", "(Structured abstract)". They describe the
# record, they are not its title, so they are cut before comparing.
_TITLE_NOTE = re.compile(r"\[[^\]]*\]?\s*$|\[(?:erratum|comment|article|see|retraction|corrected|published|"
                         r"reprint|updated|summary|letter|in process|\d+)[^\]]*\]|\((?:multiple letters|brief record|structured abstract|provisional abstract)\)",
                         re.IGNORECASE)
# MEDLINE marks an article that a later erratum corrects: "Title.[Erratum appears in Hum Mol
# Genet. 2005;14(8):1107]". The note is kept (apart from the title) because other databases
# index that erratum under the article's own title: see ``_may_be_the_erratum`` in match.py.
_ERRATUM_NOTE = re.compile(r"\[\s*(erratum\b[^\]]*)", re.IGNORECASE)
# Web of Science titles a correction "Title (vol 142, pg 310, 2003)"; Embase writes
# "Title (Journal (2009) 360 (542-544))". Both mark an erratum of the cited article.
_NOTE_START = re.compile(r"\s*(?:erratum|comment|article|see|retraction|corrected|published|reprint|updated|"
                         r"summary|letter|in process|review|english abstract|\d)", re.IGNORECASE)
_CITED_CORRECTION = re.compile(r"\((?:vol\.? ?\d+.{0,20}pg\.? ?\w+.{0,12}|[^()]{3,120}\(\d{4}\)[^()]{0,30}"
                               r"\([\w\s-]+\)\s*)\)\s*\.?\s*$", re.IGNORECASE)
# Titles of recurring columns repeat in every issue of a journal, so a match on them
# says nothing: "Editor's Comments", "Editorial", "Introduction", "Issue information".
COLUMN_WORDS = frozenset(["editor", "editors", "editorial", "editorials", "comments", "introduction", "preface", "foreword", "issue", "news", "acknowledgement", "acknowledgements", "acknowledgment", "reviewers", "contents", "index", "announcement", "announcements", "remarks", "notes", "correspondence", "letter", "letters"])
_SUBTITLE = re.compile(r"\s*(?::|\s-\s|\?|\.\s)\s*")
_ORIGINAL = re.compile(r"<ORIGINAL>|\bTO:\s", re.IGNORECASE)
_BRACKETED = re.compile(r"^(.*?)\s*\[([^\]]{15,})\]\s*\.?\s*$")
_WORD_NUMBER = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                "i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8",
                "ix": "9", "x": "10"}
_DIGITS = re.compile(r"\d+")
# "10 000 women" and "10000 women" are one number (a thousands separator, folded to a space).
_THOUSANDS = re.compile(r"\b(\d{1,3}) (\d{3})\b")
# Number words count as numbers in a title: "the first issue" vs "the second issue".
_ORDINALS = {w: str(n) for n, words in enumerate(
    ("", "first one", "second two", "third three", "fourth four", "fifth five", "sixth six", "seventh seven",
     "eighth eight", "ninth nine", "tenth ten")) for w in words.split()}


@dataclass(frozen=True, slots=True)
class RecordKeys:
    """Everything pair scoring compares, for one record.

    Strings are folded (lower case, accents and punctuation removed) and empty when
    missing; numbers are ``None`` when missing. ``index`` is the record's position in
    the list given to :func:`triage.dedup.engine.find_duplicates`.
    """

    index: int
    title: str
    title_tokens: tuple[str, ...]
    main_title: str
    alt_title: str
    numbers: frozenset[str]
    generic: bool
    surnames: tuple[str, ...]
    given: tuple[str, ...]
    year: int | None
    journal: tuple[str, ...]
    volume: str
    issue: str
    first_page: str
    last_page: str
    page_starts: frozenset[str]
    page_locator: bool
    damaged_pages: str
    doi: str
    pmid: str
    accession: str
    isbn: str
    abstract: str
    erratum: bool
    erratum_note: str
    comment: bool
    part: str
    preprint: bool
    conference: bool

    @property
    def first_author(self) -> str:
        return self.surnames[0] if self.surnames else ""


_SUFFIX = re.compile(r"[\s,]+(?:jr|sr|ii|iii|iv|2nd|3rd)\.?(?=,|$)", re.IGNORECASE)


@lru_cache(maxsize=65536)
def _surname(name: str) -> str:
    # Cached: author names repeat a great deal across a review (same teams, many
    # papers). Generational suffixes are cut first ("Wright Jr., T C" is Wright), and
    # a trailing comma ("Zheng C,") that would make the initial look like the surname.
    return author_surname(_SUFFIX.sub("", name.strip(" ,;.")))


@lru_cache(maxsize=65536)
def _given(name: str) -> str:
    """Folded first given name or initials of one author (``"Smith, John A."`` -> ``"john"``,
    ``"Smith JA"`` -> ``"ja"``), empty when there is none. Lets author matching see a
    name exported in the wrong order (``"Carignani, Andrea"`` vs ``"Andrea, C."``)."""
    text = _SUFFIX.sub("", name.strip(" ,;."))
    if "," in text:
        words = fold_text(text.split(",", 1)[1]).split()
    else:
        words = fold_text(text).split()
        words = words[-1:] if len(words) > 1 and len(words[-1]) <= 3 else words[:-1]
    return words[0] if words else ""


def _authors(names: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Surnames and aligned given names, authors without a usable surname dropped
    (interned: the same names recur across a review's records)."""
    pairs = [(sys.intern(s), sys.intern(_given(a))) for a in names if (s := _surname(a))]
    return tuple(s for s, _ in pairs), tuple(g for _, g in pairs)


@lru_cache(maxsize=65536)
def _shared_set(items: tuple[str, ...]) -> frozenset[str]:
    """One frozenset object per distinct content (page starts, title numbers repeat
    across records: at a million records a set each would cost some 400 MB)."""
    return frozenset(sys.intern(item) for item in items)


@lru_cache(maxsize=16384)
def journal_tokens(journal: str | None) -> tuple[str, ...]:
    """Folded journal words without stop words, so ``"J. of Hepatology"`` -> ``("j", "hepatology")``.

    Cached: a review holds a few thousand journals across tens of thousands of records.
    """
    return tuple(t for t in fold_text(journal).split() if t not in _JOURNAL_STOPWORDS)


def _number(value: str | None) -> str:
    """First run of digits (``"Vol. 32 (Suppl 2)"`` -> ``"32"``), empty when none."""
    if not value:
        return ""
    match = _DIGITS.search(value)
    return match.group(0).lstrip("0") or "0" if match else fold_text(value)


def _volume(value: str | None, year: int | None) -> str:
    """Volume number, empty when the field holds the year instead (``"2016"``,
    ``"2015-April"``: proceedings and magazines), which says nothing more than the year."""
    number = _number(value)
    if year and number.isdigit() and abs(int(number) - year) <= 1:
        return ""
    return number


_PAGE_CORE = re.compile(r"^[a-z]*?(\d+)")
# An electronic article number (BMJ "c1804", PLoS "e12724") where another database
# gives print pages ("1014", "1-6"): two numbering systems, so pages cannot be compared.
_LOCATOR = re.compile(r"^[abcde]\d{3,}$", re.IGNORECASE)


def _page_core(page: str) -> str:
    """Digits of a page without the prefix databases disagree on (``S33``, ``e182``,
    ``viii108``, ``P63``) and without leading zeros; empty for a garbled value."""
    match = _PAGE_CORE.match(fold_text(page).replace(" ", ""))
    return (match.group(1).lstrip("0") or "0") if match else ""


# Spreadsheets turn a page range into a date ("5-13" -> "13-May", "1-6" -> "01-Jun");
# which digits were the pages is then unknowable, so such a value counts as missing.
_DATE_DAMAGE = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.IGNORECASE)


def _pages(value: str | None) -> tuple[str, str, frozenset[str]]:
    """First page, last page and the first pages of every sub-range (all digit cores).

    An article printed in pieces is exported as ``233-238+230-235`` by one database and
    ``"230-5, 233-8"`` by another; comparing the sets of start pages matches them.
    """
    if not value or _DATE_DAMAGE.search(value):
        return "", "", frozenset()
    starts: list[str] = []
    first = last = ""
    for n, piece in enumerate(p for p in re.split(r"[,;+&]|\band\b", value) if p.strip()):
        expanded = expand_pages(piece.strip(" \"'")) or ""
        bounds = [b for b in re.split(r"[-\u2010-\u2015]+", expanded) if b.strip()]
        if not bounds:
            continue
        start = _page_core(bounds[0])
        if not start:
            continue  # "Suppl-29", "t-20", "01-Jun": a garbled export, not a page
        starts.append(start)
        if n == 0:
            first, last = start, _page_core(bounds[-1]) or start
    return sys.intern(first), sys.intern(last), _shared_set(tuple(sorted(set(starts))))


def _part(title: str) -> str:
    found = [_WORD_NUMBER.get(m.group(1), m.group(1)) for m in _PART.finditer(title)]
    return ",".join(found)


# Where a reader left the venue or the entry type only in ``raw`` (BibTeX
# ``booktitle``/``ENTRYTYPE``, CSV exports of them as ``orig_booktitle``), dedup still
# needs them: a conference paper is not the journal article of the same title.
_VENUE_SUFFIXES = ("booktitle", "secondary_title", "conference_name")
_TYPE_SUFFIXES = ("entrytype", "type_of_reference", "document_type", "publication_type")
_CONFERENCE_TYPES = frozenset(["inproceedings", "conference", "proceedings", "cpaper", "conf", "conference", "paper", "conference", "abstract", "meeting", "abstract"])


@lru_cache(maxsize=256)
def _raw_keys(keys: tuple[str, ...], suffixes: tuple[str, ...]) -> tuple[str, ...]:
    # Cached per field layout: every record of one export has the same raw keys.
    return tuple(k for k in keys if k.lower().endswith(suffixes))


def _raw_text(record: Record, suffixes: tuple[str, ...]) -> str:
    for key in _raw_keys(tuple(record.raw), suffixes):
        value = record.raw.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


# A database's own accession number, where an export keeps it (RIS AN, Web of Science UT and
# BibTeX Unique-ID, Scopus EID): only the forms unique across every database count, a Web of
# Science UT and a Scopus EID; others (Embase's, ProQuest's, a bare number) may be another
# database's number for another record.
_ACCESSION_FIELDS = frozenset(["an", "ut", "unique-id", "unique_id", "eid", "accession number", "accession_number"])
_ACCESSION = re.compile(r"\b(?:(?:WOS|ISI):(\d{15})|(2-s2\.0-\d{8,}))\b", re.IGNORECASE)


@lru_cache(maxsize=256)
def _accession_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    # Cached per field layout, as _raw_keys: a million records share a few layouts.
    return tuple(k for k in keys if str(k).strip().lower() in _ACCESSION_FIELDS)


def _accession(record: Record) -> str:
    """The record's Web of Science UT (``wos:`` and its 15 digits) or Scopus EID, else empty."""
    for key in _accession_keys(tuple(record.raw)):
        value = record.raw[key]
        for text in value if isinstance(value, (list, tuple)) else [value]:
            match = _ACCESSION.search(str(text))
            if match:
                return f"wos:{match.group(1)}" if match.group(1) else match.group(2).lower()
    return ""


def record_keys(index: int, record: Record) -> RecordKeys:
    """Derive the comparison keys of ``record`` (the ``index``-th of the run)."""
    raw_title = record.title or ""
    cited_correction = bool(_CITED_CORRECTION.search(raw_title))
    if cited_correction:
        raw_title = _CITED_CORRECTION.sub("", raw_title)
    cleaned = raw_title
    for _ in range(3):  # notes can stack: "Title.[Erratum ...].[Comment ...]"
        cleaned = _TITLE_NOTE.sub("", cleaned).strip()
    alt = ""
    original = _ORIGINAL.search(cleaned)
    if original:  # "English title <ORIGINAL> TITRE FRANCAIS": both are the title
        cleaned, alt = cleaned[: original.start()], cleaned[original.end():]
    else:
        bracketed = _BRACKETED.match(raw_title)
        if bracketed and bracketed.group(1).strip() and not _NOTE_START.match(bracketed.group(2)):  # "English title [Original-language title]"
            cleaned, alt = bracketed.group(1), bracketed.group(2)
    # A note pattern can eat a whole title ("[Translated title, cut off at 200 characters"):
    # then the raw title is all there is.
    title = fold_text(cleaned) or fold_text(raw_title)
    head = _SUBTITLE.split(cleaned.strip(" [].\"'"), maxsplit=1)[0]
    main_title = fold_text(head)
    # Interned: a review's titles share a vocabulary of a few ten thousand words, so a run
    # over a million records keeps one copy of each word instead of one per title.
    tokens = [sys.intern(t) for t in title.split()]
    venue = record.journal or _raw_text(record, _VENUE_SUFFIXES) or None
    journal_text = fold_text(venue)
    pub_type = fold_text(record.publication_type or _raw_text(record, _TYPE_SUFFIXES))
    first, last, starts = _pages(record.pages)
    surnames, given = _authors(record.authors)
    doi = normalize_doi(record.doi) or ""
    note = _ERRATUM_NOTE.search(raw_title)
    return RecordKeys(
        index=index,
        title=title,
        title_tokens=tuple(dict.fromkeys(tokens)),
        main_title=main_title if main_title != title and main_title.count(" ") >= 2 else "",
        alt_title=fold_text(alt),
        numbers=_shared_set(tuple(sorted(set(_DIGITS.findall(_THOUSANDS.sub(r"\1\2", title)))
                                         | {_ORDINALS[t] for t in tokens if t in _ORDINALS}))),
        generic=(sum(1 for t in tokens if len(t) > 1 and t not in TITLE_STOPWORDS and not t.isdigit()) < 3
                 or (len(tokens) <= 8 and any(t in COLUMN_WORDS for t in tokens))),
        surnames=surnames,
        given=given,
        year=record.year,
        journal=journal_tokens(venue),
        volume=sys.intern(_volume(record.volume, record.year)),
        issue=sys.intern(_number(record.issue)),
        first_page=first,
        last_page=last,
        page_starts=starts,
        page_locator=bool(_LOCATOR.match((record.pages or "").strip())),
        damaged_pages=fold_text(record.pages) if record.pages and _DATE_DAMAGE.search(record.pages) else "",
        doi=doi,
        pmid=normalize_pmid(record.pmid) or "",
        accession=_accession(record),
        isbn=re.sub(r"[^0-9x]", "", (record.isbn or "").lower()),
        abstract=fold_text(record.abstract[:300]) if record.abstract else "",
        erratum_note=note.group(1).strip() if note else "",
        erratum=cited_correction or bool(_ERRATUM.search(title) or _NOTICE_COLON.match(raw_title)),
        comment=bool(_COMMENT.search(title) or _RE_COLON.match(raw_title)),
        part=_part(title),
        preprint=(any(p in journal_text for p in _PREPRINT_JOURNALS) or "preprint" in pub_type
                  or doi.startswith(_PREPRINT_DOIS)),
        conference=bool(_CONFERENCE.search(journal_text)) or pub_type in _CONFERENCE_TYPES
        or "conference" in pub_type or "proceedings" in pub_type,
    )
