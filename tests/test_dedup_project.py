"""Dedup in a real project store: merges keep provenance, undo restores, new imports
are deduplicated incrementally, a person's decisions are logged and honoured."""

from __future__ import annotations

import pytest
from dedup_support import TITLE, add, rec
from sqlalchemy import func, select

from triage.errors import DecisionError
from triage.store.db import Project
from triage.store.dedup_review import decide_pair, review_queue
from triage.store.dedup_runs import run_dedup, undo_last_run, undo_merge_id
from triage.store.records import screening_records
from triage.store.schema import RecordRow
from triage.store.schema_dedup import DedupMergeRow, DedupPairRow, PairDecisionRow, RelatedGroupRow


def screened_ids(project: Project) -> list[int]:
    with project.reading() as session:
        return [rid for rid, _ in screening_records(session)]


def test_run_merges_keeps_every_source_and_screens_canonical_fields(project: Project) -> None:
    pubmed = add(project, "PubMed", [rec(title=TITLE + ".", pages="1057-64")])
    embase = add(project, "Embase", [rec(abstract="Background: eculizumab ...", authors=["Zuber, J.", "Roe, A."]),
                                     rec("A different study of renal biopsies in children", authors=["Smith, A."])])
    summary = run_dedup(project)
    assert (summary.merges, summary.records_removed, summary.new_records) == (1, 1, 3)
    with project.reading() as session:
        merge = session.scalars(select(DedupMergeRow)).one()
        assert merge.members == [pubmed[0], embase[0]] and merge.databases == ["Embase", "PubMed"]
        assert session.scalar(select(func.count()).select_from(RecordRow)) == 3  # nothing deleted
        screened = dict(screening_records(session))
        rep = merge.representative_id
    assert sorted(screened) == sorted([rep, embase[1]])
    canonical = screened[rep]
    assert canonical.abstract == "Background: eculizumab ..." and canonical.pages == "1057-1064"


def test_undo_last_run_restores_the_project(project: Project) -> None:
    ids = add(project, "PubMed", [rec(), rec(TITLE + ".")])
    run_dedup(project)
    assert screened_ids(project) == [ids[0]] or screened_ids(project) == [ids[1]]
    undone = undo_last_run(project)
    assert (undone.merges, undone.records_restored) == (1, 1)
    assert screened_ids(project) == ids
    # Undo is itself reversible: running again merges again.
    assert run_dedup(project).merges == 1


def test_undo_without_a_run_says_what_to_do(project: Project) -> None:
    with pytest.raises(DecisionError) as err:
        undo_last_run(project)
    assert str(err.value) == "nothing to undo: no dedup run in this project; run 'triage dedup' first"


def test_undoing_one_merge_is_logged_and_never_redone(project: Project) -> None:
    ids = add(project, "PubMed", [rec(), rec(TITLE + ".")])
    run_dedup(project)
    with project.reading() as session:
        merge_id = session.scalars(select(DedupMergeRow.id)).one()
    undo_merge_id(project, merge_id, reviewer="ana", note="different trial arms")
    add(project, "Embase", [rec(TITLE + "!")])  # a new import triggers an incremental run
    run_dedup(project)
    with project.reading() as session:
        log = session.scalars(select(PairDecisionRow)).one()
        assert (log.decision, log.reviewer, log.note) == ("undo", "ana", "different trial arms")
        members = [m.members for m in session.scalars(select(DedupMergeRow).where(DedupMergeRow.undone_at.is_(None)))]
    # The new record joined one of them; the two a person separated stay apart.
    assert len(members) == 1 and not {ids[0], ids[1]} <= set(members[0])


def test_incremental_import_is_checked_against_existing_records(project: Project) -> None:
    first = add(project, "PubMed", [rec(), rec("A different study of renal biopsies in children")])
    assert run_dedup(project).merges == 0
    second = add(project, "Scopus", [rec(TITLE.upper())])
    summary = run_dedup(project)
    assert (summary.new_records, summary.merges) == (1, 1)
    assert summary.pairs_compared <= 2  # only pairs that involve the new record
    with project.reading() as session:
        assert session.scalars(select(DedupMergeRow.members)).one() == [first[0], second[0]]
    assert run_dedup(project).new_records == 0  # nothing new: nothing compared


