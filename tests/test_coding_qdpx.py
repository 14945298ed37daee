"""REFI-QDA ``.qdpx`` export and import: validated against the published Project schema, round trip."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from sqlalchemy import select
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store import code_decisions as appl
from triage.store.coding import documents, load_codebook, memos, sentence_segments
from triage.store.db import Project
from triage.store.schema_coding import CodingSegmentRow

runner = CliRunner()
DATA = Path(__file__).resolve().parent / "data" / "refi-qda"
DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo" / "coding"


def run(*args: str, ok: bool = True) -> Any:
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "Project.xsd")))


def qde(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde"))


def coded(project: Project) -> list[tuple[Any, ...]]:
    with project.reading() as s:
        rows = appl.coded_rows(s, load_codebook(s))
    return sorted((r["study"], r["start"], r["end"], r["code_name"], r["coder"], r.get("perspective"),
                   str(r["decided_at"])[:19].replace(" ", "T"), r["text"]) for r in rows)


def memo_list(project: Project) -> list[tuple[Any, ...]]:
    with project.reading() as s:
        book = load_codebook(s)
        return sorted((book.get(m.code_id).name if m.code_id else s.get(CodingSegmentRow, m.segment_id).text, m.coder, m.text,
                       m.created_at.isoformat()[:19]) for m in memos(s))


def test_memos(project: Project) -> None:
    p = ["-p", str(project.directory)]
    run("codebook", "import", str(DEMO / "codebook.json"), "--coder", "ana", *p)
    assert "no memos yet" in run("code", "memos", *p).output
    err = run("code", "memo", "text", "--coder", "ana", *p, ok=False)
    assert err.stderr.strip() == "error: a memo belongs to one code or one segment; pass --code ID or --segment ID"
    err = run("code", "memo", "text", "--segment", "9", "--coder", "ana", *p, ok=False)
    assert err.stderr.strip() == "error: no segment 9 in this project; 'triage code next' lists segment ids ('--document N' for one document's)"
    assert run("code", "memo", "Why this code", "--code", "fear-of-removal", "--coder", "ana", *p).output.startswith(
        "memo 1 on code fear-of-removal (ana)")
    listed = run("code", "memos", "--code", "fear-of-removal", *p).output
    assert "Why this code" in listed and "ana" in listed


def test_export_validates_and_round_trips(project: Project, tmp_path: Path, schema: etree.XMLSchema) -> None:
    p = ["-p", str(project.directory)]
    run("codebook", "import", str(DEMO / "codebook.json"), "--coder", "ana", *p)
    run("code", "import", str(DEMO / "study-a-hollis-2021.md"), "--attr", "perspective=parent", *p)
    run("code", "import", str(DEMO / "study-b-okafor-2022.md"), "--attr", "perspective=practitioner", *p)
    with project.reading() as s:
        (first, first_text), (second, _) = [(x.id, x.text) for x in sentence_segments(s, 1)[:2]]
        third = sentence_segments(s, 2)[0].id
    run("code", "accept", str(first), "fear-of-removal", "hiding-difficulties", "--coder", "ana", *p)
    run("code", "accept", str(second), "impact-on-children", "--coder", "ana", *p)
    run("code", "accept", str(first), "fear-of-removal", "--coder", "ben", *p)
    run("code", "accept", str(third), "joint-working", "--coder", "ben", *p)
    run("code", "reject", str(third), "worker-turnover", "--coder", "ana", *p)  # rejects stay home
    run("code", "memo", "Fear runs through every account.", "--code", "fear-of-removal", "--coder", "ana", *p)
    run("code", "memo", "Check against the practitioners' view.", "--segment", str(first), "--coder", "ben", *p)
    run("code", "memo", "Uncoded, but worth a look.", "--segment", str(third + 1), "--coder", "ana", *p)
    out = tmp_path / "coding.qdpx"
    assert run("code", "export", str(out), *p).output.startswith("wrote 5 coding(s) with their sources and codebook")

    root = qde(out)
    assert schema.validate(root), schema.error_log
    ns = {"q": "urn:QDA-XML:project:1.0"}
    assert [u.get("name") for u in root.findall("q:Users/q:User", ns)] == ["ana", "ben"]
    sources = root.findall("q:Sources/q:TextSource", ns)
    assert [s.get("name") for s in sources] == ["study-a-hollis-2021", "study-b-okafor-2022"]
    with zipfile.ZipFile(out) as archive:
        text = archive.read(f"sources/{sources[0].get('guid')}.txt").decode("utf-8")
    selection = sources[0].find("q:PlainTextSelection", ns)
    assert selection is not None
    assert text[int(selection.get("startPosition")):int(selection.get("endPosition"))] == first_text
    assert len(root.findall(".//q:Coding", ns)) == 5
    assert len(root.findall("q:Notes/q:Note", ns)) == 3 and len(root.findall(".//q:NoteRef", ns)) == 3
    assert {c.get("creationDateTime")[-1] for c in root.findall(".//q:Coding", ns)} == {"Z"}

    # into a new project: the same documents, codebook, codes, coders, times and attributes
    # The second project is a SQLite file whichever store the first is on (on PostgreSQL
    # $TRIAGE_DATABASE names the first project's database).
    other_db = f"sqlite:///{tmp_path / 'other' / 'triage.sqlite'}"
    other = Project.init(tmp_path / "other", other_db)
    o = ["-p", str(other.directory), "--database", other_db]
    try:
        output = run("code", "import", str(out), *o).output
        assert output.startswith("coding.qdpx: 2 document(s), ")
        assert "5 coding(s) by their coders" in output
        # REFI-QDA carries code names and GUIDs, not our ids: a new project slugs the names
        assert coded(other) == coded(project) and len(coded(project)) == 5
        assert memo_list(other) == memo_list(project) and len(memo_list(project)) == 3
        again = tmp_path / "again.qdpx"
        run("code", "export", str(again), *o)
        for el in (qde(out), qde(again)):  # the project's own name is the only difference
            el.attrib.pop("name")
        strip = etree.tostring
        assert strip(qde(again).find("q:CodeBook", ns)) == strip(root.find("q:CodeBook", ns))
        assert len(qde(again).findall(".//q:PlainTextSelection", ns)) == len(root.findall(".//q:PlainTextSelection", ns))
    finally:
        other.close()


def test_foreign_selections_and_bad_files(project: Project, tmp_path: Path, schema: etree.XMLSchema) -> None:
    """A selection another program made inside a sentence is coded as that span; one across paragraphs is
    coded on the sentences it covers, and said so."""
    text = "Mothers hid their symptoms. They feared the social worker would take the children.\n\nFathers were not asked."
    guid = "11111111-2222-3333-4444-555555555555"
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="nvivo" origin="NVivo">
  <Users><User guid="AAAAAAAA-0000-0000-0000-000000000001" name="Chloe"/></Users>
  <CodeBook><Codes>
    <Code guid="{guid}" name="Fear" isCodable="true"><Description>Fear of removal</Description></Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="BBBBBBBB-0000-0000-0000-000000000001" name="Study X" plainTextPath="internal://x.txt">
      <PlainTextSelection guid="CCCCCCCC-0000-0000-0000-000000000001" startPosition="33" endPosition="50">
        <Coding guid="DDDDDDDD-0000-0000-0000-000000000001" creatingUser="AAAAAAAA-0000-0000-0000-000000000001"
                creationDateTime="2024-05-01T10:00:00Z"><CodeRef targetGUID="{guid}"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="CCCCCCCC-0000-0000-0000-000000000002" startPosition="40" endPosition="100">
        <Coding guid="DDDDDDDD-0000-0000-0000-000000000002" creatingUser="AAAAAAAA-0000-0000-0000-000000000001"
                creationDateTime="2024-05-01T10:05:00Z"><CodeRef targetGUID="{guid}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""
    assert schema.validate(etree.fromstring(xml.encode())), schema.error_log
    path = tmp_path / "nvivo.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml)
        archive.writestr("sources/x.txt", text)
    output = run("code", "import", str(path), "-p", str(project.directory)).output
    assert "1 selection(s) across paragraphs were coded on the sentences they cover" in " ".join(output.split())
    rows = coded(project)
    assert [(r[3], r[4], r[6], r[7]) for r in rows] == [
        ("Fear", "Chloe", "2024-05-01T10:05:00", "They feared the social worker would take the children."),
        ("Fear", "Chloe", "2024-05-01T10:00:00", "feared the social"),
        ("Fear", "Chloe", "2024-05-01T10:05:00", "Fathers were not asked.")]
    assert text[33:50] == "feared the social"

    broken = tmp_path / "broken.qdpx"
    broken.write_bytes(b"not a zip")
    err = run("code", "import", str(broken), "-p", str(project.directory), ok=False)
    assert err.exit_code == 1 and err.stderr.startswith("error: broken.qdpx: not a readable .qdpx (zip) file")
    empty = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("other.xml", "<x/>")
    err = run("code", "import", str(empty), "-p", str(project.directory), ok=False)
    assert err.stderr.strip() == "error: empty.qdpx: no project.qde inside; export the project again as REFI-QDA .qdpx"


def test_synthesis_table(project: Project, tmp_path: Path) -> None:
    import csv

    p = ["-p", str(project.directory)]
    run("codebook", "import", str(DEMO / "codebook.json"), "--coder", "ana", *p)
    run("code", "import", str(DEMO / "study-a-hollis-2021.md"), "--attr", "perspective=parent", *p)
    run("code", "import", str(DEMO / "study-b-okafor-2022.md"), "--attr", "perspective=practitioner", *p)
    with project.reading() as s:
        a = [(x.id, x.text, x.quote) for x in sentence_segments(s, 1)]
        b = [(x.id, x.text) for x in sentence_segments(s, 2)]
    quote = next(x for x in a if x[2])
    run("code", "accept", str(a[0][0]), "fear-of-removal", "--coder", "ana", *p)
    run("code", "accept", str(quote[0]), "fear-of-removal", "--coder", "ana", *p)
    run("code", "accept", str(quote[0]), "fear-of-removal", "--coder", "ben", *p)  # counts once
    run("code", "accept", str(b[0][0]), "hiding-difficulties", "--coder", "ana", *p)
    out = tmp_path / "synthesis.csv"
    run("code", "synthesis", str(out), "--quotes", "1", *p)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = {r["code_id"]: r for r in csv.DictReader(fh)}
    fear = rows["fear-of-removal"]
    assert (fear["level"], fear["segments"], fear["studies"], fear["perspectives"]) == ("code", "2", "1", "parent 2")
    assert (fear["study: study-a-hollis-2021"], fear["study: study-b-okafor-2022"]) == ("2", "0")
    assert fear["quotes"] == f"{quote[1]} [study-a-hollis-2021]"  # the participant's words first
    theme = rows[fear["parent"]]  # Fear and stigma: fear-of-removal and hiding-difficulties under it
    assert (theme["level"], theme["segments"], theme["studies"]) == ("theme", "3", "2")
    assert theme["perspectives"] == "parent 2; practitioner 1"
    assert theme["study_list"] == "study-a-hollis-2021; study-b-okafor-2022"


def test_coding_on_a_code_that_became_a_theme_round_trips(project: Project, tmp_path: Path) -> None:
    """A code with coding that later gets a subcode is a theme: its coding stays and is exported, and
    the .qdpx then imports (NVivo and the others code on parent codes too); the whole import failed:
    "'fear-of-removal' is a theme, not a code"."""
    p = ["-p", str(project.directory)]
    run("codebook", "import", str(DEMO / "codebook.json"), "--coder", "ana", *p)
    run("code", "import", str(DEMO / "study-a-hollis-2021.md"), *p)
    with project.reading() as s:
        first, second = (x.id for x in sentence_segments(s, 1)[:2])
    run("code", "accept", str(first), "fear-of-removal", "--coder", "ana", *p)
    run("code", "accept", str(second), "impact-on-children", "--coder", "ben", *p)
    run("codebook", "add", "Fear of the courts", "--parent", "fear-of-removal", "--coder", "ana", *p)
    out = tmp_path / "coding.qdpx"
    run("code", "export", str(out), *p)
    other_db = f"sqlite:///{tmp_path / 'other' / 'triage.sqlite'}"
    other = Project.init(tmp_path / "other", other_db)
    try:
        assert "2 coding(s) by their coders" in run("code", "import", str(out), "-p", str(other.directory),
                                                     "--database", other_db).output
        assert coded(other) == coded(project) and len(coded(project)) == 2
    finally:
        other.close()


@pytest.mark.parametrize("where", ["file", "inline", "cdata"])
def test_windows_line_breaks_keep_selections_on_their_words(project: Project, tmp_path: Path, where: str) -> None:
    """A source written on Windows (NVivo, MAXQDA) has CRLF line breaks, and a selection's positions
    count each \\r: the text was read with \\n alone and every selection after a line break landed
    one character later per break ("econd paragraph here.\\n" for "Second paragraph here.").
    A source inside project.qde (``PlainTextContent``, as text or CDATA) lost its \\r to the XML
    parser's line-break normalisation: '"like this"' came in as its whole sentence, and a warning
    that 2 selections crossed paragraphs."""
    text = "\r\nFirst paragraph.\r\n\r\nSecond paragraph here.\r\n\r\nThird one, with a quote \"like this\"."
    unix = text.replace("\r\n", "\n")  # project.qde is written with CRLF breaks below, its text's too
    inline = {"file": "", "inline": escape(unix), "cdata": f"<![CDATA[{unix}]]>"}[where]
    content = f"<PlainTextContent>{inline}</PlainTextContent>" if inline else ""
    at = "" if inline else ' plainTextPath="internal://x.txt"'
    start = text.index("Second")
    quote = text.index('"like')
    guid = "11111111-2222-3333-4444-555555555555"
    user = "AAAAAAAA-0000-0000-0000-000000000001"
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="nvivo" origin="NVivo">
  <Users><User guid="{user}" name="Chloe"/></Users>
  <CodeBook><Codes><Code guid="{guid}" name="Fear" isCodable="true"/></Codes></CodeBook>
  <Sources>
    <TextSource guid="BBBBBBBB-0000-0000-0000-000000000001" name="Study X"{at}>
      {content}
      <PlainTextSelection guid="CCCCCCCC-0000-0000-0000-000000000001" startPosition="{start}"
                          endPosition="{start + len('Second paragraph here.')}">
        <Coding guid="DDDDDDDD-0000-0000-0000-000000000001" creatingUser="{user}"><CodeRef targetGUID="{guid}"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="CCCCCCCC-0000-0000-0000-000000000002" startPosition="{quote}"
                          endPosition="{quote + len('"like this"')}">
        <Coding guid="DDDDDDDD-0000-0000-0000-000000000002" creatingUser="{user}"><CodeRef targetGUID="{guid}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""
    path = tmp_path / "windows.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml.replace("\n", "\r\n").encode("utf-8"))  # written on Windows
        if not inline:
            archive.writestr("sources/x.txt", text.encode("utf-8"))
    output = run("code", "import", str(path), "-p", str(project.directory)).output
    assert sorted(r[7] for r in coded(project)) == ['"like this"', "Second paragraph here."]
    assert "across paragraphs" not in output
    with project.reading() as s:
        assert "\r" not in documents(s)[0].text  # stored with \n alone, as every imported document


def test_a_qdpx_does_not_hide_the_projects_coding_silently(project: Project, tmp_path: Path) -> None:
    """A .qdpx brings its own codebook, which replaces the project's: one without the project's coded
    codes took all its coding out of exports with no word (5 coded segments -> 0). Refused unless --hide-coded."""
    p = ["-p", str(project.directory)]
    run("codebook", "import", str(DEMO / "codebook.json"), "--coder", "ana", *p)
    run("code", "import", str(DEMO / "study-a-hollis-2021.md"), *p)
    run("code", "accept", "3", "fear-of-removal", "--coder", "ana", *p)
    xml = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="other" origin="ATLAS.ti">
  <CodeBook><Codes><Code guid="A182CD3A-D83C-4D8C-BC80-26D9103EC6D6" name="Commits" isCodable="true"/></Codes></CodeBook>
</Project>"""
    other = tmp_path / "other.qdpx"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("project.qde", xml)
    err = run("code", "import", str(other), *p, ok=False)
    assert err.exit_code == 1 and "fear-of-removal (1 coded segment)" in err.stderr and "--hide-coded" in err.stderr
    assert len(coded(project)) == 1
    run("code", "import", str(other), "--hide-coded", *p)
    assert coded(project) == []


