"""From the lines of a PDF text layer to headings and paragraphs.

Used for PDFs (text boxes from pdfminer.six) and for Markdown that is a PDF conversion
(blank-line blocks, form feeds at page breaks). What a text layer gives is lines, not a
document: running heads and page numbers sit between the lines of a paragraph, words
are hyphenated at line ends, a paragraph continues on the next page or column, table
cells and rotated tables come one word or one letter per line, headings are lines
like any other. No library rebuilds paragraphs and headings from lines (pdfminer.six
stops at text boxes; markdown-it reads only marked-up headings), so the rules are
written here, each a plain test on a line:

- furniture: a line of digits (page number), a line that recurs on many pages
  (running head or foot, digits ignored: ``J. J. Breeksema et al.``, ``CNS Drugs
  (2020) 34:925-946``), a line of one or two characters (rotated table);
- captions: a block that starts ``Table 3``, ``Fig. 2``, ``Figure 4.`` is dropped
  whole (the caption and the table cells the text layer puts with it);
- table cells: a run of three or more short blocks (with the one-line blocks that end no
  sentence among them: a longer row label) is a table's cells, dropped;
- headings: a numbered short line (``3.4  Nature of Patient Experiences``), or a
  short line without end punctuation that stands alone or opens a block before a
  capitalised line, or a line set larger or bold than the body (PDF); a run-in heading
  that opens a paragraph, numbered (``3.4.3.1 Insights One of the...``) or labelled
  (``Subcategory 1.2: Title. Siblings...``), is split off;
- paragraphs: lines joined, a line-end hyphen removed before a lower-case letter
  (kept, without a space, when the text layer put a space after it: ``trauma- focused``),
  and a paragraph cut by a page, column or dropped caption joined again when it
  stops without end punctuation and the next one starts in lower case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

from triage.coding.fulltext.sections import Block, is_section_name

__all__ = ["RawBlock", "blocks_from_layout", "ends_sentence", "is_caption", "join_lines"]

#: The label's words in any case ("TABLE 2"), the title after it capitalised: "Table 2 shows..." and
#: "Supplementary Table S12 for full details)..." open sentences of the text, not captions.
_CAPTION = re.compile(r"^(?i:fig\.?|figure|table|supplementary (?:table|figure)|box|scheme)\s*[A-Z]?\d+[a-z]?"
                      r"(\.|:|\s*\((?i:continued)|\s+[A-Z(])")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+([A-Z\u2018\u201c].*)$")
_END_PUNCT = ".,;:!?"
_REFERENCES = re.compile(r"^(references|bibliography|literature cited|reference list)$", re.IGNORECASE)
#: A heading is at most this many characters and words (the longest subtheme headings of
#: the shared syntheses are 81 characters and 11 words).
_MAX_HEADING_CHARS = 100
_MAX_HEADING_WORDS = 14
#: A line shorter than this share of the median line, standing alone or above a capitalised
#: line, can be a heading (the shared papers' subtheme headings run to 0.7 of a column line).
_SHORT_LINE = 0.75
_CELL = re.compile(r"%|\bet al\b|\(\d{4}[a-z]?\)$")
_INVISIBLE = str.maketrans("", "", "\u2060\u200b\ufeff")
#: "Category 3: Title", "Theme 2: Title", "Subcategory 1.2: Title": a labelled heading.
_LABELLED = re.compile(r"^(?:[A-Z][a-z]+[- ]?){1,2} \d{1,2}(?:\.\d{1,2}){0,3}: \S")
_HYPHEN_PREFIXES = frozenset({"self", "ex", "all"})
_SMALL_WORDS = frozenset({"of", "and", "the", "with", "in", "for", "to", "a", "an", "on", "vs", "or", "from"})
#: A labelled run-in heading: "Theme 2: Title." or "Subcategory 1.2: Title." before a capitalised sentence.
_RUN_IN = re.compile(r"^((?:[A-Z][a-z]+[- ]?){1,2} (\d{1,2}(?:\.\d{1,2}){0,3})[:.] [^.?!:]{3,100}[.?!]) "
                     r"(?=[A-Z\u201c\u2018\"(])")
#: A PDF line this much larger than the body text, or bold, can be a heading.
_HEADING_SIZE_RATIO = 1.12
#: An italic block that opens with a quotation mark, a bracket or an ellipsis (or ends with a bracket:
#: "(P3)", "[78]") is a participant's words set in italic, not an italic subheading.
_QUOTED = re.compile(r"^[\"\u201c\u2018\u2019'(\[\u2026]|^\.\.\.")


@dataclass
class RawBlock:
    """Lines that the source keeps together (a pdfminer text box, a Markdown paragraph).

    ``size`` is the mean font size in points and ``bold`` and ``italic`` whether the font is
    bold or italic (PDF only); ``page`` is 1-based; ``fresh`` says the block opens a page or
    column, so a paragraph cut there may go on in it.
    """

    lines: list[str]
    page: int | None = None
    size: float | None = None
    bold: bool = False
    fresh: bool = False
    italic: bool = False


def _norm(line: str) -> str:
    """Single-spaced, without form feeds and invisible characters (word joiner, zero-width space, BOM)."""
    line = line.translate(_INVISIBLE)
    return " ".join(line.replace("\u00a0", " ").replace("\f", " ").split())


def _furniture_keys(blocks: list[RawBlock]) -> set[str]:
    """Lines (digits removed) that recur on many pages: running heads and feet."""
    pages: dict[str, set[int | None]] = {}
    for block in blocks:
        for line in block.lines:
            key = re.sub(r"\d+", "", _norm(line)).strip()
            if 3 <= len(key) <= 150:
                pages.setdefault(key, set()).add(block.page)
    n_pages = len({b.page for b in blocks})
    need = max(3, n_pages // 3)
    return {key for key, seen in pages.items() if len(seen) >= need}


def is_caption(line: str) -> bool:
    """``Table 2 Study characteristics``, ``Fig. 1``, ``Figure 4. Forest plot``: a caption's first line."""
    return bool(_CAPTION.match(_norm(line)))


