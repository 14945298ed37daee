"""HTML papers (publisher pages, PMC's article view, saved web pages).

Parsed with lxml.html (lxml comes with python-docx; BeautifulSoup is not needed for
this). Headings are ``h1``-``h6``, text is ``p``, ``li`` and ``blockquote``, in
document order. Tables, figures and their captions, navigation, page headers and
footers, asides, scripts and forms are removed before reading, and so is anything
whose class or id names references, footnotes or author notes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from triage.coding.fulltext.sections import Block
from triage.errors import InputError

__all__ = ["html_blocks"]

_REMOVE = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "figure", "figcaption",
           "table", "button", "svg", "math", "sup[@class='reference']")
_FURNITURE = re.compile(r"(^|[-_ ])(ref-?list|references|bibliography|footnotes?|author-notes?|fn-group|"
                        r"affiliations?|article-meta|citation-tools|figure|table)([-_ ]|$)", re.IGNORECASE)


def html_blocks(data: bytes, path: Path) -> list[Block]:
    """Blocks of an HTML page; InputError when it is not HTML with text."""
    import lxml.html
    from lxml import etree

    markup: str | bytes = data
    if not re.search(rb"<meta[^>]+charset", data[:4096], re.IGNORECASE):
        try:  # no declared charset: UTF-8 (lxml would read the bytes as Latin-1)
            markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            markup = data
    try:
        root = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError) as exc:
        raise InputError("not readable HTML", path=path, hint="save the article page again as HTML") from exc
    for xpath in _REMOVE:
        for element in root.xpath(f"//{xpath}"):
            element.drop_tree()
    for element in root.xpath("//*[@class or @id]"):
        if _FURNITURE.search(f"{element.get('class', '')} {element.get('id', '')}") and element.getparent() is not None:
            element.drop_tree()
    blocks: list[Block] = []
    body = root.find("body")
    _walk(body if body is not None else root, False, blocks)
    if not blocks:
        raise InputError("no text in this HTML", path=path, hint="save the article page with its text, not a frame")
    return blocks


def _text(element: Any) -> str:
    return " ".join(element.text_content().split())


def _walk(element: Any, in_quote: bool, out: list[Block]) -> None:
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if re.fullmatch(r"h[1-6]", tag):
            text = _text(child)
            if text:
                out.append(Block("heading", text, None, int(tag[1])))
        elif tag == "blockquote":
            text = _text(child)
            if text:
                out.append(Block("quote", text))
        elif tag in ("p", "li", "dd"):
            if child.xpath(".//p|.//li|.//blockquote"):
                _walk(child, in_quote, out)
                continue
            text = _text(child)
            if text:
                out.append(Block("quote" if in_quote else "paragraph", text))
        elif tag:
            _walk(child, in_quote, out)
