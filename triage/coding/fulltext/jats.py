"""JATS XML papers (PubMed Central, publishers): the body's sections, without tables, figures or references.

Read with lxml (already installed with python-docx), with entity expansion and network
access switched off. Headings come from ``sec/title`` with their nesting depth;
``sec-type="results"`` (or ``findings``) marks the results section where the
publisher set it. ``fig``, ``table-wrap``, ``fn``, ``ref-list`` and everything in
``front`` (author notes, affiliations) and ``back`` never become text; inline
citations (``xref``) stay as the reader sees them. JATS has no pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from triage.coding.fulltext.sections import Block
from triage.errors import InputError

__all__ = ["jats_blocks"]

_SKIP = {"fig", "fig-group", "table-wrap", "table-wrap-group", "fn-group", "fn", "ref-list", "ack", "app-group",
         "supplementary-material", "graphic", "media", "label", "alternatives", "disp-formula", "inline-formula",
         "caption", "object-id"}
_RESULT_TYPES = ("results", "findings")


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: Any) -> str:
    """The element's text without skipped children (a footnote, a formula), whitespace normalised."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if _local(child.tag) not in _SKIP:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def jats_blocks(data: bytes, path: Path) -> list[Block]:
    """Blocks of the ``body`` of a JATS article; InputError for XML that does not parse or has no body."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise InputError(f"not well-formed XML ({exc.msg})", path=path, line=line,
                         hint="download the article's XML again (PMC: 'Download XML')") from exc
    body = next((e for e in root.iter() if _local(e.tag) == "body"), None)
    if body is None:
        raise InputError("no <body> in this XML: not a JATS full-text article", path=path,
                         hint="use the full-text JATS XML (PMC OA), not the metadata record")
    blocks: list[Block] = []
    _walk(body, 0, False, blocks)
    return blocks


def _walk(element: Any, depth: int, in_results: bool, out: list[Block]) -> None:
    for child in element:
        tag = _local(child.tag)
        if tag in _SKIP:
            continue
        if tag == "sec":
            kind = (child.get("sec-type") or "").lower()
            results = any(t in kind for t in _RESULT_TYPES) and not in_results
            title = next((c for c in child if _local(c.tag) == "title"), None)
            if title is not None and _text(title):
                out.append(Block("heading", _text(title), None, depth + 1, results=results))
            _walk(child, depth + 1, in_results or results, out)
        elif tag == "p":
            text = _text(child)
            if text:
                out.append(Block("paragraph", text))
            for nested in child:  # a quote or list set inside a paragraph
                if _local(nested.tag) in ("disp-quote", "list"):
                    _walk(nested, depth, in_results, out)
        elif tag == "disp-quote":
            text = " ".join(_text(p) for p in child if _local(p.tag) in ("p", "attrib")) or _text(child)
            if text:
                out.append(Block("quote", text))
        elif tag in ("list", "list-item", "boxed-text", "def-list"):
            _walk(child, depth, in_results, out)
