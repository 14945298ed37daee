"""The decisions in force brought up to date from the rows appended since (a team server's
retrainer reads those, not the whole log): always what reading the whole log gives, and
refused where only the whole log can tell (retract, a group screened twice, a late commit)."""

from __future__ import annotations

import random
from pathlib import Path

from dedup_support import add, rec

from triage.records.model import Record
from triage.store.allocation import set_allocation
from triage.store.db import Project
from triage.store.decisions import (
    DecisionsInForce,
    decision_history,
    decisions_in_force,
    record_decision,
    undo_last,
)
from triage.store.decisions_appended import (
    Appended,
    LogMark,
    appended_since,
    decision_log_mark,
    in_force_after_appends,
)
from triage.store.dedup_runs import run_dedup


def _records(project: Project, n: int) -> list[int]:
    return add(project, "Embase", [Record(title=f"Peer support for new fathers, trial {i}") for i in range(n)])


def _read(project: Project) -> tuple[LogMark, DecisionsInForce]:
    with project.reading() as session:
        mark = decision_log_mark(session, stage="title_abstract")
        return mark, decisions_in_force(session)


def _update(project: Project, previous: DecisionsInForce, mark: LogMark) -> tuple[DecisionsInForce, LogMark] | None:
    with project.reading() as session:
        return in_force_after_appends(session, previous, mark, stage="title_abstract")


def _same(a: DecisionsInForce, b: DecisionsInForce) -> None:
    assert {g: d.decision_id for g, d in a.decisions.items()} == {g: d.decision_id for g, d in b.decisions.items()}
    assert ({g: [d.decision_id for d in ds] for g, ds in a.conflicts.items()}
            == {g: [d.decision_id for d in ds] for g, ds in b.conflicts.items()})


def test_appended_decisions_give_what_the_whole_log_gives(project: Project) -> None:
    ids = _records(project, 12)
    rng = random.Random(3)
    mark, in_force = _read(project)
    for step in range(40):
        with project.transaction() as session:
            for _ in range(rng.randint(1, 3)):  # several key presses between two retrains
                record_decision(session, rng.choice(ids), rng.choice(["include", "exclude", "maybe"]),
                                reviewer=rng.choice(["ana", "ben", "cy"]), request_id=f"r{step}-{rng.random()}")
        updated = _update(project, in_force, mark)
        assert updated is not None
        in_force, mark = updated
        _same(in_force, _read(project)[1])
    assert mark == _read(project)[0]
    assert len(in_force.decisions) > 4  # the sequence decided a good part of the records


def test_a_conflict_is_settled_by_a_newer_decision(project: Project) -> None:
    ids = _records(project, 2)
    mark, in_force = _read(project)
    with project.transaction() as session:
        record_decision(session, ids[0], "include", reviewer="ana")
        record_decision(session, ids[0], "exclude", reviewer="ben")
    updated = _update(project, in_force, mark)
    assert updated is not None
    # Two reviewers in a row: the later decision covers the group, so it is in force (as in the whole log).
    assert updated[0].decisions[ids[0]].reviewer == "ben" and ids[0] not in updated[0].conflicts
    _same(updated[0], _read(project)[1])


def test_a_retract_asks_for_the_whole_log(project: Project) -> None:
    ids = _records(project, 2)
    with project.transaction() as session:
        record_decision(session, ids[0], "include", reviewer="ana")
    mark, in_force = _read(project)
    with project.transaction() as session:
        undo_last(session, reviewer="ana")
    assert _update(project, in_force, mark) is None


def test_a_group_screened_twice_asks_for_the_whole_log(project: Project) -> None:
    ids = _records(project, 3)
    with project.transaction() as session:
        set_allocation(session, stage="title_abstract", reviewers=["ana", "ben"], double_share=1.0, set_by="lea")
    mark, in_force = _read(project)
    with project.transaction() as session:
        record_decision(session, ids[0], "include", reviewer="ana")
    assert _update(project, in_force, mark) is None


def test_nothing_new_keeps_the_state(project: Project) -> None:
    _records(project, 2)
    mark, in_force = _read(project)
    assert _update(project, in_force, mark) == (in_force, mark)


