"""Results sections from papers: the shared syntheses' own PDF conversions, and PDFs and JATS rendered from them."""

from __future__ import annotations

import csv
import re
import runpy
from pathlib import Path
from typing import Any

import pytest
from _paper_render import RUNNING_FOOT, RUNNING_HEAD, paper_from_set, render_html_pdf, render_jats, render_pdf
from _web_support import CHROMIUM
from typer.testing import CliRunner

from triage.cli.main import app
from triage.coding.documents import read_document
from triage.coding.fulltext.layout import RawBlock, blocks_from_layout, ends_sentence, is_caption, join_lines
from triage.coding.fulltext.sections import Block, choose_results, heading_key
from triage.errors import InputError
from triage.store.coding import document_segments, documents
from triage.store.db import Project

SETS = ["qes-psychedelic-treatment-experiences", "qes-siblings-mental-illness", "qes-trauma-informed-psychedelic-therapy"]
#: Layout repairs each set's README lists (text its script moved by hand): at most these paragraphs
#: cannot be found as printed in the text layer.
REPAIRED = {"qes-psychedelic-treatment-experiences": 3, "qes-siblings-mental-illness": 5,
            "qes-trauma-informed-psychedelic-therapy": 0}
#: A running head of each paper, as its README names it.
RUNNING_HEADS = {"qes-psychedelic-treatment-experiences": "J. J. Breeksema et al.",
                 "qes-siblings-mental-illness": "Psychological Medicine",
                 "qes-trauma-informed-psychedelic-therapy": "Powered by TCPDF"}


runner = CliRunner()


def _letters(text: str) -> str:
    """Letters and digits only: hyphenation and spacing of a text layer do not count."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _segments(folder: Path) -> list[dict[str, str]]:
    with (folder / "segments.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _paragraphs(text: str) -> list[str]:
    """The kept paragraphs and quotations of a rendered document, without their marks."""
    paras = [p for p in text.split("\n\n") if not p.startswith("#")]
    return [p.removeprefix("> ") for p in paras]


@pytest.mark.parametrize("name", SETS)
def test_results_of_a_pdf_conversion(shared_data: Path, name: str) -> None:
    folder = shared_data / "coding" / name
    doc = read_document(folder / "source.md")
    kept_headings = [e.heading for e in doc.outline if e.kept]
    assert heading_key(kept_headings[0]) == "results" and doc.how == "results heading found"
    after = [heading_key(e.heading) for e in doc.outline[doc.outline.index(
        next(e for e in doc.outline if e.kept and e.heading == kept_headings[-1])) + 1:]]
    assert after[0] == "discussion" and "references" in after
    kept = _letters(doc.text)
    missing = [s["segment_id"] for s in _segments(folder) if _letters(s["text"]) not in kept]
    assert len(missing) <= REPAIRED[name], missing
    source = (folder / "source.md").read_text(encoding="utf-8")
    first_reference = next(p for p in source[source.rindex("\nReferences"):].split("\n\n")[1:] if len(p) > 40)
    assert _letters(first_reference)[:60] not in kept
    assert RUNNING_HEADS[name] not in doc.text and "Discussion" not in kept_headings
    pages = [r.page for r in doc.regions]
    assert pages == sorted(pages) and pages[0] is not None and pages[-1] > pages[0]


def test_the_person_moves_the_boundaries(shared_data: Path) -> None:
    folder = shared_data / "coding" / "qes-siblings-mental-illness"
    doc = read_document(folder / "source.md", from_heading="qualitative findings", to_heading="Discussion")
    assert next(e.heading for e in doc.outline if e.kept) == "Qualitative findings"
    first = _segments(folder)[0]["text"]
    assert _letters(first) in _letters(doc.text) and "Forrest plot" not in doc.text
    assert "Quantitative results" not in doc.text
    with pytest.raises(InputError) as err:
        read_document(folder / "source.md", from_heading="Thematic findings")
    assert str(err.value).startswith("source.md: no heading 'Thematic findings'; pick one of: ")


@pytest.mark.parametrize("name", SETS)
def test_two_column_pdf_with_running_heads(shared_data: Path, tmp_path: Path, name: str) -> None:
    paper = paper_from_set(shared_data / "coding" / name)
    render_pdf(paper, tmp_path / "paper.pdf")
    doc = read_document(tmp_path / "paper.pdf")
    assert doc.format == "pdf" and doc.how == "results heading found"
    assert _paragraphs(doc.text) == paper.results  # every paragraph, in reading order, columns and pages joined
    assert RUNNING_HEAD not in doc.text and RUNNING_FOOT not in doc.text and not re.search(r"^\d+$", doc.text, re.MULTILINE)
    assert "Table 1" not in doc.text and "Figure 2" not in doc.text and "Study A" not in doc.text
    assert not any(_letters(r)[:50] in _letters(doc.text) for r in paper.references)
    outline = {e.heading: e.kept for e in doc.outline}
    assert outline["Introduction"] is False and outline["Results"] is True and outline["Discussion"] is False
    last = paper.results[-1]
    region = next(r for r in doc.regions if doc.text[r.start:r.end].endswith(last))
    assert region.section == paper.subtheme_of[last] or region.section in {t for t, *_ in paper.rows}
    assert region.page is not None and region.page > 1


@pytest.mark.parametrize("name", SETS)
def test_jats_body_without_tables_figures_or_references(shared_data: Path, tmp_path: Path, name: str) -> None:
    paper = paper_from_set(shared_data / "coding" / name)
    render_jats(paper, tmp_path / "paper.xml")
    doc = read_document(tmp_path / "paper.xml")
    assert doc.format == "jats" and _paragraphs(doc.text) == paper.results
    assert "footnote" not in doc.text and "Correspondence" not in doc.text and "Table 1" not in doc.text
    sections = {r.section for r in doc.regions}
    assert set(paper.subtheme_of.values()) <= sections and {r.page for r in doc.regions} == {None}


def test_html_article(tmp_path: Path) -> None:
    page = tmp_path / "article.html"
    page.write_text("""<html><head><title>x</title><script>var a = 1;</script></head><body>