def _is_heading_line(line: str, following: str | None, body_width: float, emphasis: bool) -> int | None:
    """0 for an unnumbered heading, the depth for a numbered one, None for body text.

    ``following`` is the next line (of the block, or the first of the next block).
    """
    text = _norm(line)
    if not (2 <= len(text) <= _MAX_HEADING_CHARS) or len(text.split()) > _MAX_HEADING_WORDS:
        return None
    if ((text[-1] in _END_PUNCT or ends_sentence(text)) and not (emphasis and text[-1] == "?")) \
            or text.endswith("-") or not any(c.isalpha() for c in text):
        return None  # a question in bold type is a heading ("Am I to blame for their illness?")
    nxt = _norm(following or "")
    if nxt[:1].islower() or (nxt[:1] == "(" and not emphasis):
        # the sentence goes on: a run-in heading ("3.4.3.1 Insights One of the..."), a broken line, or a
        # citation in brackets ("Importantly, when two outlying effects" above "(Fekih-Romdhane,")
        return None
    numbered = _NUMBERED.match(text)
    if numbered:
        return numbered.group(1).count(".") + 1
    if not text[0].isupper():
        return None
    if emphasis or (_LABELLED.match(text) and nxt[:1].isupper()):
        return 0
    if following is not None and len(nxt) >= _SHORT_LINE * body_width and len(text) <= _SHORT_LINE * len(nxt):
        return 0  # a short line above a full one: "Category 3: I feel the weight..." above its paragraph
    if _CELL.search(text):
        return None  # a table cell: "MI: 33.34% Depressive Disorder", "Dimitropoulos et al. (2009)"
    return 0 if len(text) < _SHORT_LINE * body_width else None