def test_a_row_committed_late_below_the_mark_is_taken_in_id_order(tmp_path: Path, postgres_database: str) -> None:
    """Ids come from a sequence: a transaction that took an id first may commit last (PostgreSQL
    only: SQLite runs one writer at a time, so its ids are committed in order). Within the
    mark's window the late row is read on the next update, and a later decision on its
    group stays in force, as in the whole log."""
    project = Project.init(tmp_path / "review", postgres_database)
    ids = _records(project, 3)
    mark, in_force = _read(project)
    with project.transaction() as slow:
        record_decision(slow, ids[0], "include", reviewer="ana")  # takes the lower id, commits last
        record_decision(slow, ids[1], "include", reviewer="ana")
        with project.transaction() as quick:
            record_decision(quick, ids[1], "exclude", reviewer="ben")  # a later decision on ids[1]
        updated = _update(project, in_force, mark)
        assert updated is not None and ids[0] not in updated[0].decisions
    again = _caught_up(project, updated, ids[0])
    assert again.decisions[ids[1]].reviewer == "ben"  # the late "include" is older: ben's stays
    project.close()


def _caught_up(project: Project, updated: tuple[DecisionsInForce, LogMark] | None, late: int) -> DecisionsInForce:
    """The update after the late row committed: the whole log's answer and mark (its gap
    filled: nothing left to ask for by id), the late "include" on ``late`` in force."""
    assert updated is not None
    again = _update(project, *updated)
    assert again is not None
    whole_mark, whole = _read(project)
    _same(again[0], whole)
    assert again[0].decisions[late].decision == "include"
    assert again[1] == whole_mark
    return again[0]


def test_a_row_committed_thousands_of_ids_late_is_taken_from_the_appended_rows(tmp_path: Path,
                                                                             postgres_database: str) -> None:
    """However late a transaction commits, its id was a gap when the mark was read (or became
    one when a later row was read): the update asks for it by id and takes it, with no pass
    over the log and no whole read (a mark once remembered a window of 2,000 ids and counted
    the rows below it on every key press)."""
    project = Project.init(tmp_path / "review", postgres_database)
    ids = _records(project, 4)
    with project.transaction() as slow:
        record_decision(slow, ids[0], "include", reviewer="ana")  # takes the lowest id, commits last
        with project.transaction() as quick:
            record_decision(quick, ids[1], "exclude", reviewer="ben")
        mark, in_force = _read(project)  # read while it is in flight: its id is a gap
        assert len(mark.gaps) == 1 and mark.floor == 0
        with project.transaction() as quick:
            for step in range(2500):  # more ids than the old window
                record_decision(quick, ids[1 + step % 3], "exclude", reviewer="ben", request_id=f"q{step}")
        updated = _update(project, in_force, mark)
        assert updated is not None and ids[0] not in updated[0].decisions
    _caught_up(project, updated, ids[0])
    project.close()


def _roll_back_one(project: Project, record_id: int) -> None:
    """A decision whose transaction fails: its id is taken from the sequence and never used."""
    try:
        with project.transaction() as doomed:
            record_decision(doomed, record_id, "include", reviewer="ana")
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass


def _missing_ids(project: Project) -> set[int]:
    with project.reading() as session:
        kept = {row.id for row in decision_history(session)}
    return set(range(1, max(kept) + 1)) - kept