<header><p>Journal of Things | Menu</p></header><nav><p>Home</p></nav>
<h1>Parents and services</h1><h2>Methods</h2><p>We interviewed 20 parents.</p>
<h2>Findings</h2><h3>Fear of removal</h3><p>Mothers feared that services would take their children.</p>
<blockquote><p>“They will take him.” (P2)</p></blockquote>
<figure><img src="f.png"><figcaption>Figure 1. Themes</figcaption></figure>
<table><tr><td>Study A</td></tr></table><div class="fn-group"><p>Author note: none.</p></div>
<h2>Discussion</h2><p>Services should listen.</p><section class="ref-list"><p>1. Smith J. A paper.</p></section>
<footer><p>© 2026</p></footer></body></html>""", encoding="utf-8")
    doc = read_document(page)
    assert doc.text == ("## Findings\n\n### Fear of removal\n\nMothers feared that services would take their "
                        "children.\n\n> “They will take him.” (P2)")
    assert [(e.heading, e.kept) for e in doc.outline] == [
        ("Parents and services", False), ("Methods", False), ("Findings", True), ("Fear of removal", True),
        ("Discussion", False)]


def test_bad_papers_give_one_line(tmp_path: Path) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen.canvas import Canvas

    scan = tmp_path / "scan.pdf"
    canvas = Canvas(str(scan))
    canvas.rect(50, 50, 400, 600, fill=1)  # a page image, no text
    canvas.save()
    with pytest.raises(InputError) as err:
        read_document(scan)
    assert str(err.value) == ("scan.pdf: the PDF has no text layer (scanned?); run OCR on it (e.g. ocrmypdf) "
                              "or import the article's XML, HTML or text")
    locked = Canvas(str(tmp_path / "locked.pdf"), encrypt=StandardEncryption("secret"))
    locked.drawString(100, 700, "Results")
    locked.save()
    with pytest.raises(InputError) as err:
        read_document(tmp_path / "locked.pdf")
    assert str(err.value) == ("locked.pdf: the PDF is password-protected; save an unprotected copy (print to PDF) "
                              "and import that")
    broken = tmp_path / "paper.xml"
    broken.write_text("<article>\n<body><sec><title>Results</title>\n<p>Parents said</sec></body></article>")
    with pytest.raises(InputError) as err:
        read_document(broken)
    assert re.fullmatch(r"paper\.xml:3: not well-formed XML \(.+\); download the article's XML again "
                        r"\(PMC: 'Download XML'\)", str(err.value))
    (tmp_path / "meta.xml").write_text("<article><front><article-meta/></front></article>")
    with pytest.raises(InputError, match="no <body> in this XML"):
        read_document(tmp_path / "meta.xml")


def test_choice_rules() -> None:
    blocks = [Block("heading", "1 Introduction"), Block("paragraph", "Why."), Block("heading", "3 Results"),
              Block("heading", "3.1 Fear"), Block("paragraph", "Fear."), Block("heading", "4 Discussion"),
              Block("paragraph", "So.")]
    chosen = choose_results(blocks, "p.md")
    assert [b.text for b in chosen.blocks] == ["3 Results", "3.1 Fear", "Fear."]
    assert [b.text for b in choose_results(blocks, "p.md", whole=True).blocks] == [b.text for b in blocks]
    only = [Block("heading", "A title"), Block("heading", "Findings"), Block("paragraph", "Fear.")]
    assert len(choose_results(only, "p.md").blocks) == 3  # nothing but a title would go: kept whole
    none = [Block("paragraph", "Parents said this."), Block("paragraph", "And that.")]
    assert choose_results(none, "p.md").how == "no results or findings heading: kept the whole text"


def test_numbered_run_in_headings() -> None:
    raw = [RawBlock(["3.4.3.1  Insights  One  of  the  most  frequently  mentioned", "processes was insight."], 1),
           RawBlock(["3.4.2.1  Context and Structure of the Intervention  Inde-", "pendent of substance, patients spoke."], 1),
           RawBlock(["2.5 mg of psilocybin was given in", "one session."], 1)]
    assert [(b.kind, b.text) for b in blocks_from_layout(raw)] == [
        ("heading", "3.4.3.1 Insights"), ("paragraph", "One of the most frequently mentioned processes was insight."),
        ("heading", "3.4.2.1 Context and Structure of the Intervention"),
        ("paragraph", "Independent of substance, patients spoke."),
        ("paragraph", "2.5 mg of psilocybin was given in one session.")]


def test_line_joining() -> None:
    assert join_lines(["the use of psych-", "edelics for", "trauma- ", "focused care"]) == \
        "the use of psychedelics for trauma-focused care"
    assert join_lines(["end-", "of-life anxiety, self-", "awareness and self-under-", "standing"]) == \
        "end-of-life anxiety, self-awareness and self-understanding"
    assert ends_sentence("it was burdensome.88,91") and ends_sentence("“beyond words.” [81]")
    assert not ends_sentence("which subsequently")


def test_code_import_shows_and_keeps_the_boundaries(project: Project, shared_data: Path, tmp_path: Path) -> None:
    paper = paper_from_set(shared_data / "coding" / "qes-siblings-mental-illness")
    render_pdf(paper, tmp_path / "jayasinghe.pdf")
    p = ["-p", str(project.directory)]
    looked = runner.invoke(app, ["code", "import", str(tmp_path / "jayasinghe.pdf"), "--dry-run", *p])
    assert looked.exit_code == 0, looked.output
    lines = looked.output.splitlines()
    assert lines[0] == "jayasinghe.pdf: results heading found"
    assert re.fullmatch(r"\s+dropped\s+p\.1 Introduction", lines[2]) and "kept" in lines[4] and "Results" in lines[4]
    assert any(re.fullmatch(r"\s+dropped\s+p\.\d+ Discussion", line) for line in lines)
    assert "kept text starts: Results The illness shapes home life I bear ..." in looked.output
    assert f"kept text ends:   ... {' '.join(paper.results[-1].split()[-8:])}" in looked.output
    with project.reading() as session:
        assert documents(session) == []  # a dry run stores nothing

    done = runner.invoke(app, ["code", "import", str(tmp_path / "jayasinghe.pdf"), "--from-heading",
                               "The illness shapes me", "--to-heading", "I feel the weight of responsibility", *p])
    assert done.exit_code == 0, done.output
    with project.reading() as session:
        [doc] = documents(session)
        text = doc.text
        segments = [(s.kind, s.position, s.start, s.end, s.text, dict(s.attributes))
                    for s in document_segments(session, doc.id)]
    kept = [(position, seg) for kind, position, _, _, seg, _ in segments if kind == "paragraph"]
    expected = [t for t in paper.results if paper.subtheme_of[t] in
                {"I am secondary to my sibling", "I live with the unknowns of mental illness"}]
    assert [seg.removeprefix("> ") for _, seg in sorted(kept)] == expected
    assert {attrs["section"] for *_, attrs in segments} == {
        "The illness shapes me", "I am secondary to my sibling", "I live with the unknowns of mental illness"}
    assert all(isinstance(attrs["page"], int) for *_, attrs in segments)
    assert all(text[start:end] == seg for _, _, start, end, seg, _ in segments)

    bad = tmp_path / "broken.xml"
    bad.write_text("<article><body>")
    failed = runner.invoke(app, ["code", "import", str(bad), *p])
    assert failed.exit_code != 0 and failed.stderr.strip().startswith("error: broken.xml:1: not well-formed XML")


def test_demo_paper_is_current_and_keeps_its_results(repo_root: Path) -> None:
    generator = runpy.run_path(str(repo_root / "corpora" / "make_demo_paper.py"))
    committed = repo_root / "corpora" / "demo" / "coding" / "study-e-adeyemi-2024.xml"
    assert committed.read_text(encoding="utf-8") == generator["paper_xml"]()  # rebuilt, not edited by hand
    doc = read_document(committed)
    assert [(e.heading, e.kept) for e in doc.outline] == [
        ("Introduction", False), ("Methods", False), ("Results", True), ("Keeping quiet to keep the children", True),
        ("A worker who stayed", True), ("Services that talked to each other", True), ("Discussion", False)]
    themes = generator["RESULTS"]
    assert len(_paragraphs(doc.text)) == 1 + sum(len(items) for _, items in themes)
    assert "Table 1. Participants" not in doc.text and "Mothers\n" not in doc.text and "doi:" not in doc.text
    assert "[2]" not in doc.text and "Correspondence" not in doc.text


def test_labelled_run_in_headings_and_page_breaks() -> None:
    raw = [RawBlock(["Subcategory 1.2: I live with and without my sibling. Siblings", "described ongoing grief and"], 3),
           RawBlock(["Psychological Medicine"], 4), RawBlock(["6957"], 4),
           RawBlock(["a loss of connection."], 4, fresh=True),
           RawBlock(["Three subthemes were found: fear, hope and"], 4), RawBlock(["Loss. Nothing else."], 5, fresh=True)]
    raw += [RawBlock(["Psychological Medicine"], page) for page in (1, 2, 5, 6, 7, 8, 9)]
    blocks = blocks_from_layout(raw)
    assert [(b.kind, b.text, b.page) for b in blocks] == [
        ("heading", "Subcategory 1.2: I live with and without my sibling.", 3),
        ("paragraph", "Siblings described ongoing grief and a loss of connection.", 3),
        ("paragraph", "Three subthemes were found: fear, hope and Loss. Nothing else.", 4)]


def test_last_page_with_a_short_right_column(shared_data: Path, tmp_path: Path) -> None:
    """A last page whose right column holds only a short reference list: every left-column line was
    wider than 60% of that page's text width and so read as full-width, the right column came first,
    and the results ended at "References" with the last subtheme ("Quality of Life") dropped unseen."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import BaseDocTemplate, Frame, FrameBreak, PageTemplate, Paragraph

    rows = _segments(shared_data / "coding" / "qes-psychedelic-treatment-experiences")
    texts = [" ".join(r["text"].split()) for r in rows if r["code"] in ("T4.4", "T4.5")]
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=8.5, leading=11, spaceAfter=5)
    heading = ParagraphStyle("h", fontName="Helvetica-Bold", fontSize=11, leading=14, spaceBefore=6)
    width, height = A4
    column = (width - 100 - 18) / 2
    frames = [Frame(50, 45, column, height - 95, id="left"), Frame(50 + column + 18, 45, column, height - 95, id="right")]
    doc = BaseDocTemplate(str(tmp_path / "paper.pdf"), pagesize=A4, pageTemplates=[PageTemplate("two", frames)])
    emotions = [t for r, t in zip([r for r in rows if r["code"] in ("T4.4", "T4.5")], texts) if r["code"] == "T4.4"]
    quality = texts[len(emotions):]
    story: list[object] = [Paragraph("Introduction", heading), Paragraph("Psychedelics are studied. " * 30, body),
                           FrameBreak(), Paragraph("Results", heading), Paragraph("Emotions", heading)]
    story += [Paragraph(t, body) for t in emotions] + [FrameBreak()]
    story += [Paragraph("Quality of Life", heading)] + [Paragraph(t, body) for t in quality]
    story += [Paragraph("Discussion", heading), Paragraph("Our findings show this. " * 10, body), FrameBreak(),
              Paragraph("References", heading), Paragraph("1. Smith J. 2020.", body)]
    doc.build(story)
    document = read_document(tmp_path / "paper.pdf")
    assert _letters(document.text).endswith(_letters(quality[-1]))
    assert [e.heading for e in document.outline if e.kept] == ["Results", "Emotions", "Quality of Life"]


