"""Markdown papers: marked-up headings (markdown-it-py), or a PDF conversion with plain-line headings.

A Markdown file with ``#`` headings is read with markdown-it-py's
block tokens: headings, paragraphs, block quotes and list items become blocks and keep
their Markdown as written (the web view shows it); tables, code and HTML blocks are
dropped. A file with at most one heading (a title) is taken to be a PDF's text layer
saved as Markdown, like the shared ``source.md`` files: its blank-line blocks go
through :mod:`triage.coding.fulltext.layout`, with form feeds as page breaks.
"""

from __future__ import annotations

import re
from typing import Any

from triage.coding.fulltext.layout import RawBlock, blocks_from_layout
from triage.coding.fulltext.sections import Block

__all__ = ["markdown_blocks"]

_DROPPED = {"table_open", "fence", "code_block", "html_block", "hr"}


def markdown_blocks(text: str) -> list[Block]:
    """Blocks of a Markdown paper in reading order (see the module doc for the two kinds)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    # Two "#" headings: marked up. (A text layer's lone "-" line under a word reads as an underlined
    # heading, so underlined headings do not count.)
    if sum(t.type == "heading_open" and t.markup.startswith("#") for t in tokens) >= 2:
        return _marked_up(tokens, text.split("\n"), _page_of_line(text))
    return _text_layer(text)


def _page_of_line(text: str) -> list[int | None]:
    lines = text.split("\n")
    if "\f" not in text:
        return [None] * (len(lines) + 1)
    pages: list[int | None] = []
    page = 1
    for line in lines:
        pages.append(page)
        page += line.count("\f")
    return pages + [page]


def _marked_up(tokens: list[Any], lines: list[str], pages: list[int | None]) -> list[Block]:
    blocks: list[Block] = []
    depth_quote = 0
    skip_until: str | None = None
    for i, token in enumerate(tokens):
        if skip_until is not None:
            if token.type == skip_until:
                skip_until = None
            continue
        if token.type in _DROPPED:
            skip_until = "table_close" if token.type == "table_open" else None
            continue
        if token.type == "blockquote_open":
            if depth_quote == 0 and token.map:
                start, end = token.map
                inner = " ".join(t.content for t in tokens[i:] if t.type == "inline" and t.map
                                 and start <= t.map[0] < end)
                blocks.append(Block("quote", " ".join(inner.split()), pages[start],
                                    source="\n".join(lines[start:end]).strip("\n"), line=start))
            depth_quote += 1
        elif token.type == "blockquote_close":
            depth_quote -= 1
        elif depth_quote == 0 and token.type in ("heading_open", "paragraph_open") and token.map:
            start, end = token.map
            inline = tokens[i + 1].content
            if token.type == "heading_open":
                blocks.append(Block("heading", " ".join(inline.split()), pages[start], int(token.tag[1]),
                                    source="\n".join(lines[start:end]).strip("\n"), line=start))
            else:
                source = "\n".join(lines[start:end]).strip("\n")
                blocks.append(Block("paragraph", " ".join(inline.split()), pages[start], source=source, line=start))
    return blocks


def _text_layer(text: str) -> list[Block]:
    raw: list[RawBlock] = []
    page = 1
    current: list[str] = []
    start_page = 1
    for line in text.split("\n"):
        if line.strip(" \t\f"):
            if not current:
                start_page = page
            current.append(line)
        elif current:
            raw.append(RawBlock(current, start_page, fresh=bool(raw) and raw[-1].page != start_page))
            current = []
        page += line.count("\f")
    if current:
        raw.append(RawBlock(current, start_page, fresh=bool(raw) and raw[-1].page != start_page))
    for block in raw:  # a "# Title" line of the conversion is a heading, set apart like a PDF's large type
        if re.match(r"#{1,6}\s", block.lines[0]):
            block.lines[0] = block.lines[0].lstrip("#").strip()
            block.bold = len(block.lines) == 1
    return blocks_from_layout(raw)
