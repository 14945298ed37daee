"""Blind mode (issue 16): nobody sees another reviewer's decision on a record until both have
decided. Every output is searched for the first reviewer's decision, reason and note: the
CLI's records/export/status/conflicts/agreement (SQLite and PostgreSQL) and the web's
history, decision log, card, conflicts page, dashboard and status download."""

from __future__ import annotations

from pathlib import Path

import pytest
from _web_support import HTML, JSON, demo_dir, demo_template, web_client  # noqa: F401
from typer.testing import CliRunner

from triage.cli.main import app as cli
from triage.records.model import Provenance, Record
from triage.store.allocation import set_allocation
from triage.store.db import Project
from triage.store.decisions import record_decision
from triage.store.records import add_records, screening_rows
from triage.store.schema import SourceRow

REASON = "SECRETREASONzq"
NOTE = "SECRETNOTEzq"


def _records(project: Project, n: int) -> list[int]:
    with project.transaction() as session:
        source = SourceRow(file_name="f.ris", file_path="/f.ris", sha256="h", format="ris")
        session.add(source)
        session.flush()
        add_records(session, source.id, [Record(title=f"Title {i}", provenance=Provenance("f.ris", "h", i, i))
                                         for i in range(1, n + 1)])
    with project.reading() as session:
        return [r.id for r in screening_rows(session)]


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _leaks(text: str) -> list[str]:
    return [word for word in (REASON, NOTE) if word in text]


def test_cli_outputs_hide_a_first_decision_until_the_second(project: Project, tmp_path: Path) -> None:
    ids = _records(project, 3)
    where = ["-p", str(project.directory)]
    _cli("allocate", "--reviewers", "ana,ben", "--double", "all", "--by", "lea", *where)
    _cli("decide", str(ids[0]), "exclude", "--reason", REASON, "--note", NOTE, "--reviewer", "ana", *where)
    outputs = {
        "records": _cli("records", "--json", *where),
        "status": _cli("status", "--json", *where),
        "conflicts": _cli("conflicts", "--json", *where),
        "next": _cli("next", "--json", "--reviewer", "ben", "--preset", "tfidf", "-n", "3", *where),
    }
    for name in ("out.csv", "out.ris", "out.bib"):
        _cli("export", str(tmp_path / name), *where)
        outputs[name] = (tmp_path / name).read_text(encoding="utf-8")
    assert {name: _leaks(text) for name, text in outputs.items()} == {name: [] for name in outputs}
    assert '"decision": "exclude"' not in outputs["records"]
    agreement = CliRunner().invoke(cli, ["agreement", "--json", *where])
    assert agreement.exit_code == 1 and not _leaks(agreement.output)
    # ben's queue still serves the record; once ben decides, both decisions show (a conflict)
    assert f'"id": {ids[0]}' in outputs["next"]
    _cli("decide", str(ids[0]), "include", "--reviewer", "ben", *where)
    conflicts = _cli("conflicts", "--json", *where)
    assert REASON in conflicts and '"reviewer": "ana"' in conflicts and '"reviewer": "ben"' in conflicts


def test_web_pages_hide_a_first_decision_until_the_second(demo_dir: Path) -> None:  # noqa: F811 (the fixture)
    with Project.open(demo_dir) as project, project.transaction() as session:
        set_allocation(session, stage="title_abstract", reviewers=["ana", "ben"], double_share=1.0, set_by="lea")
        record_decision(session, 1, "exclude", reviewer="ana", reasons=[REASON], note=NOTE)
    pages = ("/history", "/history?record_id=1", "/export/decisions.csv", "/conflicts", "/", "/export/status.json",
             "/export/records.csv", "/screen?record_id=1")
    with web_client(demo_dir, reviewer="ben") as (client, _):
        seen = {page: _leaks(client.get(page, headers=HTML).text) for page in pages}
        card = client.get("/screen/card", params={"record_id": 1}, headers=JSON).json()
        seen["/screen/card (JSON)"] = _leaks(str(card))
        assert seen == {page: [] for page in seen}
    with web_client(demo_dir, reviewer="ana") as (client, _):  # one's own decision stays visible
        assert NOTE in client.get("/history", headers=HTML).text
    with Project.open(demo_dir) as project, project.transaction() as session:
        record_decision(session, 1, "include", reviewer="ben")
    with web_client(demo_dir, reviewer="ben") as (client, _):
        assert NOTE in client.get("/history", headers=HTML).text
        assert REASON in client.get("/conflicts", headers=HTML).text


@pytest.mark.parametrize("blind", ["true", "false"])
def test_blind_setting_alone_hides_decisions(project: Project, blind: str) -> None:
    ids = _records(project, 2)
    where = ["-p", str(project.directory)]
    _cli("settings", "blind", blind, *where)
    _cli("decide", str(ids[0]), "exclude", "--reason", REASON, "--reviewer", "ana", *where)
    records = _cli("records", "--json", *where)
    assert (REASON in records) is (blind == "false")
