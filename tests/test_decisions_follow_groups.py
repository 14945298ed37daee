"""Decisions belong to the deduplicated record (its merge group), not to a row id.

The regression: a search re-run imports a third export, the new dedup run merges an
excluded record into a group screened under another record, and the exclusion stopped
counting (status went from 1 screened, 1 excluded to 0 and the record was served again).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from _web_support import HTML, web_client
from dedup_support import TITLE, add, rec
from sqlalchemy import select
from typer.testing import CliRunner

from triage.cli.main import app
from triage.screening.queue import ScreeningQueue
from triage.store.db import DB_FILE, Project
from triage.store.decisions import (
    decisions_in_force,
    record_decision,
    settled_records,
    undo_last,
)
from triage.store.decisions_appended import decision_log_mark, settled_after_appends
from triage.store.dedup_runs import run_dedup, undo_merge_id
from triage.store.groups import current_groups
from triage.store.prisma import prisma_counts
from triage.store.schema_dedup import DedupMergeRow
from triage.store.selection import select_items

OTHER = "A randomised trial of family therapy for adolescents with anorexia nervosa"


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def screened_as(project: Project) -> dict[int, int]:
    with project.reading() as session:
        return current_groups(session)


def test_an_exclusion_survives_a_search_update_that_moves_the_group_elsewhere(
    shared_data: Path, tmp_path: Path
) -> None:
    exports = shared_data / "exports"
    first = [str(exports / "ris" / "asysd_zotero_export.ris"), str(exports / "bib" / "asysd_zotero_export.bib")]
    update = str(exports / "other" / "asysd_mendeley_export.xml")
    project_dir = tmp_path / "review"
    invoke("init", str(project_dir))
    invoke("import", *first, "-p", str(project_dir))
    invoke("dedup", "-p", str(project_dir))
    # Find a record screened in its own right now that the update will merge under another
    # one (a probe copy of the project takes the update first; decisions don't steer dedup).
    probe = tmp_path / "probe"
    probe.mkdir()
    shutil.copyfile(project_dir / DB_FILE, probe / DB_FILE)
    with Project.open(project_dir) as project:
        before = screened_as(project)
    invoke("import", update, "-p", str(probe))
    with Project.open(probe) as project:
        after = screened_as(project)
    moved = sorted(rid for rid, rep in before.items() if rep == rid and after[rid] != rid)
    assert moved, "the update merges no screened record under another: the regression is not exercised"
    record = moved[0]

    invoke("decide", str(record), "exclude", "--reason", "year", "--reviewer", "ana", "-p", str(project_dir))
    imported = invoke("import", update, "-p", str(project_dir))  # dedups the new records at once
    assert "records checked in this run" in imported

    status = json.loads(invoke("status", "--json", "-p", str(project_dir)))
    assert (status["screened"], status["excluded"], status["excluded_reasons"]) == (1, 1, {"year": 1})
    assert status["awaiting_dedup"] == 0 and status["conflicts"] == 0
    with Project.open(project_dir) as project:
        group = screened_as(project)[record]
        # The update merged it with another record (the probe's dedup put it under that one);
        # decided, it keeps representing the group (session 16: a new representative drew the
        # double-screening share anew; tests/test_update_keeps_draws.py).
        assert group == record and sorted(r for r, rep in screened_as(project).items() if rep == group) != [record]
        with project.reading() as session:
            undecided = {item.record_id for item in select_items(session, subset="undecided")}
            decided = {item.record_id: item for item in select_items(session, subset="excluded")}
        assert group not in undecided and decided[group].reasons == ("year",)


def test_records_imported_after_dedup_wait_for_it_and_are_counted(project: Project) -> None:
    add(project, "PubMed", [rec()])
    run_dedup(project)
    late = add(project, "Embase", [rec(TITLE + "."), rec(OTHER, authors=["Lock, J."])])
    with project.reading() as session:
        assert prisma_counts(session).awaiting_dedup == 2
    queue = ScreeningQueue(project, preset="tfidf")
    assert not set(late) & set(queue.record_ids)  # held back: one may be a duplicate of a decided record
    run_dedup(project)
    with project.reading() as session:
        assert prisma_counts(session).awaiting_dedup == 0
    assert late[1] in ScreeningQueue(project, preset="tfidf").record_ids


def test_merging_an_excluded_and_an_included_record_is_a_conflict_for_a_person(project: Project) -> None:
    pubmed = add(project, "PubMed", [rec()])
    embase = add(project, "Embase", [rec(TITLE + ".")])
    with project.transaction() as session:
        record_decision(session, pubmed[0], "exclude", reviewer="ana", reasons=["setting"])
        record_decision(session, embase[0], "include", reviewer="ben")
    run_dedup(project)
    group = screened_as(project)[pubmed[0]]
    with project.reading() as session:
        in_force = decisions_in_force(session)
        counts = prisma_counts(session)
    assert group not in in_force.decisions
    assert sorted(d.decision for d in in_force.conflicts[group]) == ["exclude", "include"]
    assert (counts.screened, counts.conflicts, counts.excluded, counts.included_title_abstract) == (1, 1, 0, 0)
    assert group not in {s.record_id for s in ScreeningQueue(project, preset="tfidf").next(5)}
    # A person settles it with a decision on the group: it covers both reports.
    with project.transaction() as session:
        record_decision(session, group, "include", reviewer="lead")
    with project.reading() as session:
        in_force = decisions_in_force(session)
    assert not in_force.conflicts and in_force.decisions[group].reviewer == "lead"


def test_a_decision_made_before_a_merge_counts_once_for_the_group(project: Project) -> None:
    pubmed = add(project, "PubMed", [rec(), rec(OTHER, authors=["Lock, J."])])
    with project.transaction() as session:
        record_decision(session, pubmed[0], "exclude", reviewer="ana", reasons=["design"])
    add(project, "Embase", [rec(TITLE + ".", abstract="Background: a longer abstract wins representation.")])
    run_dedup(project)
    group = screened_as(project)[pubmed[0]]
    with project.reading() as session:
        counts = prisma_counts(session)
        in_force = decisions_in_force(session)
    assert (counts.records_to_screen, counts.screened, counts.excluded, counts.undecided) == (2, 1, 1, 1)
    assert in_force.decisions[group].decided_record_id == pubmed[0] and not in_force.decisions[group].inherited


def test_undoing_a_merge_shows_every_former_member_the_decision_as_inherited(project: Project) -> None:
    ids = add(project, "PubMed", [rec(), rec(TITLE + ".")])
    run_dedup(project)
    group = screened_as(project)[ids[0]]
    with project.transaction() as session:
        record_decision(session, group, "include", reviewer="ana")
    with project.reading() as session:
        merge_id = session.scalars(select(DedupMergeRow.id).where(DedupMergeRow.undone_at.is_(None))).one()
    undo_merge_id(project, merge_id, reviewer="ana")
    with project.reading() as session:
        in_force = decisions_in_force(session)
        counts = prisma_counts(session)
        inherited = {item.record_id for item in select_items(session, subset="inherited")}
    assert set(in_force.decisions) == set(ids)
    assert all(d.inherited and d.decision == "include" for d in in_force.decisions.values())
    assert inherited == set(ids) and counts.inherited == 2 and counts.included_title_abstract == 2
    # Confirming one (a new decision on that record alone) makes it that record's own.
    with project.transaction() as session:
        record_decision(session, ids[0], "exclude", reviewer="ana", reasons=["design"])
    with project.reading() as session:
        in_force = decisions_in_force(session)
    assert not in_force.decisions[ids[0]].inherited and in_force.decisions[ids[0]].decision == "exclude"
    assert in_force.decisions[ids[1]].inherited and in_force.decisions[ids[1]].decision == "include"


def test_undo_of_a_decision_made_on_a_member_withdraws_it_from_the_group(project: Project) -> None:
    ids = add(project, "PubMed", [rec(), rec(TITLE + ".")])
    run_dedup(project)
    member = next(rid for rid, rep in screened_as(project).items() if rid != rep)
    with project.transaction() as session:
        record_decision(session, member, "exclude", reviewer="ana", reasons=["year"])
    with project.reading() as session:
        assert len(decisions_in_force(session).decisions) == 1
    with project.transaction() as session:
        assert undo_last(session, reviewer="ana") is not None
    with project.reading() as session:
        assert decisions_in_force(session).decisions == {} and prisma_counts(session).undecided == 1
    assert sorted(ids)  # both records still stored


def test_two_reviewers_on_one_record_keep_the_latest_decision_as_before(project: Project) -> None:
    ids = add(project, "PubMed", [rec()])
    with project.transaction() as session:
        record_decision(session, ids[0], "include", reviewer="ana")
        record_decision(session, ids[0], "exclude", reviewer="ben", reasons=["design"])
    with project.reading() as session:
        in_force = decisions_in_force(session)
    assert in_force.decisions[ids[0]].reviewer == "ben" and not in_force.conflicts


def test_conflicts_command_lists_the_group_and_decide_settles_it(project: Project) -> None:
    pubmed = add(project, "PubMed", [rec()])
    embase = add(project, "Embase", [rec(TITLE + ".")])
    with project.transaction() as session:
        record_decision(session, pubmed[0], "exclude", reviewer="ana", reasons=["setting"])
        record_decision(session, embase[0], "include", reviewer="ben")
    run_dedup(project)
    where = str(project.directory)
    lines = [json.loads(x) for x in invoke("conflicts", "--json", "-p", where).splitlines()]
    assert len(lines) == 1 and sorted(d["record_id"] for d in lines[0]["decisions"]) == [pubmed[0], embase[0]]
    assert "1 conflict: different decisions in force" in invoke("conflicts", "-p", where)
    invoke("decide", str(lines[0]["id"]), "include", "--reviewer", "lead", "-p", where)
    assert "No conflicts" in invoke("conflicts", "-p", where)


def test_the_dashboard_shows_conflicts_and_records_waiting_for_dedup(project: Project) -> None:
    pubmed = add(project, "PubMed", [rec()])
    embase = add(project, "Embase", [rec(TITLE + ".")])
    with project.transaction() as session:
        record_decision(session, pubmed[0], "exclude", reviewer="ana", reasons=["setting"])
        record_decision(session, embase[0], "include", reviewer="ben")
    run_dedup(project)
    add(project, "Scopus", [rec(OTHER, authors=["Lock, J."])])
    with web_client(project.directory) as (client, _):
        page = client.get("/", headers=HTML).text
    assert re.search(r'id="n-conflicts">1<', page) and re.search(r'id="n-awaiting-dedup">1<', page)


def test_the_web_fast_path_for_appended_decisions_equals_a_full_recount(project: Project) -> None:
    ids = add(project, "PubMed", [rec(), rec(TITLE + "."), rec(OTHER, authors=["Lock, J."])])
    run_dedup(project)
    member = next(rid for rid, rep in screened_as(project).items() if rid != rep)
    with project.reading() as session:
        mark = decision_log_mark(session, stage="title_abstract")
        before = settled_records(session)
    with project.transaction() as session:
        record_decision(session, member, "exclude", reviewer="ana", reasons=["setting"])  # on a merged member
        record_decision(session, ids[2], "include", reviewer="ben")
    with project.reading() as session:
        updated = settled_after_appends(session, before, mark, stage="title_abstract")
        assert updated is not None and updated[0] == settled_records(session) != before
        undo_last(session, reviewer="ben")
        assert settled_after_appends(session, before, mark, stage="title_abstract") is None  # a retract: recount
