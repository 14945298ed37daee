"""``triage criteria``: change the review's criteria during the review, with a history.

``triage criteria set FILE`` checks the new file, makes it the project's criteria and keeps
the version with who changed it and when; every decision records the version in force,
so ``triage criteria earlier`` lists the decisions to look at again after a change.
"""

from __future__ import annotations

import getpass
import json
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from triage.cli.acting import act_as
from triage.cli.app import app, console, fail, sub_app
from triage.cli.options import ProjectOption, StageOption, open_project
from triage.store.criteria_versions import criteria_history, decisions_under_earlier_versions, record_version
from triage.store.db import Project
from triage.store.schema import STAGES

#: Where a project keeps its criteria file (relative to the project directory).
CRITERIA_FILE = "criteria.toml"

criteria_app = sub_app("The review's criteria: change them during the review, see their history.")
app.add_typer(criteria_app, name="criteria")


def who(project: Project, given: str | None) -> str:
    """The name a criteria change is logged under: --reviewer, the setting, or the login."""
    if (member := act_as(project, given, "settings")) is not None:  # a team project: an active lead
        return member
    name = given or project.get_setting("reviewer") or getpass.getuser()
    return str(name)


def adopt_criteria(project: Project, source: Path, *, by: str, note: str | None) -> int:
    """Check ``source``, copy it into the project as its criteria file and keep the version."""
    version = keep_version(project, source, by=by, note=note)
    target = project.directory / CRITERIA_FILE
    if source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    project.set_setting("criteria_file", CRITERIA_FILE)
    return version


def keep_version(project: Project, source: Path, *, by: str, note: str | None) -> int:
    """Check ``source`` and keep its text as the criteria version in force; the file in force
    before, if it was never versioned (a project older than versions), is kept first."""
    from triage.criteria import load_criteria

    load_criteria(source)  # one line naming the file and the problem if it is invalid
    with project.transaction() as session:
        current = project_criteria_path(project)
        if current is not None and current.is_file() and not criteria_history(session):
            record_version(session, current.read_text(encoding="utf-8"), created_by="(before versioning)")
        return record_version(session, source.read_text(encoding="utf-8"), created_by=by, note=note)


def project_criteria_path(project: Project) -> Path | None:
    name = project.get_setting("criteria_file")
    if not name:
        return None
    path = Path(str(name))
    return path if path.is_absolute() else project.directory / path


@criteria_app.command("set")
def set_command(
    file: Annotated[Path, typer.Argument(help="The new SPICE criteria TOML.")],
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Who changes them (logged).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why, kept with the version.")] = None,
    project_dir: ProjectOption = None,
) -> None:
    """Make FILE the review's criteria; the change is logged and later decisions name it."""
    if not file.is_file():
        fail(f"{file}: no such file; give the path of a criteria TOML")
    with open_project(project_dir) as project:
        version = adopt_criteria(project, file, by=who(project, reviewer), note=note)
        with project.reading() as session:
            earlier = sum(len(decisions_under_earlier_versions(session, stage=s)) for s in STAGES)
    console.print(f"Criteria version {version} in force.")
    if earlier:
        console.print(f"{earlier} decisions in force were made under an earlier version: "
                      "[bold]triage criteria earlier[/] lists them.")


@criteria_app.command("history")
def history_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the versions as JSON.")] = False,
    project_dir: ProjectOption = None,
) -> None:
    """Every version of the criteria: who, when, why, and how many decisions were made under it."""
    with open_project(project_dir) as project, project.reading() as session:
        history = criteria_history(session)
    if as_json:
        console.print_json(json.dumps([asdict(v) for v in history]))
        return
    if not history:
        console.print("No criteria versions recorded yet ('triage init --criteria' or 'triage criteria set').")
        return
    table = Table("version", "by", "when", "decisions", "note", title="Criteria versions")
    for v in history:
        table.add_row(str(v.id), escape(v.created_by), v.created_at, str(v.decisions), escape(v.note or ""))
    console.print(table)


@criteria_app.command("earlier")
def earlier_command(
    stage: StageOption = "title_abstract",
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines: one decision per line.")] = False,
    project_dir: ProjectOption = None,
) -> None:
    """Decisions in force made under an earlier criteria version, to look at again."""
    with open_project(project_dir) as project, project.reading() as session:
        earlier = decisions_under_earlier_versions(session, stage=stage)
    if as_json:
        for d in earlier:
            print(json.dumps({"id": d.record_id, "decision": d.decision, "reasons": list(d.reasons),
                              "reviewer": d.reviewer, "decision_id": d.decision_id}, ensure_ascii=False))
        return
    if not earlier:
        console.print("Every decision in force was made under the current criteria.")
        return
    table = Table("record", "decision", "reasons", "reviewer", "when",
                  title=f"{len(earlier)} decisions made under an earlier criteria version")
    for d in earlier:
        table.add_row(str(d.record_id), d.decision, escape("; ".join(d.reasons)), escape(d.reviewer),
                      d.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)
