"""What a screening card reads from the store, primed in one statement (a team server's key
press): every primed answer is the one its own query gives, through merges, settings, an
allocation and new decisions, and once primed those questions cost no further statement."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from _web_support import JSON, decide, demo_dir, demo_template, web_client  # noqa: F401  (fixtures)
from dedup_support import TITLE, add, rec
from sqlalchemy import event, select

from triage.records.model import Record
from triage.store.allocation import allocation_in_force, blind_mode
from triage.store.db import Project, Session
from triage.store.decisions import (
    decision_state_version,
    latest_decision_id,
    reasons_required,
    record_decision,
    record_decision_once,
    settled_records,
)
from triage.store.decisions_appended import decision_log_mark, settled_after_appends
from triage.store.decisions_primed import prime_head, prime_screening_reads
from triage.store.dedup_runs import run_dedup
from triage.store.groups import screened_under
from triage.store.studies import study_groups_version
from triage.store.team import allocate

STAGE = "title_abstract"


@contextmanager
def counted(project: Project) -> Iterator[list[str]]:
    """The SQL statements the project's engine runs inside the block (but the web app's
    retrainer's, which runs beside the requests)."""
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if threading.current_thread().name != "triage-retrainer":
            statements.append(statement)

    event.listen(project.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(project.engine, "before_cursor_execute", count)


def _answers(session: Session, ids: list[int]) -> tuple[object, ...]:
    return (decision_state_version(session, stage=STAGE), study_groups_version(session),
            reasons_required(session, STAGE), allocation_in_force(session, STAGE), blind_mode(session, STAGE),
            [latest_decision_id(session, rid, stage=STAGE) for rid in ids], [screened_under(session, rid) for rid in ids])


def _check_primed(project: Project, ids: list[int]) -> None:
    with project.reading() as session:
        alone = _answers(session, ids)
    with project.reading() as session:
        prime_screening_reads(session, STAGE)
        assert prime_head(session, ids, STAGE) == {rid: (None if screened_under(session, rid) == rid
                                                         else screened_under(session, rid)) for rid in ids}
        allocation_in_force(session, STAGE)  # one in force is read as its row, by itself (once)
        with counted(project) as statements:
            primed = _answers(session, ids)
        assert statements == []
    assert primed == alone


def test_primed_reads_are_what_each_query_reads(project: Project) -> None:
    ids = add(project, "PubMed", [rec(), rec(TITLE + "."), *(Record(title=f"Fathers' groups, trial {i}")
                                                            for i in range(4))])
    _check_primed(project, ids)  # nothing decided, nothing merged
    with project.transaction() as session:
        record_decision(session, ids[2], "include", reviewer="ana")
        record_decision(session, ids[3], "exclude", reviewer="ben", reasons=["setting"])
        record_decision(session, ids[3], "retract", reviewer="ben")
    run_dedup(project)  # the first two are one record now
    project.set_setting("exclusion_reason_required", "all_stages")
    _check_primed(project, ids)
    project.set_setting("blind", "true")
    _check_primed(project, ids)
    with project.transaction() as session:
        allocate(session, stage=STAGE, reviewers=["ana", "ben"], double_share=0.5, set_by="ana")
    _check_primed(project, ids)


def test_a_decision_is_written_with_one_read_and_recorded_once(project: Project) -> None:
    ids = add(project, "PubMed", [Record(title=f"Fathers' groups, trial {i}") for i in range(2)])
    with project.transaction() as session, counted(project) as statements:
        row, new = record_decision_once(session, ids[0], "exclude", reviewer="ana", request_id="web-1")
    assert new and len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1, statements
    with project.transaction() as session:
        again, new = record_decision_once(session, ids[0], "include", reviewer="ana", request_id="web-1")
    assert not new and again.id == row.id and again.decision == "exclude"


def _version_and_settled(project: Project) -> tuple[tuple[int, ...], frozenset[int]]:
    with project.reading() as session:
        return decision_state_version(session, stage=STAGE), settled_records(session, stage=STAGE)


def test_the_appended_rows_settle_what_the_whole_log_settles(project: Project) -> None:
    ids = add(project, "PubMed", [Record(title=f"Fathers' groups, trial {i}") for i in range(5)])
    with project.reading() as session:
        mark = decision_log_mark(session, stage=STAGE)
    settled = frozenset[int]()
    for n, rid in enumerate(ids[:3]):
        with project.transaction() as session:
            record_decision(session, rid, "include" if n else "maybe", reviewer="ana")
        _, whole = _version_and_settled(project)
        with project.reading() as session:
            updated = settled_after_appends(session, settled, mark, stage=STAGE)
        assert updated is not None and updated[0] == whole == frozenset(ids[: n + 1])
        settled, mark = updated


def test_a_key_press_reads_the_store_a_few_times(demo_dir: Path) -> None:  # noqa: F811 (the fixture)
    """The decision and the next card (what ``screen.js`` posts): one read and one insert for
    the decision, two reads for the card (fifteen, before the priming), plus the login check."""
    with web_client(demo_dir) as (client, token):
        project = client.app.state.triage.project  # type: ignore[attr-defined]
        card = client.get("/screen/card", headers=JSON).json()
        decide(client, token, card["html"], "exclude")  # the first settled set is read whole
        card = client.get("/screen/card", headers=JSON).json()
        with counted(project) as statements:
            following = decide(client, token, card["html"], "include")
        assert following["record_id"] not in (None, card["record_id"])
        assert len(statements) <= 6, statements


def _steps(project: Project, work: Callable[[Session], object]) -> int:
    """SQLite virtual-machine steps ``work`` takes in a read-only session (its cost, counted
    without a clock: the progress handler runs every 100 steps)."""
    with project.reading() as session:
        raw = session.connection().connection.driver_connection
        steps = [0]

        def step() -> int:
            steps[0] += 1
            return 0

        raw.set_progress_handler(step, 100)  # type: ignore[union-attr]
        try:
            work(session)
        finally:
            raw.set_progress_handler(None, 100)  # type: ignore[union-attr]
        return steps[0]


def _fingerprint_steps(project: Project) -> int:
    return _steps(project, lambda session: prime_screening_reads(session, STAGE))


def test_the_card_fingerprint_does_not_pass_over_the_decision_log(tmp_path: Path) -> None:
    """Every card reads the decision log's fingerprint. It counted the stage's rows (and found
    its newest through an index ordered by record): a pass over every decision on every card,
    half of a card's time at 40,000 decisions on PostgreSQL (evaluation/bench_card_fingerprint.py).
    Its cost must not grow with the log: from 1,100 to 4,100 decisions it stays (it grew 4-fold)."""
    project = Project.init(tmp_path / "review")
    ids = add(project, "Embase", [Record(title=f"Peer support for new fathers, trial {i}") for i in range(4100)])
    with project.transaction() as session:
        for rid in ids[:1100]:
            record_decision(session, rid, "exclude", reviewer="ana")
    small = _fingerprint_steps(project)
    with project.transaction() as session:
        for rid in ids[1100:]:
            record_decision(session, rid, "include", reviewer="ben")
    large = _fingerprint_steps(project)
    project.close()
    assert large <= small * 1.2 + 5, (small, large)


def test_the_settled_set_reads_the_merges_of_the_decided_records_only(tmp_path: Path) -> None:
    """A server that starts on a kept order no longer current (killed between two writes of it)
    reads the settled set whole before its first card. That read took every merge in the log
    to know each decision's group when it was made (164,876 merges at 1,000,000 records;
    evaluation/bench_merge_history.py); a few decisions need the merges of their records only.
    From 300 to 1,500 merges the read stays level, and it is the whole history's answer through
    a merge, a decision made while merged, and an undone merge."""
    from triage.store.decisions import decisions_in_force
    from triage.store.groups import screened_under_each
    from triage.store.merges import apply_merges, undo_merge
    from triage.store.records import screening_records
    from triage.store.schema_dedup import DedupMergeRow

    project = Project.init(tmp_path / "review")
    ids = add(project, "Embase", [Record(title=f"Peer support for new fathers, trial {i}") for i in range(3000)])

    def merge(first: int, last: int) -> None:
        with project.transaction() as session:
            pairs = dict(screening_records(session, ids[first:last]))
            apply_merges(session, [[(a, pairs[a]), (b, pairs[b])] for a, b in zip(ids[first:last:2], ids[first + 1:last:2],
                                                                                   strict=True)], run_id=None, reason="test")

    merge(0, 600)
    with project.transaction() as session:
        record_decision(session, ids[1], "include", reviewer="ana")  # on a merged record: its group
        record_decision(session, ids[2900], "exclude", reviewer="ana")
        undo_merge(session, session.scalars(select(DedupMergeRow).order_by(DedupMergeRow.id)).first())
        record_decision(session, ids[0], "exclude", reviewer="ben")  # after the undo: ids[0] alone
    small = _steps(project, lambda session: decisions_in_force(session, stage=STAGE))
    merge(600, 3000)
    large = _steps(project, lambda session: decisions_in_force(session, stage=STAGE))
    with project.reading() as session:
        in_force = decisions_in_force(session, stage=STAGE)
        assert screened_under_each(session, [ids[1]]) == {ids[1]: ids[1]}
    project.close()
    assert {g: d.decision for g, d in in_force.decisions.items()} == {
        ids[0]: "exclude", ids[1]: "include", ids[2900]: "exclude"}
    assert large <= small * 1.2 + 5, (small, large)