def test_boundaries_corrected_after_the_import(project: Project, shared_data: Path) -> None:
    """A paper imported with the results span found, then seen to be wrong, is imported again with the
    corrected span by --replace ("already imported ...; import each study's results once" was the only
    answer: no command took a document back). A document with coding on it is not replaced."""
    source = shared_data / "coding" / "qes-siblings-mental-illness" / "source.md"
    p = ["-p", str(project.directory)]
    first = runner.invoke(app, ["code", "import", str(source), "--study", "Jayasinghe 2023", *p])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["code", "import", str(source), "--from-heading", "Qualitative findings", *p])
    assert again.exit_code == 1 and "--replace" in again.stderr
    with project.reading() as session:
        [old] = documents(session)
        before = len(document_segments(session, old.id))
    done = runner.invoke(app, ["code", "import", str(source), "--from-heading", "Qualitative findings",
                               "--to-heading", "Discussion", "--replace", *p])
    assert done.exit_code == 0, done.output
    with project.reading() as session:
        [new] = documents(session)
        new_id, study, text = new.id, new.study, new.text
        segments = [(s.id, s.kind) for s in document_segments(session, new.id)]
    assert study == "Jayasinghe 2023" and text.startswith("## Qualitative findings")  # its label kept
    assert 0 < len(segments) < before and "Literature search" not in text
    runner.invoke(app, ["codebook", "add", "Home life", "--coder", "ana", *p])
    runner.invoke(app, ["codebook", "add", "Witness", "--parent", "home-life", "--coder", "ana", *p])
    coded = next(i for i, kind in segments if kind == "sentence")
    assert runner.invoke(app, ["code", "accept", str(coded), "witness", "--coder", "ana", *p]).exit_code == 0
    refused = runner.invoke(app, ["code", "import", str(source), "--replace", *p])
    assert refused.exit_code == 1 and "1 coding decision" in refused.stderr
    with project.reading() as session:
        assert [d.id for d in documents(session)] == [new_id]


