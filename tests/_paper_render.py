"""Papers rendered from a shared synthesis set, as a journal would lay them out: PDF and JATS XML.

The results section is the set's own text (``segments.csv`` paragraphs under their
theme and subtheme headings from ``codebook.json``, quotations set off); around it
come an introduction and a discussion (the set README's prose), a table and a figure
caption inside the results, and the paper's real reference list (the lines after
"References" in ``source.md``). The PDF is two columns with a running head and a page
number on every page (reportlab, DejaVu fonts from matplotlib for the curly quotes and
non-breaking hyphens of the real text); the JATS has the usual ``sec``, ``disp-quote``,
``table-wrap``, ``fig``, ``xref`` and ``ref-list``. Tests then check that the readers
give back exactly the results paragraphs, in order.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

RUNNING_HEAD = "Journal of Rendered Test Papers · Vol. 9"
RUNNING_FOOT = "Rendered from a shared synthesis set for triage's tests"


@dataclass
class Paper:
    """A paper as sections: (heading, level, kind, text) rows; kind is heading, paragraph or quote."""

    title: str
    rows: list[tuple[str, int, str, str]] = field(default_factory=list)
    results: list[str] = field(default_factory=list)  # the results paragraphs, in order
    references: list[str] = field(default_factory=list)
    subtheme_of: dict[str, str] = field(default_factory=dict)  # paragraph -> subtheme heading


def _prose(readme: str) -> list[str]:
    paragraphs = [" ".join(p.split()) for p in readme.split("\n\n")]
    return [p for p in paragraphs if len(p) > 200 and not p.startswith(("|", "#"))]


def _is_quote(text: str) -> bool:
    return text.startswith(("“", "‘", '"')) or bool(re.search(r"\(\w[^()]*\d{4}[^()]*\)$", text))


def paper_from_set(folder: Path) -> Paper:
    """The paper for one ``qes-*`` folder (see the module doc)."""
    codebook = json.loads((folder / "codebook.json").read_text(encoding="utf-8"))
    with (folder / "segments.csv").open(encoding="utf-8", newline="") as fh:
        segments = list(csv.DictReader(fh))
    prose = _prose((folder / "README.md").read_text(encoding="utf-8"))
    source = (folder / "source.md").read_text(encoding="utf-8")
    tail = source[source.rindex("\nReferences") + len("\nReferences"):]
    references = [" ".join(r.split()) for r in re.split(r"\n\s*\n", tail) if len(r.split()) > 6][:12]
    paper = Paper(title=f"A rendered paper: {folder.name}", references=references)
    paper.rows += [("Introduction", 1, "heading", "")] + [("", 0, "paragraph", p) for p in prose[:2]]
    paper.rows += [("Methods", 1, "heading", ""), ("", 0, "paragraph", prose[-1])]
    paper.rows.append(("Results", 1, "heading", ""))
    for theme in codebook:
        paper.rows.append((theme["name"], 2, "heading", ""))
        for sub in theme["children"]:
            if sub["name"] != theme["name"]:
                paper.rows.append((sub["name"], 3, "heading", ""))
            for seg in segments:
                if seg["code"] == sub["id"]:
                    text = " ".join(seg["text"].split())
                    paper.rows.append(("", 0, "quote" if _is_quote(text) else "paragraph", text))
                    paper.results.append(text)
                    paper.subtheme_of[text] = sub["name"]
    paper.rows += [("Discussion", 1, "heading", ""), ("", 0, "paragraph", prose[1 if len(prose) > 1 else 0])]
    return paper


def _font_paths() -> tuple[str, str]:
    import matplotlib

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return str(ttf / "DejaVuSerif.ttf"), str(ttf / "DejaVuSerif-Bold.ttf")


def render_pdf(paper: Paper, path: Path, *, table_at: int = 2, italic: bool = False) -> None:
    """Two columns, running head and foot, page numbers; a table and a figure caption in the results.

    ``italic``: subheadings (level 3) and quotations set in italic at the body's size, as many journals do.
    """
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table

    regular, bold = _font_paths()
    pdfmetrics.registerFont(TTFont("Serif", regular))
    pdfmetrics.registerFont(TTFont("Serif-Bold", bold))
    pdfmetrics.registerFont(TTFont("Serif-Italic", regular.replace("Serif.ttf", "Serif-Italic.ttf")))
    width, height = A4
    margin, gap = 50, 18
    column = (width - 2 * margin - gap) / 2
    body = ParagraphStyle("body", fontName="Serif", fontSize=8.5, leading=11, spaceAfter=5)
    quote = ParagraphStyle("quote", parent=body, leftIndent=10, fontSize=8)
    headings = {1: ParagraphStyle("h1", fontName="Serif-Bold", fontSize=11.5, leading=14, spaceBefore=6, spaceAfter=4),
                2: ParagraphStyle("h2", fontName="Serif-Bold", fontSize=10.5, leading=13, spaceBefore=4, spaceAfter=3),
                3: ParagraphStyle("h3", fontName="Serif-Bold", fontSize=9.5, leading=12, spaceBefore=3, spaceAfter=3)}
    if italic:
        headings[3] = ParagraphStyle("h3", parent=body, fontName="Serif-Italic", spaceBefore=3, spaceAfter=3)
        quote = ParagraphStyle("quote", parent=quote, fontName="Serif-Italic")

    def furniture(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("Serif", 7.5)
        canvas.drawString(margin, height - 30, RUNNING_HEAD)
        canvas.drawRightString(width - margin, height - 30, paper.title[:60])
        canvas.drawString(margin, 24, RUNNING_FOOT)
        canvas.drawRightString(width - margin, 24, str(doc.page + 100))
        canvas.restoreState()

    frames = [Frame(margin, 45, column, height - 95, id="left"),
              Frame(margin + column + gap, 45, column, height - 95, id="right")]
    doc = BaseDocTemplate(str(path), pagesize=A4, pageTemplates=[PageTemplate("two", frames, onPage=furniture)])
    story: list[object] = [Paragraph(escape(paper.title), headings[1]), Spacer(1, 4)]
    seen_results = 0
    for heading, level, kind, text in paper.rows:
        if kind == "heading":
            story.append(Paragraph(escape(heading), headings[level]))
            continue
        story.append(Paragraph(escape(text), quote if kind == "quote" else body))
        if text in paper.subtheme_of:
            seen_results += 1
            if seen_results == table_at:
                story.append(Paragraph("Table 1. Studies and the themes they support", body))
                story.append(Table([["Study", "Themes", "n"], ["Study A", "T1, T2", "12"], ["Study B", "T3", "9"]],
                                   style=[("FONT", (0, 0), (-1, -1), "Serif", 7)]))
                story.append(Paragraph("Figure 2. Themes and subthemes of the synthesis (a diagram).", body))
    story.append(Paragraph("References", headings[1]))
    story += [Paragraph(escape(f"{i}. {r}"), body) for i, r in enumerate(paper.references, start=1)]
    doc.build(story)


def render_jats(paper: Paper, path: Path) -> None:
    """JATS 1.3 XML: front (title, author notes), body sections, back (ref-list)."""
    from lxml import etree

    article = etree.Element("article", {"article-type": "review-article"})
    front = etree.SubElement(article, "front")
    meta = etree.SubElement(front, "article-meta")
    etree.SubElement(etree.SubElement(meta, "title-group"), "article-title").text = paper.title
    etree.SubElement(etree.SubElement(meta, "author-notes"), "fn").text = "Correspondence: a.author@example.org"
    body = etree.SubElement(article, "body")
    stack: list[tuple[int, etree._Element]] = [(0, body)]
    in_results = False
    for heading, level, kind, text in paper.rows:
        if kind == "heading":
            while stack[-1][0] >= level:
                stack.pop()
            sec = etree.SubElement(stack[-1][1], "sec")
            if level == 1:
                in_results = heading == "Results"
                sec.set("sec-type", heading.lower())
            etree.SubElement(sec, "title").text = heading
            stack.append((level, sec))
            continue
        parent = stack[-1][1]
        if kind == "quote":
            etree.SubElement(etree.SubElement(parent, "disp-quote"), "p").text = text
        else:
            p = etree.SubElement(parent, "p")
            p.text = text
            if in_results and text == paper.results[0]:
                fn = etree.SubElement(p, "fn")  # a footnote inside the paragraph: dropped
                fn.text = "A footnote the reader should not see."
                fn.tail = ""
        if in_results and text == paper.results[1]:
            wrap = etree.SubElement(parent, "table-wrap")
            etree.SubElement(etree.SubElement(wrap, "caption"), "p").text = "Table 1. Studies and themes"
            etree.SubElement(etree.SubElement(etree.SubElement(wrap, "table"), "tr"), "td").text = "Study A"
            fig = etree.SubElement(parent, "fig")
            etree.SubElement(etree.SubElement(fig, "caption"), "p").text = "Figure 2. Themes and subthemes."
    refs = etree.SubElement(etree.SubElement(article, "back"), "ref-list")
    etree.SubElement(refs, "title").text = "References"
    for i, ref in enumerate(paper.references, start=1):
        etree.SubElement(etree.SubElement(refs, "ref", id=f"r{i}"), "mixed-citation").text = ref
    path.write_bytes(etree.tostring(article, xml_declaration=True, encoding="utf-8", pretty_print=True))


#: Two tables of a synthesis: a short one whose body rows the text layer runs into one line, and one
#: with a wide column of descriptions (its cells as long as a paragraph's lines).
TABLES = (
    ("<table><caption>Table 2. Themes and the studies that support them</caption><tr><th>Theme</th>"
    "<th>Studies</th></tr><tr><td>Burden of care</td><td>Kovacs; Nakamura</td></tr><tr><td>Hidden grief</td>"
    "<td>Amiri and Bell</td></tr></table>"),
    ("<p>Table 3. Themes and their descriptions</p><table><tr><th>Theme</th><th>Description</th><th>Studies</th>"
    "</tr><tr><td>Burden of care</td><td>Siblings take on the tasks of a carer, often without being asked and "
    "without help from services or from their parents, and describe the cost to their own studies and work</td>"
    "<td>8</td></tr><tr><td>Hidden grief</td><td>The loss of the sibling they knew before the illness, grieved "
    "while the sibling is still alive and rarely acknowledged by others</td><td>5</td></tr></table>"),
)


def render_html_pdf(paper: Paper, path: Path, chromium: Path, *, table_at: tuple[int, ...] = (2, 5)) -> None:
    """The paper as one-column HTML printed to PDF by Chromium (as a browser's "Save as PDF" does):
    bold theme headings, italic subtheme headings at the body's size, and :data:`TABLES` after the
    results paragraphs ``table_at`` (1-based)."""
    import html
    import subprocess

    style = ("body{font-family:serif;font-size:10pt;margin:2cm} h1{font-size:13pt} h2{font-size:11pt} "
             "h3{font-size:10pt;font-weight:normal;font-style:italic;margin:4px 0} p{margin:6px 0} "
             "td,th{border:1px solid #999;padding:2px;font-size:9pt} caption{font-size:9pt}")
    out = [f"<html><head><style>{style}</style></head><body><h1>{html.escape(paper.title)}</h1>"]
    seen = 0
    for heading, level, kind, text in paper.rows:
        if kind == "heading":
            out.append(f"<h{level}>{html.escape(heading)}</h{level}>")
            continue
        out.append(f"<{'blockquote' if kind == 'quote' else 'p'}>{html.escape(text)}"
                   f"</{'blockquote' if kind == 'quote' else 'p'}>")
        if text in paper.subtheme_of:
            seen += 1
            if seen in table_at:
                out.append(TABLES[table_at.index(seen) % len(TABLES)])
    out.append("<h1>References</h1>" + "".join(f"<p>{i}. {html.escape(r)}</p>"
                                                for i, r in enumerate(paper.references, start=1)))
    source = path.with_suffix(".html")
    source.write_text("\n".join(out) + "</body></html>", encoding="utf-8")
    subprocess.run([str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={path}", str(source)], capture_output=True, timeout=120, check=True)
