"""Tag tables of RIS, Web of Science, MEDLINE, EndNote and BibTeX: data only (cf. ``rispy/config.py``).

``FIELDS`` lists, per :class:`~triage.records.model.Record` field, the tags that may
carry it, most trusted first; a reader takes the first tag present. Dialects differ
only in which tags they use, so supporting a new database means editing this table.
"""

from __future__ import annotations

import re

__all__ = [
    "ARTICLE_NUMBER_KEYS",
    "ARTICLE_NUMBER_RIS_TYPES",
    "AUTHOR_TAGS",
    "BIBTEX_FIELDS",
    "BIBTEX_TYPES",
    "DECISION_TAG",
    "ENDNOTE_XML_FIELDS",
    "ENL_FIELDS",
    "ENL_LIST_TAGS",
    "FIELDS",
    "KNOWN_TAGS",
    "LIST_TAGS",
    "MEDLINE_FIELDS",
    "MEDLINE_LIST_TAGS",
    "PMID_MAX_DIGITS",
    "PROQUEST_FIELDS",
    "PROQUEST_LABELS",
    "RECORD_BODY_TAGS",
    "RIS_C7_MEANINGS",
    "TYPE_CODES",
    "VENDOR_TAGS",
    "WOS_AUTHOR_TAGS",
    "WOS_FIELDS",
    "WOS_LIST_TAGS",
    "WOS_RIS_TAGS",
    "WRITE_TAGS",
    "known_tags",
    "ris_type_code",
]

#: Tags of the RIS specification (RefMan 2011, as documented by EndNote and Zotero),
#: plus our decision tag and the four-letter ``PMID`` APA PsycInfo writes. Anything else is reported as an unknown tag and kept in ``raw``.
KNOWN_TAGS: frozenset[str] = frozenset(
    [
        "TY",
        "A1",
        "A2",
        "A3",
        "A4",
        "AB",
        "AD",
        "AN",
        "AU",
        "AV",
        "BT",
        "C1",
        "C2",
        "C3",
        "C4",
        "C5",
        "C6",
        "C7",
        "C8",
        "CA",
        "CN",
        "CP",
        "CT",
        "CY",
        "DA",
        "DB",
        "DO",
        "DP",
        "ED",
        "EP",
        "ET",
        "ID",
        "IS",
        "J1",
        "J2",
        "JA",
        "JF",
        "JO",
        "KW",
        "L1",
        "L2",
        "L3",
        "L4",
        "LA",
        "LB",
        "LK",
        "M1",
        "M2",
        "M3",
        "N1",
        "N2",
        "NV",
        "OP",
        "PB",
        "PP",
        "PY",
        "RI",
        "RN",
        "RP",
        "SE",
        "SN",
        "SP",
        "ST",
        "SV",
        "T1",
        "T2",
        "T3",
        "TA",
        "TI",
        "TT",
        "U1",
        "U2",
        "U3",
        "U4",
        "U5",
        "UR",
        "VL",
        "VO",
        "Y1",
        "Y2",
        "ER",
        "TR",
        "PMID",
    ]
)

#: Tags one exporter writes outside the RIS specification, by the database (or tool) that
#: writes them: kept in ``raw`` and written back like any tag, but not reported as unknown in
#: its files (a warning the user can do nothing about). Ovid's "AI" (the authors' ORCID
#: identifiers, PsycINFO) and "NL" (the NLM title abbreviation, written after ER); Citavi's
#: "TS" and "M4" (its marks "RIS" and "Citavi" on every record). Seen in the shared exports.
VENDOR_TAGS: dict[str, frozenset[str]] = {
    "Ovid": frozenset({"AI", "NL"}),
    "Citavi": frozenset({"TS", "M4"}),
}


def known_tags(database: str | None) -> frozenset[str]:
    """The tags a file from ``database`` may carry without an "unknown RIS tag" warning: the
    specification's, Web of Science's own in its RIS, and :data:`VENDOR_TAGS` ("Ovid PsycINFO"
    counts as Ovid)."""
    if database == "Web of Science":
        return KNOWN_TAGS | WOS_RIS_TAGS
    vendor = next((tags for name, tags in VENDOR_TAGS.items() if database and database.split()[0] == name), None)
    return KNOWN_TAGS | vendor if vendor else KNOWN_TAGS


