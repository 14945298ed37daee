"""Allocation of screening among a team (issue 16): shares screened twice, leases that keep
two reviewers off one single-screened record (threads and processes, SQLite and PostgreSQL),
double-screened records going to exactly two, conflicts resolved by a lead."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import timedelta

import pytest

from triage.errors import DecisionError
from triage.records.model import Provenance, Record
from triage.store.allocation import allocation_history, allocation_in_force, drawn_twice, set_allocation
from triage.store.base import utcnow
from triage.store.claims import claim
from triage.store.db import Project
from triage.store.decisions import decisions_in_force, record_decision
from triage.store.prisma import prisma_counts
from triage.store.records import add_records, screening_rows
from triage.store.resolutions import resolutions, resolve_conflict
from triage.store.schema import SourceRow


def _records(project: Project, n: int) -> list[int]:
    with project.transaction() as session:
        source = SourceRow(file_name="f.ris", file_path="/f.ris", sha256="h", format="ris")
        session.add(source)
        session.flush()
        add_records(session, source.id, [Record(title=f"Title {i}", provenance=Provenance("f.ris", "h", i, i))
                                         for i in range(1, n + 1)])
    with project.reading() as session:
        return [r.id for r in screening_rows(session)]


def _allocate(project: Project, share: float, reviewers: str = "ana,ben,cy") -> None:
    with project.transaction() as session:
        set_allocation(session, stage="title_abstract", reviewers=reviewers.split(","), double_share=share, set_by="lea")


@pytest.mark.parametrize("share", [0.1, 0.3])
def test_share_screened_twice_is_about_p(share: float) -> None:
    n = 5000
    twice = sum(drawn_twice(0, "title_abstract", group, share) for group in range(1, n + 1))
    sd = (n * share * (1 - share)) ** 0.5
    assert abs(twice - n * share) < 4 * sd  # binomial: 4 sd
    assert all(drawn_twice(0, "title_abstract", g, 1.0) for g in range(1, 200))
    assert not any(drawn_twice(0, "title_abstract", g, 0.0) for g in range(1, 200))


def test_draw_is_stable_and_grows_with_the_share() -> None:
    at10 = {g for g in range(1, 3000) if drawn_twice(3, "title_abstract", g, 0.1)}
    again = {g for g in range(1, 3000) if drawn_twice(3, "title_abstract", g, 0.1)}
    at20 = {g for g in range(1, 3000) if drawn_twice(3, "title_abstract", g, 0.2)}
    other_seed = {g for g in range(1, 3000) if drawn_twice(4, "title_abstract", g, 0.1)}
    assert at10 == again and at10 < at20 and at10 != other_seed


def test_allocation_is_logged_and_checked(project: Project) -> None:
    _allocate(project, 0.1)
    _allocate(project, 1.0, "ana,ben")
    with project.reading() as session:
        log = allocation_history(session, "title_abstract")
        now = allocation_in_force(session, "title_abstract")
    assert [(a.reviewers, a.double_share, a.set_by) for a in log] == [
        (("ana", "ben", "cy"), 0.1, "lea"), (("ana", "ben"), 1.0, "lea")]
    assert now is not None and now.id == log[-1].id
    with pytest.raises(DecisionError, match="at least two reviewers"), project.transaction() as session:
        set_allocation(session, stage="title_abstract", reviewers=["ana"], double_share=0.5, set_by="lea")
    with pytest.raises(DecisionError, match="between 0 and 1"), project.transaction() as session:
        set_allocation(session, stage="title_abstract", reviewers=["ana", "ben"], double_share=1.5, set_by="lea")


def _claim(project: Project, record_id: int, reviewer: str, slots: int, **kwargs: object) -> bool:
    with project.transaction() as session:
        return claim(session, stage="title_abstract", record_id=record_id, reviewer=reviewer, slots=slots,
                     **kwargs)  # type: ignore[arg-type]


def test_single_record_leased_to_one_until_it_expires(project: Project) -> None:
    ids = _records(project, 2)
    assert _claim(project, ids[0], "ana", 1)
    assert not _claim(project, ids[0], "ben", 1)
    assert _claim(project, ids[0], "ana", 1)  # renewing one's own lease
    later = utcnow() + timedelta(minutes=21)
    assert _claim(project, ids[0], "ben", 1, now=later)  # ana walked away: the lease ran out
    assert not _claim(project, ids[0], "ana", 1, now=later)
    assert _claim(project, ids[1], "ana", 1, lease=None)  # decided: held for good
    assert not _claim(project, ids[1], "ben", 1, now=utcnow() + timedelta(days=30))


def test_double_record_goes_to_exactly_two(project: Project) -> None:
    ids = _records(project, 1)
    assert _claim(project, ids[0], "ana", 2)
    assert _claim(project, ids[0], "ben", 2)
    assert not _claim(project, ids[0], "cy", 2)
    assert _claim(project, ids[0], "ben", 2)  # still ben's, not a third slot


def _race_in_threads(project: Project, ids: list[int], names: list[str]) -> dict[str, list[int]]:
    barrier = threading.Barrier(len(names))
    won: dict[str, list[int]] = {n: [] for n in names}

    def run(name: str) -> None:
        barrier.wait()
        for rid in ids:
            if _claim(project, rid, name, 1):
                won[name].append(rid)

    threads = [threading.Thread(target=run, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won


def test_two_threads_claiming_at_once_never_share_a_record(project: Project) -> None:
    ids = _records(project, 60)
    won = _race_in_threads(project, ids, ["ana", "ben"])
    assert set(won["ana"]).isdisjoint(won["ben"])
    assert sorted(won["ana"] + won["ben"]) == ids  # every record went to someone


def _claim_in_process(directory: str, database: str | None, name: str, ids: list[int], start: object, out: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    with Project.open(directory, database) as project:
        got = [rid for rid in ids if _claim(project, rid, name, 1)]
    out.put((name, got))  # type: ignore[attr-defined]


def test_two_processes_claiming_at_once_never_share_a_record(project: Project, database: str | None) -> None:
    ids = _records(project, 60)
    context = multiprocessing.get_context("spawn")
    start, out = context.Event(), context.Queue()
    procs = [context.Process(target=_claim_in_process, args=(str(project.directory), database, n, ids, start, out))
             for n in ("ana", "ben")]
    for p in procs:
        p.start()
    start.set()
    got = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert set(got["ana"]).isdisjoint(got["ben"])
    assert sorted(got["ana"] + got["ben"]) == ids


def test_double_screened_decisions_wait_then_agree_or_conflict(project: Project) -> None:
    ids = _records(project, 3)
    _allocate(project, 1.0, "ana,ben")
    with project.transaction() as session:
        record_decision(session, ids[0], "include", reviewer="ana")
        record_decision(session, ids[1], "exclude", reviewer="ana")
        record_decision(session, ids[1], "exclude", reviewer="ben")
        record_decision(session, ids[2], "include", reviewer="ana")
        record_decision(session, ids[2], "exclude", reviewer="ben", reasons=["setting"])
    with project.reading() as session:
        in_force = decisions_in_force(session)
        counts = prisma_counts(session)
    assert set(in_force.awaiting) == {ids[0]}  # one reviewer so far: neither in force nor counted
    assert set(in_force.decisions) == {ids[1]} and set(in_force.conflicts) == {ids[2]}
    assert counts.screened == 2 and counts.conflicts == 1  # the agreement and the conflict; not the one waiting
    # a third decider finds no free slot
    assert not _claim(project, ids[1], "cy", 2)


def test_a_leads_resolution_is_logged_and_in_force(project: Project) -> None:
    ids = _records(project, 2)
    _allocate(project, 1.0, "ana,ben")
    with project.transaction() as session:
        record_decision(session, ids[0], "include", reviewer="ana")
        record_decision(session, ids[0], "exclude", reviewer="ben", reasons=["setting"])
        record_decision(session, ids[1], "include", reviewer="ana")
    with pytest.raises(DecisionError, match="needs a note"), project.transaction() as session:
        resolve_conflict(session, ids[0], "include", lead="lea", note=" ")
    with pytest.raises(DecisionError, match=f"record {ids[1]} is not in conflict"), project.transaction() as session:
        resolve_conflict(session, ids[1], "include", lead="lea", note="why")
    with project.transaction() as session:
        resolve_conflict(session, ids[0], "include", lead="lea", note="the setting is a clinic: in scope")
    with project.reading() as session:
        in_force = decisions_in_force(session)
        log = resolutions(session)
        counts = prisma_counts(session)
    assert in_force.decisions[ids[0]].decision == "include" and in_force.decisions[ids[0]].reviewer == "lea"
    assert ids[0] not in in_force.conflicts
    assert [(r.record_id, r.decision, r.resolved_by, r.note) for r in log] == [
        (ids[0], "include", "lea", "the setting is a clinic: in scope")]
    assert counts.conflicts == 0 and counts.included_title_abstract == 1


def test_each_reviewer_gets_their_own_queue(project: Project) -> None:
    from triage.screening.queue import ScreeningQueue

    _records(project, 12)
    _allocate(project, 0.0)
    queues = {n: ScreeningQueue(project, preset="tfidf", reviewer=n, random_state=1) for n in ("ana", "ben", "cy")}
    served = {n: [s.record_id for s in q.next(3)] for n, q in queues.items()}
    everyone = [rid for ids in served.values() for rid in ids]
    assert len(everyone) == len(set(everyone)) == 9  # single-screened: never one record to two at once
    with pytest.raises(DecisionError, match="dan is not allocated to screen at title_abstract"):
        ScreeningQueue(project, preset="tfidf", reviewer="dan")


def test_a_double_screened_record_is_served_to_exactly_two(project: Project) -> None:
    from triage.screening.queue import ScreeningQueue

    _records(project, 6)
    _allocate(project, 1.0)
    ana, ben, cy = (ScreeningQueue(project, preset="tfidf", reviewer=n, random_state=1) for n in ("ana", "ben", "cy"))
    first = ana.next(1)[0].record_id
    assert ben.next(1)[0].record_id == first  # the same best record: its second slot
    assert cy.next(1)[0].record_id != first  # both slots taken
    ana.decide(first, "include", reviewer="ana")
    assert first not in [s.record_id for s in ana.next(6)]
    ben.decide(first, "include", reviewer="ben")
    with project.reading() as session:
        assert decisions_in_force(session).decisions[first].decision == "include"


def test_kappa_pabak_and_agreement_per_pair_against_hand_computed_values(project: Project) -> None:
    from triage.screening.agreement import pabak, pair_agreements

    ids = _records(project, 10)
    # ana/ben: 3 include-include, 5 exclude-exclude, 1 include-exclude, 1 exclude-include.
    # po = 0.8; each includes 4 of 10, so pe = 0.4*0.4 + 0.6*0.6 = 0.52, kappa = 0.28 / 0.48 = 0.58333;
    # PABAK over 3 categories (3 * 0.8 - 1) / 2 = 0.7 (over 2 categories 2 * 0.8 - 1 = 0.6).
    pairs = ["ii"] * 3 + ["ee"] * 5 + ["ie", "ei"]
    with project.transaction() as session:
        for rid, (a, b) in zip(ids, pairs):
            record_decision(session, rid, {"i": "include", "e": "exclude"}[a], reviewer="ana")
            record_decision(session, rid, {"i": "include", "e": "exclude"}[b], reviewer="ben")
        record_decision(session, ids[0], "include", reviewer="cy")
    with project.reading() as session:
        found = {a.reviewers: a for a in pair_agreements(session)}
    ab = found[("ana", "ben")]
    assert ab.n == 10 and ab.percent_agreement == pytest.approx(0.8)
    assert ab.kappa == pytest.approx(0.28 / 0.48) and ab.pabak == pytest.approx(0.7)
    assert pabak(0.8, categories=2) == pytest.approx(0.6)
    assert found[("ana", "cy")].n == 1 and found[("ana", "cy")].pabak == pytest.approx(1.0)


def test_a_decision_holds_the_record_and_an_undo_reopens_its_lease(project: Project) -> None:
    from triage.store.decisions import undo_last

    ids = _records(project, 1)
    _allocate(project, 0.0)
    with project.transaction() as session:
        record_decision(session, ids[0], "include", reviewer="ana")  # decided without being served: slot taken
    month = utcnow() + timedelta(days=30)
    assert not _claim(project, ids[0], "ben", 1, now=month)
    with project.transaction() as session:
        undo_last(session, reviewer="ana")
    assert not _claim(project, ids[0], "ben", 1)  # ana is served it again first
    assert _claim(project, ids[0], "ben", 1, now=month)  # unless she walked away


def test_status_json_gives_each_reviewers_progress_and_agreement(project: Project) -> None:
    import json

    from typer.testing import CliRunner

    from triage.cli.main import app as cli

    ids = _records(project, 6)
    where = ["-p", str(project.directory)]
    runner = CliRunner()
    steps = [["allocate", "--reviewers", "ana,ben", "--double", "all", "--by", "lea"],
             ["decide", str(ids[0]), "include", "--reviewer", "ana"],
             ["decide", str(ids[1]), "include", "--reviewer", "ana"],
             ["decide", str(ids[0]), "include", "--reviewer", "ben"],
             ["next", "--reviewer", "ben", "--preset", "tfidf", "-n", "1"]]  # leases one record to ben
    for step in steps:
        result = runner.invoke(cli, [*step, *where])
        assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(cli, ["status", "--json", *where]).output)
    # ana: decided 0 and 1, left: 2..5 (4). ben: decided 0; left: 1 (ana's, awaiting him) and 2..5 = 5
    assert data["reviewers"] == [
        {"stage": "title_abstract", "reviewer": "ana", "decided": 2, "remaining": 4},
        {"stage": "title_abstract", "reviewer": "ben", "decided": 1, "remaining": 5},
    ]
    assert data["agreement"] == [{"stage": "title_abstract", "reviewers": ["ana", "ben"], "n": 1,
                                  "percent_agreement": 1.0, "kappa": 1.0, "pabak": 1.0}]


def test_full_text_has_its_own_allocation(project: Project) -> None:
    ids = _records(project, 2)
    with project.transaction() as session:
        set_allocation(session, stage="full_text", reviewers=["ana", "ben"], double_share=1.0, set_by="lea")
        record_decision(session, ids[0], "include", reviewer="ana", stage="full_text")
        record_decision(session, ids[0], "include", reviewer="ana")  # title/abstract: nothing allocated
    with project.reading() as session:
        assert allocation_in_force(session, "title_abstract") is None
        assert set(decisions_in_force(session, stage="full_text").awaiting) == {ids[0]}
        assert set(decisions_in_force(session).decisions) == {ids[0]}


def test_allocating_gives_earlier_decisions_their_slots(project: Project) -> None:
    from triage.store.claims import claimed_away
    from triage.store.team import allocate

    ids = _records(project, 3)
    with project.transaction() as session:
        record_decision(session, ids[0], "include", reviewer="ana")
        record_decision(session, ids[1], "exclude", reviewer="ben")
    with project.transaction() as session:
        allocate(session, stage="title_abstract", reviewers=["ana", "ben", "cy"], double_share=1.0, set_by="lea")
    with project.reading() as session:
        away = {n: claimed_away(session, stage="title_abstract", reviewer=n) for n in ("ana", "ben", "cy")}
    assert away == {"ana": {ids[0]}, "ben": {ids[1]}, "cy": set()}  # each waits for a second reviewer, not its first
    assert _claim(project, ids[0], "ben", 2)  # the second slot
    assert not _claim(project, ids[0], "cy", 2)  # ana's slot and ben's lease fill it


def test_the_web_settled_set_follows_appends_under_double_screening(project: Project) -> None:
    from triage.store.decisions import settled_records
    from triage.store.decisions_appended import decision_log_mark, settled_after_appends

    ids = _records(project, 3)
    _allocate(project, 1.0, "ana,ben")
    settled: frozenset[int] = frozenset()
    with project.reading() as session:
        mark = decision_log_mark(session, stage="title_abstract")
    for rid, reviewer, decision in [(ids[0], "ana", "include"), (ids[1], "ana", "exclude"),
                                    (ids[0], "ben", "exclude"), (ids[1], "ben", "exclude")]:
        with project.transaction() as session:
            record_decision(session, rid, decision, reviewer=reviewer)
        with project.reading() as session:
            updated = settled_after_appends(session, settled, mark, stage="title_abstract")
            assert updated is not None and updated[0] == settled_records(session)  # equals a full recount
        settled, mark = updated
    assert settled == {ids[0], ids[1]}


def test_triage_screen_serves_each_reviewer_their_own_records(project: Project) -> None:
    from typer.testing import CliRunner

    from triage.cli.main import app as cli
    from triage.store.decisions import decision_history

    _records(project, 8)
    where = ["-p", str(project.directory)]
    runner = CliRunner()
    assert runner.invoke(cli, ["allocate", "--reviewers", "ana,ben", "--by", "lea", *where]).exit_code == 0
    for name in ("ana", "ben"):  # one after the other: ana's last served record stays leased to her
        result = runner.invoke(cli, ["screen", "--reviewer", name, "--preset", "tfidf", *where], input="iiq")
        assert result.exit_code == 0, result.output
        assert f"2 decisions recorded for {name}" in result.output
    with project.reading() as session:
        by = {name: {r.record_id for r in decision_history(session, reviewer=name)} for name in ("ana", "ben")}
    assert len(by["ana"]) == len(by["ben"]) == 2 and by["ana"].isdisjoint(by["ben"])


def test_a_leads_resolution_does_not_change_the_agreement_measured(project: Project) -> None:
    # Found in session 16's team trial: a lead who also screens resolves a conflict her way
    # or the other's. Agreement measures the two screenings, so it must not move; before,
    # 'triage agreement' read her resolution as her screening decision (0.5 -> 0.75) and
    # the status/web table dropped the record from the pair (n 4 -> 3).
    from triage.screening.agreement import pair_agreements, reviewer_agreement

    ids = _records(project, 4)
    _allocate(project, 1.0, "lea,ana")
    with project.transaction() as session:
        for rid, (lea, ana) in zip(ids, [("include", "include"), ("exclude", "exclude"),
                                         ("include", "exclude"), ("exclude", "include")]):
            record_decision(session, rid, lea, reviewer="lea")
            record_decision(session, rid, ana, reviewer="ana")

    def measured() -> list[tuple[int, float]]:
        with project.reading() as session:
            return [(a.n, a.percent_agreement) for a in
                    (reviewer_agreement(session, reviewers=("lea", "ana")), *pair_agreements(session))]

    assert measured() == [(4, 0.5), (4, 0.5)]
    with project.transaction() as session:
        resolve_conflict(session, ids[2], "exclude", lead="lea", note="ana was right: not in scope")
    assert measured() == [(4, 0.5), (4, 0.5)]
    with project.reading() as session:  # the resolution is in force all the same
        assert decisions_in_force(session).decisions[ids[2]].decision == "exclude"


def test_status_counts_the_records_waiting_for_their_second_reviewer(project: Project, database: str | None) -> None:
    # Found in session 16's team trial: 80 decisions by two reviewers, 74 screened in status
    # and no word of the 4 that one reviewer had decided (they hid in "not yet screened").
    from typer.testing import CliRunner

    from triage.cli.main import app as cli

    ids = _records(project, 4)
    _allocate(project, 1.0, "ana,ben")
    with project.transaction() as session:  # ids[0] and ids[1] once, ids[2] twice, ids[3] not at all
        for index, who in ((0, "ana"), (1, "ben"), (2, "ana"), (2, "ben")):
            record_decision(session, ids[index], "exclude", reviewer=who)
    with project.reading() as session:
        counts = prisma_counts(session)
    assert (counts.screened, counts.undecided, counts.awaiting_second_reviewer) == (1, 3, 2)
    result = CliRunner().invoke(cli, ["status", "-p", str(project.directory)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert any("waiting for a second reviewer" in line and line.rstrip(" │").endswith("2")
               for line in result.output.splitlines())


def test_full_text_progress_counts_what_full_text_takes(project: Project) -> None:
    """A reviewer's records still open at full text are those title/abstract screening kept,
    not every record of the project (the dashboard said 606 of the demo's 607 after one
    include)."""
    from triage.screening.team import team_status

    ids = _records(project, 6)
    with project.transaction() as session:
        for rid, decision in zip(ids[:3], ["include", "maybe", "exclude"], strict=True):
            record_decision(session, rid, decision, reviewer="ana", reasons=["setting"] if decision == "exclude" else [])
        record_decision(session, ids[0], "include", reviewer="ana", stage="full_text")
    with project.reading() as session:
        rows = {(r["stage"], r["reviewer"]): r for r in team_status(session)["reviewers"]}
    assert rows[("full_text", "ana")]["decided"] == 1
    assert rows[("full_text", "ana")]["remaining"] == 1  # the maybe; the exclude and the unscreened are not full text's
    assert rows[("title_abstract", "ana")]["remaining"] == 3


def test_next_under_an_allocation_leases_a_batch_not_the_whole_queue(project: Project) -> None:
    """`triage next --reviewer ana -n 500` leased every record to ana for 20 minutes: ben's queue
    then served nothing. It now leases at most LEASED_AT_MOST and says so; ben still gets work."""
    import json

    from typer.testing import CliRunner

    from triage.cli.main import app as cli
    from triage.cli.screen import LEASED_AT_MOST

    _records(project, LEASED_AT_MOST + 10)
    where = ["-p", str(project.directory)]
    runner = CliRunner()
    assert runner.invoke(cli, ["allocate", "--reviewers", "ana,ben", "--by", "lea", *where]).exit_code == 0
    asked = runner.invoke(cli, ["next", "--reviewer", "ana", "-n", "500", "--json", "--preset", "tfidf", *where])
    assert asked.exit_code == 0, asked.output
    ana = [json.loads(line)["id"] for line in asked.stdout.splitlines()]
    assert len(ana) == LEASED_AT_MOST
    assert f"showing {LEASED_AT_MOST} of the 500 asked for" in " ".join(asked.stderr.split())
    ben = runner.invoke(cli, ["next", "--reviewer", "ben", "-n", "20", "--json", "--preset", "tfidf", *where])
    served = [json.loads(line)["id"] for line in ben.stdout.splitlines()]
    assert len(served) == 10 and set(served).isdisjoint(ana)
