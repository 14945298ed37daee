"""Guess which database or platform wrote an export, from its content.

PRISMA 2020 counts records per source, so each import is labelled with its database.
Exports rarely say so outright; they leave fingerprints (``DB  - Embase``, Ovid links,
``AN  - WOS:`` accession numbers). ``SIGNATURES`` is the data: ordered (name, pattern)
pairs, databases before the reference managers that merely pass records on, so a
PubMed record exported through EndNote is labelled PubMed. The user's ``--source``
always wins over this guess.
"""

from __future__ import annotations

import re

__all__ = ["SIGNATURES", "detect_database"]

#: How much of a file to scan: fingerprints sit in the first records.
_SCAN_CHARS = 200_000

#: (database, regular expression). First match wins; case-sensitive unless (?i).
SIGNATURES: tuple[tuple[str, str], ...] = (
    ("Ovid PsycINFO", r"ovid\.com/ovidweb\.cgi\?[^\s]*D=psyc"),
    ("Ovid Embase", r"ovid\.com/ovidweb\.cgi\?[^\s]*D=em"),
    ("Ovid MEDLINE", r"ovid\.com/ovidweb\.cgi\?[^\s]*D=(?:med|prem)"),
    # APA's own platform heads its RIS with "Provider: ... / Database: PsycINFO" lines.
    ("APA PsycInfo", r"(?im)^Database: (?:APA )?PsycINFO\b"),
    ("Ovid", r"(?im)ovidsp\.ovid\.com|^DB  - Ovid"),
    ("Embase", r"(?im)^DB  - Embase|www\.embase\.com"),
    (
        "Web of Science",
        r"(?im)^FN (?:Clarivate|Thomson Reuters)|^AN  - WOS:|^UT WOS:|\bunique-id\s*=\s*\{WOS:",
    ),
    ("Scopus", r"(?im)^DB  - Scopus|www\.scopus\.com/inward|\bsource\s*=\s*\{Scopus\}"),
    ("PubMed", r"(?m)^PMID- |^DP  - NLM|^DB  - (?:PubMed|MEDLINE)"),
    ("ERIC", r"(?m)^OWN - ERIC"),
    ("EBSCO", r"(?im)ebscohost\.com|^DP  - EBSCOhost"),
    ("ProQuest", r"(?im)proquest\.com|^DB  - ProQuest"),
    ("JSTOR", r"(?im)jstor\.org|^Database: JSTOR"),
    ("IEEE Xplore", r"(?i)ieeexplore\.ieee\.org|IEEE Xplore"),
    ("ACM Digital Library", r"(?i)dl\.acm\.org|\bpublisher\s*=\s*\{Association for Computing Machinery"),
    ("DBLP", r"(?i)dblp\.org"),
    ("Europe PMC", r"(?i)europepmc\.org"),
    ("Crossref", r"(?i)api\.crossref\.org"),
    ("Rayyan", r"(?m)^AN  - rayyan-"),
    ("Mendeley", r"(?i)mendeley"),
    # Zotero writes dates as "2019///" and "1999/08//undefined" in RIS.
    ("Zotero", r"(?im)^DA  - \d{4}/\d*/\d*/|zotero"),
    ("EndNote", r"(?im)endnote|^%0 "),
)

_COMPILED: tuple[tuple[str, re.Pattern[str]], ...] = tuple((n, re.compile(p)) for n, p in SIGNATURES)


def detect_database(text: str) -> str | None:
    """Name of the database or platform that wrote ``text``, or None when no fingerprint fits."""
    head = text[:_SCAN_CHARS]
    for name, pattern in _COMPILED:
        if pattern.search(head):
            return name
    return None
