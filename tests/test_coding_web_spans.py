"""The coding page codes the words a coder selects inside a paragraph, shows coded spans,
and names each segment's section and page when it came from a paper."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from _paper_render import paper_from_set, render_pdf
from _web_support import CHROMIUM, CODING, HTML, JSON, browser_page, build_coding_demo, serving, web_client
from typer.testing import CliRunner

from triage.cli.main import app as cli
from triage.embeddings import Encoder, load_encoder
from triage.store import code_decisions as appl
from triage.store import coding as store
from triage.store.db import Project
from triage.web.app import create_app

runner = CliRunner()


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    """Loaded once for the module (seconds), passed to each app as a real object."""
    return load_encoder()


def _cli(*args: str) -> None:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output


def _sentence(project_dir: Path, words: str) -> tuple[int, str]:
    with Project.open(project_dir) as project, project.reading() as session:
        return next((s.id, s.text) for s in store.sentence_segments(session) if words in s.text)


def _spans(project_dir: Path) -> list[tuple[str, int | None, str, str]]:
    """(span text, parent segment, code, decision) of every span decision in force."""
    with Project.open(project_dir) as project, project.reading() as session:
        codebook = store.load_codebook(session)
        decisions = appl.current_code_decisions(session, codebook)
        segments = store.segments_by_id(session, {d.segment_id for d in decisions})
        return sorted((segments[d.segment_id].text, segments[d.segment_id].parent_id, d.code_id, d.decision)
                      for d in decisions if segments[d.segment_id].kind == "span")


def test_a_selected_span_is_coded_shown_and_removed(project: Project, encoder: Encoder) -> None:
    path = project.directory
    _cli("codebook", "import", str(CODING / "codebook.json"), "--coder", "ana", "-p", str(path))
    _cli("code", "import", str(CODING / "study-a-hollis-2021.md"), "-p", str(path))
    sentence, text = _sentence(path, "constant fear")
    following, _ = _sentence(path, "They'll take them")
    with web_client(path, encoder=encoder) as (client, token):
        page = client.get(f"/coding?segment={sentence}", headers=HTML).text
        assert 'action="/coding/span"' in page and '<label for="span-quote"' in page and "<kbd>s</kbd>" in page
        # Markdown results text keeps its headings (no pages)
        assert '<p class="hint" id="segment-where">Section: Living with the fear of removal</p>' in page
        form = {"csrf_token": token, "segment_id": sentence, "perspective": ""}
        start = text.index("a constant fear")
        # offsets the page counted in the sentence's text
        moved = client.post("/coding/span", data={**form, "code_id": "fear-of-removal", "quote": "a constant fear",
                                                  "start": str(start), "end": str(start + 15)},
                            follow_redirects=False)
        assert moved.status_code == 303 and moved.headers["location"] == f"/coding?document=1&segment={sentence}"
        # the words only, with a browser's line break for a space, across two sentences of the paragraph
        across = "taken into care.\n\"The minute I said I was struggling"
        client.post("/coding/span", data={**form, "code_id": "hiding-difficulties", "quote": across})
        page = client.get(moved.headers["location"], headers=HTML).text
        assert "<span class=\"chip code span\">Fear of child removal: “a constant fear”</span>" in page
        here = re.search(r'<ul id="spans-here">(.*?)</ul>', page, re.DOTALL)
        assert here and "“a constant fear”: Fear of child removal" in here.group(1)
        assert "“taken into care. &#34;The minute I said I was struggling”: Hiding difficulties" in here.group(1)
        with Project.open(path) as opened, opened.reading() as session:
            paragraph = next(s.id for s in store.document_segments(session, 1)
                             if s.kind == "paragraph" and "constant fear" in s.text)
        assert _spans(path) == [("a constant fear", sentence, "fear-of-removal", "accept"),
                                ('taken into care. "The minute I said I was struggling', paragraph,
                                 "hiding-difficulties", "accept")]
        assert following != sentence
        coded = list(csv.DictReader(io.StringIO(client.get("/export/coded-segments.csv").text)))
        assert sorted(r["text"] for r in coded) == ["a constant fear",
                                                   'taken into care. "The minute I said I was struggling']

        for data, message in (
            ({"quote": " "}, "select the words to code"),
            ({"quote": "e"}, "'e' occurs 11 times in segment"),
            ({"quote": "a constant fear", "code_id": "living-under-scrutiny"},
             "'Living under scrutiny' (living-under-scrutiny) is a theme: it counts the coding of its codes"),
        ):
            bad = client.post("/coding/span", headers=JSON, data={**form, "code_id": "fear-of-removal", **data})
            assert bad.status_code == 400 and bad.json()["error"]["message"].startswith(message), bad.text
        forged = client.post("/coding/span", headers=JSON, data={**form, "csrf_token": "0" * 64,
                                                                 "code_id": "fear-of-removal", "quote": "children"})
        assert forged.status_code == 403

        span_id = next(int(m) for m in re.findall(r'name="segment_id" value="(\d+)">\s*<input type="hidden" '
                                                  r'name="code_id" value="fear-of-removal">\s*<input type="hidden" '
                                                  r'name="back"', page))
        removed = client.post("/coding/decide", data={**form, "segment_id": span_id, "code_id": "fear-of-removal",
                                                      "decision": "retract", "back": sentence},
                              follow_redirects=False)
        assert removed.headers["location"] == f"/coding?document=1&segment={sentence}"
        assert "Fear of child removal: “a constant fear”" not in client.get(removed.headers["location"]).text
    assert [s[2] for s in _spans(path)] == ["hiding-difficulties"]


def test_segments_of_a_paper_show_their_section_and_page(shared_data: Path, tmp_path: Path,
                                                         encoder: Encoder) -> None:
    paper = paper_from_set(shared_data / "coding" / "qes-siblings-mental-illness")
    render_pdf(paper, tmp_path / "jayasinghe.pdf")
    path = tmp_path / "review"
    _cli("init", str(path), "--database", f"sqlite:///{path / 'triage.sqlite'}")
    _cli("codebook", "import", str(CODING / "codebook.json"), "--coder", "ana", "-p", str(path))
    _cli("code", "import", str(tmp_path / "jayasinghe.pdf"), "-p", str(path))
    with Project.open(path) as project, project.reading() as session:
        doc = store.documents(session)[0]
        later = store.sentence_segments(session)[-1].id
        where = store.segment_attributes(doc, store.segments_by_id(session, [later])[later])
    assert where["section"] in paper.subtheme_of.values() and where["page"] > 1
    with web_client(path, reviewer=None, encoder=encoder) as (client, _):  # no suggestions: no embedding
        page = client.get(f"/coding?segment={later}", headers=HTML).text
    assert f'<p class="hint" id="segment-where">Section: {where["section"]} · page {where["page"]}</p>' in page


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent; install it with "
                    "'apt-get install chromium' (CI does) to run the browser tests")
def test_select_words_and_code_them_with_the_keyboard(tmp_path: Path) -> None:
    project_dir = build_coding_demo(tmp_path / "review")
    sentence, text = _sentence(project_dir, "constant fear")
    start = text.index("a constant fear")
    with serving(create_app(project_dir)) as base, browser_page() as page:
        page.goto(base + "/reviewer?next=/coding")
        page.fill("#name", "Kim")
        with page.expect_navigation(timeout=60000):
            page.keyboard.press("Enter")
        page.goto(f"{base}/coding?document=1&segment={sentence}", timeout=60000)
        page.evaluate("""([start, end]) => {
            const node = document.getElementById("current-text").firstChild;
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, end);
            window.getSelection().removeAllRanges();
            window.getSelection().addRange(range);
        }""", [start, start + 15])
        page.keyboard.press("s")  # the selection fills the form; the code list has the focus
        assert page.input_value("#span-quote") == "a constant fear"
        assert (page.input_value("#span-start"), page.input_value("#span-end")) == (str(start), str(start + 15))
        assert page.evaluate("document.activeElement.id") == "span-code"
        with page.expect_navigation(timeout=60000):
            page.keyboard.press("Enter")  # the first code: Fear of child removal
        assert page.locator("#spans-here li").count() == 1
        page.evaluate("window.getSelection().removeAllRanges()")
        page.keyboard.press("s")  # nothing selected: type the words
        assert page.evaluate("document.activeElement.id") == "span-quote"
        page.keyboard.type("delayed asking for help")
        with page.expect_navigation(timeout=60000):
            page.keyboard.press("Enter")
        assert page.locator("#spans-here li").count() == 2
    with Project.open(project_dir) as project, project.reading() as session:
        paragraph = next(s.id for s in store.document_segments(session, 1)
                         if s.kind == "paragraph" and "constant fear" in s.text)
    # the typed words stand in another sentence of the paragraph: the span is the paragraph's
    assert _spans(project_dir) == [("a constant fear", sentence, "fear-of-removal", "accept"),
                                   ("delayed asking for help", paragraph, "fear-of-removal", "accept")]
