"""Choosing the results (findings) section of a paper, and writing it out as segmentable text.

Every reader (JATS, HTML, Markdown, PDF) turns a paper into the same flat list of
:class:`Block` s: headings, paragraphs and block quotations, in reading order, with
the page they start on where the format has pages. Furniture (references, tables,
figure captions, running heads, page numbers, author notes) never becomes a block.
:func:`choose_results` then picks the span from the results heading to the next
section at the same or a higher level (or a heading that always ends results:
Discussion, Conclusions, References, ...), and :func:`render` writes the kept blocks
as Markdown-style text (``## heading``, ``> quote``, paragraphs between blank lines),
which is what :func:`triage.coding.segments.segment_text` splits, with the section and
page of each block as character regions.

A person corrects the choice with ``from_heading`` / ``to_heading``; the outline says
which headings were kept, so the boundaries can be checked before coding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from triage.errors import InputError

__all__ = ["BLOCK_KINDS", "RESULTS_ONLY", "Block", "OutlineEntry", "Region", "SectionChoice", "choose_results",
           "heading_key", "is_section_name", "render"]

#: Values of :attr:`Block.kind`.
BLOCK_KINDS: tuple[str, ...] = ("heading", "paragraph", "quote")

#: Heading words that open a results section (after numbering is stripped, lower case).
_RESULTS = re.compile(r"^(results?|findings|main findings|key findings|qualitative findings|"
                      r"results and (discussion|findings)|findings and discussion|thematic (analysis|synthesis)"
                      r" findings|synthesis of (results|findings))\b")
#: Headings that always close a results section, whatever their level.
_ENDS = re.compile(r"^(discussion|general discussion|conclusions?|concluding remarks|summary and conclusions?|"
                   r"references|bibliography|literature cited|acknowledge?ments?|funding|declarations?|"
                   r"disclosures?|conflicts? of interest|competing interests?|author contributions?|"
                   r"data availability|ethics|appendix|appendices|supplementary|strengths and limitations|"
                   r"limitations|implications)\b")
#: :attr:`SectionChoice.how` for a file that holds nothing but its results (and a title): kept as it is.
RESULTS_ONLY = "only headings outside the results: kept the whole text"
_FRONT = re.compile(r"^(abstract|introduction|background|methods?|materials and methods|methodology|"
                    r"study design)$")
_NUMBER = re.compile(r"^(?:(?:\d+(?:\.\d+)*|[IVX]+)\.?|[A-Z]\.)\s+")


@dataclass(frozen=True)
class Block:
    """One heading, paragraph or block quotation of a paper, whitespace already normalised.

    ``level`` is the heading's depth (1 = top section) where the format tells (JATS
    nesting, HTML ``h2``, numbering ``3.4`` = 2); ``results`` marks a heading the
    format itself labels as results (JATS ``sec-type="results"``). ``source`` is the
    block's own markup where it is kept as written (Markdown), else None, and ``line``
    the 0-based line of the file it starts on.
    """

    kind: str
    text: str
    page: int | None = None
    level: int | None = None
    results: bool = False
    source: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class OutlineEntry:
    """A heading found in the paper and whether its text was kept."""

    heading: str
    page: int | None
    kept: bool


@dataclass(frozen=True)
class Region:
    """The section heading and page of ``text[start:end]`` of the rendered text."""

    start: int
    end: int
    section: str | None
    page: int | None


@dataclass
class SectionChoice:
    """The kept blocks, every heading with kept/dropped, and how the span was chosen."""

    blocks: list[Block]
    outline: list[OutlineEntry]
    how: str


def heading_key(text: str) -> str:
    """A heading without its numbering, lower case, single-spaced: ``3.4  Results`` -> ``results``."""
    text = " ".join(text.replace("\u00a0", " ").split())
    return _NUMBER.sub("", text).strip(" .:").lower()


def is_section_name(heading: str) -> bool:
    """A heading every paper could have: Introduction, Methods, Results, Discussion, References..."""
    key = heading_key(heading)
    return bool(_FRONT.match(key) or _RESULTS.match(key) or _ENDS.match(key))


def _level(block: Block) -> int | None:
    if block.level is not None:
        return block.level
    match = re.match(r"^(\d+(?:\.\d+)*)\.?\s", block.text)
    return match.group(1).count(".") + 1 if match else None


def _find(blocks: list[Block], wanted: str, after: int, path: Path) -> int:
    key = heading_key(wanted)
    full = " ".join(wanted.split()).lower()
    for i in range(after, len(blocks)):
        b = blocks[i]
        if b.kind == "heading" and (heading_key(b.text) == key or " ".join(b.text.split()).lower() == full):
            return i
    for i in range(after, len(blocks)):  # then a heading that starts with the words given
        if blocks[i].kind == "heading" and heading_key(blocks[i].text).startswith(key):
            return i
    found = [b.text for b in blocks[after:] if b.kind == "heading"]
    raise InputError(f"no heading {wanted!r}" + (" after the start" if after else ""), path=path,
                     hint="pick one of: " + "; ".join(found[:30]) if found else "the file has no headings")


def _is_end(block: Block, start: Block) -> bool:
    if block.kind != "heading":
        return False
    start_level, level = _level(start), _level(block)
    if start_level is not None and level is not None:
        return level <= start_level
    return bool(_ENDS.match(heading_key(block.text)))


def choose_results(blocks: list[Block], path: str | Path, *, from_heading: str | None = None,
                   to_heading: str | None = None, whole: bool = False) -> SectionChoice:
    """The results section of ``blocks``; InputError when a heading asked for is not there.

    Without a results heading (or with ``whole``) every block is kept and ``how`` says so,
    so a file that holds only a results section still imports as it is.
    """
    path = Path(path)
    start: int | None
    if whole:
        start, how = None, "whole text (--whole)"
    elif from_heading is not None:
        start, how = _find(blocks, from_heading, 0, path), "from the heading you gave"
    else:
        marked = [i for i, b in enumerate(blocks) if b.kind == "heading" and b.results]
        named = [i for i, b in enumerate(blocks) if b.kind == "heading" and _RESULTS.match(heading_key(b.text))]
        start = (marked or named)[0] if marked or named else None
        how = "results heading found" if start is not None else "no results or findings heading: kept the whole text"
    if start is None:
        end = len(blocks)
        if to_heading is not None:
            end = _find(blocks, to_heading, 0, path)
        kept = range(end)
    else:
        if to_heading is not None:
            end = _find(blocks, to_heading, start + 1, path)
        else:
            end = next((i for i in range(start + 1, len(blocks)) if _is_end(blocks[i], blocks[start])), len(blocks))
        kept = range(start, end)
    if len(kept) < len(blocks) and all(blocks[i].kind == "heading" for i in range(len(blocks)) if i not in kept):
        kept, how = range(len(blocks)), RESULTS_ONLY
    outline = [OutlineEntry(b.text, b.page, i in kept) for i, b in enumerate(blocks) if b.kind == "heading"]
    return SectionChoice([blocks[i] for i in kept], outline, how)


def render(blocks: list[Block]) -> tuple[str, list[Region]]:
    """Markdown-style text of ``blocks`` (one blank line between blocks) and each block's region.

    Headings become ``##``-``######`` lines (the first kept heading ``##``, deeper ones
    one ``#`` more per level), block quotations ``> `` lines: the marks
    :func:`~triage.coding.segments.segment_text` reads as heading and quote segments.
    """
    parts: list[str] = []
    regions: list[Region] = []
    section: str | None = None
    top = next((_level(b) for b in blocks if b.kind == "heading" and _level(b) is not None), None)
    offset = 0
    for block in blocks:
        if block.kind == "heading":
            section = block.text
        if block.source is not None:
            line = block.source
        elif block.kind == "heading":
            level = _level(block)
            depth = 2 if level is None or top is None else 2 + max(0, level - top)
            if level is None and parts:
                depth = 3
            line = "#" * min(6, depth) + " " + block.text
        elif block.kind == "quote":
            line = "> " + block.text
        else:
            line = block.text
        if parts:
            offset += 2
        parts.append(line)
        regions.append(Region(offset, offset + len(line), section, block.page))
        offset += len(line)
    return "\n\n".join(parts), regions
