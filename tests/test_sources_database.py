"""A file that names no database (IEEE, Wiley, Crossref exports) is counted by its file name in
PRISMA; the import says so, and `triage sources database ID NAME` names it afterwards, logged."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.db import Project
from triage.store.schema import RecordRow

runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_file_naming_no_database_is_named_afterwards(project: Project, shared_data: Path) -> None:
    p = ["-p", str(project.directory)]
    ieee = shared_data / "exports" / "ris" / "colrev_ieee_ris.ris"
    out = _ok("import", str(ieee), *p)
    assert ("note: colrev_ieee_ris.ris names no database, so PRISMA counts its records as identified from "
            "'colrev_ieee_ris.ris'; name it with 'triage sources database 1 NAME'") in out
    named = _ok("import", str(shared_data / "exports" / "ris" / "asreview_scopus.ris"), *p)
    assert "names no database" not in named  # Scopus says who it is
    before = json.loads(_ok("status", "--json", *p))["identified_by_source"]
    assert before["colrev_ieee_ris.ris"] == 2
    said = _ok("sources", "database", "1", " IEEE  Xplore ", *p)
    assert said.startswith("colrev_ieee_ris.ris (id 1): its 2 records now counted as identified from IEEE Xplore "
                           "(was none named: counted by the file name)")
    after = json.loads(_ok("status", "--json", *p))["identified_by_source"]  # the kept summary is not reused
    assert after["IEEE Xplore"] == 2 and "colrev_ieee_ris.ris" not in after
    assert {k: v for k, v in after.items() if k != "IEEE Xplore"} == {
        k: v for k, v in before.items() if k != "colrev_ieee_ris.ris"}
    with project.reading() as session:
        assert {r.database for r in session.query(RecordRow).filter(RecordRow.source_id == 1)} == {"IEEE Xplore"}
    assert "database of imported file 1 (colrev_ieee_ris.ris) None -> 'IEEE Xplore'" in _ok("settings", *p)
    for args, message in ((["9", "IEEE"], "error: no imported file with id 9"),
                          (["1", "  "], "error: no database name given")):
        result = runner.invoke(app, ["sources", "database", *args, *p])
        assert result.exit_code == 1 and result.stderr.startswith(message), result.stderr