def test_a_rolled_back_id_stays_a_gap_and_too_many_are_counted(tmp_path: Path, postgres_database: str) -> None:
    """A transaction rolled back leaves an id no row will ever have: a mark keeps asking for it.
    Past ``gap_limit`` of them the update asks for the whole log, whose mark counts the oldest
    instead (floor > 0): a row committed late at or below that floor is then told by the
    count (None: read the whole log), where a mark that follows every gap takes the row."""
    project = Project.init(tmp_path / "review", postgres_database)
    ids = _records(project, 4)
    mark, _ = _read(project)
    for rid in ids[:3]:
        _roll_back_one(project, rid)
        with project.transaction() as session:
            record_decision(session, rid, "exclude", reviewer="ben")
    rolled_back = _missing_ids(project)
    assert len(rolled_back) == 3
    with project.reading() as session:
        followed = appended_since(session, mark, stage="title_abstract", gap_limit=3)
        assert followed is not None and followed.mark.gaps == rolled_back and len(followed.rows) == 3
        assert appended_since(session, mark, stage="title_abstract", gap_limit=2) is None
        assert decision_log_mark(session, stage="title_abstract") == followed.mark
        counted = decision_log_mark(session, stage="title_abstract", gap_limit=2)  # follows one gap, counts two
    assert counted.gaps == {max(rolled_back)} and counted.floor == sorted(rolled_back)[1] and counted.below == 1
    with project.transaction() as slow:
        record_decision(slow, ids[3], "include", reviewer="ana")  # takes the next id, commits last
        _roll_back_one(project, ids[3])
        with project.transaction() as session:
            record_decision(session, ids[3], "exclude", reviewer="ben")
        with project.reading() as session:
            low = decision_log_mark(session, stage="title_abstract", gap_limit=2)
            every = decision_log_mark(session, stage="title_abstract")
    with project.reading() as session:
        late = next(row.id for row in decision_history(session, reviewer="ana"))  # the slow row, committed now
    assert low.floor >= late and every.floor == 0 and late in every.gaps
    with project.reading() as session:
        assert appended_since(session, low, stage="title_abstract") is None  # the count tells the late row
        taken = appended_since(session, every, stage="title_abstract")
        assert taken is not None and [row.id for row in taken.rows] == [late] and late not in taken.mark.gaps
        now = decision_log_mark(session, stage="title_abstract")
        assert taken.mark == now
        assert appended_since(session, now, stage="title_abstract") == Appended((), {}, now)
    project.close()


def test_the_queue_learns_appended_decisions_and_merges_alike(project: Project) -> None:
    """The screening queue's labels after each sync match the whole log's decisions in force,
    through appends (the short path) and a merge of two decided records (the whole log)."""
    from triage.screening.queue import LABELS, ScreeningQueue

    first = add(project, "Embase", [rec(), *(Record(title=f"Fathers' peer groups, trial {i}") for i in range(6))])
    queue = ScreeningQueue(project, preset="elas_u4", random_state=7)

    def check() -> None:
        queue.sync()
        with project.reading() as session:
            full = decisions_in_force(session)
        expected = {queue.record_ids.index(g): LABELS[d.decision] for g, d in full.decisions.items()
                    if LABELS[d.decision] is not None and g in queue.record_ids}
        assert queue.cycle.labelled == expected

    for n, rid in enumerate(first[:4]):
        with project.transaction() as session:
            record_decision(session, rid, "include" if n % 2 else "exclude", reviewer="ana")
        check()
    add(project, "Medline", [rec()])  # a second report of the first record
    run_dedup(project)
    with project.transaction() as session:
        record_decision(session, first[0], "include", reviewer="ben")
    check()


def test_the_web_settled_set_takes_a_row_committed_late(tmp_path: Path, postgres_database: str) -> None:
    """The web's settled set follows the log as the retrainer does: a decision whose
    transaction took the lower id but committed after a later one was read is settled at the
    next request, from the appended rows (PostgreSQL only: SQLite has one writer at a time,
    so its ids commit in order). Read from ``since`` the newest id, it was missed until the
    next whole read and its record served again to another reviewer."""
    import threading

    from sqlalchemy import event

    from triage.web.state import ScreeningState

    project = Project.init(tmp_path / "review", postgres_database)
    ids = _records(project, 3)
    state = ScreeningState(project)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if threading.current_thread() is threading.main_thread():
            statements.append(statement)

    event.listen(project.engine, "before_cursor_execute", count)
    assert state.settled() == frozenset()
    whole = len(statements)  # the first request reads the whole log
    with project.transaction() as slow:
        record_decision(slow, ids[0], "include", reviewer="ana")  # takes the lower id, commits last
        with project.transaction() as quick:
            record_decision(quick, ids[1], "exclude", reviewer="ben")
        assert state.settled() == {ids[1]}  # a request while the first is in flight
    statements.clear()
    assert state.settled() == {ids[0], ids[1]}
    event.remove(project.engine, "before_cursor_execute", count)
    assert len(statements) < whole, statements  # from the appended rows, not the whole log again
    with project.reading() as session:
        assert state.settled() == decisions_in_force(session).decisions.keys()
    project.close()
