"""A search update must not take back decisions made under double screening (session 16's trial).

The share screened twice is drawn per merge group from a hash of the record screened for it.
When an update brought a copy of a decided record that was more complete (a DOI), dedup made
the new copy the group's representative: the draw was taken again on the new id, and 5 of 150
records ana had decided alone were now "screened twice", her decision counting nowhere until a
second reviewer came (PRISMA: 150 screened before the update, 145 after).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.allocation import allocation_in_force
from triage.store.db import DATABASE_ENV, Project
from triage.store.decisions import decisions_in_force, record_decision
from triage.store.prisma import prisma_counts
from triage.store.records import screening_rows

runner = CliRunner()


def _exports(shared_data: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The first 400 records of the shared ASySD Web of Science export, and the same search
    re-run months later: the records that had no DOI now carry one."""
    text = (shared_data / "exports" / "ris" / "asysd_zotero_export.ris").read_text(encoding="utf-8-sig")
    records = [r.strip("\n") for r in re.split(r"(?m)^ER  -.*\n?", text) if r.strip()][:400]
    first, update = tmp_path / "first.ris", tmp_path / "update.ris"
    first.write_text("\n".join(f"{r}\nER  - \n" for r in records), encoding="utf-8")
    later = [r if re.search(r"(?m)^DO  - ", r) else f"{r}\nDO  - 10.9999/update.{i}" for i, r in enumerate(records)]
    update.write_text("\n".join(f"{r}\nER  - \n" for r in later), encoding="utf-8")
    return first, update


def test_an_update_keeps_the_decisions_made_under_double_screening(shared_data: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    first, update = _exports(shared_data, tmp_path)
    proj = str(tmp_path / "review")
    for args in (["init", proj], ["import", str(first), "-p", proj], ["dedup", "-p", proj],
                 ["allocate", "--reviewers", "ana,ben", "--double", "0.1", "--by", "lea", "-p", proj]):
        done = runner.invoke(app, args)
        assert done.exit_code == 0, done.output
    with Project.open(proj) as project:
        with project.transaction() as session:
            allocation = allocation_in_force(session, "title_abstract")
            assert allocation is not None
            alone = [r.id for r in screening_rows(session) if allocation.slots(r.id) == 1][:150]
            for record_id in alone:
                record_decision(session, record_id, "exclude", reviewer="ana")
        with project.reading() as session:
            assert prisma_counts(session).screened == 150
    done = runner.invoke(app, ["import", str(update), "--round", "update", "-p", proj])
    assert done.exit_code == 0, done.output
    with Project.open(proj) as project, project.reading() as session:
        counts = prisma_counts(session)
        in_force = decisions_in_force(session)
    assert counts.duplicates_removed >= 390  # the update's copies merged with the first search's records
    assert (counts.screened, counts.awaiting_second_reviewer, len(in_force.awaiting)) == (150, 0, 0)
