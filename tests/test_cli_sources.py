"""``triage sources``: list the imported files, and take back one imported by mistake
(the wrong encoding), but never records that carry a person's work."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.db import Project
from triage.store.schema import RecordRow, SourceRow

runner = CliRunner()

RIS = (
    "TY  - JOUR\nTI  - Mütter mit Depression im Kinderschutz\nAU  - Müller, Jürgen\nPY  - 2019\nER  - \n"
    "TY  - JOUR\nTI  - Väter und Jugendhilfe\nAU  - Schäfer, Anna\nPY  - 2020\nER  - \n"
)


def run(*args: str) -> object:
    return runner.invoke(app, list(args))


def _project(tmp_path: Path) -> tuple[Path, Path]:
    proj = tmp_path / "review"
    assert runner.invoke(app, ["init", str(proj)]).exit_code == 0
    ris = tmp_path / "export.ris"
    ris.write_text(RIS, encoding="utf-8")
    return proj, ris


def _titles(proj: Path) -> list[str | None]:
    with Project.open(proj) as project, project.reading() as session:
        return list(session.scalars(select(RecordRow.title).order_by(RecordRow.id)))


def test_an_import_in_the_wrong_encoding_is_taken_back_and_redone(tmp_path: Path) -> None:
    proj, ris = _project(tmp_path)
    wrong = runner.invoke(app, ["import", str(ris), "--encoding", "cp1252", "-p", str(proj)])
    assert wrong.exit_code == 0, wrong.output
    assert _titles(proj)[0] == "MÃ¼tter mit Depression im Kinderschutz"  # garbled, as the user sees
    listed = runner.invoke(app, ["sources", "-p", str(proj)])
    assert listed.exit_code == 0 and "export.ris" in listed.output and "cp1252" in listed.output
    removed = runner.invoke(app, ["sources", "remove", "1", "-p", str(proj)])
    assert removed.exit_code == 0, removed.output
    assert "its 2 records" in removed.output
    with Project.open(proj) as project, project.reading() as session:
        assert session.scalar(select(func.count()).select_from(RecordRow)) == 0
        assert session.scalar(select(func.count()).select_from(SourceRow)) == 0
    # The same bytes import again without --force, now read right.
    again = runner.invoke(app, ["import", str(ris), "-p", str(proj)])
    assert again.exit_code == 0, again.output
    assert _titles(proj) == ["Mütter mit Depression im Kinderschutz", "Väter und Jugendhilfe"]


def test_records_with_a_decision_are_never_removed(tmp_path: Path) -> None:
    proj, ris = _project(tmp_path)
    assert runner.invoke(app, ["import", str(ris), "-p", str(proj)]).exit_code == 0
    with Project.open(proj) as project, project.reading() as session:
        first = session.scalar(select(RecordRow.id).order_by(RecordRow.id))
    decided = runner.invoke(app, ["decide", str(first), "include", "--reviewer", "ana", "-p", str(proj)])
    assert decided.exit_code == 0, decided.output
    refused = runner.invoke(app, ["sources", "remove", "1", "-p", str(proj)])
    assert refused.exit_code == 1
    assert "export.ris (id 1) cannot be removed: its records have 1 screening decisions" in refused.output.replace("\n", "")
    assert len(_titles(proj)) == 2


def test_an_unknown_id_names_the_ids_there_are(tmp_path: Path) -> None:
    proj, ris = _project(tmp_path)
    assert runner.invoke(app, ["import", str(ris), "-p", str(proj)]).exit_code == 0
    result = runner.invoke(app, ["sources", "remove", "7", "-p", str(proj)])
    assert result.exit_code == 1
    assert "no imported file with id 7; ids in this project: 1" in result.output.replace("\n", "")


def test_an_import_shows_a_few_problems_of_each_kind_and_sources_problems_lists_all(tmp_path: Path) -> None:
    proj = tmp_path / "review"
    assert run("init", str(proj)).exit_code == 0
    export = tmp_path / "ovid.ris"
    # Text after every record that no reader takes (Ovid's "Link to ..." lines were this example: they
    # are kept as the records' links now, tests/test_records_dialects.py).
    export.write_text("".join(f"TY  - JOUR\nTI  - Record {n}\nER  - \n\nPrinted from the library proxy, copy {n}\n\n"
                              for n in range(1, 8)), encoding="utf-8")
    result = run("import", str(export), "-p", str(proj))
    assert result.exit_code == 0, result.output
    shown = [line for line in result.output.splitlines() if "text between records" in line]
    assert len(shown) == 3
    assert "ovid.ris: 4 more like the one above (lines 23, 29, 35, 41); all of them: triage sources problems 1" in result.output
    listed = run("sources", "problems", "1", "-p", str(proj))
    assert listed.exit_code == 0, listed.output
    assert sum("text between records" in line for line in listed.output.splitlines()) == 7
    assert "0 errors, 7 warnings; 7 records imported" in listed.output
    missing = run("sources", "problems", "9", "-p", str(proj))
    assert missing.exit_code != 0 and "no imported file with id 9" in missing.output