def test_exported_sources_are_the_text_people_read(project: Project, tmp_path: Path, schema: etree.XMLSchema) -> None:
    """The sources' text in a .qdpx kept triage's Markdown marks ('### Living with the fear of removal',
    '> I'm a good mum on a bad day.'): NVivo showed them to its coders. The text is now as read, each
    selection moved onto it so that it covers the same words, and triage's own file imports back
    with its headings and block quotations (the same documents, the same coding)."""
    p = ["-p", str(project.directory)]
    run("codebook", "import", str(DEMO / "codebook.json"), "--coder", "ana", *p)
    run("code", "import", str(DEMO / "study-a-hollis-2021.md"), *p)
    with project.reading() as s:
        stored = documents(s)[0].text
        sentences = [(x.id, x.text) for x in sentence_segments(s, 1)]
    assert "\n### " in stored and "\n> " in stored  # the demo study has both marks
    block = next(x for x, t in sentences if t.startswith("> "))
    after, after_text = sentences[-1]  # under the last heading, far after every mark
    run("code", "accept", str(block), "judged-by-diagnosis", "--coder", "ana", *p)
    run("code", "accept", str(after), "fear-of-removal", "--coder", "ana", *p)
    run("code", "accept", str(after), "--quote", "Peer support groups", "fear-of-removal", "--coder", "ben", *p)
    run("code", "accept", str(block), "--quote", "I'm a good mum on a bad day.", "judged-by-diagnosis", "--coder", "ben", *p)
    run("code", "memo", "Said twice.", "--segment", str(block), "--coder", "ben", *p)
    out = tmp_path / "coding.qdpx"
    run("code", "export", str(out), *p)
    root = qde(out)
    assert schema.validate(root), schema.error_log
    ns = {"q": "urn:QDA-XML:project:1.0"}
    source = root.find("q:Sources/q:TextSource", ns)
    with zipfile.ZipFile(out) as archive:
        text = archive.read(f"sources/{source.get('guid')}.txt").decode("utf-8")
    assert not [line for line in text.split("\n") if line.startswith(("#", ">"))]
    assert "\nLiving with the fear of removal\n" in text and "\nI'm a good mum on a bad day." in text
    selections = source.findall("q:PlainTextSelection", ns)
    shown = {text[int(x.get("startPosition")):int(x.get("endPosition"))] for x in selections}
    assert shown == {"I'm a good mum on a bad day. But in that room I was just a risk.\n(P15)", after_text,
                     "Peer support groups", "I'm a good mum on a bad day."}
    assert {x.get("name") for x in selections} == {t[:60] for t in shown}

    other_db = f"sqlite:///{tmp_path / 'other' / 'triage.sqlite'}"
    other = Project.init(tmp_path / "other", other_db)
    try:
        run("code", "import", str(out), "-p", str(other.directory), "--database", other_db)
        assert coded(other) == coded(project) and len(coded(project)) == 4
        assert memo_list(other) == memo_list(project)
        with other.reading() as s:
            assert documents(s)[0].text == stored
            kinds = [x.kind for x in s.scalars(select(CodingSegmentRow).order_by(CodingSegmentRow.id))]
        with project.reading() as s:
            assert kinds == [x.kind for x in s.scalars(select(CodingSegmentRow).order_by(CodingSegmentRow.id))]
    finally:
        other.close()
