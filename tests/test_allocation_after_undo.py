"""No record waits forever nor drops out of every queue as a team's review lives through
merges and their undo (issue: leftovers of session 16).

A record (merge group) under an allocation is at every moment one of: decided (a decision
in force, or decisions in conflict for a lead), or in the queue of an allocated reviewer
who may still screen it (for a group screened twice and decided once: a reviewer other
than the one who decided). Merges undone split groups and the decisions made on them are
inherited by every part; a reviewer's slot is on the group they decided; a retract must
free that slot wherever the group went since.

A scripted life (the one that failed, on SQLite and PostgreSQL, through the real queues)
and a Hypothesis machine over random lives (real RIS imports, dedup, decisions, undos).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path

from conftest import fresh_postgres_database
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select
from test_decisions_stateful import STUDIES, ris

from triage.errors import DecisionError
from triage.importing import import_file
from triage.screening.queue import ScreeningQueue
from triage.store.claims import claimed_away
from triage.store.db import Project
from triage.store.decisions import decisions_in_force, group_in_force, record_decision, retract_latest
from triage.store.dedup_review import decide_pair, review_queue
from triage.store.dedup_runs import run_dedup, undo_merge_id
from triage.store.groups import current_groups, dedup_horizon
from triage.store.resolutions import refuse_a_third_decision
from triage.store.schema_dedup import DedupMergeRow
from triage.store.team import allocate, unavailable_for

REVIEWERS = ("ana", "ben", "cy")
STAGE = "title_abstract"


def _import(project: Project, directory: Path, name: str, reports: list[tuple[int, bool]], database: str) -> None:
    path = directory / f"{name}.ris"
    path.write_text(ris(reports, database), encoding="utf-8")
    outcome = import_file(project, path, force=True)
    assert outcome.status == "imported" and outcome.records == len(reports)


def _decide(project: Project, record_id: int, decision: str, reviewer: str) -> bool:
    """As ``triage decide`` does: refused (False) where it would be a third screening."""
    try:
        with project.transaction() as session:
            refuse_a_third_decision(session, record_id, stage=STAGE)
            record_decision(session, record_id, decision, reviewer=reviewer, stage=STAGE,
                            reasons=["design"] if decision == "exclude" else [])
    except DecisionError:
        return False
    return True


def _unserved(project: Project) -> dict[int, str]:
    """Each group screened now that is neither decided nor in an allocated reviewer's queue
    (what their queue hides: :func:`unavailable_for`, as the queue's sync, and
    :func:`claimed_away`, as it serves), with what stands on it."""
    with project.reading() as session:
        horizon = dedup_horizon(session)
        groups = {g for rid, g in current_groups(session).items() if horizon is None or rid <= horizon}
        in_force = decisions_in_force(session, stage=STAGE)
        hidden = {r: unavailable_for(session, stage=STAGE, reviewer=r) | claimed_away(session, stage=STAGE, reviewer=r)
                  for r in REVIEWERS}
    lost = {}
    for group in groups - set(in_force.decisions) - set(in_force.conflicts):
        if all(group in hidden[r] for r in REVIEWERS):
            deciders = sorted(d.reviewer for d in in_force.awaiting.get(group, ()))
            lost[group] = f"awaiting after {', '.join(deciders)}" if deciders else "undecided"
    return lost


def test_a_retract_after_an_undone_merge_frees_the_slot(project: Project, tmp_path: Path) -> None:
    """ana decides a merged copy (record 2, screened as 1: her slot is on group 1); the merge is
    undone, she takes her decision back. Record 1 then waited forever: ben decided it, ana's
    slot on it stayed hers for good though she no longer had a decision there (her queue
    skipped it as decided, cy's as full)."""
    _import(project, tmp_path, "a", [(0, False)], "PubMed")
    _import(project, tmp_path, "b", [(0, False)], "Embase")  # the same report (its DOI)
    run_dedup(project)
    with project.reading() as session:
        assert current_groups(session) == {1: 1, 2: 1}
    with project.transaction() as session:
        allocate(session, stage=STAGE, reviewers=list(REVIEWERS), double_share=1.0, set_by="lea")
    assert _decide(project, 2, "include", "ana")
    with project.reading() as session:
        merge = session.scalars(select(DedupMergeRow.id).where(DedupMergeRow.undone_at.is_(None))).one()
    undo_merge_id(project, merge, reviewer="lea")
    assert retract_latest(project, reviewer="ana", stage=STAGE) == 2
    assert _decide(project, 1, "exclude", "ben")
    assert _unserved(project) == {}
    queues = {r: ScreeningQueue(project, preset="tfidf", reviewer=r, random_state=1) for r in ("ana", "cy")}
    served = {r: [s.record_id for s in q.next(2)] for r, q in queues.items()}
    assert 1 in served["ana"] + served["cy"]  # ana's slot was hers for good: served to neither before
    assert 2 in served["ana"] + served["cy"]


class TeamLife(RuleBasedStateMachine):
    """Random lives of a team's screening with merges and undos, checked after every step."""

    #: A PostgreSQL server (any URL of it): each life then runs in a fresh database there.
    server: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="triage-team-life-"))
        self.cleanup = ExitStack()
        database = self.cleanup.enter_context(fresh_postgres_database(self.server)) if self.server else None
        self.project = Project.init(self.dir / "review", database)
        assert self.project.dialect == ("postgresql" if self.server else "sqlite")
        self.files = 0

    def teardown(self) -> None:
        self.project.close()
        self.cleanup.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def record_ids(self) -> list[int]:
        with self.project.reading() as session:
            return sorted(current_groups(session))

    @rule(reports=st.lists(st.tuples(st.integers(0, len(STUDIES) - 1), st.booleans()), min_size=1, max_size=3),
          database=st.sampled_from(["PubMed", "Embase", "Scopus"]))
    def import_export(self, reports: list[tuple[int, bool]], database: str) -> None:
        self.files += 1
        _import(self.project, self.dir, f"export-{self.files}", reports, database)

    @rule()
    def dedup(self) -> None:
        run_dedup(self.project)

    @initialize(reports=st.lists(st.tuples(st.integers(0, len(STUDIES) - 1), st.booleans()), min_size=2, max_size=4),
                share=st.sampled_from([0.5, 1.0]))
    def start(self, reports: list[tuple[int, bool]], share: float) -> None:
        """Two databases' exports of the same reports, deduplicated, then the allocation."""
        self.import_export(reports, "PubMed")
        self.import_export(reports, "Embase")
        run_dedup(self.project)
        with self.project.transaction() as session:
            allocate(session, stage=STAGE, reviewers=list(REVIEWERS), double_share=share, set_by="lea")

    @rule(data=st.data(), reviewer=st.sampled_from(REVIEWERS), decision=st.sampled_from(["include", "exclude"]))
    def decide(self, data: st.DataObject, reviewer: str, decision: str) -> None:
        """A decision on any record, a merged copy included (``triage decide`` takes any id)."""
        ids = self.record_ids()
        if ids:
            _decide(self.project, data.draw(st.sampled_from(ids)), decision, reviewer)

    @rule(reviewer=st.sampled_from(REVIEWERS), decision=st.sampled_from(["include", "exclude"]))
    def serve_and_decide(self, reviewer: str, decision: str) -> None:
        """The reviewer's queue serves them their next record (leased), and they decide it."""
        queue = ScreeningQueue(self.project, preset="tfidf", reviewer=reviewer, random_state=1)
        shown = queue.next(1)
        if shown:
            _decide(self.project, shown[0].record_id, decision, reviewer)

    @rule(reviewer=st.sampled_from(REVIEWERS))
    def retract(self, reviewer: str) -> None:
        retract_latest(self.project, reviewer=reviewer, stage=STAGE)

    @rule(data=st.data())
    def undo_merge(self, data: st.DataObject) -> None:
        with self.project.reading() as session:
            merges = list(session.scalars(select(DedupMergeRow.id).where(DedupMergeRow.undone_at.is_(None))))
        if merges:
            event("merge undone")
            undo_merge_id(self.project, data.draw(st.sampled_from(merges)), reviewer="lea")

    @rule(data=st.data())
    def merge_a_possible_pair(self, data: st.DataObject) -> None:
        queue = review_queue(self.project)
        if queue:
            event("possible pair merged")
            decide_pair(self.project, data.draw(st.sampled_from(queue)).pair_id, "merge", reviewer="lea")

    @invariant()
    def every_record_decided_or_queued(self) -> None:
        assert _unserved(self.project) == {}

    @invariant()
    def one_group_read_alone_is_as_in_the_whole_log(self) -> None:
        """What ``triage decide`` reads of one group (to refuse a third screening) is what the
        whole log says of it, asked through any of its records."""
        with self.project.transaction() as session:  # a reading session would memoise the whole answer
            screened = current_groups(session)
            whole = decisions_in_force(session, stage=STAGE)
            for record_id, group in screened.items():
                alone = group_in_force(session, record_id, stage=STAGE)
                assert alone.decisions.get(group) == whole.decisions.get(group), record_id
                assert alone.conflicts.get(group) == whole.conflicts.get(group), record_id
                assert alone.awaiting.get(group) == whole.awaiting.get(group), record_id
                assert set(alone.decisions) | set(alone.conflicts) | set(alone.awaiting) <= {group}


TeamLife.TestCase.settings = settings(max_examples=40, stateful_step_count=14, deadline=None,
                                      suppress_health_check=[HealthCheck.too_slow])
test_team_life = TeamLife.TestCase

#: Lives run on PostgreSQL in the default suite: each costs a database created and migrated
#: (about a second) and its statements' round trips; more with $TRIAGE_LIFE_EXAMPLES.
POSTGRESQL_LIVES = int(os.environ.get("TRIAGE_LIFE_EXAMPLES", "6"))


def test_team_life_on_postgresql(postgres_server: str) -> None:
    """The same random lives in PostgreSQL (a fresh database each): its statements (``ON CONFLICT``,
    locking reads, ordering without ``rowid``) are not SQLite's."""
    class TeamLifeOnPostgres(TeamLife):
        server = postgres_server

    run_state_machine_as_test(TeamLifeOnPostgres, settings=settings(
        max_examples=POSTGRESQL_LIVES, stateful_step_count=14, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))