#: Tags that repeat by design; always kept as lists in ``raw`` (rispy's ``list_tags``).
LIST_TAGS: tuple[str, ...] = ("A1", "A2", "A3", "A4", "AU", "ED", "KW", "N1", "UR", "L1", "L2", "AD", "TR")

#: Tags that only occur inside a record: finding them outside one means a record lost its TY.
RECORD_BODY_TAGS: frozenset[str] = frozenset({"TI", "T1", "AB", "N2", "AU", "A1", "PY", "Y1", "DO", "KW"})

#: PubMed ids are below 10**8 (about 4 * 10**7 in 2025); longer all-digit ANs are not PMIDs.
PMID_MAX_DIGITS = 8

#: Tags whose values are authors of the work itself (A2/ED are editors, A3 series editors).
AUTHOR_TAGS: tuple[str, ...] = ("AU", "A1")

#: Not in the RIS specification, so no reference manager gives it another meaning.
#: Holds ``decision: exclude``, ``reason: ...``, ``stage: ...``, ``reviewer: ...`` lines.
DECISION_TAG = "TR"

FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("TI", "T1", "CT", "BT"),
    # Embase, Ovid and EndNote write abstracts to N2 (the RIS spec's "abstract" tag).
    "abstract": ("AB", "N2"),
    "year": ("PY", "Y1", "DA", "Y2"),
    "journal": ("T2", "JF", "JO", "BT", "JA", "J2", "J1", "T3"),
    "volume": ("VL", "VO"),
    "issue": ("IS", "CP"),
    "start_page": ("SP",),
    "end_page": ("EP",),
    "doi": ("DO",),
    # Tags that may hold a DOI inside a URL or note when DO is missing.
    "doi_fallback": ("L3", "UR", "L2", "M3", "N1"),
    # AN is the PubMed id in PubMed exports (EndNote, our writer); taken when it is all
    # digits and the export is from PubMed/MEDLINE or it has at most PMID_MAX_DIGITS digits.
    # Other databases' accession numbers have letters, dashes or more digits (ProQuest: 10).
    "pmid": ("PMID", "AN"),
    "issn_isbn": ("SN",),
    "keywords": ("KW",),
    "language": ("LA",),
    "publication_type": ("TY",),
    "url": ("UR", "L2", "L1", "LK"),
    "notes": ("N1",),
}

# --- Web of Science plain-text format ("FN Clarivate ... / PT J / ... / ER / EF") -----

#: Author tags in preference order: AF full names, AU abbreviated.
WOS_AUTHOR_TAGS: tuple[str, ...] = ("AF", "AU")

#: Multi-valued tags: one value per continuation line.
WOS_LIST_TAGS: tuple[str, ...] = ("AU", "AF", "BA", "BF", "CA", "GP", "CR", "RI", "OI", "C1", "C3", "EM")

#: Web of Science field tags that its *RIS* export writes beside the RIS ones (publisher ``PU``,
#: city ``PI``, address ``PA``, abbreviations ``J9``/``JI``, edition ``WE``, funding ``FU``/``FX``,
#: categories ``WC``/``SC``, accession ``UT``, ...), from Clarivate's documented field-tag list. In a
#: file identified as Web of Science they are the database's own fields, kept in ``raw`` without a
#: warning: reporting them as unknown told a reviewer that 8 of 10 records had problems.
# fmt: off
WOS_RIS_TAGS: frozenset[str] = frozenset((
    "FN", "VR", "PT", "AF", "BA", "BF", "CA", "GP", "BE", "SO", "SE", "BS", "DT", "CL", "HO",
    "DE", "ID", "C3", "RP", "EM", "RI", "OI", "FU", "FP", "FX", "CR", "NR", "TC", "Z9", "U1",
    "U2", "PU", "PI", "PA", "EI", "BN", "J9", "JI", "PD", "PN", "SU", "SI", "MA", "BP", "AR",
    "DI", "DL", "D2", "EA", "PG", "WC", "WE", "SC", "GA", "PM", "OA", "HC", "HP", "UT", "EF",
))
# fmt: on

