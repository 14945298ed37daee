"""The coding page shows a document's Markdown as headings, paragraphs and quotes, not raw
``##``/``>`` marks, with every segment still a link and any HTML in the text escaped."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from _web_support import HTML, build_coding_demo, web_client
from typer.testing import CliRunner

from triage.cli.main import app as cli
from triage.web.markdown import markdown_blocks


@pytest.fixture(scope="module")
def coding_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_coding_demo(tmp_path_factory.mktemp("coding") / "template")


def _doctext(page: str) -> str:
    start = page.index('<div class="doctext">')
    return page[start:page.index("</section>", start)]


def test_the_demo_study_renders_as_blocks(coding_template: Path, tmp_path: Path) -> None:
    project = shutil.copytree(coding_template, tmp_path / "review")
    with web_client(project, reviewer=None) as (client, _):
        text = _doctext(client.get("/coding", headers=HTML).text)
    assert "######" not in text and "## " not in text and "&gt; " not in text
    assert "<h3>Results\n</h3>" in text or "<h3>Results</h3>" in text
    assert re.search(r"<h4>Living with the fear of removal\s*</h4>", text)
    quote = text[text.index("<blockquote>"):text.index("</blockquote>")]
    assert 'class="segment' in quote and "I&#39;m a good mum on a bad day." in quote
    assert text.count('class="segment') >= 20  # every sentence is still a link


def test_html_in_the_document_is_escaped(coding_template: Path, tmp_path: Path) -> None:
    project = shutil.copytree(coding_template, tmp_path / "review")
    doc = tmp_path / "study-c.md"
    doc.write_text("## Findings\n\nParents said <script>alert(1)</script> it helped. <b>Bold</b> claims.\n",
                   encoding="utf-8")
    assert CliRunner().invoke(cli, ["code", "import", str(doc), "-p", str(project)]).exit_code == 0
    with web_client(project, reviewer=None) as (client, _):
        page = client.get("/coding", headers=HTML).text
        ids = re.findall(r'<option value="(\d+)"[^>]*>study-c', page)
        text = _doctext(client.get(f"/coding?document={ids[0]}", headers=HTML).text)
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<b>" not in text and re.search(r"<h3>Findings\s*</h3>", text)


def test_blocks_keep_every_character_of_every_segment() -> None:
    text = "# Title\n\nOne. Two.\n\n> Quoted one.\n> (P1)\n\n- item one\n- item two\n"
    one, two = text.index("One."), text.index("Two.")
    quote = text.index("Quoted")
    segments = [(one, one + 4), (two, two + 4), (quote, text.index("(P1)") + 4)]
    parts: list[tuple[str, int | None]] = []
    cursor = 0
    for start, end in segments:
        parts += [(text[cursor:start], None), (text[start:end], start)]
        cursor = end
    parts.append((text[cursor:], None))
    blocks = markdown_blocks(text, parts)
    assert [(b.tag, b.quoted) for b in blocks] == [("h2", False), ("p", False), ("p", True), ("p", False), ("p", False)]
    assert blocks[0].parts == [("Title\n", None)]
    assert [p for p, seg in blocks[1].parts if seg is not None] == ["One.", "Two."]
    assert [p for p, seg in blocks[2].parts if seg is not None] == ["Quoted one.\n(P1)"]
    assert "item one" in "".join(p for p, _ in blocks[3].parts)
