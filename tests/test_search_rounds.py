"""Search updates as a first-class flow: named rounds, "new in this round", PRISMA for updates."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from triage.cli.main import app
from triage.screening.queue import ScreeningQueue
from triage.store.db import Project
from triage.store.selection import select_items

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"
UPDATE = DEMO / "update" / "medline-2026.ris"


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def updated_project(tmp_path: Path) -> tuple[str, int]:
    """The demo's first search (Embase), deduplicated, one study included in full text, then
    the update round; returns the project and the included record's id."""
    where = str(tmp_path / "review")
    invoke("init", where, "--criteria", str(DEMO / "criteria.toml"))
    invoke("import", str(DEMO / "embase.ris"), "-p", where)
    invoke("dedup", "-p", where)
    found = json.loads(invoke("records", "--search", "consistent relationships bipolar", "-n", "1", "--json",
                              "-p", where).splitlines()[0])
    for stage in ("title_abstract", "full_text"):
        invoke("decide", str(found["id"]), "include", "--stage", stage, "--reviewer", "ana", "-p", where)
    invoke("rounds", "search", "2026-update", "--database", "MEDLINE", "--platform", "Ovid", "--date",
           "2026-11-30", "--query", "parent* AND mental*", "--hits", "13", "-p", where)
    invoke("import", str(UPDATE), "--round", "2026-update", "-p", where)
    return where, int(found["id"])


def test_an_update_round_counts_its_new_studies_and_duplicates(tmp_path: Path) -> None:
    where, _ = updated_project(tmp_path)
    rounds = json.loads(invoke("rounds", "list", "--json", "-p", where))
    assert [r["name"] for r in rounds] == ["first search", "2026-update"]
    update = rounds[1]
    assert update["records"] == 13 and update["files"] == 1
    # 8 records are reports the first search found: duplicates of earlier studies.
    assert update["duplicates_of_earlier"] == 8 and update["new_studies"] == 5
    assert update["searches"] == [{"database": "MEDLINE", "platform": "Ovid", "searched_on": "2026-11-30",
                                   "query": "parent* AND mental*", "hits": 13}]
    # at 80 columns a line each, nothing cut (the table cut "duplicat…" and folded "2026-upda" / "te")
    narrow = CliRunner().invoke(app, ["rounds", "-p", where], env={"COLUMNS": "80"}).output
    assert "…" not in narrow and max(len(line) for line in narrow.splitlines()) <= 80
    assert ("2026-update: 1 file, 13 records (PubMed 13); 8 duplicates of earlier rounds; 5 new studies; "
            "1 search recorded") in " ".join(narrow.split()), narrow
    status = json.loads(invoke("status", "--json", "-p", where))
    assert status["search_rounds"] == 2 and status["awaiting_dedup"] == 0
    assert status["update"]["round"] == "2026-update"
    assert (status["update"]["identified"], status["update"]["records_to_screen"]) == (13, 5)
    assert (status["update"]["previous_included"], status["update"]["total_included"]) == (1, 1)
    assert [(x["database"], x["hits"]) for x in status["update"]["searches"]] == [("MEDLINE", 13)]


def test_new_in_this_round_is_a_subset_and_a_queue_that_learned_from_every_round(tmp_path: Path) -> None:
    where, included = updated_project(tmp_path)
    with Project.open(where) as project:
        with project.reading() as session:
            new = {item.record_id for item in select_items(session, subset="new")}
            everything = {item.record_id for item in select_items(session)}
        assert len(new) == 5 and new < everything and included not in new
        queue = ScreeningQueue(project, preset="tfidf", new_only=True)
        served = {s.record_id for s in queue.next(10)}
        assert served == new and queue.remaining == 5
        assert queue._index[included] in queue.cycle.labelled  # the first round's decision teaches it
    lines = invoke("next", "--new", "-n", "10", "--json", "-p", where).splitlines()
    assert {json.loads(line)["id"] for line in lines} == new
    exported = tmp_path / "new.csv"
    invoke("export", str(exported), "--subset", "new", "-p", where)
    assert len(exported.read_text(encoding="utf-8").strip().splitlines()) == 1 + 5


def test_the_update_flow_diagram_shows_the_previous_version(tmp_path: Path) -> None:
    where, _ = updated_project(tmp_path)
    diagram = tmp_path / "update.svg"
    invoke("status", "-p", where, "--diagram", str(diagram))
    svg = diagram.read_text(encoding="utf-8")
    for words in ("Search update: 2026-update", "Studies included in", "Records identified in this round",
                  "Total studies included in review", "Searched: MEDLINE (Ovid, 2026-11-30): 13 hits"):
        assert all(word in svg for word in words.split()), words


