"""EndNote XML reader (what Zotero, Mendeley and EndNote write as "EndNote XML").

Read with the standard library's ElementTree: the format is plain nested elements,
one ``<record>`` per reference; element paths per field are data in ``ris_tags``.
``raw`` maps each element path to its text (lists for repeated elements).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

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
    """Read an EndNote XML export; an XML syntax error fails the whole file."""
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise InputError(
            f"is not well-formed XML ({exc.msg if hasattr(exc, 'msg') else exc})",
            path=source.path,
            line=line,
            hint="re-export it, or export as RIS instead",
        ) from exc
    records: list[Record] = []
    for element in root.iter("record"):
        raw: dict[str, Any] = {}
        _flatten(element, "", raw)
        ref_type = element.find("ref-type")
        if ref_type is not None and ref_type.get("name"):
            raw["ref-type"] = ref_type.get("name")
        record = record_from_endnote_xml(raw)
        record.provenance = source.provenance(len(records) + 1, None)
        records.append(record)
    if not records:
        raise InputError(
            "is XML but holds no EndNote <record> elements",
            path=source.path,
            hint="export the library as EndNote XML or RIS",
        )
    return records, []


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