def _subthemes(paper: Any) -> list[str]:
    """The results' theme and subtheme headings, in order (the other sections' are level 1)."""
    return [heading for heading, level, kind, _ in paper.rows if kind == "heading" and level >= 2]


@pytest.mark.parametrize("name", SETS)
def test_italic_subheadings_and_quotations(shared_data: Path, tmp_path: Path, name: str) -> None:
    """Subheadings set in italic at the body's size were no headings unless short ('Tolerating Treatment
    Emergent Adverse Events' and 7 more of Modlin's were not; their paragraphs ran into the last one's
    section); quotations in italic stay paragraphs."""
    paper = paper_from_set(shared_data / "coding" / name)
    render_pdf(paper, tmp_path / "paper.pdf", italic=True)
    doc = read_document(tmp_path / "paper.pdf")
    assert [e.heading for e in doc.outline if e.kept] == ["Results", *_subthemes(paper)]
    assert _paragraphs(doc.text) == paper.results


@pytest.mark.parametrize("table_at", [5, 22])
def test_a_table_takes_no_heading_after_it(shared_data: Path, tmp_path: Path, table_at: int) -> None:
    """The cells of a table just before a theme heading and its first subheading made a run of short
    blocks with them, dropped whole: 'The illness shapes me' and 'I am secondary to my sibling' were gone."""
    paper = paper_from_set(shared_data / "coding" / "qes-siblings-mental-illness")
    render_pdf(paper, tmp_path / "paper.pdf", table_at=table_at)
    doc = read_document(tmp_path / "paper.pdf")
    assert [e.heading for e in doc.outline if e.kept] == ["Results", *_subthemes(paper)]
    assert _paragraphs(doc.text) == paper.results and "Study A" not in doc.text


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent; install it with "
                    "'apt-get install chromium' (CI does) to print the HTML paper")