def test_the_whole_review_can_be_drawn_after_an_update(tmp_path: Path) -> None:
    """A search re-run before the first publication is reported as one flow: `--whole-review`
    (and the web's `?whole=1`) draws every round, where the default draws the newest one."""
    from _web_support import web_client

    where, _ = updated_project(tmp_path)
    whole = tmp_path / "whole.svg"
    invoke("status", "-p", where, "--diagram", str(whole), "--whole-review")
    svg = whole.read_text(encoding="utf-8")
    identified = json.loads(invoke("status", "--json", "-p", where))["identified"]
    assert identified > 13
    assert all(word in svg for word in f"Records identified from databases (n = {identified})".split())
    assert "Previous" not in svg and "update" not in svg
    with web_client(Path(where)) as (client, _):
        page = client.get("/export").text
        assert "of the update 2026-update (SVG)" in page and 'href="/figures/prisma.svg?whole=1"' in page
        default, drawn_whole = client.get("/figures/prisma.svg").text, client.get("/figures/prisma.svg?whole=1").text
    assert "Previous" in default and "Previous" not in drawn_whole
    assert all(word in drawn_whole for word in f"(n = {identified})".split())


def test_a_search_record_needs_sense(tmp_path: Path) -> None:
    where = str(tmp_path / "review")
    invoke("init", where)
    out = invoke("rounds", "search", "update", "--database", "Embase", "--hits", "-3", "-p", where, code=1)
    assert "hits must be 0 or more" in out
    out = invoke("import", str(UPDATE), "--round", "first search", "-p", where)
    assert json.loads(invoke("rounds", "list", "--json", "-p", where))[0]["records"] == 13


def test_a_new_round_is_announced_and_a_near_name_questioned(tmp_path: Path) -> None:
    """A user typed --round 2026-updat for the second file of an update: a third round was
    made without a word, splitting the update's counts, and 'rounds list' showed both as
    '2026-upd…'."""
    where = str(tmp_path / "review")
    invoke("init", where)
    invoke("import", str(DEMO / "embase.ris"), "-p", where)
    first = " ".join(invoke("import", str(UPDATE), "--round", "2026-update", "-p", where).split())
    assert "new search round '2026-update' (rounds now: first search, 2026-update)" in first
    typo = " ".join(invoke("import", str(DEMO / "psycinfo.bib"), "--round", "2026-updat", "-p", where).split())
    assert ("new search round '2026-updat' (rounds now: first search, 2026-update, 2026-updat); did you mean "
            "'2026-update'? then take this import back with 'triage sources remove 3' and import the file again "
            "with --round '2026-update'") in typo
    again = invoke("import", str(DEMO / "scopus.csv"), "--round", "2026-update", "-p", where)
    assert "new search round" not in again
    listed = invoke("rounds", "list", "-p", where)
    assert "2026-upd…" not in listed  # each name whole, wrapped where the column is narrow


def test_every_group_with_a_list_command_lists_when_given_none(tmp_path: Path) -> None:
    """As 'triage sources' and 'triage rounds': 'triage studies' and 'triage users' alone
    print what their 'list' prints (options included), not their help."""
    where = str(tmp_path / "review")
    invoke("init", where)
    invoke("import", str(DEMO / "embase.ris"), "-p", where)
    for group in ("rounds", "studies", "users"):
        alone = invoke(group, "-p", where)
        assert "Usage" not in alone and alone == invoke(group, "list", "-p", where), group
        assert invoke(group, "--json", "-p", where) == invoke(group, "list", "--json", "-p", where), group


def test_a_file_without_a_database_is_named_alike_in_every_count(shared_data: Path, tmp_path: Path) -> None:
    """README's 'triage import cnki.bib --encoding gb18030' (a BibTeX export naming no database):
    status counted it as 'identified from cnki.bib', but 'triage rounds list' and an update's
    counts ('status --json' update.identified_by_source, the update diagram) as 'source 2'.
    Both now name the file."""
    where = str(tmp_path / "review")
    invoke("init", where)
    invoke("import", str(shared_data / "exports" / "ris" / "asreview_embase.ris"), "-p", where)
    invoke("import", str(shared_data / "exports" / "bib" / "bibtexparser_gbk_test.bib"), "--encoding", "gb18030",
           "--round", "2026-update", "-p", where)
    status = json.loads(invoke("status", "--json", "-p", where))
    assert "bibtexparser_gbk_test.bib" in status["identified_by_source"]
    assert status["update"]["identified_by_source"] == {"bibtexparser_gbk_test.bib": 1}
    listed = invoke("rounds", "list", "-p", where)
    assert "source 2" not in listed
