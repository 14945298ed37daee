"""The append-only decision log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from triage.errors import DecisionError
from triage.records.model import Provenance, Record
from triage.store.db import Project
from triage.store.decisions import current_decisions, decision_history, record_decision, undo_last
from triage.store.records import add_records
from triage.store.schema import DecisionRow, SourceRow


@pytest.fixture()
def ids(project: Project) -> list[int]:
    with project.transaction() as session:
        source = SourceRow(file_name="f.ris", file_path="/f.ris", sha256="h", format="ris")
        session.add(source)
        session.flush()
        add_records(session, source.id, [Record(title=f"T{i}", provenance=Provenance("f.ris", "h", i, i)) for i in range(1, 4)])
    with project.reading() as session:
        from triage.store.records import screening_rows

        return [r.id for r in screening_rows(session)]


def test_changing_a_decision_appends(project: Project, ids: list[int]) -> None:
    with project.transaction() as s:
        record_decision(s, ids[0], "include", reviewer="ana", score=0.9, rank=1, model="default")
        record_decision(s, ids[0], "exclude", reviewer="ana", reasons=["setting"])
    with project.reading() as s:
        rows = decision_history(s, record_id=ids[0])
        assert [r.decision for r in rows] == ["include", "exclude"]
        assert rows[0].score == 0.9 and rows[0].rank == 1 and rows[0].model == "default"
        current = current_decisions(s)[ids[0]]
        assert current.decision == "exclude" and current.reasons == ("setting",)


def test_exclusion_must_name_a_criterion(project: Project, ids: list[int]) -> None:
    # at full text always (PRISMA 2020); at title/abstract only where the project asks (see test_cli_exclusion_reasons)
    with pytest.raises(DecisionError) as err, project.transaction() as s:
        record_decision(s, ids[0], "exclude", reviewer="ana", stage="full_text")
    assert str(err.value) == f"excluding record {ids[0]} needs a reason; name the criterion it fails with --reason"


def test_unknown_record_and_decision_are_refused(project: Project, ids: list[int]) -> None:
    with pytest.raises(DecisionError, match="no record 999"), project.transaction() as s:
        record_decision(s, 999, "include", reviewer="ana")
    with pytest.raises(DecisionError, match="unknown decision 'yes'"), project.transaction() as s:
        record_decision(s, ids[0], "yes", reviewer="ana")


def test_undo_retracts_latest_and_keeps_history(project: Project, ids: list[int]) -> None:
    with project.transaction() as s:
        record_decision(s, ids[0], "include", reviewer="ana")
        record_decision(s, ids[1], "maybe", reviewer="ana")
        record_decision(s, ids[2], "include", reviewer="ben")
    with project.transaction() as s:
        undone = undo_last(s, reviewer="ana")
        assert undone is not None and undone.record_id == ids[1]
    with project.transaction() as s:
        assert undo_last(s, reviewer="ana").record_id == ids[0]  # type: ignore[union-attr]
        assert undo_last(s, reviewer="ana") is None
    with project.reading() as s:
        assert set(current_decisions(s)) == {ids[2]}
        assert s.scalar(select(func.count(DecisionRow.id))) == 5


def test_same_request_recorded_once(project: Project, ids: list[int]) -> None:
    with project.transaction() as s:
        first = record_decision(s, ids[0], "include", reviewer="ana", request_id="r-1")
    with project.transaction() as s:
        again = record_decision(s, ids[0], "include", reviewer="ana", request_id="r-1")
        assert again.id == first.id
    with project.reading() as s:
        assert len(decision_history(s)) == 1


def test_current_decisions_per_reviewer(project: Project, ids: list[int]) -> None:
    with project.transaction() as s:
        record_decision(s, ids[0], "include", reviewer="ana")
        record_decision(s, ids[0], "exclude", reviewer="ben", reasons=["perspective"])
    with project.reading() as s:
        assert current_decisions(s, reviewer="ana")[ids[0]].decision == "include"
        assert current_decisions(s, reviewer="ben")[ids[0]].decision == "exclude"
        assert current_decisions(s)[ids[0]].reviewer == "ben"


def test_prisma_counts_full_texts_only_of_records_screening_kept(project: Project, ids: list[int]) -> None:
    """A user's flow diagram counted as an included study a record excluded at title/abstract
    (its full-text decision was made before the CLI refused that, or before the record's
    title/abstract decision was changed to exclude): assessed and included reports are
    those title/abstract screening kept."""
    from triage.store.prisma import prisma_counts

    kept, dropped, changed = ids
    with project.transaction() as s:
        record_decision(s, kept, "include", reviewer="ana")
        record_decision(s, dropped, "exclude", reviewer="ana")
        record_decision(s, changed, "maybe", reviewer="ana")
        for rid in ids:
            record_decision(s, rid, "include", reviewer="ana", stage="full_text")
    with project.reading() as s:
        counts = prisma_counts(s)
    assert (counts.full_text_assessed, counts.included, counts.included_studies) == (2, 2, 2)
    with project.transaction() as s:
        record_decision(s, changed, "exclude", reviewer="ana")
    with project.reading() as s:
        counts = prisma_counts(s)
    assert (counts.excluded, counts.full_text_assessed, counts.included, counts.included_studies) == (2, 1, 1, 1)
