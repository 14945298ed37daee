"""``triage studies``: reports of one study (conference abstract and article, preprint and
published version, erratum) linked so they are screened together.

Dedup links related versions by rule; a person confirms, adds or removes links here. Each
report keeps its own decision; ``triage decide ID ... --all-reports`` applies one decision
to every report of the study, as a confirmed action.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from triage.cli.acting import acting_name
from triage.cli.app import app, console, list_when_alone, listing_sub_app
from triage.cli.options import ProjectOption, open_project
from triage.store.decisions import current_decisions
from triage.store.schema import RecordRow
from triage.store.studies import link_reports, study_groups, study_links

studies_app = listing_sub_app("Study groups: reports of one study linked, screened side by side (no subcommand: list them).")
app.add_typer(studies_app, name="studies")

ReviewerOption = Annotated[str | None, typer.Option("--reviewer", help="Your name (default: $TRIAGE_REVIEWER, else the 'reviewer' setting).")]


@studies_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines: one object per study.")] = False,
    project_dir: ProjectOption = None,
) -> None:
    """Studies reported more than once: their reports, each with its own decision."""
    with open_project(project_dir) as project, project.reading() as session:
        groups = study_groups(session)
        decisions = current_decisions(session)
        studies = sorted({reports for reports in groups.values()})
        shown = {rid: (row.title, row.year) for reports in studies for rid in reports
                 if (row := session.get(RecordRow, rid)) is not None}
        links = len(study_links(session))
    if as_json:
        for reports in studies:
            print(json.dumps({"study": reports[0], "reports": [
                {"id": rid, "title": shown.get(rid, (None, None))[0], "year": shown.get(rid, (None, None))[1],
                 "decision": decisions[rid].decision if rid in decisions else None} for rid in reports]},
                ensure_ascii=False))
        return
    if not studies:
        console.print("No study has more than one report linked.")
        return
    table = Table("study", "report", "year", "title", "decision", title=f"{len(studies)} {'study' if len(studies) == 1 else 'studies'} with several reports")
    for reports in studies:
        for n, rid in enumerate(reports):
            title, year = shown.get(rid, (None, None))
            table.add_row(str(reports[0]) if n == 0 else "", str(rid), str(year or ""), escape((title or "")[:70]),
                          decisions[rid].decision if rid in decisions else "")
    console.print(table)
    console.print(f"{links} links in force; add one with [bold]triage studies link A B[/], "
                  "remove one with [bold]triage studies unlink A B[/].")


list_when_alone(studies_app, list_command)


def _link(a: int, b: int, link: bool, reviewer: str | None, note: str | None, project_dir: Path | None) -> None:
    with open_project(project_dir) as project:
        name = acting_name(project, reviewer, "dedup_review", what="a study link")
        with project.transaction() as session:
            link_reports(session, a, b, link=link, reviewer=name, note=note)
    console.print(f"Records {a} and {b} {'linked as one study' if link else 'unlinked'}.")


@studies_app.command("link")
def link_command(
    a: Annotated[int, typer.Argument(help="A report (record id).")],
    b: Annotated[int, typer.Argument(help="Another report of the same study.")],
    reviewer: ReviewerOption = None,
    note: Annotated[str | None, typer.Option("--note", help="Why, kept in the log.")] = None,
    project_dir: ProjectOption = None,
) -> None:
    """Link two reports as one study (logged)."""
    _link(a, b, True, reviewer, note, project_dir)


@studies_app.command("unlink")
def unlink_command(
    a: Annotated[int, typer.Argument(help="A report (record id).")],
    b: Annotated[int, typer.Argument(help="The report to separate from it.")],
    reviewer: ReviewerOption = None,
    note: Annotated[str | None, typer.Option("--note", help="Why, kept in the log.")] = None,
    project_dir: ProjectOption = None,
) -> None:
    """Remove a link between two reports (also one dedup made by rule; logged)."""
    _link(a, b, False, reviewer, note, project_dir)
