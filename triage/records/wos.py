"""Web of Science plain-text reader (``FN Clarivate ...``, ``PT J`` ... ``ER``, ``EF``).

rispy's ``WokParser`` parses each record; we split records and report a ``PT``
without ``ER`` with its line, as for RIS (see :mod:`triage.records.ris`).
"""

from __future__ import annotations

import re
from typing import Any

from rispy import WokParser

from triage.records import ris_tags
from triage.records.model import Problem, Record
from triage.records.ris import split_records
from triage.records.source import Source, as_list, first, record_from_tags

__all__ = ["looks_like_wos", "read_wos", "record_from_wos", "wos_pmid"]

_MEDLINE_UT = re.compile(r"MEDLINE:(\d{1,9})$")
_WOS_HEAD = re.compile(r"\A\s*(?:FN [^\n]*\n\s*VR [^\n]*\n\s*)?PT [A-Z]\s*$", re.MULTILINE)


class _Identity(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return key


def looks_like_wos(text: str) -> bool:
    """True when ``text`` starts like a Web of Science plain-text export."""
    head = text.lstrip()[:400]
    return head.startswith("FN ") or _WOS_HEAD.match(head) is not None


def read_wos(text: str, source: Source) -> tuple[list[Record], list[Problem]]:
    """Read a WoS plain-text export; problems carry line numbers."""
    lines = text.splitlines()
    found: list[Problem] = []
    chunks = list(
        split_records(
            lines,
            source,
            found,
            is_start=lambda line: line.startswith("PT "),
            is_end=lambda line: line.rstrip() == "ER",
            start_name="PT",
            end_name="ER",
        )
    )
    # The header lines FN/VR and the closing EF sit outside records by design.
    problems = [p for p in found if not _is_header_noise(p, lines)]
    parser = WokParser(mapping=_Identity(), list_tags=list(ris_tags.WOS_LIST_TAGS), enforce_list_tags=False)
    records: list[Record] = []
    for position, chunk in enumerate(chunks, 1):
        body = chunk.lines if chunk.closed else [*chunk.lines, "ER"]
        parsed = parser.parse_lines(iter(body))
        raw: dict[str, Any] = parsed[0] if parsed else {}
        raw.pop("", None)
        record = record_from_wos(raw)
        record.provenance = source.provenance(position, chunk.line)
        records.append(record)
    return records, problems


def _is_header_noise(problem: Problem, lines: list[str]) -> bool:
    if problem.severity != "warning" or problem.line is None:
        return False
    start = problem.line - 1
    rest = [ln for ln in lines[start:] if ln.strip()]
    block = []
    for ln in rest:
        if ln.startswith("PT "):
            break
        block.append(ln)
    return all(ln[:3] in ("FN ", "VR ", "EF") or ln.strip() == "EF" for ln in block)


def record_from_wos(raw: dict[str, Any]) -> Record:
    """Build a :class:`Record` from WoS tags following :data:`ris_tags.WOS_FIELDS`."""
    tags = ris_tags.WOS_FIELDS
    authors = next((a for tag in ris_tags.WOS_AUTHOR_TAGS if (a := as_list(raw.get(tag)))), [])
    start, end = first(raw, tags["start_page"]), first(raw, tags["end_page"])
    # PG is the page count, never the pages; records from WoS's MEDLINE database give a page span in PS.
    pages = f"{start}-{end}" if start and end and end != start else start or first(raw, ("AR", "PS"))
    keywords = [k.strip() for tag in tags["keywords"] for v in as_list(raw.get(tag)) for k in v.split(";")]
    return record_from_tags(
        raw,
        tags,
        authors=authors,
        pages=pages,
        pmid=first(raw, tags["pmid"]) or wos_pmid(raw),
        keywords=[k for k in keywords if k],
        url=None,
        notes=None,
    )


def wos_pmid(raw: dict[str, Any]) -> str | None:
    """The PubMed id of a record from Web of Science's MEDLINE database, which has no PM:
    its accession is ``UT MEDLINE:12345678`` and ``AN`` holds the bare PMID."""
    accession = first(raw, ("UT",))
    if accession and (match := _MEDLINE_UT.match(accession)):
        return match.group(1)
    number = first(raw, ("AN",))
    if number and number.isdigit() and len(number) <= ris_tags.PMID_MAX_DIGITS:
        return number
    return None