def test_tables_of_a_browser_printed_pdf(shared_data: Path, tmp_path: Path) -> None:
    """A paper printed to PDF by Chromium, its tables' cells each a text box: they were read as headings
    and paragraphs of the results ('Siblings take on the tasks of a carer...', a description cell), took
    'The illness shapes me' and 'I am secondary to my sibling' with them, and the italic 'Am I to blame
    for their illness?' was no heading. Cells side by side are a table's, dropped as JATS and HTML tables are."""
    paper = paper_from_set(shared_data / "coding" / "qes-siblings-mental-illness")
    render_html_pdf(paper, tmp_path / "paper.pdf", CHROMIUM)
    doc = read_document(tmp_path / "paper.pdf")
    assert [e.heading for e in doc.outline if e.kept] == ["Results", *_subthemes(paper)]
    for cell in ("Burden of care", "Kovacs", "Siblings take on the tasks", "Hidden grief", "Description"):
        assert cell not in doc.text
    assert len(set(_paragraphs(doc.text)) & set(paper.results)) >= len(paper.results) - 3  # page breaks: not here


#: Table cells of the shared papers' text layers (one cell a block) that were listed as headings.
TABLE_CELLS = {
    "qes-siblings-mental-illness": ["Wellbeing (positive affect) PANASc", "Dimitropoulos et al. (2009)",
                                    "Europe vs. Asia and Oceania", "Medium or low vs. high-income status",
                                    "Percentage female and instrument rater", "Intercept", "Percentage female",
                                    "Category of MI: non-SSD"],
    "qes-trauma-informed-psychedelic-therapy": ["Prolonged exposure (PE)", "Mixed-methods", "Ibogaine",
                                                "Type of Intervention", "Open label pilot study"],
}


