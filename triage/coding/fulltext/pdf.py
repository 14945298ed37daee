"""PDF papers: pdfminer.six's layout analysis, columns put in reading order, margins dropped.

Why pdfminer.six: its layout analysis (``LAParams``) groups characters into lines and
text boxes and keeps each box's position and each character's font and size, which is
what telling columns, running heads, page numbers and headings apart needs. pypdf
(already a dependency) extracts a page's text as one stream with none of that;
pdfplumber is pdfminer.six plus table tools we do not use; PyMuPDF is AGPL.

Per page, boxes in the top and bottom margins that are page numbers or recur on other
pages (running heads and feet) are dropped; the rest are read band by band: a box
spanning both columns closes a band, and within a band the left column is read top to
bottom before the right one. Lines then go through :mod:`triage.coding.fulltext.layout`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from triage.coding.fulltext.layout import RawBlock, blocks_from_layout
from triage.coding.fulltext.sections import Block
from triage.errors import InputError

__all__ = ["pdf_blocks"]

#: Share of the page height at the top and bottom where running heads and page numbers sit.
_MARGIN = 0.08
#: A box wider than this share of the page's text width spans both columns.
_FULL_WIDTH = 0.6
#: Lines whose mean type size differs by this many points are set in different styles.
_SIZE_STEP = 0.5
#: Font names of italic or oblique faces: "Times-Italic", "MinionPro-It", "MinionPro-BoldIt", "Arial,Italic".
_ITALIC = re.compile(r"italic|oblique|[-,][a-z]*it$", re.IGNORECASE)
#: Boxes side by side overlap by this share of the lower one's height: cells of one table row.
_ROW_OVERLAP = 0.5


def pdf_blocks(path: Path) -> list[Block]:
    """Blocks of a PDF's text layer; InputError when it is not a PDF or has no text."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTTextBox, LTTextLine
    from pdfminer.pdfdocument import PDFEncryptionError
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    pages: list[list[dict[str, Any]]] = []
    heights: list[float] = []
    try:
        for layout in extract_pages(str(path), laparams=LAParams()):
            boxes = []
            for box in layout:
                if not isinstance(box, LTTextBox):
                    continue
                for run in _style_runs([ln for ln in box if isinstance(ln, LTTextLine)], LTChar):
                    boxes.append({"x0": box.x0, "x1": box.x1, "top": run[0].y1, "bottom": run[-1].y0,
                                  "lines": [ln.get_text().rstrip("\n") for ln in run], **_style(run, LTChar),
                                  "italic": _italic(run, LTChar)})
            pages.append(boxes)
            heights.append(float(layout.height))
    except PDFEncryptionError as exc:
        raise InputError("the PDF is password-protected", path=path,
                         hint="save an unprotected copy (print to PDF) and import that") from exc
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, IndexError, AssertionError, OSError) as exc:
        # pdfminer.six raises these on damaged or encrypted files (PSException covers its PDF errors)
        raise InputError("not a readable PDF", path=path, hint="open it in a PDF viewer and save it again") from exc
    if not any(pages):
        raise InputError("the PDF has no text layer (scanned?)", path=path,
                         hint="run OCR on it (e.g. ocrmypdf) or import the article's XML, HTML or text")
    return blocks_from_layout(_reading_order(pages, heights))


def _style(lines: list[Any], char_type: type) -> dict[str, Any]:
    chars: list[Any] = [c for ln in lines for c in ln if isinstance(c, char_type)]
    if not chars:
        return {"size": None, "bold": False}
    bold = sum("bold" in c.fontname.lower() for c in chars) > len(chars) / 2
    return {"size": sum(c.size for c in chars) / len(chars), "bold": bold}


def _italic(lines: list[Any], char_type: type) -> bool:
    """Whether most characters of ``lines`` are set in an italic face (a subheading, a quotation)."""
    chars: list[Any] = [c for ln in lines for c in ln if isinstance(c, char_type)]
    return sum(bool(_ITALIC.search(c.fontname)) for c in chars) > len(chars) / 2


def _style_runs(lines: list[Any], char_type: type) -> list[list[Any]]:
    """The lines of a text box split where the type changes: a bold heading set tight above its paragraph."""
    runs: list[list[Any]] = []
    previous: dict[str, Any] | None = None
    for line in lines:
        style = _style([line], char_type)
        if style["size"] is None:
            continue
        if runs and previous is not None and style["bold"] == previous["bold"] \
                and abs(style["size"] - previous["size"]) < _SIZE_STEP:
            runs[-1].append(line)
        else:
            runs.append([line])
        previous = style
    return runs


def _key(lines: list[str]) -> str:
    return re.sub(r"\d+", "#", " ".join(" ".join(lines).split()))