WOS_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("TI",),
    "abstract": ("AB",),
    "year": ("PY", "EA"),
    "journal": ("SO", "SE", "J9", "JI"),
    "volume": ("VL",),
    "issue": ("IS",),
    "start_page": ("BP",),
    "end_page": ("EP",),
    "doi": ("DI",),
    "pmid": ("PM",),
    "issn": ("SN", "EI"),
    "isbn": ("BN",),
    "keywords": ("DE", "ID"),
    "language": ("LA",),
    "publication_type": ("DT", "PT"),
    "url": (),
    "notes": (),
}

# --- PubMed/MEDLINE (.nbib): 4-character tags padded with spaces, then "- " ---------

#: Tags that repeat by design; kept as lists in ``raw``.
MEDLINE_LIST_TAGS: tuple[str, ...] = (
    "AU",
    "FAU",
    "AD",
    "AID",
    "LID",
    "IS",
    "MH",
    "OT",
    "PT",
    "LA",
    "RN",
    "SI",
    "GR",
    "CIN",
    "CON",
    "AUID",
    "PHST",
    "OID",
    "ISBN",
    "ED",
    "FED",
    "CI",
    "GN",
)

MEDLINE_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("TI", "BTI"),
    "abstract": ("AB",),
    "authors": ("FAU", "AU"),  # first non-empty tag: full names preferred
    "year": ("DP", "DEP", "EDAT"),
    "journal": ("JT", "TA", "BTI"),
    "volume": ("VI",),
    "issue": ("IP",),
    "pages": ("PG",),
    "doi": ("AID", "LID"),  # values like "10.1/x [doi]"; ERIC writes a doi.org URL
    "pmid": ("PMID",),
    "issn": ("IS", "ISSN"),  # ERIC writes "ISSN- ISSN-1234-4567"
    "isbn": ("ISBN",),
    "keywords": ("MH", "OT"),
    "language": ("LA",),
    "publication_type": ("PT",),
    "url": ("LID", "AID"),
    "notes": ("GN",),
}

# --- EndNote tagged ("refer") format: "%A Author", one record per blank-line block ---

ENL_LIST_TAGS: tuple[str, ...] = ("%A", "%E", "%K", "%U", "%Z", "%@")

ENL_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("%T",),
    "abstract": ("%X",),
    "authors": ("%A",),
    "year": ("%D", "%8"),
    "journal": ("%J", "%B"),
    "volume": ("%V",),
    "issue": ("%N",),
    "pages": ("%P",),
    "doi": ("%R",),
    "pmid": (),
    "issn_isbn": ("%@",),
    "keywords": ("%K",),
    "language": ("%G",),
    "publication_type": ("%0",),
    "url": ("%U",),
    "notes": ("%Z",),
}

# --- BibTeX: field names (matched case-insensitively; WoS writes "Title") -----------

BIBTEX_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "abstract": ("abstract",),
    "authors": ("author",),
    "year": ("year", "date"),
    "journal": ("journal", "journaltitle", "booktitle", "series"),
    "volume": ("volume",),
    "issue": ("number", "issue"),
    "pages": ("pages",),
    "doi": ("doi",),
    "pmid": ("pmid",),
    "issn": ("issn",),
    "isbn": ("isbn",),
    "keywords": ("keywords", "author_keywords", "keywords-plus"),
    "language": ("language", "langid"),
    "publication_type": ("ENTRYTYPE",),
    "url": ("url",),
    "notes": ("note", "annote", "annotation"),
}

# --- EndNote XML (Zotero, Mendeley, EndNote): element paths under <record> ---------

