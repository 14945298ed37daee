"""The coding workflow end to end on the demo study set, through the CLI."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import docx
import pytest
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.coding import load_codebook
from triage.store.db import Project
from triage.store.schema_coding import CodeDecisionRow, CodeSuggestionRow

runner = CliRunner()


def run(*args: str, ok: bool = True) -> Any:
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def json_objects(text: str) -> list[dict[str, Any]]:
    decoder, out, i = json.JSONDecoder(), [], 0
    while (i := text.find("{", i)) != -1:
        obj, i = decoder.raw_decode(text, i)
        out.append(obj)
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture()
def demo(repo_root: Path) -> Path:
    return repo_root / "corpora" / "demo" / "coding"


def test_workflow_end_to_end(project: Project, demo: Path, tmp_path: Path) -> None:
    p = ["-p", str(project.directory)]
    run("codebook", "import", str(demo / "codebook.json"), "--coder", "ana", *p)
    out = run("code", "import", str(demo / "study-a-hollis-2021.md"), "--attr", "perspective=parent", *p).output
    assert out.startswith("document 1 (study-a-hollis-2021): ")
    run("code", "import", str(demo / "study-b-okafor-2022.md"), "--attr", "perspective=practitioner", *p)
    run("code", "import", str(demo / "study-c-reyes-2020.txt"), "--study", "Reyes 2020", *p)
    word = docx.Document()  # study D as Word, the way many authors send results sections
    for para in (demo / "study-d-brennan-2023.md").read_text(encoding="utf-8").split("\n\n"):
        word.add_paragraph(para)
    word.save(str(tmp_path / "brennan.docx"))
    run("code", "import", str(tmp_path / "brennan.docx"), "--attr", "perspective=parent", *p)
    assert "Reyes 2020" in run("code", "documents", *p).output
    # at 80 columns one line a document, the study's whole id and its attributes as `code attr` takes
    # them (the table cut "study-a-hollis-20…")
    narrow = runner.invoke(app, ["code", "documents", *p], env={"COLUMNS": "80"}).output
    assert narrow.splitlines()[:2] == ["1: study-a-hollis-2021, 20 sentences, perspective=parent",
                                       "2: study-b-okafor-2022, 18 sentences, perspective=practitioner"]

    # Reyes 2020 has both perspectives: the document says parent, one segment practitioner
    with project.reading() as s:
        from triage.store.coding import sentence_segments

        reyes = sentence_segments(s, 3)
        practitioner_seg = next(x.id for x in reyes if x.text.startswith("Practitioners in the focus groups"))
        parent_seg = next(x.id for x in reyes if "take the kids to school" in x.text)
        hollis = {x.text: x.id for x in sentence_segments(s, 1)}
    run("code", "attr", "perspective=parent", "--document", "3", *p)
    run("code", "attr", "perspective=practitioner", "--segment", str(practitioner_seg), *p)

    fear = next(i for t, i in hollis.items() if t.startswith("Almost every mother described a constant fear"))
    shown = json_objects(run("code", "suggest", "--segment", str(fear), "--json", "--coder", "ana", *p).output)
    assert shown[0]["segment_id"] == fear
    assert shown[0]["suggestions"][0]["code_id"] == "fear-of-removal"
    assert [len(x["suggestions"]) for x in shown] == [3]

    delay = next(i for t, i in hollis.items() if t.startswith("Several mothers delayed asking for help"))

    def scores_for_delay() -> dict[str, dict[str, Any]]:
        out = run("code", "suggest", "--segment", str(delay), "-k", "12", "--json", "--coder", "ana", *p).output
        return {s["code_id"]: s for s in json_objects(out)[0]["suggestions"]}

    before = scores_for_delay()
    run("code", "accept", str(fear), "fear-of-removal", "--coder", "ana", *p)
    quote = next(i for t, i in hollis.items() if t.startswith("“I stopped taking my tablets"))
    run("code", "accept", str(quote), "fear-of-removal", "--coder", "ana", *p)  # without a suggestion shown
    run("code", "reject", str(fear), "impact-on-children", "--coder", "ana", *p)
    run("code", "accept", str(practitioner_seg), "practical-and-peer-support", *p, "--coder", "ana")
    run("code", "accept", str(parent_seg), "practical-and-peer-support", *p, "--coder", "ana")

    # the next suggestion learns from these decisions at once
    after = scores_for_delay()
    assert after["fear-of-removal"]["score"] > before["fear-of-removal"]["score"]
    # the coded paragraph, and the coded quotation once the voice direction is dropped (CodeSuggester.drop_components)
    assert re.match(r"close to [12] segments? you coded Fear of child removal", after["fear-of-removal"]["reason"])
    assert list(after).index("fear-of-removal") <= list(before).index("fear-of-removal")
    # decided segments are skipped by default
    rest = json_objects(run("code", "suggest", "--document", "1", "--limit", "50", "--json", "--coder", "ana",
                            *p).output)
    assert fear not in {x["segment_id"] for x in rest} and len(rest) == len(hollis) - 2

    with project.reading() as s:
        decision = s.query(CodeDecisionRow).filter_by(segment_id=fear, decision="accept").one()
        assert (decision.coder, decision.rank) == ("ana", 1) and decision.reason and decision.created_at
        assert s.query(CodeSuggestionRow).count() == 3 + 12 + 12 + 3 * len(rest)

    # codebook develops: rename, merge, export; history is kept
    run("codebook", "rename", "fear-of-removal", "Fear of losing the children", "--coder", "ana", *p)
    run("codebook", "merge", "hiding-difficulties", "fear-of-removal", "--coder", "ana", *p)
    history = run("codebook", "show", "--history", *p).output
    assert "ana rename fear-of-removal" in history and "ana merge hiding-difficulties" in history
    run("codebook", "export", str(tmp_path / "book.qdc"), *p)
    run("codebook", "export", str(tmp_path / "book.json"), *p)
    run("codebook", "import", str(tmp_path / "book.qdc"), "--coder", "ana", *p)  # GUIDs give the ids back
    with project.reading() as s:
        assert load_codebook(s).get("fear-of-removal").name == "Fear of losing the children"

    # coded segments and counts per code, study and perspective
    out = run("code", "export", str(tmp_path / "coded.csv"), "--counts", str(tmp_path / "counts.csv"), *p).output
    assert "wrote 4 coded segment(s)" in out
    rows = read_csv(tmp_path / "coded.csv")
    assert [(r["study"], r["code_id"], r["perspective"]) for r in rows] == [
        ("study-a-hollis-2021", "fear-of-removal", "parent"), ("study-a-hollis-2021", "fear-of-removal", "parent"),
        ("Reyes 2020", "practical-and-peer-support", "parent"),
        ("Reyes 2020", "practical-and-peer-support", "practitioner")]
    assert rows[0]["themes"] == "Living under scrutiny > Fear and stigma" and rows[0]["coder"] == "ana"
    document_text = (demo / "study-a-hollis-2021.md").read_text(encoding="utf-8").strip("\n")
    assert document_text[int(rows[0]["start"]):int(rows[0]["end"])] == rows[0]["text"]
    counts = {r["code_id"]: r for r in read_csv(tmp_path / "counts.csv")}
    assert len(counts) == 11
    peer = counts["practical-and-peer-support"]
    assert (peer["total"], peer["study: Reyes 2020"], peer["perspective: parent"],
            peer["perspective: practitioner"]) == ("2", "2", "1", "1")
    assert counts["fear-of-removal"]["study: study-a-hollis-2021"] == "2"

    # a second coder double-codes: agreement per code and overall, with disagreements
    run("code", "accept", str(fear), "fear-of-removal", "--coder", "ben", *p)
    run("code", "accept", str(quote), "power-imbalance", "--coder", "ben", *p)
    out = run("code", "agreement", "--coder", "ana", "--coder", "ben", "--json", str(tmp_path / "k.json"), *p).output
    assert out.startswith("2 segment(s) coded by both; overall kappa ")
    report = json.loads((tmp_path / "k.json").read_text())
    assert {(d["segment_id"], d["code_id"], d["applied_by"]) for d in report["disagreements"]} == {
        (quote, "fear-of-removal", "ana"), (quote, "power-imbalance", "ben")}


def test_candidates_and_errors(project: Project, demo: Path) -> None:
    p = ["-p", str(project.directory)]
    err = run("code", "suggest", "--coder", "ana", *p, ok=False)
    assert err.exit_code == 1
    assert err.stderr.strip() == "error: the project has no codebook yet; run 'triage codebook import FILE' first"
    run("codebook", "import", str(demo / "codebook.json"), "--coder", "ana", *p)
    run("code", "import", str(demo / "study-b-okafor-2022.md"), *p)
    err = run("code", "import", str(demo / "study-b-okafor-2022.md"), *p, ok=False)
    assert err.stderr.strip() == ("error: study-b-okafor-2022.md: already imported as document 1 "
                                  "(study-b-okafor-2022); import each study's results once; to import it again "
                                  "with other boundaries, add --replace (a document nobody has coded yet)")
    err = run("code", "import", str(demo / "study-a-hollis-2021.md"), "--record", "5", *p, ok=False)
    assert err.stderr.strip() == "error: no record 5 in this project; see 'triage records' for ids"
    err = run("code", "accept", "999", "fear-of-removal", "--coder", "ana", *p, ok=False)
    assert err.stderr.strip() == "error: no segment 999 in this project; 'triage code next' lists segment ids ('--document N' for one document's)"
    err = run("code", "accept", "3", "fear-and-stigma", "--coder", "ana", *p, ok=False)
    # A theme counts its codes' coding (the codebook's design); NVivo users code parent codes, and
    # "is a theme, not a code; apply one of the codes under it" named neither those codes nor what to do
    # with text that fits none of them.
    assert " ".join(err.stderr.split()) == (
        "error: 'Fear and stigma' (fear-and-stigma) is a theme: it counts the coding of its codes (Fear of child "
        "removal, Judged by the diagnosis, Hiding difficulties), which are what is applied to text; apply one of "
        "them, or for text none of them fits add a code under it (triage codebook add NAME --parent "
        "fear-and-stigma) and apply that")
    err = run("code", "accept", "3", "fear-of-removal", *p, ok=False)
    assert err.stderr.strip() == ("error: a coding decision is recorded with who made it, and no name was given; "
                                  "pass --coder NAME, set TRIAGE_REVIEWER=NAME, or once for the project: "
                                  "triage settings reviewer NAME")
    by_env = runner.invoke(app, ["code", "accept", "3", "fear-of-removal", *p], env={"TRIAGE_REVIEWER": "ben"})
    assert by_env.exit_code == 0, by_env.output
    err = run("code", "attr", "perspective", "--document", "1", *p, ok=False)
    assert err.stderr.strip() == "error: attribute 'perspective' is not KEY=VALUE; write e.g. perspective=parent"
    out = runner.invoke(app, ["code", "candidates", "--threshold", "0.99", "--min-size", "2", *p],
                        env={"COLUMNS": "80"}).output
    assert "segments, cohesion" in out
    # each member's text cut at a word and marked, wrapped under its id (it was cut mid-word, unmarked,
    # and wrapped to the left margin)
    members = [line for line in out.splitlines() if line.startswith("  ") and not line.startswith("    ")]
    assert members and all(re.match(r"  \d+: ", line) for line in members)
    assert all(len(line) <= 80 for line in out.splitlines())
    assert all(line.startswith("    ") for line in out.splitlines() if line and not line.startswith("  ")
               and "cohesion" not in line)


def test_codebook_add_move_and_retract(project: Project, demo: Path, tmp_path: Path) -> None:
    p = ["-p", str(project.directory)]
    run("codebook", "import", str(demo / "codebook.json"), "--coder", "ana", *p)
    run("codebook", "add", "Grandparents' help", "--parent", "parenting-and-recovery", "--coder", "ana", *p)
    run("codebook", "move", "grandparents-help", "--parent", "working-across-services", "--coder", "ben", *p)
    history = run("codebook", "show", "--history", *p).output
    assert "ana add grandparents-help" in history and "ben move grandparents-help" in history
    with project.reading() as s:
        assert [c.id for c in load_codebook(s).path("grandparents-help")] == [
            "finding-a-way-through", "working-across-services", "grandparents-help"]
    run("code", "import", str(demo / "study-d-brennan-2023.md"), *p)
    run("code", "accept", "3", "grandparents-help", "--coder", "ana", *p)
    run("code", "retract", "3", "grandparents-help", "--coder", "ana", *p)
    assert "wrote 0 coded segment(s)" in run("code", "export", str(tmp_path / "c.csv"), *p).output
    err = run("codebook", "move", "fear-and-stigma", "--parent", "fear-of-removal", "--coder", "ana", *p, ok=False)
    assert err.stderr.strip() == "error: cannot move 'fear-and-stigma' under itself or its own child 'fear-of-removal'"


@pytest.mark.slow  # 22 s on a 2-core CPU
def test_the_linear_head_is_kept_between_calls_until_the_coding_grows(project: Project, demo: Path) -> None:
    from triage.coding.learn import build_suggester
    from triage.embeddings import load_encoder
    from triage.store.code_decisions import record_code_decision
    from triage.store.coding import sentence_segments

    p = ["-p", str(project.directory)]
    run("codebook", "import", str(demo / "codebook.json"), "--coder", "ana", *p)
    for name in ("study-a-hollis-2021.md", "study-b-okafor-2022.md", "study-c-reyes-2020.txt"):
        run("code", "import", str(demo / name), *p)
    encoder = load_encoder()
    with project.transaction() as s:
        book = load_codebook(s)
        codes = [c.id for c in book.codable()]
        segments = [x.id for x in sentence_segments(s)]
        assert len(segments) >= 35
        for n, seg in enumerate(segments[:24]):  # 24 accepts + the codebook's examples: a head
            record_code_decision(s, book, seg, codes[n % 3], "accept", coder="ana")
    with project.transaction() as s:
        first = build_suggester(s, load_codebook(s), encoder, coder="ana")
        again = build_suggester(s, load_codebook(s), encoder, coder="ana")
    assert first.linear_ is not None and again.linear_ is first.linear_  # not refitted per call
    with project.transaction() as s:
        bens = build_suggester(s, load_codebook(s), encoder, coder="ben")  # ben coded nothing: his own head
    assert bens.linear_ is None or bens.linear_.rows < first.linear_.rows
    with project.transaction() as s:
        book = load_codebook(s)
        for n, seg in enumerate(segments[24:36]):
            record_code_decision(s, book, seg, codes[n % 3], "accept", coder="ana")
    with project.transaction() as s:
        grown = build_suggester(s, load_codebook(s), encoder, coder="ana")
    assert grown.linear_ is not None and grown.linear_ is not first.linear_
    assert grown.linear_.rows == first.linear_.rows + 12



def test_suggest_prints_json_lines_and_whole_code_ids(project: Project, demo: Path) -> None:
    p = ["-p", str(project.directory)]
    run("codebook", "import", str(demo / "codebook.json"), "--coder", "ana", *p)
    run("code", "import", str(demo / "study-a-hollis-2021.md"), *p)
    lines = run("code", "suggest", "--limit", "2", "--json", "--coder", "ana", *p).output.splitlines()
    objects = [json.loads(line) for line in lines]  # one whole object per line, as `next --json` prints
    assert len(objects) == 2 and all(len(o["suggestions"]) == 3 for o in objects)
    # -n, as every other list command takes it
    assert len(run("code", "suggest", "-n", "1", "--json", "--coder", "ana", *p).output.splitlines()) == 1
    # The table (80 columns under the test runner) shows every suggested id whole: `code accept` needs them.
    table = run("code", "suggest", "--limit", "2", "-k", "12", "--coder", "ana", *p).output
    ids = {s["code_id"] for o in json_objects(run("code", "suggest", "--limit", "2", "-k", "12", "--json",
                                                  "--coder", "ana", *p).output) for s in o["suggestions"]}
    assert len(ids) == 12  # every codable code of the demo codebook
    shown = set(re.findall(r"[a-z][a-z0-9-]+", table))
    assert ids <= shown, sorted(ids - shown)


def test_export_names_the_files_it_writes(project: Project, demo: Path, tmp_path: Path) -> None:
    """A coded-segments export to out.txt was written as CSV without a word; now a suffix it does not write
    is one line naming the file and the suffixes it writes, and nothing is written."""
    p = ["-p", str(project.directory)]
    run("codebook", "import", str(demo / "codebook.json"), "--coder", "ana", *p)
    result = run("code", "export", str(tmp_path / "out.txt"), *p, ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: {tmp_path / 'out.txt'}: 'code export' writes .csv or .qdpx files, not "
                                     ".txt; name it out.csv (coded segments) or out.qdpx (a REFI-QDA project for "
                                     "NVivo, ATLAS.ti, MAXQDA and QualCoder)")
    result = run("code", "export", str(tmp_path / "out.csv"), "--counts", str(tmp_path / "counts"), *p, ok=False)
    assert result.exit_code == 1 and "writes .csv files, not a file without a suffix; name it counts.csv" in result.stderr
    assert not (tmp_path / "out.txt").exists() and not (tmp_path / "out.csv").exists()
    run("code", "export", str(tmp_path / "OUT.CSV"), *p)
    assert "segment_id" in (tmp_path / "OUT.CSV").read_text(encoding="utf-8").splitlines()[0].split(",")



def test_codebook_import_does_not_hide_coding_silently(project: Project, demo: Path, tmp_path: Path) -> None:
    """A new codebook without a code that has coded segments is refused, naming the code and its count:
    the import used to succeed and the coding vanished from exports, counts and the synthesis."""
    p = ["-p", str(project.directory)]
    run("codebook", "import", str(demo / "codebook.json"), "--coder", "ana", *p)
    run("code", "import", str(demo / "study-a-hollis-2021.md"), *p)
    run("code", "accept", "3", "fear-of-removal", "--coder", "ana", *p)
    smaller = tmp_path / "smaller.csv"
    smaller.write_text("name,parent\nFear,\nFear of judgement,Fear\n", encoding="utf-8")
    err = run("codebook", "import", str(smaller), "--coder", "ana", *p, ok=False)
    assert err.exit_code == 1
    assert "fear-of-removal (1 coded segment)" in err.output and "--hide-coded" in err.output
    out = tmp_path / "coded.csv"
    run("code", "export", str(out), *p)
    assert [r["code_id"] for r in read_csv(out)] == ["fear-of-removal"]
    run("codebook", "import", str(smaller), "--coder", "ana", "--hide-coded", *p)
    run("code", "export", str(out), *p)
    assert read_csv(out) == []


def test_codes_named_by_their_names(project: Project, demo: Path, tmp_path: Path) -> None:
    """NVivo users know codes by name: every command that takes a code takes its name as well as its id
    (it said "no code 'Fear of child removal' in the codebook"); a name two codes share is refused."""
    p = ["-p", str(project.directory), "--coder", "ana"]
    run("codebook", "import", str(demo / "codebook.json"), *p)
    run("code", "import", str(demo / "study-a-hollis-2021.md"), "-p", str(project.directory))
    assert "accepted fear-of-removal, impact-on-children for segment 3" in run(
        "code", "accept", "3", "fear of child removal", "Impact on children", *p).output
    run("code", "reject", "4", "Changing workers", *p)
    run("code", "memo", "Fear runs through it.", "--code", "Fear of child removal", *p)
    run("codebook", "add", "Fear of the courts", "--parent", "Fear and stigma", *p)
    run("codebook", "rename", "Fear of the courts", "Fear of court", *p)
    run("codebook", "move", "Judged by the diagnosis", "--parent", "Parenting and recovery", *p)
    run("codebook", "merge", "Fear of court", "Fear of child removal", *p)
    run("codebook", "split", "Changing workers", "--into", "Turnover", "--into", "Absence", "--rest", "Turnover", *p)
    with project.reading() as s:
        book = load_codebook(s)
        decided = {(r.segment_id, r.code_id, r.decision) for r in s.query(CodeDecisionRow)}
    assert book.merged == {"fear-of-the-courts": "fear-of-removal"}
    assert book.parent_of("judged-by-diagnosis").id == "parenting-and-recovery"  # type: ignore[union-attr]
    assert {(3, "fear-of-removal", "accept"), (3, "impact-on-children", "accept")} <= decided
    assert any(code == "turnover" and d == "reject" for _, code, d in decided)
    run("codebook", "add", "Fear of child removal", "--id", "fear-2", "--parent", "Parenting and recovery", *p)
    err = run("code", "accept", "5", "Fear of child removal", *p, ok=False)
    assert err.exit_code == 1 and "fear-of-removal" in err.output and "fear-2" in err.output


def test_coding_waiting_for_a_second_coder_is_said(project: Project, demo: Path, tmp_path: Path) -> None:
    """Coding made before 'code allocate --double all' (a pilot, the lead's own) waits, blind, for a
    second coder: the export and the synthesis counted it nowhere and said nothing ("wrote 0 coded
    segment(s)"); they now say how many segments wait and for what."""
    p = ["-p", str(project.directory)]
    run("codebook", "import", str(demo / "codebook.json"), "--coder", "ana", *p)
    run("code", "import", str(demo / "study-a-hollis-2021.md"), *p)
    run("code", "accept", "3", "fear-of-removal", "--coder", "ana", *p)
    run("code", "accept", "4", "hiding-difficulties", "--coder", "ana", *p)
    run("code", "allocate", "--coders", "cat,dan", "--double", "all", "--by", "ana", *p)
    out = " ".join(run("code", "export", str(tmp_path / "coded.csv"), *p).output.split())
    assert "wrote 0 coded segment(s)" in out
    assert "2 segment(s) coded once wait for a second coder (blind double coding): 3, 4" in out
    out = " ".join(run("code", "synthesis", str(tmp_path / "synthesis.csv"), *p).output.split())
    assert "2 segment(s) coded once wait for a second coder (blind double coding)" in out
    run("code", "accept", "3", "fear-of-removal", "--coder", "cat", *p)
    out = " ".join(run("code", "export", str(tmp_path / "coded.csv"), *p).output.split())
    assert "wrote 1 coded segment(s)" in out and "1 segment(s) coded once wait for a second coder" in out


def test_headings_are_sections_not_coded_and_marks_stay_out_of_exports(project: Project, demo: Path,
                                                                        tmp_path: Path) -> None:
    """A heading ("### Living with the fear of removal") is the section of the segments under it:
    'code accept' coded it and its "###" reached the coded-segments CSV and the synthesis' quotes, and
    a block quotation's ">" did too ("> I'm a good mum on a bad day..."); 'code suggest --segment' on
    a heading stopped on an IndexError traceback."""
    from types import SimpleNamespace

    from triage.store.coding import document_segments

    p = ["-p", str(project.directory)]
    run("codebook", "import", str(demo / "codebook.json"), "--coder", "ana", *p)
    run("code", "import", str(demo / "study-a-hollis-2021.md"), *p)
    with project.reading() as s:
        segments = [SimpleNamespace(id=x.id, kind=x.kind, start=x.start, text=x.text, attributes=x.attributes)
                    for x in sorted(document_segments(s, 1), key=lambda x: x.position)]
    heading = next(x for x in segments if x.text == "### Living with the fear of removal")
    under = next(x for x in segments if x.kind == "sentence" and x.start > heading.start)
    block = next(x for x in segments if x.kind == "sentence" and x.text.startswith("> I'm a good mum"))
    assert heading.kind == "heading" and under.attributes["section"] == "Living with the fear of removal"
    err = run("code", "accept", str(heading.id), "fear-of-removal", "--coder", "ana", *p, ok=False)
    assert err.exit_code == 1 and " ".join(err.stderr.split()) == (
        f"error: segment {heading.id} is the heading 'Living with the fear of removal': a section's title, kept "
        "with each of its segments as their section, not coded; code the sentences under it (triage code next)")
    err = run("code", "suggest", "--segment", str(heading.id), "--coder", "ana", *p, ok=False)
    assert err.exit_code == 1 and err.stderr.startswith(f"error: segment {heading.id} is the heading ")
    run("code", "accept", str(under.id), "fear-of-removal", "--coder", "ana", *p)
    run("code", "accept", str(block.id), "fear-of-removal", "--coder", "ana", *p)
    run("code", "export", str(tmp_path / "coded.csv"), *p)
    texts = [r["text"] for r in read_csv(tmp_path / "coded.csv")]
    assert texts == [under.text, "I'm a good mum on a bad day. But in that room I was just a risk.\n(P15)"]
    run("code", "synthesis", str(tmp_path / "synthesis.csv"), *p)
    quotes = next(r["quotes"] for r in read_csv(tmp_path / "synthesis.csv") if r["code_id"] == "fear-of-removal")
    assert quotes.startswith("I'm a good mum on a bad day.") and "#" not in quotes and "\n>" not in quotes


def test_suggestions_piped_keep_the_text_readable(project: Project, shared_data: Path, tmp_path: Path) -> None:
    """Piped (no terminal: 80 columns), code ids made from the subtheme names of a real synthesis
    ('there-are-positives-that-come-with-the-negatives') squeezed the text column to four letters a
    line ('The │ stu… │ sel…'); the table is now as wide as its columns need there."""
    folder = shared_data / "coding" / "qes-siblings-mental-illness"
    themes = json.loads((folder / "codebook.json").read_text(encoding="utf-8"))
    named = [{"name": t["name"], "children": [{"name": c["name"]} for c in t["children"] if c["name"] != t["name"]]}
             for t in themes]
    (tmp_path / "names.json").write_text(json.dumps([{k: v for k, v in t.items() if v} for t in named]),
                                         encoding="utf-8")
    (tmp_path / "results.txt").write_text(
        "Siblings described ongoing grief due to the loss of the connection they shared with their sibling.",
        encoding="utf-8")
    p = ["-p", str(project.directory)]
    run("codebook", "import", str(tmp_path / "names.json"), "--coder", "ana", *p)
    run("code", "import", str(tmp_path / "results.txt"), *p)
    out = run("code", "suggest", "-k", "10", "--coder", "ana", *p).output
    assert "there-are-positives-that-come-with-the-negatives" in out  # whole, never cut
    rows = [line.split("│")[2].strip() for line in out.splitlines() if line.startswith("│")]
    assert rows[0] == "Siblings described ongoing grief due to"  # 40 columns of text, not 4
    assert " ".join(r for r in rows if r) == ("Siblings described ongoing grief due to the loss of the "
                                              "connection they shared with their sibling.")
