"""Results text from the papers themselves: JATS XML, HTML, Markdown and PDF.

Each reader turns a file into :class:`~triage.coding.fulltext.sections.Block` s;
:func:`read_fulltext` chooses the results section (or the span a person names) and
returns the same :class:`~triage.coding.documents.DocumentText` a plain-text import
gives, plus the section and page of each part and the outline of headings found, so
that ``triage code import`` stores it through the one import path.
"""

from __future__ import annotations

from pathlib import Path

from triage.coding.fulltext.sections import Block, OutlineEntry, Region, SectionChoice, choose_results, render

__all__ = ["FULLTEXT_FORMATS", "OutlineEntry", "Region", "SectionChoice", "fulltext_blocks", "select_text"]

#: Formats read as whole papers (the results section is cut out of them).
FULLTEXT_FORMATS: tuple[str, ...] = ("jats", "html", "markdown", "pdf")


def fulltext_blocks(fmt: str, path: Path, data: bytes, text: str | None) -> list[Block]:
    """The blocks of a paper in ``fmt``; ``text`` is the decoded file for Markdown."""
    if fmt == "jats":
        from triage.coding.fulltext.jats import jats_blocks

        return jats_blocks(data, path)
    if fmt == "html":
        from triage.coding.fulltext.html import html_blocks

        return html_blocks(data, path)
    if fmt == "markdown":
        from triage.coding.fulltext.markdown import markdown_blocks

        return markdown_blocks(text or "")
    from triage.coding.fulltext.pdf import pdf_blocks

    return pdf_blocks(path)


def select_text(blocks: list[Block], path: Path, original: str | None, *, from_heading: str | None = None,
                to_heading: str | None = None, whole: bool = False) -> tuple[str, list[Region], SectionChoice]:
    """The kept text, its regions (section, page) and the choice made.

    When every block of a marked-up Markdown file is kept, the file's own text is kept
    unchanged (offsets match the file, as for a plain-text import).
    """
    choice = choose_results(blocks, path, from_heading=from_heading, to_heading=to_heading, whole=whole)
    if original is not None and len(choice.blocks) == len(blocks) and blocks \
            and all(b.line is not None for b in blocks):
        return (*_verbatim(blocks, original), choice)
    text, regions = render(choice.blocks)
    return text, regions, choice


def _verbatim(blocks: list[Block], original: str) -> tuple[str, list[Region]]:
    lead = len(original) - len(original.lstrip("\n"))
    text = original.strip("\n")
    starts = [0]
    for line in original.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    regions = []
    section: str | None = None
    for i, block in enumerate(blocks):
        section = block.text if block.kind == "heading" else section
        start = starts[block.line or 0] - lead
        end = starts[blocks[i + 1].line or 0] - lead if i + 1 < len(blocks) else len(text)
        regions.append(Region(max(0, start), min(len(text), end), section, block.page))
    return text, regions