def _reading_order(pages: list[list[dict[str, Any]]], heights: list[float]) -> list[RawBlock]:
    margin_keys: dict[str, set[int]] = {}
    for number, (boxes, height) in enumerate(zip(pages, heights), start=1):
        for box in boxes:
            if box["bottom"] > height * (1 - _MARGIN) or box["top"] < height * _MARGIN:
                margin_keys.setdefault(_key(box["lines"]), set()).add(number)
    bodies: list[list[dict[str, Any]]] = []
    for number, (boxes, height) in enumerate(zip(pages, heights), start=1):
        body = []
        for box in boxes:
            in_margin = box["bottom"] > height * (1 - _MARGIN) or box["top"] < height * _MARGIN
            text = " ".join(" ".join(box["lines"]).split())
            if in_margin and (re.fullmatch(r"(page\s*)?\d+(\s*(of|/)\s*\d+)?", text, re.IGNORECASE)
                              or len(margin_keys.get(_key(box["lines"]), ())) > 1):
                continue
            body.append(box)
        bodies.append(body)
    # The text's width is the paper's, not each page's: on a last page whose right column holds
    # a few short lines every left-column box would look full-width and the right column come first.
    edges = (min((b["x0"] for body in bodies for b in body), default=0.0),
             max((b["x1"] for body in bodies for b in body), default=0.0))
    middle = (edges[0] + edges[1]) / 2
    # Two columns: paragraphs that start right of the middle (a one-column paper has none there).
    two_columns = sum(b["x0"] >= middle and b["x1"] - b["x0"] >= 0.3 * (edges[1] - edges[0])
                      for body in bodies for b in body) >= 3
    out: list[RawBlock] = []
    for number, body in enumerate(bodies, start=1):
        out.extend(RawBlock(b["lines"], number, b["size"], b["bold"], b["fresh"], b["italic"])
                   for b in _columns(_without_tables(body, edges, two_columns), edges))
    return out


def _without_tables(boxes: list[dict[str, Any]], edges: tuple[float, float], two_columns: bool
                    ) -> list[dict[str, Any]]:
    """A page's boxes without table cells: boxes side by side on one line of a column, and what lies
    between the rows they make (mostly inside them: a row whose cells the text layer ran into one line).

    Why: a table's cells come as short boxes that read as headings ("Study", "Theme" in bold) or as
    paragraphs of the results, and a run of them took the headings after the table with it. Text
    of one column never stands beside other text of that column; in a two-column paper the other
    column's boxes stand beside it, so there only boxes on the same side of the middle count.
    Boxes of digits alone (line numbers of a manuscript) do not make a row.
    """
    width = max(edges[1] - edges[0], 1.0)
    middle = edges[0] + width / 2

    def side(box: dict[str, Any]) -> bool:
        return two_columns and (box["x0"] + box["x1"]) / 2 >= middle

    # A box across both columns of a two-column paper is a paragraph of its own band.
    candidates = [b for b in boxes if (not two_columns or b["x1"] - b["x0"] <= _FULL_WIDTH * width)
                  and not re.fullmatch(r"[\d\s]*", " ".join(b["lines"]))]
    cells: list[dict[str, Any]] = []
    for i, a in enumerate(candidates):
        for b in candidates[i + 1:]:
            overlap = min(a["top"], b["top"]) - max(a["bottom"], b["bottom"])
            lower = min(a["top"] - a["bottom"], b["top"] - b["bottom"])
            apart = a["x1"] <= b["x0"] or b["x1"] <= a["x0"]
            if apart and side(a) == side(b) and overlap > _ROW_OVERLAP * max(lower, 1.0):
                cells += [c for c in (a, b) if not any(c is x for x in cells)]
    if not cells:
        return boxes
    tables: list[list[dict[str, Any]]] = []  # cells of one table: rows close above one another
    for cell in sorted(cells, key=lambda c: (side(c), -c["top"])):
        gap = 4 * (cell["size"] or 10.0)  # a row the text layer ran into one line may lie between
        if tables and side(tables[-1][0]) == side(cell) and cell["top"] >= min(c["bottom"] for c in tables[-1]) - gap:
            tables[-1].append(cell)
        else:
            tables.append([cell])
    areas = [(min(c["x0"] for c in t) - 1, max(c["x1"] for c in t) + 1, min(c["bottom"] for c in t) - 1,
              max(c["top"] for c in t) + 1) for t in tables]
    return [b for b in boxes if not any(b is c for c in cells) and not any(
        bottom <= b["bottom"] and b["top"] <= top and 2 * (min(x1, b["x1"]) - max(x0, b["x0"])) >= b["x1"] - b["x0"]
        for x0, x1, bottom, top in areas)]


def _columns(boxes: list[dict[str, Any]], edges: tuple[float, float]) -> list[dict[str, Any]]:
    """Boxes in reading order: bands separated by full-width boxes, left column before right.

    ``edges`` are the left and right edges of the text on every page of the paper.
    """
    if not boxes:
        return []
    left_edge, right_edge = edges
    width = max(right_edge - left_edge, 1.0)
    middle = left_edge + width / 2
    ordered: list[dict[str, Any]] = []
    band: list[dict[str, Any]] = []

    def flush() -> None:
        left = [b for b in band if (b["x0"] + b["x1"]) / 2 < middle]
        right = [b for b in band if (b["x0"] + b["x1"]) / 2 >= middle]
        for column in (left, right):
            for i, box in enumerate(sorted(column, key=lambda b: -b["top"])):
                ordered.append({**box, "fresh": i == 0})
        band.clear()

    for box in sorted(boxes, key=lambda b: -b["top"]):
        if (box["x1"] - box["x0"]) > _FULL_WIDTH * width:
            flush()
            ordered.append({**box, "fresh": not ordered})
        else:
            band.append(box)
    flush()
    return ordered
