"""``triage dedup``: run deduplication, review possible duplicates, undo merges."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from triage.cli.acting import act_as, acting_name
from triage.cli.app import TriageGroup, app, console, err_console
from triage.cli.options import ClusterOption, ProjectOption, open_project
from triage.records.model import Record
from triage.store.db import Project
from triage.store.decisions import decisions_in_force
from triage.store.dedup_review import QueueItem, decide_pair, reopen_pair, review_queue
from triage.store.dedup_runs import RunSummary, run_dedup, undo_last_run, undo_merge_id
from triage.store.merges import active_merges
from triage.store.schema import STAGES, RecordRow

dedup_app = typer.Typer(cls=TriageGroup, invoke_without_command=True, add_completion=False,
                        pretty_exceptions_enable=False,
                        help="Find and merge duplicate records (run with no subcommand), review, undo.")
app.add_typer(dedup_app, name="dedup")

ReviewerOption = Annotated[
    str | None, typer.Option("--reviewer", help="Your name, logged with each decision (default: $TRIAGE_REVIEWER, else the 'reviewer' setting).")
]
_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "abstract")
_CHOICES = {"m": "merge", "k": "keep_apart", "s": "skip", "q": "quit"}


def _reviewer(project: Project, given: str | None) -> str:
    return acting_name(project, given, "dedup_review", what="a dedup decision")


@dedup_app.callback()
def dedup_command(ctx: typer.Context, project_dir: ProjectOption = None, reviewer: ReviewerOption = None,
                  cluster: ClusterOption = None) -> None:
    """Deduplicate records not yet checked against everything in the project."""
    if ctx.invoked_subcommand is not None:
        return
    with open_project(project_dir) as project:
        act_as(project, reviewer, "dedup_run")  # on a team project, a lead's job
    with ExitStack() as stack:
        scorer = None
        if cluster is not None:  # pair scoring on the cluster's workers; the rest stays here
            from triage.cluster.client import connect

            client = stack.enter_context(connect(cluster))
            from triage.cluster.dedup import cluster_scorer

            scorer = cluster_scorer(client)
        project = stack.enter_context(open_project(project_dir))
        bar = stack.enter_context(Progress(
            TextColumn("comparing pairs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err_console, transient=True,
        ))
        task = bar.add_task("dedup", total=None)
        summary = run_dedup(project, progress=lambda done, total: bar.update(task, completed=done, total=total),
                            scorer=scorer)
        print_dedup_summary(project, summary)


def print_dedup_summary(project: Project, summary: RunSummary) -> None:
    """The run's counts, and what a person must look at now (pairs to review, groups
    whose members carry different decisions)."""
    if summary.new_records == 0:
        console.print("Nothing new to deduplicate: every record was checked by an earlier run.")
        return
    table = Table("", "count", title=f"dedup run {summary.run_id}")
    for label, value in (
        ("records in project", summary.records), ("records checked in this run", summary.new_records),
        ("pairs compared", summary.pairs_compared), ("merges made (groups of duplicates)", summary.merges),
        ("records merged into another (all runs)", summary.records_removed),
        ("possible duplicates for review", summary.possible), ("related versions linked", summary.related),
    ):
        table.add_row(label, str(value))
    table.add_row("seconds", f"{summary.seconds:.1f}")
    console.print(table)
    if summary.possible:
        console.print("Review the possible duplicates with [bold]triage dedup review[/].")
    warn_about_groups(project)


def warn_about_groups(project: Project) -> None:
    """After merge groups changed: groups whose members carry different decisions, and
    decisions inherited from a group since split, both waiting for a person."""
    conflicts = inherited = 0
    with project.reading() as session:
        for stage in STAGES:
            in_force = decisions_in_force(session, stage=stage)
            conflicts += len(in_force.conflicts)
            inherited += sum(1 for d in in_force.decisions.values() if d.inherited)
    if conflicts:
        console.print(f"[yellow]{conflicts} merge groups hold different decisions: a person decides them "
                      "([bold]triage conflicts[/]).[/]")
    if inherited:
        console.print(f"[yellow]{inherited} records carry a decision made on a merge since undone: confirm "
                      "them ([bold]triage records --subset inherited[/]).[/]")


def _value(record: Record, name: str) -> str:
    value = getattr(record, name)
    if isinstance(value, list):
        value = "; ".join(value)
    text = "" if value is None else str(value)
    return escape(text[:300] + ("..." if len(text) > 300 else ""))


def _show(item: QueueItem, position: int, total: int) -> None:
    table = Table("field", f"record {item.record_a}", f"record {item.record_b}",
                  title=f"possible duplicate {position}/{total} (pair {item.pair_id}): {escape(item.reason)}",
                  show_lines=True)
    from triage.dedup.compare import fields_that_differ

    differ = fields_that_differ(item.a, item.b, _FIELDS)  # in substance: "Smith, J" is "Smith J."
    for name in _FIELDS:
        table.add_row(f"[bold red]{name} ≠[/]" if name in differ else name, _value(item.a, name), _value(item.b, name))
    sources = [f"{r.provenance.source_file} ({r.provenance.database or 'database unknown'})" if r.provenance else ""
               for r in (item.a, item.b)]
    table.add_row("source", escape(sources[0]), escape(sources[1]))
    console.print(table)


@dedup_app.command("review")
def review_command(
    reviewer: ReviewerOption = None,
    list_only: Annotated[bool, typer.Option("--list", help="Only list the open pairs.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Show at most this many pairs.")] = None,
    kept_apart: Annotated[
        bool, typer.Option("--kept-apart", help="List the pairs a person kept apart (undo with 'triage dedup reopen').")
    ] = False,
    project_dir: ProjectOption = None,
) -> None:
    """Show possible duplicates side by side; decide merge or keep apart (logged)."""
    with open_project(project_dir) as project:
        queue = review_queue(project, limit=limit, status="kept_apart" if kept_apart else "open")
        if not queue:
            console.print("No pairs kept apart." if kept_apart else "No possible duplicates waiting for review.")
            return
        if list_only or kept_apart:
            table = Table("pair", "record a", "record b", "similarity", "reason", "title a")
            for item in queue:
                table.add_row(str(item.pair_id), str(item.record_a), str(item.record_b), f"{item.score:.2f}",
                              escape(item.reason), escape((item.a.title or "")[:60]))
            console.print(table)
            return
        name = _reviewer(project, reviewer)
        decided = 0
        for n, item in enumerate(queue, start=1):
            _show(item, n, len(queue))
            answer = typer.prompt("merge, keep apart, skip or quit? [m/k/s/q]", default="s").strip().lower()[:1]
            choice = _CHOICES.get(answer, "skip")
            if choice == "quit":
                break
            if choice == "skip":
                continue
            decide_pair(project, item.pair_id, choice, reviewer=name)
            decided += 1
            console.print(f"pair {item.pair_id}: {choice.replace('_', ' ')} (logged for {escape(name)})")
        console.print(f"{decided} decision(s) recorded.")
        warn_about_groups(project)


@dedup_app.command("undo")
def undo_command(
    merge: Annotated[int | None, typer.Option("--merge", help="Undo only this merge (see 'triage dedup merges').")] = None,
    reviewer: ReviewerOption = None,
    note: Annotated[str | None, typer.Option("--note", help="Why, kept in the decision log.")] = None,
    project_dir: ProjectOption = None,
) -> None:
    """Undo the latest dedup run, or one merge (then no later run merges it again)."""
    with open_project(project_dir) as project:
        if merge is None:
            summary = undo_last_run(project)
            console.print(f"Undid dedup run {summary.run_id}: {summary.merges} merge(s), "
                          f"{summary.records_restored} record(s) screened on their own again.")
        else:
            summary = undo_merge_id(project, merge, reviewer=_reviewer(project, reviewer), note=note)
            console.print(f"Undid merge {merge}: {summary.records_restored} record(s) screened on their own again; "
                          "later runs will keep them apart.")
        warn_about_groups(project)


@dedup_app.command("reopen")
def reopen_command(
    pair: Annotated[int, typer.Argument(help="The pair a person kept apart (see 'triage dedup review --list --kept-apart').")],
    reviewer: ReviewerOption = None,
    note: Annotated[str | None, typer.Option("--note", help="Why, kept in the decision log.")] = None,
    project_dir: ProjectOption = None,
) -> None:
    """Undo a "keep apart": the pair goes back to the review queue (logged)."""
    with open_project(project_dir) as project:
        reopen_pair(project, pair, reviewer=_reviewer(project, reviewer), note=note)
    console.print(f"Pair {pair} is back in the review queue.")


@dedup_app.command("merges")
def merges_command(project_dir: ProjectOption = None) -> None:
    """List the merges in force: members, databases, canonical title."""
    with open_project(project_dir) as project, project.reading() as session:
        merges = active_merges(session)
        if not merges:
            console.print("No merges in this project.")
            return
        table = Table("merge", "screened as", "members", "databases", "by", "title")
        for m in merges:
            rep = session.get(RecordRow, m.representative_id)
            table.add_row(str(m.id), str(m.representative_id), ", ".join(map(str, m.members)),
                          escape(", ".join(m.databases)), escape(m.created_by),
                          escape(str(m.canonical.get("title") or (rep.title if rep else ""))[:70]))
        console.print(table)