def join_lines(lines: list[str]) -> str:
    """One paragraph from its lines: line-end hyphens resolved, spaces normalised."""
    out, previous = "", ""
    for raw in lines:
        text = _norm(raw)
        if not text:
            continue
        if not out:
            out = text
        elif out.endswith("-") and not out.endswith(" -"):
            # "psych-/edelics" -> "psychedelics"; "trauma- /focused" (a space after the hyphen in the
            # text layer) and "COVID-/19" keep the hyphen.
            # "end-/of-life" and "self-/awareness" keep theirs: the rest is a compound, or the prefix always
            # takes a hyphen in English (self-, ex-, all-).
            stem = re.split(r"[\s\-\u2010\u2011(\u201c\u2018]", out[:-1])[-1].lower()
            keep = previous.rstrip("\n\f").endswith("- ") or not text[0].islower() \
                or "-" in text.split(" ", 1)[0] or stem in _HYPHEN_PREFIXES
            out = out + text if keep else out[:-1] + text
        elif out.endswith("\u2014"):
            out += text
        else:
            out += " " + text
        previous = raw
    return out


def blocks_from_layout(raw: list[RawBlock]) -> list[Block]:
    """Headings and paragraphs of a text layer, furniture and captions dropped (see module doc)."""
    furniture = _furniture_keys(raw)
    kept: list[RawBlock] = []
    for block in raw:
        lines = [line for line in block.lines if _keep_line(line, furniture)]
        if lines and not is_caption(lines[0]):
            kept.append(RawBlock(lines, block.page, block.size, block.bold, block.fresh, block.italic))
    widths = [len(_norm(line)) for b in kept for line in b.lines]
    body_width = median(widths) if widths else 60.0
    kept = _split_at_headings(_drop_cell_runs(kept, body_width), body_width)
    sizes = [b.size for b in kept if b.size]
    body_size = median(sizes) if sizes else None
    # Italic sets a subheading apart only where the body is roman (a paper set in italic has none such).
    body_italic = sum(len(b.lines) for b in kept if b.italic) * 2 > sum(len(b.lines) for b in kept)
    out: list[Block] = []
    for i, block in enumerate(kept):
        emphasis = bool(block.bold or (body_size and block.size and block.size >= body_size * _HEADING_SIZE_RATIO)
                        or (block.italic and not body_italic and not _QUOTED.match(_norm(block.lines[0]))
                            and not _norm(block.lines[-1]).endswith((")", "]"))))
        lines = block.lines
        if emphasis and len(lines) <= 3 and len(_norm(" ".join(lines))) <= _MAX_HEADING_CHARS:
            lines = [" ".join(_norm(x) for x in lines)]  # a heading set large may wrap
        following = lines[1] if len(lines) > 1 else (kept[i + 1].lines[0] if i + 1 < len(kept) else None)
        depth = _is_heading_line(lines[0], following, body_width, emphasis)
        if depth is not None:
            out.append(Block("heading", _norm(lines[0]), block.page, depth or None))
            if _REFERENCES.match(_norm(lines[0])):
                break  # the reference list: its numbered entries are not headings, nothing after it is results
            lines = lines[1:]
        if lines:
            _add_paragraph(out, join_lines(lines), block.page, block.fresh and depth is None)
    return out


def _split_at_headings(blocks: list[RawBlock], body_width: float) -> list[RawBlock]:
    """Blocks cut before a heading the text layer kept in a paragraph's block: a line after a sentence's
    end that is a heading line, or that opens with a label (``Subcategory 1.1: I bear witness...``)."""
    out: list[RawBlock] = []
    for block in blocks:
        lines, start = block.lines, 0
        for i in range(1, len(lines) - 1):
            if i > start and ends_sentence(_norm(lines[i - 1])) and (
                    _LABELLED.match(_norm(lines[i])) or _is_heading_line(lines[i], lines[i + 1], body_width, False)
                    is not None):
                out.append(RawBlock(lines[start:i], block.page, block.size, block.bold, block.fresh and not start,
                                    block.italic))
                start = i
        out.append(RawBlock(lines[start:], block.page, block.size, block.bold, block.fresh and not start,
                            block.italic))
    return out


