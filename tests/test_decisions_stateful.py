"""No decision is ever lost as a review lives: a stateful test against a reference model.

Hypothesis drives random sequences of overlapping imports (real RIS files through the
real reader), dedup runs, decisions by several reviewers, undos, merges undone, pairs
kept apart and reopened, on a real SQLite project. The test keeps its own model: every
decision with the records it covered when it was made (the group as the test last saw
it) and which ones were taken back. After every step the store must agree with the model
on the decision in force, or the conflict, of every merge group, and on the PRISMA counts;
no group is counted twice and no decision becomes unreachable from the group its records
belong to now.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from triage.importing import import_file
from triage.store.db import Project
from triage.store.decisions import decisions_in_force, record_decision, undo_last
from triage.store.dedup_review import decide_pair, reopen_pair, review_queue
from triage.store.dedup_runs import run_dedup, undo_merge_id
from triage.store.groups import current_groups
from triage.store.prisma import prisma_counts
from triage.store.schema_dedup import DedupMergeRow

#: Three studies nothing could confuse: each record the test imports is a report of one
#: (few, so that imports overlap and decided records meet in merges).
STUDIES = (
    ("Eculizumab in atypical haemolytic uraemic syndrome after kidney transplantation", "Zuber, J.", 2011,
     "10.1097/tp.0b013e3182"),
    ("Cognitive behavioural therapy for postnatal depression delivered by health visitors", "Morrell, C. J.",
     2009, "10.1136/bmj.a3045"),
    ("Wet cocker spaniel therapy: an essay on technique in family therapy", "Pittman, F. S.", 1984,
     "10.1111/j.1545-5300.1984"),
)
REVIEWERS = ("ana", "ben", "lead")
DECISIONS = ("include", "exclude", "maybe")


def ris(reports: list[tuple[int, bool]], database: str) -> str:
    """A RIS export of ``reports`` (study, variant); a variant has no DOI and a year one
    later (a conference abstract and its article): dedup leaves such pairs to a person."""
    lines = []
    for study, variant in reports:
        title, author, year, doi = STUDIES[study]
        if variant:
            year += 1
        lines += ["TY  - JOUR", f"TI  - {title}", f"AU  - {author}", f"PY  - {year}", "JO  - Journal of Tests",
                  f"DB  - {database}"]
        if not variant:
            lines.append(f"DO  - {doi}")
        lines.append("ER  - ")
    return "\n".join(lines) + "\n"


@dataclass
class Row:
    """A decision row as the model knows it (``retract`` rows included)."""

    seq: int
    record: int
    reviewer: str
    decision: str
    covered: frozenset[int]
    withdrawn: bool = False


class ReviewLife(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="triage-life-"))
        self.project = Project.init(self.dir / "review")
        self.study: dict[int, int] = {}  # record id -> study
        self.group: dict[int, int] = {}  # record id -> record it is screened under (as last read)
        self.rows: list[Row] = []
        self.ids: dict[int, int] = {}  # model seq -> store decision id
        self.horizon: int | None = None  # newest record a dedup run compared
        self.files = 0

    def teardown(self) -> None:
        self.project.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- what the model reads from the store: the merge groups (dedup's result) -------------

    def refresh_groups(self) -> None:
        with self.project.reading() as session:
            groups = current_groups(session)
        for record, screened_as in groups.items():
            assert self.study[record] == self.study[screened_as], "a merge joined two different studies"
        self.group = groups

    def members(self, screened_as: int) -> frozenset[int]:
        return frozenset(r for r, g in self.group.items() if g == screened_as)

    # -- rules --------------------------------------------------------------------------

    @rule(reports=st.lists(st.tuples(st.integers(0, len(STUDIES) - 1), st.booleans()), min_size=1, max_size=3),
          database=st.sampled_from(["PubMed", "Embase", "Scopus"]),
          screen=st.lists(st.tuples(st.sampled_from(DECISIONS), st.sampled_from(REVIEWERS)), max_size=3))
    def import_export(self, reports: list[tuple[int, bool]], database: str, screen: list[tuple[str, str]]) -> None:
        """Import an export; ``screen``: decisions made on its new records right away, before
        any dedup (records screened apart that later turn out to be one report)."""
        self.files += 1
        path = self.dir / f"export-{self.files}.ris"
        path.write_text(ris(reports, database), encoding="utf-8")
        first = max(self.study, default=0) + 1
        outcome = import_file(self.project, path, force=True)
        assert outcome.status == "imported" and outcome.records == len(reports)
        for n, (study, _) in enumerate(reports):
            self.study[first + n] = study
        self.refresh_groups()
        for n, (decision, reviewer) in enumerate(screen[: len(reports)]):
            self.record(first + n, decision, reviewer)

    @rule()
    def dedup(self) -> None:
        run_dedup(self.project)
        if self.study:
            self.horizon = max(self.study)
        self.refresh_groups()

    @precondition(lambda self: bool(self.study))
    @rule(data=st.data(), made=st.lists(st.tuples(st.sampled_from(DECISIONS), st.sampled_from(REVIEWERS)),
                                        min_size=1, max_size=3))
    def decide(self, data: st.DataObject, made: list[tuple[str, str]]) -> None:
        for decision, reviewer in made:
            self.record(data.draw(st.sampled_from(sorted(self.study))), decision, reviewer)

    def record(self, record: int, decision: str, reviewer: str) -> None:
        with self.project.transaction() as session:
            row = record_decision(session, record, decision, reviewer=reviewer,
                                  reasons=["design"] if decision == "exclude" else [])
            stored = row.id
        covered = self.members(self.group[record])
        self.rows.append(Row(len(self.rows), record, reviewer, decision, covered))
        self.ids[len(self.rows) - 1] = stored

    @rule(reviewer=st.sampled_from(REVIEWERS))
    def retract(self, reviewer: str) -> None:
        expected = self.retract_target(reviewer)
        with self.project.transaction() as session:
            row = undo_last(session, reviewer=reviewer)
            retracted = row.record_id if row is not None else None
        if expected is None:
            assert retracted is None
            return
        assert retracted == expected.record
        expected.withdrawn = True
        self.rows.append(Row(len(self.rows), expected.record, reviewer, "retract", frozenset((expected.record,))))

    @rule(data=st.data())
    def undo_merge(self, data: st.DataObject) -> None:
        with self.project.reading() as session:
            merges = list(session.scalars(select(DedupMergeRow.id).where(DedupMergeRow.undone_at.is_(None))))
        if not merges:
            return
        event("merge undone")
        merge = data.draw(st.sampled_from(merges))
        before = dict(self.group)
        undo_merge_id(self.project, merge, reviewer="lead")
        self.refresh_groups()
        for record, screened_as in self.group.items():
            assert self.members(screened_as) <= self.members_of(before, before[record])

    @rule(data=st.data(), choice=st.sampled_from(["merge", "keep_apart"]))
    def decide_possible_pair(self, data: st.DataObject, choice: str) -> None:
        queue = review_queue(self.project)
        if not queue:
            return
        event(f"possible pair: {choice}")
        item = data.draw(st.sampled_from(queue))
        decide_pair(self.project, item.pair_id, choice, reviewer="lead")
        self.refresh_groups()

    @rule(data=st.data())
    def reopen(self, data: st.DataObject) -> None:
        kept = review_queue(self.project, status="kept_apart")
        if not kept:
            return
        event("kept-apart pair reopened")
        reopen_pair(self.project, data.draw(st.sampled_from(kept)).pair_id, reviewer="lead")
        self.refresh_groups()

    # -- the model ------------------------------------------------------------------------

    @staticmethod
    def members_of(groups: dict[int, int], screened_as: int) -> frozenset[int]:
        return frozenset(r for r, g in groups.items() if g == screened_as)

    def retract_target(self, reviewer: str) -> Row | None:
        """undo takes back the reviewer's newest decision that is still their latest word
        on its record."""
        latest: dict[int, Row] = {}
        for row in self.rows:
            if row.reviewer == reviewer:
                latest[row.record] = row
        for row in reversed(self.rows):
            if row.reviewer == reviewer and row.decision != "retract" and latest[row.record] is row:
                return row
        return None

    def expected(self, group: frozenset[int]) -> list[Row]:
        """The decisions standing for ``group``: a later decision that covered every member
        of this group an earlier one covered replaces it (the same reviewer's even when the
        later one was withdrawn; across reviewers only while it stands)."""
        touching = [r for r in self.rows if r.decision != "retract" and r.covered & group]

        def covers(later: Row, earlier: Row) -> bool:
            return later.seq > earlier.seq and (earlier.covered & group) <= later.covered

        own = [r for r in touching if not r.withdrawn
               and not any(o.reviewer == r.reviewer and covers(o, r) for o in touching)]
        return [r for r in own if not any(covers(o, r) for o in own)]

    @invariant()
    def store_agrees_with_the_model(self) -> None:
        screened = {g for g in self.group.values()}
        with self.project.reading() as session:
            in_force = decisions_in_force(session)
            counts = prisma_counts(session)
        expected_counts = {"include": 0, "exclude": 0, "maybe": 0}
        conflicts = 0
        for screened_as in screened:
            standing = self.expected(self.members(screened_as))
            kinds = {r.decision for r in standing}
            if len(kinds) == 1:
                decision = in_force.decisions.get(screened_as)
                assert decision is not None, f"group {screened_as} lost its decision"
                assert decision.decision_id == self.ids[standing[-1].seq]
                assert screened_as not in in_force.conflicts
                expected_counts[decision.decision] += 1
            elif kinds:
                assert screened_as not in in_force.decisions
                assert {d.decision_id for d in in_force.conflicts[screened_as]} == {
                    self.ids[r.seq] for r in standing}
                conflicts += 1
            else:
                assert screened_as not in in_force.decisions and screened_as not in in_force.conflicts
            # No decision unreachable: each one standing is what the group shows, in force
            # (agreeing with the latest) or listed among the conflicting ones.
            for r in standing:
                in_force_here = in_force.decisions.get(screened_as)
                listed = {d.decision_id for d in in_force.conflicts.get(screened_as, ())}
                assert (in_force_here is not None and in_force_here.decision == r.decision) or (
                    self.ids[r.seq] in listed), f"decision {self.ids[r.seq]} unreachable from group {screened_as}"
        assert set(in_force.decisions) | set(in_force.conflicts) <= screened  # only groups screened now
        decided = sum(expected_counts.values())
        assert counts.records_to_screen == len(screened)
        assert (counts.excluded, counts.included_title_abstract, counts.maybe, counts.conflicts) == (
            expected_counts["exclude"], expected_counts["include"], expected_counts["maybe"], conflicts)
        assert counts.screened == decided + conflicts
        assert counts.screened + counts.undecided == len(screened)  # every group counted once
        if conflicts:
            event("group in conflict")
        if any(d.inherited for d in in_force.decisions.values()):
            event("inherited decision")
        waiting = 0 if self.horizon is None else sum(1 for r in self.study if r > self.horizon)
        assert counts.awaiting_dedup == waiting


TestReviewLife = ReviewLife.TestCase
TestReviewLife.settings = settings(
    max_examples=300, stateful_step_count=12, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