@pytest.mark.parametrize("name", sorted(TABLE_CELLS))
def test_a_text_layers_table_cells_are_not_headings(project: Project, shared_data: Path, name: str) -> None:
    """`code import source.md --dry-run` on the shared text layers listed table cells as headings, kept
    ones among the results' ("Intercept" twice, "Percentage female", "Europe vs. Asia and Oceania"): a
    row label longer than half a line cut the run of short cells that marks a table (the PDF path drops
    a table by its boxes' positions; a text layer has none). The paper's own headings stay, and so does
    every results paragraph the count of tests/test_coding_fulltext.py finds."""
    folder = shared_data / "coding" / name
    looked = runner.invoke(app, ["code", "import", str(folder / "source.md"), "--dry-run", "-p",
                                 str(project.directory)])
    assert looked.exit_code == 0, looked.output
    listed = [re.sub(r"^\s+(kept|dropped)\s+(p\.\d+)?\s*", "", line) for line in looked.output.splitlines()
              if re.match(r"\s+(kept|dropped)\s", line)]
    assert not set(TABLE_CELLS[name]) & set(listed)
    doc = read_document(folder / "source.md")
    headings = [e.heading for e in doc.outline if e.kept]
    if name == "qes-siblings-mental-illness":
        assert headings[:4] == ["Results", "Literature search", "Study characteristics", "Quality appraisal"]
        assert {"Quantitative results", "Burden and wellbeing", "Certainty of evidence", "Qualitative findings",
                "Category 4: There are positives that come with the negatives"} <= set(headings)
        assert sum(h.startswith(("Category", "Subcategory", "Component")) for h in headings) == 17
    else:
        assert headings[0] == "Results" and "Importance of Non-Pharmacological Factors" in headings
    kept = _letters(doc.text)
    assert sum(_letters(s["text"]) in kept for s in _segments(folder)) == {
        "qes-siblings-mental-illness": 23, "qes-trauma-informed-psychedelic-therapy": 68}[name]


