"""The synthesis page: the study-by-theme matrix (studies, perspectives, segment counts,
quotations) in the web app and as CSV, reports of one study (#8's study groups) counted once;
in a real browser it fits and passes axe-core, as the other pages do."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _web_support import BROWSER_MARKS, CODING, HTML, serving, web_client
from sqlalchemy import select
from test_browser_pages import SIZES, _page, _shots, browser, fits_and_passes_axe  # noqa: F401
from typer.testing import CliRunner

from triage.cli.main import app as cli
from triage.store import coding as store
from triage.store.db import Project
from triage.store.schema import RecordRow
from triage.web.app import create_app

runner = CliRunner()

RIS = """\
TY  - JOUR
TI  - Mothers' accounts of child protection involvement
AU  - Hollis, A.
PY  - 2021
ER  - 

TY  - JOUR
TI  - Mothers and child protection: a conference abstract
AU  - Hollis, A.
PY  - 2020
ER  - 

TY  - JOUR
TI  - Practitioners on parents with mental illness
AU  - Brennan, C.
PY  - 2023
ER  - 
"""


def _cli(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _coded_project(path: Path) -> dict[str, list[tuple[int, str, bool]]]:
    """Three documents of two studies (the first two are reports of one, linked), some coding."""
    p = ["-p", str(path)]
    (path.parent / "refs.ris").write_text(RIS, encoding="utf-8")
    _cli("import", str(path.parent / "refs.ris"), *p)
    with Project.open(path) as project, project.reading() as session:
        article, abstract, other = session.scalars(select(RecordRow.id).order_by(RecordRow.id)).all()
    _cli("studies", "link", str(article), str(abstract), "--reviewer", "lea", "--note", "abstract of the article", *p)
    _cli("codebook", "import", str(CODING / "codebook.json"), "--coder", "ana", *p)
    for name, record, view in (("study-a-hollis-2021.md", article, "parent"),
                               ("study-b-okafor-2022.md", abstract, "parent"),
                               ("study-d-brennan-2023.md", other, "practitioner")):
        _cli("code", "import", str(CODING / name), "--record", str(record), "--attr", f"perspective={view}", *p)
    with Project.open(path) as project, project.reading() as session:
        docs = {d.id: d.study for d in store.documents(session)}
        segments = {docs[doc]: [(s.id, s.text, s.quote) for s in store.sentence_segments(session, doc)]
                    for doc in docs}
    a, b, d = (segments[n] for n in ("study-a-hollis-2021", "study-b-okafor-2022", "study-d-brennan-2023"))
    quote = next(s for s in a if s[2])
    _cli("code", "accept", str(quote[0]), "fear-of-removal", "--coder", "ana", *p)
    _cli("code", "accept", str(a[0][0]), "fear-of-removal", "--coder", "ana", *p)
    _cli("code", "accept", str(b[0][0]), "fear-of-removal", "--coder", "ben", *p)
    _cli("code", "accept", str(d[0][0]), "fear-of-removal", "--coder", "ana", *p)
    _cli("code", "accept", str(d[1][0]), "hiding-difficulties", "--coder", "ana", *p)
    return segments


LINKED = "study-a-hollis-2021 + study-b-okafor-2022"


def test_the_matrix_counts_studies_not_reports(project: Project, tmp_path: Path) -> None:
    segments = _coded_project(project.directory)
    quote = next(s for s in segments["study-a-hollis-2021"] if s[2])
    with web_client(project.directory, reviewer=None) as (client, _):
        page = client.get("/coding/synthesis", headers=HTML).text
        coding = client.get("/coding", headers=HTML).text
        ana = client.get("/coding/synthesis?coder=ana", headers=HTML).text
        table = list(csv.DictReader(io.StringIO(client.get("/export/synthesis.csv").text)))
        quotes = list(csv.DictReader(io.StringIO(client.get("/export/synthesis.csv?quotes=1&coder=ana").text)))
        export = client.get("/export", headers=HTML).text
    assert 'href="/coding/synthesis"' in coding and 'href="/export/synthesis.csv"' in export
    assert '<a id="synthesis-csv" href="/export/synthesis.csv" download>' in page
    heads = re.findall(r'<th scope="col">([^<]*)</th>', page)
    assert heads == ["theme or code", "segments", "studies", LINKED, "study-d-brennan-2023", "perspectives",
                     "quotations"]
    fear = re.search(r'<tr class="code" id="row-fear-of-removal">(.*?)</tr>', page, re.DOTALL).group(1)
    cells = [html.unescape(c).strip() for c in re.findall(r"<td>(.*?)</td>", fear, re.DOTALL)]
    assert cells[:5] == ["4", "2", "3", "1", "parent 3; practitioner 1"]
    assert cells[5].startswith(f"<ul class=\"quotes\"><li>{quote[1]} [{LINKED}]</li>")  # the participant's words first
    theme = re.search(r'<tr class="theme" id="row-fear-and-stigma">(.*?)</tr>', page, re.DOTALL).group(1)
    assert re.findall(r"<td>(\d*)</td>", theme)[:4] == ["5", "2", "3", "2"]
    assert '<option selected>ana</option>' in ana and "<option>ben</option>" in ana
    ana_fear = re.search(r'id="row-fear-of-removal">(.*?)</tr>', ana, re.DOTALL).group(1)
    assert re.findall(r"<td>(\d*)</td>", ana_fear)[:4] == ["3", "2", "2", "1"]  # without ben's
    rows = {r["code_id"]: r for r in table}
    assert (rows["fear-of-removal"]["segments"], rows["fear-of-removal"]["studies"]) == ("4", "2")
    assert rows["fear-of-removal"][f"study: {LINKED}"] == "3" and rows["fear-of-removal"]["study_list"] == (
        f"{LINKED}; study-d-brennan-2023")
    assert [r["quotes"].count("\n") for r in quotes if r["code_id"] == "fear-of-removal"] == [0]
    # the CLI's CSV is the same table
    out = tmp_path / "synthesis.csv"
    _cli("code", "synthesis", str(out), "-p", str(project.directory))
    with out.open(encoding="utf-8", newline="") as fh:
        assert list(csv.DictReader(fh)) == table


def test_an_empty_project_shows_how_to_start(project: Project) -> None:
    with web_client(project.directory, reviewer=None) as (client, _):
        page = client.get("/coding/synthesis", headers=HTML).text
        _cli("codebook", "import", str(CODING / "codebook.json"), "--coder", "ana", "-p", str(project.directory))
        uncoded = client.get("/coding/synthesis", headers=HTML).text
    assert "No codebook yet: import one with <code>triage codebook import FILE</code>." in page
    assert "Nothing coded yet" in uncoded and '<tr class="theme" id="row-living-under-scrutiny">' in uncoded


def _browser(test: Any) -> Any:
    """Only the browser tests carry the browser marks (the rest run without Chromium)."""
    for mark in BROWSER_MARKS:
        test = mark(test)
    return test


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """The coded project served, with a span Robin (the browser's reviewer) coded; and that sentence."""
    path = tmp_path_factory.mktemp("synthesis") / "review"
    _cli("init", str(path), "--database", f"sqlite:///{path / 'triage.sqlite'}")
    segments = _coded_project(path)
    sentence = next(s[0] for s in segments["study-a-hollis-2021"] if "constant fear" in s[1])
    _cli("code", "accept", str(sentence), "fear-of-removal", "--quote", "a constant fear", "--coder", "Robin",
         "-p", str(path))
    app = create_app(Path(shutil.copytree(path, path.parent / "served")))
    with serving(app) as base:
        yield base, sentence


@_browser
@pytest.mark.parametrize("size_name", list(SIZES))
@pytest.mark.parametrize("page_name", ["synthesis", "coding"])
def test_synthesis_and_span_coding_pages_fit_and_pass_axe(served: tuple[str, int], tmp_path: Path,
                                                          browser: Any, size_name: str,  # noqa: F811
                                                          page_name: str) -> None:
    base, sentence = served
    size = SIZES[size_name]
    page = _page(browser, base, size)
    page.goto(base + ("/coding/synthesis" if page_name == "synthesis" else f"/coding?segment={sentence}"))
    page.wait_for_load_state("networkidle")
    if page_name == "coding":
        assert page.locator("#spans-here li").count() == 1 and page.locator("#span-form").count() == 1
    else:
        assert page.locator("#synthesis tbody tr").count() > 10
    fits_and_passes_axe(page, _shots(tmp_path) / f"{page_name}-{size_name}.png", size[0], full_page=True)


def test_coding_waiting_for_a_second_coder_is_said_on_the_page(project: Project) -> None:
    """The page said nothing of coding blind double coding holds back (counted nowhere yet)."""
    p = ["-p", str(project.directory)]
    _cli("codebook", "import", str(CODING / "codebook.json"), "--coder", "ana", *p)
    _cli("code", "import", str(CODING / "study-a-hollis-2021.md"), *p)
    _cli("code", "accept", "3", "fear-of-removal", "--coder", "ana", *p)
    _cli("code", "allocate", "--coders", "cat,dan", "--double", "all", "--by", "ana", *p)
    with web_client(project.directory, reviewer=None) as (client, _):
        page = client.get("/coding/synthesis", headers=HTML).text
    found = re.search(r'<p class="hint" id="synthesis-awaiting">(.*?)</p>', page, re.DOTALL)
    assert found is not None and " ".join(found.group(1).split()).startswith(
        "Not counted yet: 1 segment coded once waits for a second coder (blind double coding)")
