"""``triage migrate --to URL``: a project copied SQLite -> PostgreSQL -> SQLite keeps every
row of every table (records, provenance, decision log, dedup history, coding, settings)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli.main import app
from triage.errors import ProjectError
from triage.store.db import DB_FILE, Project
from triage.store.decisions import current_decisions, record_decision
from triage.store.transfer import copy_project, table_rows

OLD_PROJECT = Path(__file__).resolve().parent / "data" / "project_051dfc7"


def _rows(project: Project) -> dict[str, list[dict[str, object]]]:
    with project.engine.connect() as connection:
        return table_rows(connection)


def _migrate(*args: str) -> str:
    result = CliRunner().invoke(app, ["migrate", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_sqlite_to_postgresql_and_back_keeps_every_row(tmp_path: Path, postgres_database: str) -> None:
    shutil.copytree(OLD_PROJECT, tmp_path / "review")
    with Project.open(tmp_path / "review") as original:
        before = _rows(original)
    assert {t: len(r) for t, r in before.items() if r} == {
        "meta": 1, "settings": 4, "sources": 2, "codes": 19, "code_history": 2, "dedup_runs": 1, "records": 33,
        "coding_documents": 1, "decisions": 5, "dedup_decisions": 2, "dedup_merges": 2, "dedup_pairs": 2,
        "embeddings": 31, "coding_segments": 26, "code_decisions": 3, "code_suggestions": 3,
        "coding_segment_vectors": 3,
    }

    out = _migrate("--to", postgres_database, "-p", str(tmp_path / "review"))
    assert "│ records                │ 33   │" in out
    assert f"Open it with --database {postgres_database} (or set TRIAGE_DATABASE)." in out
    with Project.open(tmp_path / "review", postgres_database) as on_server:
        assert on_server.dialect == "postgresql"
        assert _rows(on_server) == before

    back = CliRunner().invoke(  # the source named by $TRIAGE_DATABASE; --to DIR still means SQLite there
        app, ["migrate", "--to", str(tmp_path / "back"), "-p", str(tmp_path / "review")],
        env={"TRIAGE_DATABASE": postgres_database},
    )
    assert back.exit_code == 0, back.output
    with Project.open(tmp_path / "back") as back:
        assert _rows(back) == before
    assert (tmp_path / "back" / "criteria.toml").read_bytes() == (tmp_path / "review" / "criteria.toml").read_bytes()


def test_a_migrated_project_takes_new_rows_after_the_copied_ids(tmp_path: Path, postgres_database: str) -> None:
    shutil.copytree(OLD_PROJECT, tmp_path / "review")
    with Project.open(tmp_path / "review") as original:
        copied, _ = copy_project(original, tmp_path / "review", postgres_database)
    with copied, copied.transaction() as session:
        row = record_decision(session, 4, "include", reviewer="cy")
        assert row.id == 6  # the five copied decisions keep 1-5
        assert current_decisions(session)[4].reviewer == "cy"


def test_migrating_into_a_project_is_refused_and_a_failed_copy_leaves_nothing(tmp_path: Path) -> None:
    shutil.copytree(OLD_PROJECT, tmp_path / "review")
    with Project.open(tmp_path / "review") as original:
        with pytest.raises(ProjectError, match="already exists"):
            copy_project(original, tmp_path / "review", None)

        def broken(_connection: object) -> None:
            raise RuntimeError("disk full")

        with pytest.raises(RuntimeError):
            Project.init(tmp_path / "half", contents=broken)
    assert not (tmp_path / "half" / DB_FILE).exists()
