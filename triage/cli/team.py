"""Team screening commands: ``triage allocate`` (who screens, how much twice) and
``triage resolve`` (a lead settles a conflict with a note).

On a team project only a lead allocates or resolves (``triage.roles``): the person named
by ``--by`` (or ``$TRIAGE_REVIEWER``) must be an active lead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from triage.cli.acting import act_as
from triage.cli.app import app, console, fail
from triage.cli.options import ProjectOption, StageOption, open_project
from triage.roles import Action
from triage.store.allocation import allocation_history, parse_share
from triage.store.db import Project
from triage.store.resolutions import resolve_conflict
from triage.store.team import allocate

ByOption = Annotated[
    str | None, typer.Option("--by", help="Who does it, for the log (default: $TRIAGE_REVIEWER or the 'reviewer' setting).")
]


def _lead(project: Project, given: str | None, action: Action) -> str:
    member = act_as(project, given, action)  # a team project: an active user allowed to do it
    if member is not None:
        return member
    name = given or os.environ.get("TRIAGE_REVIEWER") or project.get_setting("reviewer")
    if not name:
        fail("say who does this, for the log: pass --by NAME (or set TRIAGE_REVIEWER)")
    return str(name)


def share_label(share: float) -> str:
    """An allocation's share done twice as the CLI says it: ``all`` or a percentage."""
    return "all" if share >= 1 else f"{share:.0%}"


def allocations_table(log: Sequence[tuple[datetime, str, Sequence[str], float]], *, title: str, people: str,
                      twice: str) -> Table:
    """The allocations set so far, oldest first (when, by, who, share twice): screening's or coding's."""
    table = Table("when", "by", people, twice, title=title)
    for when, by, names, share in log:
        table.add_row(when.strftime("%Y-%m-%d %H:%M"), escape(by), escape(", ".join(names)), f"{share:.0%}")
    return table


@app.command("allocate")
def allocate_command(
    stage: StageOption = "title_abstract",
    reviewers: Annotated[
        str | None, typer.Option("--reviewers", help="Who screens, comma-separated (e.g. ana,ben,cy); "
                                 "without it, the allocations set so far are listed.")
    ] = None,
    double: Annotated[
        str, typer.Option("--double", help="Share of records screened by a second reviewer too: 0-1, or 'all'.")
    ] = "0",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the per-record draw (same seed: same records twice).")] = 0,
    by: ByOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the allocations as JSON.")] = False,
    project_dir: ProjectOption = None,
) -> None:
    """Allocate screening among reviewers: each gets their own queue; a share goes to two of them, blind."""
    with open_project(project_dir) as project:
        if reviewers is not None:
            lead = _lead(project, by, "settings")
            with project.transaction() as session:
                made = allocate(session, stage=stage, reviewers=reviewers.split(","),
                                      double_share=parse_share(double), set_by=lead, seed=seed)
            twice = share_label(made.double_share)
            console.print(f"Allocated {stage} to {escape(', '.join(made.reviewers))}; screened twice: {twice} "
                          f"(set by {escape(lead)}). Each screens with [bold]triage screen --reviewer NAME --stage {stage}[/]."
                          + (" Blind mode is on." if made.double_share > 0 else ""))
            return
        with project.reading() as session:
            log = allocation_history(session, stage)
    if as_json:
        print(json.dumps([{"stage": a.stage, "reviewers": list(a.reviewers), "double_share": a.double_share,
                           "seed": a.seed, "set_by": a.set_by, "created_at": a.created_at.isoformat()} for a in log]))
        return
    if not log:
        console.print(f"Nothing allocated at {stage}: everyone screens every record.")
        return
    console.print(allocations_table([(a.created_at, a.set_by, a.reviewers, a.double_share) for a in log],
                                    title=f"Allocations at {stage} (newest in force)", people="reviewers",
                                    twice="screened twice"))


@app.command("resolve")
def resolve_command(
    record_id: Annotated[int, typer.Argument(help="The record in conflict (see 'triage conflicts').")],
    decision: Annotated[str, typer.Argument(help="include, exclude or maybe.")],
    note: Annotated[str, typer.Option("--note", help="Why: kept with the resolution.")] = "",
    reason: Annotated[list[str] | None, typer.Option("--reason", help="Criterion an exclusion fails (repeatable).")] = None,
    stage: StageOption = "title_abstract",
    by: ByOption = None,
    project_dir: ProjectOption = None,
) -> None:
    """Resolve a conflict (a lead): the decision in force from now on, logged with who, when and why."""
    from triage.screening.criteria_file import project_criteria
    from triage.screening.reasons import check_reasons

    if decision not in ("include", "exclude", "maybe"):
        fail(f"unknown decision {decision!r}; use include, exclude or maybe")
    with open_project(project_dir) as project:
        lead = _lead(project, by, "resolve")
        reasons = check_reasons(reason or [], project_criteria(project))
        with project.transaction() as session:
            done = resolve_conflict(session, record_id, decision, lead=lead, note=note, stage=stage, reasons=reasons)
    console.print(f"Resolved record {done.record_id}: {done.decision} by {escape(done.resolved_by)} "
                  f"(decision {done.decision_id}); note: {escape(done.note)}")
