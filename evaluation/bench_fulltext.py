"""Results sections from papers: is the section found, and are its paragraphs whole, in order, without furniture?

For each shared ``qes-*`` synthesis (``../shared/data/coding``):

- ``source.md``, the paper's PDF text layer saved as Markdown (real layout breaks):
  the section ``triage code import`` keeps, and how many ``segments.csv`` paragraphs lie
  in it (letters and digits compared, so hyphenation and spacing do not count);
- a two-column PDF with running heads, page numbers, a table and a figure caption, and
  a JATS XML, both rendered from the set (``tests/_paper_render.py``): how many results
  paragraphs come back exactly and in order, and whether any running head, caption or
  reference is left in the kept text.

The peer is what ``triage code import`` did before (and what a PDF-to-text step gives):
pypdf's text of the whole rendered PDF, nothing cut. Writes ``reports/fulltext.md``.

    .venv/bin/python evaluation/bench_fulltext.py
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the paper renderer the tests use: one renderer, not two

from _paper_render import RUNNING_FOOT, RUNNING_HEAD, paper_from_set, render_jats, render_pdf

from triage.coding.documents import DocumentText, read_document

SHARED = REPO.parent / "shared" / "data" / "coding"


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _paragraphs(text: str) -> list[str]:
    return [p.removeprefix("> ") for p in text.split("\n\n") if not p.startswith("#")]


def _in_order(found: list[str], expected: list[str]) -> int:
    """Expected paragraphs that come back exactly, in order (longest common subsequence)."""
    table = [[0] * (len(expected) + 1) for _ in range(len(found) + 1)]
    for i, a in enumerate(found):
        for j, b in enumerate(expected):
            table[i + 1][j + 1] = table[i][j] + 1 if a == b else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


def _sections_right(folder: Path, segments: list[dict[str, str]], doc: DocumentText) -> tuple[int, int]:
    """Paragraphs whose region's section heading names their subtheme, and names it or its theme.

    A paragraph's region is the one whose letters contain it, else the longest one inside it
    (a paragraph the text layer broke apart).
    """
    names: dict[str, tuple[str, str]] = {}
    for theme in json.loads((folder / "codebook.json").read_text(encoding="utf-8")):
        for sub in theme["children"]:
            names[sub["id"]] = (_letters(sub["name"]), _letters(theme["name"]))
    regions = [(_letters(doc.text[r.start:r.end]), _letters(r.section or "")) for r in doc.regions]
    sub_right = theme_right = 0
    for seg in segments:
        letters = _letters(seg["text"])
        holding = [sec for text, sec in regions if text and letters in text]
        inside = sorted(((len(text), sec) for text, sec in regions if len(text) > 40 and text in letters),
                        reverse=True)
        section = holding[0] if holding else inside[0][1] if inside else None
        if section is None:
            continue
        sub_name, theme_name = names[seg["code"]]
        sub_right += sub_name in section
        theme_right += sub_name in section or theme_name in section
    return sub_right, theme_right


def _furniture(text: str, references: list[str]) -> str:
    left = []
    if RUNNING_HEAD in text or RUNNING_FOOT in text:
        left.append("running heads")
    if "Table 1" in text or "Figure 2" in text:
        left.append("captions")
    if any(_letters(r)[:50] in _letters(text) for r in references):
        left.append("references")
    return ", ".join(left) or "none"


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    from pypdf import PdfReader

    lines = [(f"# Results sections from papers ({date.today()}, {platform.machine()}, Python "
             f"{platform.python_version()})"), "", "Command: `.venv/bin/python evaluation/bench_fulltext.py`", "",
             "## The papers' own PDF text layers (`source.md`)", "",
             ("| set | section kept | headings kept | segments.csv paragraphs in it | not found | "
             "paragraphs exactly as in segments.csv | their section names the subtheme / the theme | seconds |"),
             "|---|---|---|---|---|---|---|---|"]
    rendered = ["## Rendered two-column PDF and JATS XML", "",
                "| set | file | results paragraphs exact, in order | left in the kept text | seconds |",
                "|---|---|---|---|---|"]
    for folder in sorted(SHARED.glob("qes-*")):
        with (folder / "segments.csv").open(encoding="utf-8", newline="") as fh:
            segments = list(csv.DictReader(fh))
        start = time.perf_counter()
        doc = read_document(folder / "source.md")
        seconds = time.perf_counter() - start
        kept_headings = [e.heading for e in doc.outline if e.kept]
        kept = _letters(doc.text)
        missing = [s["segment_id"] for s in segments if _letters(s["text"]) not in kept]
        last = max(i for i, e in enumerate(doc.outline) if e.kept)
        end = next((e.heading for e in doc.outline[last + 1:]), "the end")
        sub, theme = _sections_right(folder, segments, doc)
        whole = {" ".join(p.split()) for p in _paragraphs(doc.text)}
        exact = sum(" ".join(seg["text"].split()) in whole for seg in segments)
        lines.append(f"| {folder.name} | {kept_headings[0]} .. before {end} | {len(kept_headings)} | "
                     f"{len(segments) - len(missing)}/{len(segments)} | {', '.join(missing) or '-'} | "
                     f"{exact}/{len(segments)} | {sub}/{len(segments)} / {theme}/{len(segments)} | {seconds:.2f} |")
        paper = paper_from_set(folder)
        with tempfile.TemporaryDirectory() as tmp:
            for suffix, render in ((".pdf", render_pdf), (".xml", render_jats)):
                path = Path(tmp) / f"paper{suffix}"
                render(paper, path)
                start = time.perf_counter()
                doc = read_document(path)
                seconds = time.perf_counter() - start
                exact = _in_order(_paragraphs(doc.text), paper.results)
                rendered.append(f"| {folder.name} | {suffix[1:]} (triage) | {exact}/{len(paper.results)} | "
                                f"{_furniture(doc.text, paper.references)} | {seconds:.2f} |")
            pdf = Path(tmp) / "paper.pdf"
            start = time.perf_counter()
            text = "\n".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
            seconds = time.perf_counter() - start
            whole = _letters(text)
            found = sum(_letters(p) in whole for p in paper.results)
            rendered.append(f"| {folder.name} | pdf (pypdf, whole text) | {found}/{len(paper.results)} found "
                            f"anywhere (letters only) | {_furniture(text, paper.references)} | {seconds:.2f} |")
    notes = ["", ("Paragraphs not found in `source.md` are the ones each set's README lists as repaired by hand "
             "(text the PDF's text layer put elsewhere); `segments.csv` holds the repaired text. A paragraph's "
             "section is the last heading above it; run-in headings (a heading that opens its paragraph's first line "
             "and runs on) are split off when numbered (\"3.4.3.1 Insights One of the...\") or labelled "
             "(\"Subcategory 1.2: Title.\"); Jayasinghe's component paragraphs carry their component's heading, "
             "which names neither subtheme nor theme, and its first subcategory heading and Category 4 are missed."), ""]
    report = REPO / "evaluation" / "reports" / "fulltext.md"
    report.write_text("\n".join([*lines, *notes, *rendered, ""]), encoding="utf-8")
    print(report.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
