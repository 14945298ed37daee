"""EndNote XML reader (what Zotero, Mendeley and EndNote write as "EndNote XML").

Read with the standard library's ElementTree: the format is plain nested elements,
one ``<record>`` per reference; element paths per field are data in ``ris_tags``.
``raw`` maps each element path to its text (lists for repeated elements).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, cast

from triage.errors import InputError
from triage.records import ris_tags
from triage.records.model import Problem, Record
from triage.records.source import Source, as_list, first, record_from_tags, split_issn_isbn

__all__ = ["read_endnote_xml", "record_from_endnote_xml"]


def _text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _flatten(element: ET.Element, prefix: str, raw: dict[str, Any]) -> None:
    for child in element:
        path = f"{prefix}{child.tag}"
        if len(child):
            _flatten(child, path + "/", raw)
            continue
        value = _text(child)
        if path in raw:
            prior = raw[path]
            raw[path] = [*prior, value] if isinstance(prior, list) else [prior, value]
        else:
            raw[path] = value


def read_endnote_xml(text: str, source: Source) -> tuple[list[Record], list[Problem]]:
    """Read an EndNote XML export.

    Parsed incrementally, so an export cut short (an interrupted download, a full disk)
    keeps every ``<record>`` completed before the damage and reports where it stops; a
    file broken before its first record fails as a whole.
    """
    # An XML declaration must open the document; exports pasted or saved by hand sometimes
    # start with blank lines, which the parser would reject, so skip them (and count them
    # back into the line an error names).
    body = text.lstrip()
    skipped_lines = text[: len(text) - len(body)].count("\n")
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("end",))
    records: list[Record] = []
    problems: list[Problem] = []
    try:
        # The pull parser queues a syntax error behind the events before it, so _collect
        # turns every record finished before the damage into a Record, then raises.
        parser.feed(body.encode("utf-8"))
        _collect(parser, source, records)
        parser.close()
        _collect(parser, source, records)
    except ET.ParseError as exc:
        line = exc.position[0] + skipped_lines if exc.position else None
        message = f"is not well-formed XML ({exc.msg if hasattr(exc, 'msg') else exc})"
        if not records:
            raise InputError(
                message, path=source.path, line=line, hint="re-export it, or export as RIS instead"
            ) from exc
        problems.append(
            source.problem(
                f"{message}; the {len(records)} records before it were read, anything after it was not",
                line=line,
                hint="the export looks cut short or damaged there: re-export it; to replace this import, "
                "`triage sources remove` it before importing the new file",
            )
        )
    if not records:
        raise InputError(
            "is XML but holds no EndNote <record> elements",
            path=source.path,
            hint="export the library as EndNote XML or RIS",
        )
    return records, problems


def _collect(parser: ET.XMLPullParser[ET.Element], source: Source, records: list[Record]) -> None:
    """Turn every ``<record>`` the parser has finished into a Record (in file order)."""
    for event in parser.read_events():
        # Only "end" events were asked for: each is ("end", Element).
        element = cast("tuple[str, object]", event)[1]
        if not isinstance(element, ET.Element) or element.tag != "record":
            continue
        raw: dict[str, Any] = {}
        _flatten(element, "", raw)
        ref_type = element.find("ref-type")
        if ref_type is not None and ref_type.get("name"):
            raw["ref-type"] = ref_type.get("name")
        record = record_from_endnote_xml(raw)
        record.provenance = source.provenance(len(records) + 1, None)
        records.append(record)
        element.clear()  # finished: free its subtree (exports can hold 50,000 records)


def record_from_endnote_xml(raw: dict[str, Any]) -> Record:
    """Build a :class:`Record` from element paths (:data:`ris_tags.ENDNOTE_XML_FIELDS`)."""
    tags = ris_tags.ENDNOTE_XML_FIELDS
    issn, isbn = split_issn_isbn(first(raw, tags["issn_isbn"]))
    return record_from_tags(
        raw,
        tags,
        authors=as_list(raw.get(tags["authors"][0])),
        pmid=None,
        issn=issn,
        isbn=isbn,
        keywords=as_list(raw.get(tags["keywords"][0])),
    )
