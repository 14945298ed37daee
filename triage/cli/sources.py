"""``triage sources``: the imported files, and taking back one imported by mistake."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from triage.cli.acting import TeamMemberOption, act_as
from triage.cli.app import TriageGroup, app, console
from triage.cli.options import ProjectOption, open_project
from triage.cli.problem_lines import severity_label
from triage.store.sources import list_sources, name_database, remove_source, source_problems

sources_app = typer.Typer(cls=TriageGroup, invoke_without_command=True, add_completion=False,
                          pretty_exceptions_enable=False,
                          help="List the imported files (no subcommand); show what the reader reported, record the decisions "
                               "other tools left in them, or remove one imported by mistake.")
app.add_typer(sources_app, name="sources")


@sources_app.callback()
def sources_command(ctx: typer.Context, project_dir: ProjectOption = None) -> None:
    """List the imported files: id, database, format, encoding, records, problems."""
    if ctx.invoked_subcommand is not None:
        return
    with open_project(project_dir) as project, project.reading() as session:
        rows = list_sources(session)
    if not rows:
        console.print("No files imported yet: triage import FILE")
        return
    table = Table(title="imported files")
    table.add_column("id", justify="right")
    table.add_column("file", overflow="fold")
    for name in ("database", "read as", "records", "problems", "imported"):
        table.add_column(name, justify="right" if name in ("records", "problems") else "left")
    for s in rows:
        read_as = s.format + (f", {s.encoding}" if s.encoding else "")
        table.add_row(str(s.id), escape(s.file_name), escape(s.database or ""), read_as, str(s.records),
                      str(s.problems), s.imported_at.strftime("%Y-%m-%d"))
    console.print(table)


@sources_app.command("remove")
def remove_command(
    source_id: Annotated[int, typer.Argument(help="The file's id from 'triage sources'.")],
    project_dir: ProjectOption = None,
    reviewer: TeamMemberOption = None,
) -> None:
    """Take back an import (wrong encoding, wrong file) before anyone worked with its records."""
    with open_project(project_dir) as project:
        act_as(project, reviewer, "sources")  # on a team project, a lead's job
        with project.transaction() as session:
            removed = remove_source(session, source_id)
    console.print(f"Removed {escape(removed.file_name)} (id {removed.id}) and its {removed.records} "
                  f"record{'' if removed.records == 1 else 's'}; "
                  "import the corrected file with triage import (add --encoding NAME if its text was garbled).")


@sources_app.command("decisions")
def decisions_command(
    source_id: Annotated[int, typer.Argument(help="The imported file (see 'triage sources').")],
    project_dir: ProjectOption = None,
    reviewer: TeamMemberOption = None,
) -> None:
    """Record the decisions another tool wrote into an imported file as earlier decisions."""
    from triage.store.prior_decisions import record_prior_decisions

    with open_project(project_dir) as project:
        act_as(project, reviewer, "sources")  # on a team project, a lead's job
        with project.transaction() as session:
            recorded = record_prior_decisions(session, source_id)
    console.print(f"{recorded.made} earlier decisions recorded from source {source_id}.")
    if (note := recorded.note(f"source {source_id}")) is not None:
        console.print(f"[yellow]{note}[/]")


@sources_app.command("problems")
def problems_command(
    source_id: Annotated[int, typer.Argument(help="The imported file (see 'triage sources').")],
    project_dir: ProjectOption = None,
) -> None:
    """Every problem the reader reported for an imported file (the import shows a few of each kind)."""
    with open_project(project_dir) as project, project.reading() as session:
        summary, problems = source_problems(session, source_id)
    if not problems:
        console.print(f"{escape(summary.file_name)} (id {summary.id}): no problems reported.")
        return
    for problem in problems:
        console.print(f"{severity_label(problem.severity)} {escape(str(problem))}")
    errors = sum(p.severity == "error" for p in problems)
    console.print(f"{escape(summary.file_name)} (id {summary.id}): {errors} errors, {len(problems) - errors} warnings; "
                  f"{summary.records} records imported.")


@sources_app.command("database")
def database_command(
    source_id: Annotated[int, typer.Argument(help="The file's id from 'triage sources'.")],
    name: Annotated[str, typer.Argument(metavar="DATABASE",
                                        help="The database its records came from, as PRISMA should count it.")],
    project_dir: ProjectOption = None,
    reviewer: TeamMemberOption = None,
) -> None:
    """Name the database a file came from, for one that names none (PRISMA counted it by its file name)."""
    with open_project(project_dir) as project:
        by = act_as(project, reviewer, "sources")  # on a team project, a lead's job
        with project.transaction() as session:
            old, file = name_database(session, source_id, name, by=by)
    console.print(escape(f"{file.file_name} (id {file.id}): its {file.records} record{'' if file.records == 1 else 's'} "
                         f"now counted as identified from {' '.join(name.split())} (was "
                         f"{old or 'none named: counted by the file name'}); logged, see 'triage settings'"),
                  soft_wrap=True)
