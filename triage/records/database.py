"""Guess which database or platform wrote an export, from the export's own structure.

PRISMA 2020 counts records per source, so each import is labelled with its database.
Exports rarely say so outright; they leave fingerprints in their structure: header lines
(``Database: JSTOR``), tags that name the source (``DB  - Embase``, ``%W CNKI``), accession
numbers in the platform's own form (``AN  - WOS:``, BibTeX ``Unique-ID = {WOS:``), field
names only one exporter writes (Scopus BibTeX ``source = {Scopus}``, Mendeley's
``mendeley-tags``), and the permalink the platform writes into every record.

Free text is never read: an abstract that lists the databases searched ("IEEE Xplore,
Scopus and ...") says nothing about who wrote the file. A link is evidence only when most
records carry it in the platform's link field: one record of a Zotero library linking to
JSTOR does not make the library a JSTOR export.

``SIGNATURES`` is the data: ordered (name, pattern, rule) triples, databases before the
reference managers that merely pass records on, so a PubMed record exported through
EndNote is labelled PubMed. The user's ``--source`` always wins over this guess.
"""

from __future__ import annotations

import re

__all__ = ["SIGNATURES", "detect_database"]

#: How much of a file to scan: fingerprints sit in the first records.
_SCAN_CHARS = 200_000

#: ``once``: one match settles it (headers, source tags, field names, accession numbers).
#: ``most``: a per-record link that must be in at least half the records scanned.
ONCE, MOST = "once", "most"

#: A link in the field a platform writes it to: RIS link tags, BibTeX/CSV url fields.
_LINK = r"(?:^(?:UR|L1|L2|L3|LK|UL)  - |^\s*(?:url|link|biburl)\s*=\s*\{+|[\",>]|^)\s*https?://(?:[\w-]+\.)*"

#: (database, regular expression, rule). First match wins; case-sensitive unless (?i).
SIGNATURES: tuple[tuple[str, str, str], ...] = (
    # ProQuest's text export names the database of each record ("Database: APA PsycInfo"): the platform first.
    ("ProQuest", r"(?m)^Report Information from ProQuest|^ProQuest document ID: ", ONCE),
    ("APA PsycInfo", r"(?im)^Database: (?:APA )?PsycINFO\b", ONCE),
    ("Ovid PsycINFO", _LINK + r"ovid\.com/ovidweb\.cgi\?[^\s]*D=psyc", MOST),
    ("Ovid Embase", _LINK + r"ovid\.com/ovidweb\.cgi\?[^\s]*D=em", MOST),
    ("Ovid MEDLINE", _LINK + r"ovid\.com/ovidweb\.cgi\?[^\s]*D=(?:med|prem)", MOST),
    ("Ovid", r"(?m)^DB  - Ovid", ONCE),
    ("Ovid", _LINK + r"ovidsp\.ovid\.com", MOST),
    ("Embase", r"(?m)^DB  - Embase", ONCE),
    ("Embase", _LINK + r"embase\.com", MOST),
    (
        "Web of Science",
        (r"(?im)^FN (?:Clarivate|Thomson Reuters)|^AN  - WOS:|^UT WOS:|^\s*unique-id\s*=\s*\{+(?:WOS|ISI):"
        r"|^\s*web-of-science-categories\s*="),
        ONCE,
    ),
    ("Scopus", r"(?im)^DB  - Scopus|^\s*source\s*=\s*\{Scopus\}", ONCE),
    ("Scopus", _LINK + r"scopus\.com/inward", MOST),
    ("PubMed", r"(?m)^PMID- |^DP  - NLM|^DB  - (?:PubMed|MEDLINE)", ONCE),
    ("ERIC", r"(?m)^OWN - ERIC", ONCE),
    ("Dimensions", r"(?im)^D[BP]  - Dimensions|Digital Science & Research Solutions|^\"?Dimensions URL\"?,", ONCE),
    ("Dimensions", _LINK + r"app\.dimensions\.ai/details/", MOST),
    ("Lens", r"(?im)^D[BP]  - (?:The )?Lens\b|^\"?Lens ID\"?,", ONCE),
    ("Lens", _LINK + r"lens\.org/", MOST),
    ("CNKI", r"(?m)^%W CNKI|^D[BP]  - CNKI|^DataType: ", ONCE),
    ("EBSCO", r"(?im)^DP  - EBSCOhost", ONCE),
    ("EBSCO", _LINK + r"ebscohost\.com", MOST),
    ("ProQuest", r"(?im)^DB  - ProQuest|^Database: ProQuest", ONCE),
    ("ProQuest", _LINK + r"proquest\.com", MOST),
    ("JSTOR", r"(?im)^Database: JSTOR|^DB  - JSTOR", ONCE),
    ("JSTOR", _LINK + r"jstor\.org", MOST),
    ("IEEE Xplore", r"(?m)^DB  - IEEE Xplore|^DP  - IEEE", ONCE),
    ("IEEE Xplore", _LINK + r"ieeexplore\.ieee\.org", MOST),
    ("ACM Digital Library", r"^\s*publisher\s*=\s*\{Association for Computing Machinery", MOST),
    ("DBLP", r"(?im)^\s*bibsource\s*=\s*\{dblp", ONCE),
    ("Europe PMC", _LINK + r"europepmc\.org", MOST),
    ("Crossref", _LINK + r"api\.crossref\.org", MOST),
    ("Rayyan", r"(?m)^AN  - rayyan-", ONCE),
    # Reference managers: their own field names, XML elements and comment lines.
    ("Mendeley", r"(?im)^\s*mendeley-(?:groups|tags)\s*=|<database name=\"[^\"]*mendeley|<source-app name=\"Mendeley", ONCE),
    # Zotero writes dates as "2019///" and "1999/08//undefined" in RIS.
    ("Zotero", r"(?im)^DA  - \d{4}/\d*/\d*/|<source-app name=\"Zotero", ONCE),
    ("JabRef", r"(?im)^% This file was created with JabRef|^@comment\{jabref-meta:", ONCE),
    ("Citavi", r"(?im)^% This file was created with Citavi|^M4  - Citavi", ONCE),
    ("EndNote", r"(?im)^%0 |<source-app name=\"EndNote", ONCE),
)

_COMPILED: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (name, re.compile(pattern if rule == ONCE else "(?im)" + pattern), rule) for name, pattern, rule in SIGNATURES
)
#: Where a record starts, per format: to count the records a per-record link must be in.
_RECORD_START = re.compile(r"(?m)^(?:TY  -|PT [A-Z]|PMID- |%0 |\s*@\s*[A-Za-z]+\s*[{(])|<record>")


def detect_database(text: str) -> str | None:
    """Name of the database or platform that wrote ``text``, or None when no fingerprint fits."""
    head = text[:_SCAN_CHARS]
    records = len(_RECORD_START.findall(head)) or max(head.count("\n"), 1)
    for name, pattern, rule in _COMPILED:
        if rule == ONCE:
            if pattern.search(head):
                return name
        elif _count(pattern, head, enough=(records + 1) // 2) * 2 >= records:
            return name
    return None


def _count(pattern: re.Pattern[str], text: str, *, enough: int) -> int:
    """Matches of ``pattern`` in ``text``, counting no further than ``enough``."""
    found = 0
    for _ in pattern.finditer(text):
        found += 1
        if found >= enough:
            break
    return found