def test_review_queue_merge_and_keep_apart_are_logged(project: Project) -> None:
    ids = add(project, "PubMed", [
        rec(), rec(title=None),  # no title: only a possible duplicate
        rec("Outcome of plasma exchange in children", authors=["Loirat, C."], pages="9"),
        rec("Outcome of plasma exchange in children", authors=["Loirat, C."], pages="1746"),
    ])
    summary = run_dedup(project)
    assert (summary.merges, summary.possible) == (0, 2)
    queue = review_queue(project)
    assert {(q.record_a, q.record_b) for q in queue} == {(ids[0], ids[1]), (ids[2], ids[3])}
    by_pair = {(q.record_a, q.record_b): q.pair_id for q in queue}
    decide_pair(project, by_pair[(ids[0], ids[1])], "merge", reviewer="ana")
    decide_pair(project, by_pair[(ids[2], ids[3])], "keep_apart", reviewer="ben", note="abstract vs poster")
    assert review_queue(project) == []
    with project.reading() as session:
        log = [(d.decision, d.reviewer) for d in session.scalars(select(PairDecisionRow).order_by(PairDecisionRow.id))]
        merge = session.scalars(select(DedupMergeRow)).one()
        made = (merge.created_by, merge.members)
        statuses = sorted(p.status for p in session.scalars(select(DedupPairRow)))
    assert log == [("merge", "ana"), ("keep_apart", "ben")]
    assert made == ("ana", [ids[0], ids[1]])
    assert statuses == ["kept_apart", "merged"]
    # A later import never re-merges or re-queues what ben kept apart.
    add(project, "Embase", [rec("Outcome of plasma exchange in children", authors=["Loirat, C."], pages="9")])
    run_dedup(project)
    with project.reading() as session:
        groups = [m.members for m in session.scalars(select(DedupMergeRow).where(DedupMergeRow.undone_at.is_(None)))]
    assert not any({ids[2], ids[3]} <= set(g) for g in groups)


def test_deciding_an_unknown_pair_names_the_fix(project: Project) -> None:
    with pytest.raises(DecisionError) as err:
        decide_pair(project, 99, "merge", reviewer="ana")
    assert str(err.value) == ("no open possible-duplicate pair 99; "
                              "list the queue with 'triage dedup review --list'")
    with pytest.raises(DecisionError, match="choose one of: merge, keep_apart"):
        decide_pair(project, 1, "maybe", reviewer="ana")


def test_related_versions_are_grouped(project: Project) -> None:
    ids = add(project, "WoS", [
        rec(), rec(TITLE + " (vol 91, pg 1057, 2011)", pages="1500"),  # the erratum
    ])
    summary = run_dedup(project)
    assert (summary.merges, summary.related) == (0, 1)
    with project.reading() as session:
        group = session.scalars(select(RelatedGroupRow)).one()
        assert group.members == ids and "erratum" in group.reasons[0]


def test_keep_apart_can_be_undone_and_is_logged(project: Project) -> None:
    from triage.store.dedup_review import reopen_pair
    from triage.store.dedup_runs import kept_apart_pairs

    add(project, "PubMed", [
        rec("Outcome of plasma exchange in children", authors=["Loirat, C."], pages="9"),
        rec("Outcome of plasma exchange in children", authors=["Loirat, C."], pages="1746"),
    ])
    run_dedup(project)
    (item,) = review_queue(project)
    decide_pair(project, item.pair_id, "keep_apart", reviewer="ben")
    assert [q.pair_id for q in review_queue(project, status="kept_apart")] == [item.pair_id]
    reopen_pair(project, item.pair_id, reviewer="ana", note="same poster after all")
    assert [q.pair_id for q in review_queue(project)] == [item.pair_id]
    with project.reading() as session:
        assert kept_apart_pairs(session) == set()
        log = [(d.decision, d.reviewer) for d in session.scalars(select(PairDecisionRow).order_by(PairDecisionRow.id))]
    assert log == [("keep_apart", "ben"), ("reopen", "ana")]
    with pytest.raises(DecisionError) as err:
        reopen_pair(project, item.pair_id, reviewer="ana")
    assert str(err.value) == (f"pair {item.pair_id} was not kept apart by a person; "
                              "list them with 'triage dedup review --list --kept-apart'")