def test_a_paragraph_that_opens_with_a_table_named_in_a_sentence_is_text_not_a_caption(shared_data: Path) -> None:
    """A caption is 'Table 2. Outcomes' or 'Table 2 Study characteristics'; the caption rule ignored case,
    so a block opening 'Supplementary Table S12 for full details). Most studies (k = 39) employed...' (the
    siblings text layer, a paragraph cut by a figure) or 'Table 2 shows...' was dropped whole as one:
    `code next` showed a sentence ending '(see online' and five lines of results were gone."""
    assert is_caption("Table 2. Outcomes of the included studies") and is_caption("Table 2 Study characteristics")
    assert is_caption("TABLE 3 (continued)") and is_caption("Supplementary Table S4: Search strategy")
    assert not is_caption("Table 2 shows the outcomes of the included studies.")
    assert not is_caption("Supplementary Table S12 for full details). Most studies (k = 39)")
    doc = read_document(shared_data / "coding" / "qes-siblings-mental-illness" / "source.md")
    assert "(see online Supplementary Table S12 for full details). Most studies (k = 39) employed a validated " \
           "measure" in " ".join(doc.text.split())


def test_a_short_line_before_a_bracketed_citation_goes_on_with_its_sentence(shared_data: Path) -> None:
    """'Importantly, when two outlying effects' then '(Fekih-Romdhane,' on the next line (siblings' text
    layer) was a heading among the results: its sentence was cut in two under a heading no coder knew."""
    doc = read_document(shared_data / "coding" / "qes-siblings-mental-illness" / "source.md")
    assert "Importantly, when two outlying effects" not in [e.heading for e in doc.outline]
    assert "R2 = 0.63). Importantly, when two outlying effects (Fekih-Romdhane, Nsibi, Sassi, & Cheour, 2020; " \
           "Pignon et al., 2021) were removed" in " ".join(doc.text.split())