ENDNOTE_XML_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("titles/title",),
    "abstract": ("abstract",),
    "authors": ("contributors/authors/author",),
    "year": ("dates/year",),
    "journal": ("periodical/full-title", "titles/secondary-title"),
    "volume": ("volume",),
    "issue": ("number", "issue"),
    "pages": ("pages",),
    "doi": ("electronic-resource-num",),
    "pmid": (),
    "issn_isbn": ("isbn",),
    "keywords": ("keywords/keyword",),
    "language": ("language",),
    "publication_type": ("ref-type",),
    "url": ("urls/related-urls/url", "urls/web-urls/url"),
    "notes": ("notes",),
}

# --- ProQuest plain text ("Document 1 of 100", then "Label: value" lines) ---------------

PROQUEST_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("Title",),
    "abstract": ("Abstract", "Abstract (English)"),
    "authors": ("Author", "Authors", "Editor"),
    "year": ("Publication year", "Publication date", "Year"),
    "journal": ("Publication title", "Source"),
    "volume": ("Volume",),
    "issue": ("Issue",),
    "pages": ("Pages", "First page"),
    "doi": ("DOI",),
    "pmid": ("PubMed ID",),
    "issn": ("ISSN", "e-ISSN"),
    "isbn": ("ISBN",),
    "keywords": ("Subject", "Identifier / keyword", "MeSH subject", "Keywords"),
    "language": ("Language of publication", "Language"),
    "publication_type": ("Document type", "Source type"),
    "url": ("Document URL", "ProQuest document link"),
    "notes": ("Notes",),
}

#: Every label ProQuest writes at the start of a field line. Only these start a field: a
#: structured abstract's "Methods: ..." line continues the abstract.
PROQUEST_LABELS: frozenset[str] = frozenset(
    {label for labels in PROQUEST_FIELDS.values() for label in labels}
    | {
        "Publication info", "Links", "Full text", "Publisher", "Place of publication", "Country of publication",
        "Publication subject", "Copyright", "Last updated", "Database", "ProQuest document ID", "Accession number",
        "Document feature", "Classification", "Location", "Company / organization", "Number of pages",
        "Advisor", "Committee member", "University/institution", "Department", "University location", "Degree",
        "Dissertation/thesis number", "Source type", "Publication date", "First available", "Update",
        "Population group", "Methodology", "Tests and measures", "Age group", "Correction date", "References",
        "Affiliation", "Section", "Conference title", "Conference date", "Conference location", "Funding",
        "Supplemental data", "Credit", "Illustration", "Document note", "Author e-mail address", "Publication note",
        "Email", "Loaded date", "Grant", "Sponsor", "Peer reviewed", "Summary", "Entry date", "CODEN",
        "Journal subset", "Special feature", "Chemical", "Substance", "Identifier (keyword)",
    }
)

# --- Writing RIS ---------------------------------------------------------------------

#: Record field -> (tag we write, tags the written tag replaces). Pages, ISSN/ISBN and
#: the type are handled by the writer (SP/EP split, SN twice, TY from TYPE_CODES).
WRITE_TAGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "title": ("TI", ("TI", "T1")),
    "abstract": ("AB", ("AB", "N2")),
    "authors": ("AU", ("AU", "A1")),
    "year": ("PY", ("PY", "Y1")),
    "journal": ("T2", ("T2", "JF", "JO")),
    "volume": ("VL", ("VL", "VO")),
    "issue": ("IS", ("IS", "CP")),
    "pages": ("SP", ("SP", "EP")),
    "doi": ("DO", ("DO",)),
    "pmid": ("AN", ("AN",)),
    "issn": ("SN", ("SN",)),
    "isbn": ("SN", ("SN",)),
    "keywords": ("KW", ("KW",)),
    "language": ("LA", ("LA",)),
    "publication_type": ("TY", ("TY",)),
    "url": ("UR", ("UR",)),
    "notes": ("N1", ("N1",)),
}