def _drop_cell_runs(blocks: list[RawBlock], body_width: float) -> list[RawBlock]:
    """Without runs of three or more blocks of short lines: table cells, flow-chart boxes.

    A heading is one short block between paragraphs; three in a row are a table. One-line blocks
    that end no sentence go with the run they stand in (only a run with three short blocks is dropped).
    """
    short = [all(len(_norm(x)) < 0.5 * body_width for x in b.lines) and not _NUMBERED.match(_norm(b.lines[0]))
             and not is_section_name(b.lines[0]) for b in blocks]
    # A one-line block that ends no sentence (a heading's shape) is a cell too inside a run of short ones:
    # a longer row label ("Medium or low vs. high-income status") cut the table's runs in two.
    cell = [s or (len(b.lines) == 1 and not ends_sentence(_norm(b.lines[0])) and not _NUMBERED.match(_norm(b.lines[0]))
                  and not _LABELLED.match(_norm(b.lines[0])) and not is_section_name(b.lines[0]))
            for s, b in zip(short, blocks, strict=True)]
    out = []
    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and cell[j]:
            j += 1
        if sum(short[i:j]) >= 3:
            i = j
            continue
        out.extend(blocks[i:max(j, i + 1)])
        i = max(j, i + 1)
    return out


def _keep_line(line: str, furniture: set[str]) -> bool:
    text = _norm(line)
    if not text or text.isdigit() or len(text) <= 2:
        return False
    return re.sub(r"\d+", "", text).strip() not in furniture


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends a sentence: ``.``, ``?``, ``!``, ``:`` or ``…``, then closing quotes or brackets
    and a superscript citation flattened into the text (``demands.88,91``)."""
    return bool(re.search(r"[.?!:\u2026][\"\u201d\u2019)\]]*(\s*\[[\d,\s\u2013-]+\])?[\d,\u2013-]*\s*$", text))


def _add_paragraph(out: list[Block], text: str, page: int | None, fresh: bool) -> None:
    """Append a paragraph, or join it to the last one when a page, column or caption cut that one.

    A labelled run-in heading that opens the paragraph (``Subcategory 1.2: I live with and
    without my sibling. Siblings described...``) becomes a heading of its own.
    """
    if not text:
        return
    last = out[-1] if out else None
    if last is not None and last.kind == "paragraph" and not ends_sentence(last.text) \
            and (text[:1].islower() or fresh):
        text, page = join_lines([last.text, text]), last.page
        out.pop()
    run_in = _RUN_IN.match(text)
    if run_in:
        out.append(Block("heading", run_in.group(1), page, run_in.group(2).count(".") + 1))
        text = text[run_in.end():]
    else:
        numbered = _numbered_run_in(text)
        if numbered is not None:
            heading, text = numbered
            out.append(Block("heading", heading, page, heading.split()[0].count(".") + 1))
    out.append(Block("paragraph", text, page))


def _numbered_run_in(text: str) -> tuple[str, str] | None:
    """``3.4.3.1 Insights One of the most...`` -> (``3.4.3.1 Insights``, ``One of the most...``).

    The heading is the run of capitalised words (with ``of``, ``and``, ``the``... between
    them) after the number, less its last word, which starts the sentence (a heading set
    in title case ends where a capitalised word is followed by one that is not). None
    when that leaves no heading word or no sentence: ``2.5 mg of psilocybin`` stays text.
    """
    match = re.match(r"^(\d{1,2}(?:\.\d{1,2}){1,4})\.?\s+", text)
    if not match:
        return None
    words = text[match.end():].split(" ")
    run = 0
    while run < len(words):
        if words[run][:1].isupper():
            run += 1
            continue
        small = run
        while small < len(words) and words[small] in _SMALL_WORDS:
            small += 1
        if small == run or small >= len(words) or not words[small][:1].isupper():
            break
        run = small
    if run < 2 or run >= len(words):
        return None
    heading_words, sentence = words[:run - 1], words[run - 1:]
    if not heading_words or heading_words[-1] in _SMALL_WORDS:
        return None
    return f"{match.group(1)} {' '.join(heading_words)}", " ".join(sentence)
