"""On a team project, importing, taking an import back, recording earlier decisions from a
file and recording a search round are a lead's (issue 16, :func:`triage.cli.acting.act_as`):
a reviewer or coder is refused in one line and nothing changes; a lead does them, named by
``--reviewer`` or ``$TRIAGE_REVIEWER``. A project without users imports as before (the other
CLI tests pin that). SQLite and PostgreSQL (the ``project`` fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from triage.cli.main import app as cli
from triage.store.db import Project
from triage.store.rounds import round_summaries
from triage.store.schema import DatabaseSearchRow
from triage.store.sources import list_sources
from triage.store.users import add_user

NOT_A_LEAD = "is a {role} and may not import files, take an import back or record a search round; ask a lead to do it"


def run(project: Project, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "-p", str(project.directory)], env={"TRIAGE_REVIEWER": "", **(env or {})})
    return result.exit_code, result.output


@pytest.fixture()
def team(project: Project, tmp_path: Path) -> tuple[Project, Path]:
    """A team project (a lead, a reviewer, a coder) and an export to import."""
    with project.transaction() as session:
        add_user(session, "ana", "lead", "ana-long-secret-1")
        add_user(session, "ben", "reviewer", "ben-long-secret-2")
        add_user(session, "cat", "coder", "cat-long-secret-3")
    export = tmp_path / "embase.ris"
    export.write_text("TY  - JOUR\nTI  - A trial of something\nPY  - 2020\nER  - \n"
                      "TY  - JOUR\nTI  - Another study entirely\nPY  - 2021\nER  - \n", encoding="utf-8")
    return project, export


def _sources(project: Project) -> int:
    with project.reading() as session:
        return len(list_sources(session))


def test_only_a_lead_imports(team: tuple[Project, Path], database: str | None) -> None:
    project, export = team
    for name, role in (("ben", "reviewer"), ("cat", "coder")):
        assert run(project, "import", str(export), "--reviewer", name) == (1, f"error: {name} {NOT_A_LEAD.format(role=role)}\n")
    code, out = run(project, "import", str(export))
    assert code == 1 and out.startswith("error: this is a team project: say who you are")
    assert _sources(project) == 0
    assert run(project, "import", str(export), env={"TRIAGE_REVIEWER": "ana"})[0] == 0
    assert _sources(project) == 1


def test_only_a_lead_takes_an_import_back_or_records_its_decisions(team: tuple[Project, Path], database: str | None) -> None:
    project, export = team
    assert run(project, "import", str(export), "--reviewer", "ana")[0] == 0
    with project.reading() as session:
        source = list_sources(session)[0].id
    assert run(project, "sources", "decisions", str(source), "--reviewer", "ben") == (
        1, f"error: ben {NOT_A_LEAD.format(role='reviewer')}\n")
    assert run(project, "sources", "remove", str(source), "--reviewer", "ben") == (
        1, f"error: ben {NOT_A_LEAD.format(role='reviewer')}\n")
    assert _sources(project) == 1
    assert run(project, "sources", "-p", str(project.directory), env={"TRIAGE_REVIEWER": "ben"})[0] == 0  # listing
    assert run(project, "sources", "remove", str(source), env={"TRIAGE_REVIEWER": "ana"})[0] == 0
    assert _sources(project) == 0


def test_only_a_lead_records_a_search_round(team: tuple[Project, Path], database: str | None) -> None:
    project, _ = team
    search = ["rounds", "search", "2026-update", "--database", "Embase", "--hits", "12"]
    assert run(project, *search, "--reviewer", "cat") == (1, f"error: cat {NOT_A_LEAD.format(role='coder')}\n")
    assert run(project, *search, env={"TRIAGE_REVIEWER": "ana"})[0] == 0
    with project.reading() as session:
        searches = [(s["database"], s["hits"]) for r in round_summaries(session) for s in r.searches]
        recorded_by = list(session.scalars(select(DatabaseSearchRow.recorded_by)))
    assert (searches, recorded_by) == ([("Embase", 12)], ["ana"])