#: Where sources keep an article number (PLoS ONE's e0229999, Scientific Reports' 1234: the
#: locator of a journal without pages), by the kind of ``raw`` a record has: RIS tags
#: (``C7``, "Article Number" of a journal article in the 2011 RIS specification, as Scopus
#: and EndNote write it), BibTeX fields (BibLaTeX ``eid``, Web of Science ``Article-Number``,
#: Scopus ``art_number``, ACM ``articleno``) and any other source's columns or tags (Scopus
#: CSV "Art. No.", Web of Science ``AR`` and "Article Number", triage's CSV
#: ``article_number``). Not a Record field (that would need a store column): writers map it
#: from ``raw``. BibTeX and other names are matched ignoring case; a Scopus CSV's "EID" is
#: Scopus's record id, not BibLaTeX's eid, so eid is only read from BibTeX.
ARTICLE_NUMBER_KEYS: dict[str, tuple[str, ...]] = {
    "ris": ("C7",),
    "bibtex": ("eid", "article-number", "art_number", "articleno"),
    "other": ("article_number", "art. no.", "article number", "ar"),
}

#: What ``C7`` means per RIS type, from the 2011 RIS specification's per-type tables (RefMan's
#: RIS Format Specifications, as tabulated in customcommander/ris ``resources/fields.json``):
#: "Article Number" in the journal types (JOUR, EJOUR, INPR in press, ABST an abstract, JFULL a
#: whole journal), "PMCID" in EBOOK and ECHAP, "Custom 7" in GEN; the other types (CHAP, BOOK,
#: CONF, CPAPER, RPRT, THES, ...) give C7 no meaning. Only where it means the article number is
#: it read as one (exported as BibTeX eid and the CSV ``article_number``): a book's PMCID is not
#: a locator. Scopus is the exception: it writes "Art. No." as C7 in every type, conference
#: papers too (``writers._from_scopus``). Wherever it is, it stays the record's C7 in ``raw``, written back by the RIS export,
#: as every other tag without a record field; nothing is lost.
RIS_C7_MEANINGS: dict[str, str] = {
    "JOUR": "Article Number", "EJOUR": "Article Number", "INPR": "Article Number", "ABST": "Article Number",
    "JFULL": "Article Number", "EBOOK": "PMCID", "ECHAP": "PMCID", "GEN": "Custom 7",
}

#: RIS types whose ``C7`` is an article number (:data:`RIS_C7_MEANINGS`).
ARTICLE_NUMBER_RIS_TYPES: frozenset[str] = frozenset(
    kind for kind, meaning in RIS_C7_MEANINGS.items() if meaning == "Article Number")

#: Publication types other formats write, folded to lower case -> RIS type code.
TYPE_CODES: dict[str, str] = {
    "journal article": "JOUR",
    "article": "JOUR",
    "review": "JOUR",
    "book": "BOOK",
    "book chapter": "CHAP",
    "book section": "CHAP",
    "chapter": "CHAP",
    "inbook": "CHAP",
    "incollection": "CHAP",
    "conference paper": "CPAPER",
    "conference proceedings": "CONF",
    "inproceedings": "CPAPER",
    "proceedings": "CONF",
    "thesis": "THES",
    "phdthesis": "THES",
    "mastersthesis": "THES",
    "report": "RPRT",
    "techreport": "RPRT",
    "misc": "GEN",
    # Zotero's item types (its CSV's "Item Type"), lower-cased as looked up.
    "journalarticle": "JOUR",
    "booksection": "CHAP",
    "conferencepaper": "CPAPER",
    "magazinearticle": "MGZN",
    "newspaperarticle": "NEWS",
    "webpage": "ELEC",
    "manuscript": "UNPB",
}

#: RIS type code -> BibTeX entry type, for writing records that did not come from BibTeX.
BIBTEX_TYPES: dict[str, str] = {
    "JOUR": "article",
    "BOOK": "book",
    "CHAP": "incollection",
    "CONF": "proceedings",
    "CPAPER": "inproceedings",
    "THES": "phdthesis",
    "RPRT": "techreport",
    "GEN": "misc",
}


_RIS_TYPE = re.compile(r"[A-Z]{2,6}")


def ris_type_code(kind: str | None) -> str | None:
    """The RIS type code of a publication type as any export writes it ("JOUR", Scopus's
    "Article", "journal article"); None when it is none of them. The writer and the dedup
    review's comparison ask it."""
    text = (kind or "").strip()
    return text if _RIS_TYPE.fullmatch(text) else TYPE_CODES.get(text.lower())
