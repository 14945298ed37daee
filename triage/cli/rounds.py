"""``triage rounds``: the review's search rounds (the first search and its updates).

``triage import --round NAME`` files exports under a round; ``triage rounds search``
records what was searched where (PRISMA-S: database, platform, date, search string,
hits), so the update's flow diagram and the methods section can be written from the
project itself.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from triage.cli.acting import act_as
from triage.cli.app import app, console, list_when_alone, listing_sub_app
from triage.cli.layout import print_hanging
from triage.cli.options import ProjectOption, open_project
from triage.store.rounds import FIRST_ROUND, add_database_search, round_summaries

rounds_app = listing_sub_app("Search rounds: the first search and its updates, with what each searched and found "
                             "(no subcommand: list them).")
app.add_typer(rounds_app, name="rounds")


@rounds_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the rounds as JSON.")] = False,
    project_dir: ProjectOption = None,
) -> None:
    """Each round: files, records per database, duplicates of earlier rounds, new studies."""
    with open_project(project_dir) as project, project.reading() as session:
        summaries = round_summaries(session)
    if as_json:
        console.print_json(json.dumps([asdict(s) for s in summaries]))
        return
    if console.width < _ROUNDS_TABLE_WIDTH:
        console.print("[bold]Search rounds[/]")
        for s in summaries:
            by_database = ", ".join(f"{db} {n}" for db, n in s.by_database.items())
            print_hanging(f"{s.name}: {_count(s.files, 'file')}, {_count(s.records, 'record')}"
                          + (f" ({by_database})" if by_database else "")
                          + f"; {s.duplicates_of_earlier} duplicates of earlier rounds; "
                          f"{_count(s.new_studies, 'new study', 'new studies')}; "
                          f"{_count(len(s.searches), 'search', 'searches')} recorded")
        return
    table = Table("round", "files", "records", "by database", "duplicates of earlier rounds", "new studies",
                  "searches recorded", title="Search rounds")
    table.columns[0].overflow = "fold"  # a round's whole name, wrapped: two alike must not both read "2026-upd…"
    for s in summaries:
        table.add_row(escape(s.name), str(s.files), str(s.records),
                      escape(", ".join(f"{db} {n}" for db, n in s.by_database.items())),
                      str(s.duplicates_of_earlier), str(s.new_studies), str(len(s.searches)))
    console.print(table)


list_when_alone(rounds_app, list_command)

#: Below this many columns the rounds are listed one a line: seven columns at 80 cut the
#: headers ("duplicat…") and folded round names mid-word ("2026-upda" / "te").
_ROUNDS_TABLE_WIDTH = 100


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


@rounds_app.command("search")
def search_command(
    round_name: Annotated[str, typer.Argument(help=f"The round (made if new; '{FIRST_ROUND}' for the first).")],
    database: Annotated[str, typer.Option("--database", help="Database searched, e.g. MEDLINE, Embase.")],
    platform: Annotated[str | None, typer.Option("--platform", help="Interface, e.g. Ovid, EBSCOhost.")] = None,
    searched_on: Annotated[str | None, typer.Option("--date", help="Date searched, e.g. 2026-11-30.")] = None,
    query: Annotated[str | None, typer.Option("--query", help="The search string as run.")] = None,
    hits: Annotated[int | None, typer.Option("--hits", help="Records the search found.")] = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Who ran it (on a team project: the lead "
                                                "recording it; default $TRIAGE_REVIEWER).")] = None,
    project_dir: ProjectOption = None,
) -> None:
    """Record one database search of a round (PRISMA-S)."""
    with open_project(project_dir) as project:
        recorded_by = act_as(project, reviewer, "sources") or reviewer  # on a team project, a lead's job
        with project.transaction() as session:
            add_database_search(session, round_name=round_name, database=database, platform=platform,
                                searched_on=searched_on, query=query, hits=hits, recorded_by=recorded_by)
    console.print(f"Recorded the {escape(database)} search of {escape(round_name)}.")
