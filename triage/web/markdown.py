"""A coding document's Markdown shown as headings, paragraphs and quotes, its segments still links.

Results text is often Markdown (``## Results``, ``> quote``). Showing it raw puts ``######``
and ``>`` in front of the coder; rendering it with a Markdown library would lose the
character offsets the segments are cut at. So markdown-it-py (CommonMark, raw HTML off)
only finds the blocks and their lines; each block keeps the document's own text, cut into
the same parts as before (segments and the text between them), minus the block markers
(``#`` of a heading, ``>`` of a quote). Jinja escapes every piece: no HTML from the
document ever reaches the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from markdown_it import MarkdownIt

__all__ = ["Block", "markdown_blocks"]

S = TypeVar("S")

_HEADING_MARK = re.compile(r"^\s{0,3}#{1,6}[ \t]*|[ \t]+#+[ \t]*$")
_QUOTE_MARK = re.compile(r"(^|\n)[ \t]{0,3}>[ \t]?")


@dataclass
class Block(Generic[S]):
    """One block: ``tag`` is h2-h6, p, li or pre; ``quoted`` inside a blockquote."""

    tag: str
    quoted: bool
    parts: list[tuple[str, S | None]] = field(default_factory=list)


def _block_spans(text: str) -> list[tuple[int, int, str, bool]]:
    """``(start, end, tag, quoted)`` character spans of the leaf blocks, in order."""
    starts = [0]
    for match in re.finditer("\n", text):
        starts.append(match.end())
    starts.append(len(text))

    def offset(line: int) -> int:
        return starts[min(line, len(starts) - 1)]

    spans: list[tuple[int, int, str, bool]] = []
    quoted = 0
    for token in MarkdownIt("commonmark", {"html": False}).parse(text):
        if token.type == "blockquote_open":
            quoted += 1
        elif token.type == "blockquote_close":
            quoted -= 1
        elif token.map is not None and token.type in ("heading_open", "paragraph_open", "fence", "code_block"):
            if token.type == "heading_open":
                tag = f"h{min(6, int(token.tag[1]) + 1)}"  # the page's own h1 is the study's name
            elif token.type == "paragraph_open":
                tag = "p"
            else:
                tag = "pre"
            start, end = offset(token.map[0]), offset(token.map[1])
            if spans and start < spans[-1][1]:  # a paragraph inside a list item: already covered
                continue
            spans.append((start, end, tag, quoted > 0))
    return spans


def _clean(text: str, tag: str, quoted: bool, first: bool) -> str:
    if quoted:
        text = _QUOTE_MARK.sub(r"\1", text)
    if tag.startswith("h") and first:
        text = _HEADING_MARK.sub("", text)
    return text


def markdown_blocks(text: str, parts: list[tuple[str, S | None]]) -> list[Block[S]]:
    """Group ``parts`` (the document cut into segments and the text between, in order, covering
    ``text``) into Markdown blocks. A segment stays whole in the block where it starts; text
    between segments is split at block edges, and text outside every block (blank lines) is dropped."""
    spans = _block_spans(text)
    blocks: list[Block[S]] = [Block(tag, quoted) for _, _, tag, quoted in spans]
    if not blocks:
        return [Block("p", False, [(piece, seg) for piece, seg in parts if seg is not None or piece.strip()])]

    def block_at(position: int) -> int | None:
        for i, (start, end, _, _) in enumerate(spans):
            if start <= position < end:
                return i
        return None

    cursor = 0
    for piece, seg in parts:
        start, end = cursor, cursor + len(piece)
        cursor = end
        if seg is not None:
            i = block_at(start)
            if i is None:  # a segment in no block (whitespace only around it): keep it beside the last before
                i = max([j for j, span in enumerate(spans) if span[0] <= start] or [0])
            block = blocks[i]
            block.parts.append((_clean(piece, block.tag, block.quoted, not block.parts), seg))
            continue
        for i, (b_start, b_end, _, _) in enumerate(spans):
            lo, hi = max(start, b_start), min(end, b_end)
            if lo < hi:
                block = blocks[i]
                cut = _clean(text[lo:hi], block.tag, block.quoted, not block.parts)
                if cut.strip() or block.parts:
                    block.parts.append((cut, None))
    return [b for b in blocks if any(seg is not None or piece.strip() for piece, seg in b.parts)]
