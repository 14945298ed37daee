"""Project commands: ``triage init``, ``import``, ``status``, ``export``, ``records``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from triage.cli.acting import TeamMemberOption, act_as
from triage.cli.app import app, console, err_console, fail
from triage.cli.criteria import adopt_criteria, who
from triage.cli.layout import print_hanging
from triage.cli.options import EncodingOption, ProjectOption, StageOption, given_database, open_project
from triage.cli.problem_lines import grouped_problems, severity_label
from triage.config import default, setting
from triage.importing import ImportOutcome, import_file
from triage.store.db import DATABASE_ENV, Project
from triage.store.groups import dedup_horizon
from triage.store.prisma import UpdateCounts
from triage.store.rounds import FIRST_ROUND, round_names
from triage.store.selection import SUBSETS, select_items
from triage.store.settings_log import change_setting


@app.command("init")
def init_command(
    directory: Annotated[Path, typer.Argument(help="Directory for the new project (created if missing).")] = Path("."),
    criteria: Annotated[
        Path | None, typer.Option("--criteria", help="SPICE criteria TOML; copied into the project.")
    ] = None,
    exclusion_reason_required: Annotated[
        str, typer.Option(
            "--exclusion-reason-required",
            help="Where an exclusion must name a reason: full_text (PRISMA 2020: optional at title/abstract) "
                 "or all_stages. Change it later with 'triage settings exclusion_reason_required VALUE'.",
        ),
    ] = str(default("exclusion_reason_required")),
) -> None:
    """Create a review project (a SQLite store in DIRECTORY)."""
    choices = setting("exclusion_reason_required").choices
    if exclusion_reason_required not in choices:
        fail(f"--exclusion-reason-required must be one of: {', '.join(choices)}; got {exclusion_reason_required!r}")
    if criteria is not None:
        from triage.criteria import load_criteria

        load_criteria(criteria)  # fail before creating anything if the file is invalid
    project = Project.init(directory, given_database())
    with project:
        if criteria is not None:
            adopt_criteria(project, criteria, by=who(project, None), note="criteria at the start of the review")
        change_setting(project, "exclusion_reason_required", exclusion_reason_required)
        console.print(f"Created project in [bold]{escape(str(project.directory))}[/]")
        if project.database is not None:  # the store is not in the directory: say how to reach it again
            console.print(f"Its store is {escape(project.location)}: every later command needs it, with "
                          f"--database URL or 'export {DATABASE_ENV}=URL'.")


@app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(help="RIS, BibTeX, PubMed (.nbib), CSV/TSV or Excel exports.")],
    source: Annotated[
        str | None, typer.Option("--source", help="Database or platform the files came from (e.g. Embase).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Import a file again even if its bytes were imported before.")] = False,
    encoding: EncodingOption = None,
    search_round: Annotated[
        str | None,
        typer.Option("--round", help="Name of the search round these files come from (e.g. 2026-update); "
                     "default: the first search. See 'triage rounds'."),
    ] = None,
    decisions: Annotated[
        bool,
        typer.Option("--decisions", help="Record the screening decisions another tool wrote into the files "
                     "(ASReview labels, Rayyan notes, a decision column) as earlier decisions by 'imported: FILE'."),
    ] = False,
    dedup: Annotated[
        bool,
        typer.Option("--dedup/--no-dedup", help="Once the project has been deduplicated, compare the new records "
                     "with it right after the import (incremental; pairs kept apart stay apart)."),
    ] = True,
    project_dir: ProjectOption = None,
    reviewer: TeamMemberOption = None,
) -> None:
    """Import exports into the project; each file is one transaction."""
    outcomes: list[ImportOutcome] = []
    with open_project(project_dir) as project, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True, disable=len(files) < 2,
    ) as progress:
        act_as(project, reviewer, "sources")  # on a team project, a lead's job
        with project.reading() as session:
            rounds_before = round_names(session)
        task = progress.add_task("importing", total=len(files))
        for path in files:
            progress.update(task, description=f"importing {path.name}")
            outcomes.append(import_file(project, path, source=source, force=force, encoding=encoding,
                                        search_round=search_round))
            progress.advance(task)
    table = Table("file", "format", "database", "records", "problems", "status")
    for o in outcomes:
        table.add_row(
            escape(Path(o.path).name), o.format or "", escape(o.database or ""), str(o.records),
            str(len(o.problems)), o.status,
        )
    console.print(table)
    bad = False
    for o in outcomes:
        if o.status == "failed":
            err_console.print(f"[bold red]error:[/] {escape(o.message or '')}")
            bad = True
        elif o.status == "skipped":
            err_console.print(f"[yellow]skipped:[/] {escape(o.message or '')}")
        more = f"; all of them: triage sources problems {o.source_id}" if o.source_id is not None else ""
        for line in grouped_problems(o.problems, more=more):
            err_console.print(f"{severity_label(line.severity)} {escape(line.text)}")
        bad = bad or any(p.severity == "error" for p in o.problems)
    _announce_new_round(search_round, rounds_before, outcomes)
    for o in outcomes:
        if o.status == "imported" and o.records and not o.database and o.source_id is not None:
            name = Path(o.path).name
            console.print(escape(f"note: {name} names no database, so PRISMA counts its records as identified from "
                                 f"'{name}'; name it with 'triage sources database {o.source_id} NAME' (or import "
                                 "such a file with --source NAME)"), style="yellow")
    _prior_decisions(project_dir, outcomes, record=decisions)
    if dedup and any(o.status == "imported" and o.records for o in outcomes):
        with open_project(project_dir) as project:
            _dedup_new_records(project)
    if bad:
        raise typer.Exit(code=1)


def _announce_new_round(name: str | None, before: list[str], outcomes: list[ImportOutcome]) -> None:
    """Say so when ``--round`` made a round: a mistyped name silently splits an update's
    counts in two (and the next import's ``--new`` serves only the newest)."""
    import difflib

    name = (name or "").strip()
    ids = [str(o.source_id) for o in outcomes if o.status == "imported" and o.source_id is not None]
    if not name or name == FIRST_ROUND or name in before or not ids:
        return
    line = f"new search round {name!r} (rounds now: {', '.join([*before, name])})"
    near = difflib.get_close_matches(name, [r for r in before if r != FIRST_ROUND], n=1, cutoff=0.8)
    if near:
        line += (f"; did you mean {near[0]!r}? then take this import back with 'triage sources remove "
                 f"{' '.join(ids)}' and import the file again with --round {near[0]!r}")
    console.print(f"[yellow]{escape(line)}[/]" if near else escape(line))


def _prior_decisions(project_dir: Path | None, outcomes: list[ImportOutcome], *, record: bool) -> None:
    """Decisions other tools left in the files: recorded when asked, else pointed out."""
    from triage.store.prior_decisions import count_prior_labels, record_prior_decisions

    imported = [o for o in outcomes if o.status == "imported" and o.source_id is not None]
    if not imported:
        return
    with open_project(project_dir) as project, project.transaction() as session:
        for o in imported:
            assert o.source_id is not None
            name = escape(Path(o.path).name)
            if record:
                recorded = record_prior_decisions(session, o.source_id)
                console.print(f"{name}: {recorded.made} earlier decisions recorded (reviewer 'imported: {name}').")
                if (note := recorded.note(name)) is not None:
                    console.print(f"[yellow]{note}[/]")
            elif (labelled := count_prior_labels(session, o.source_id)):
                carry = "record carries" if labelled == 1 else "records carry"
                console.print(f"[yellow]{name}: {labelled} {carry} decisions from another tool; not recorded "
                              f"(record them with 'triage sources decisions {o.source_id}').[/]")


def _dedup_new_records(project: Project) -> None:
    """New records never reach a screening queue undeduplicated: in a project that was
    deduplicated before, compare them with it now (the queue holds them back until then)."""
    from triage.cli.dedup import print_dedup_summary
    from triage.store.dedup_runs import run_dedup

    with project.reading() as session:
        if dedup_horizon(session) is None:
            return
    print_dedup_summary(project, run_dedup(project))


@app.command("status")
def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
    diagram: Annotated[
        Path | None,
        typer.Option("--diagram", help="Also write the PRISMA 2020 flow diagram here (.svg or .png)."),
    ] = None,
    whole_review: Annotated[
        bool,
        typer.Option("--whole-review", help="After a search update, draw the whole review in the diagram (a search "
                                            "re-run before publication); by default the newest round is drawn on "
                                            "PRISMA 2020's template for updated reviews."),
    ] = False,
    project_dir: ProjectOption = None,
) -> None:
    """Counts in PRISMA 2020 terms: identified per source, duplicates, screened, excluded, included."""
    if diagram is not None:  # matplotlib is loaded only when a diagram is asked for
        from triage.web.figures import FORMATS, prisma_diagram

        fmt = diagram.suffix.lower().lstrip(".")
        if fmt not in FORMATS:  # checked before any work is done
            fail(f"{diagram}: cannot draw a {fmt or 'suffix-less'} file; name the diagram .svg or .png")
    # One read session for all of it (each a pool checkout and pre-ping on PostgreSQL, 26 before).
    with open_project(project_dir) as project, project.reads_together():
        from triage.screening.kept_advice import kept_status_facts

        facts = kept_status_facts(project)
        counts, criteria_version = facts.counts, facts.criteria_version
        earlier, team = facts.decisions_under_earlier_criteria, facts.team
        stopping = _stopping_summary(project)
        from triage.screening.kept_queue import ranking_summary

        ranking = ranking_summary(project)
    if diagram is not None:
        diagram.write_bytes(prisma_diagram(counts, fmt, whole_review=whole_review))
        err_console.print(f"PRISMA 2020 flow diagram written to {escape(str(diagram))}")
    if as_json:
        data = counts.to_dict()
        data["criteria_version"] = criteria_version
        data["decisions_under_earlier_criteria"] = earlier
        data["stopping"] = stopping
        data["ranking"] = ranking
        data.update(team)  # "reviewers" and "agreement"
        console.print_json(json.dumps(data))
        return
    table = Table("PRISMA 2020", "records", title="Identification and screening")
    for name, n in counts.identified_by_source.items():
        table.add_row(f"identified from {escape(name)}", str(n))
    table.add_row("records identified", str(counts.identified))
    table.add_row("duplicates removed", str(counts.duplicates_removed))
    table.add_row("records to screen", str(counts.records_to_screen))
    table.add_row("screened (title/abstract)", str(counts.screened))
    table.add_row("  excluded", str(counts.excluded))
    for reason, n in counts.excluded_reasons.items():
        table.add_row(f"    {escape(reason)}", str(n))
    table.add_row("  maybe", str(counts.maybe))
    table.add_row("  included at title/abstract", str(counts.included_title_abstract))
    if counts.conflicts:
        table.add_row("  in conflict (see triage conflicts)", str(counts.conflicts))
    if counts.inherited:
        table.add_row("  inherited from an undone merge (confirm)", str(counts.inherited))
    table.add_row("not yet screened", str(counts.undecided))
    if counts.awaiting_second_reviewer:
        table.add_row("  decided once, waiting for a second reviewer", str(counts.awaiting_second_reviewer))
    if counts.awaiting_dedup:
        table.add_row("  waiting for dedup (run triage dedup)", str(counts.awaiting_dedup))
    if counts.undecided_without_text:
        table.add_row("  with no title, abstract or keywords", str(counts.undecided_without_text))
    table.add_row("full texts assessed", str(counts.full_text_assessed))
    table.add_row("  excluded at full text", str(counts.full_text_excluded))
    for reason, n in counts.full_text_excluded_reasons.items():
        table.add_row(f"    {escape(reason)}", str(n))
    table.add_row("studies included", str(counts.included_studies))
    table.add_row("  reports of included studies", str(counts.included))
    console.print(table)
    if counts.update is not None:
        _print_update(counts.update)
    if earlier:
        console.print(f"[yellow]{earlier} decisions were made under an earlier criteria version: "
                      "[bold]triage criteria earlier[/] lists them.[/]")
    if stopping:
        _print_stopping(stopping)
    if ranking["model"] is not None:
        console.print(f"Ranking: {escape(str(ranking['model']))} learned from {ranking['model_decisions']} decisions"
                      + ("" if ranking["current"] else " (made before the latest decisions, imports, merges or "
                                                        "embeddings: 'triage next' updates it)")
                      + ("; embeddings being computed in the background" if ranking["embedding_in_background"]
                         else "; ranked without embeddings (they are computed on the next ranking)"
                         if ranking["embeddings_pending"] else "") + ".")
    _print_team(team)


def _print_team(team: dict[str, list[dict[str, object]]]) -> None:
    """Per-reviewer progress and agreement per pair (nothing for a one-person review)."""
    if len({str(r["reviewer"]) for r in team["reviewers"]}) > 1:
        table = Table("stage", "reviewer", "decided", "still open to them (shared)", title="Reviewers")
        for r in team["reviewers"]:
            table.add_row(str(r["stage"]), escape(str(r["reviewer"])), str(r["decided"]), str(r["remaining"]))
        console.print(table)
    if team["agreement"]:
        table = Table("stage", "reviewers", "both screened", "agreement", "Cohen's kappa", "PABAK",
                      title="Agreement per pair")
        for a in team["agreement"]:
            pair = a["reviewers"]
            assert isinstance(pair, list)
            table.add_row(str(a["stage"]), escape(" & ".join(pair)), str(a["n"]),
                          f"{float(str(a['percent_agreement'])):.1%}", f"{float(str(a['kappa'])):.3f}",
                          f"{float(str(a['pabak'])):.3f}")
        console.print(table)


def _print_update(update: UpdateCounts) -> None:
    """The newest search round alone, as the PRISMA 2020 diagram for updated reviews counts it."""
    table = Table("PRISMA 2020 (updated review)", "records", title=f"Search update: {escape(update.round)}")
    table.add_row("studies included in the previous version", str(update.previous_included))
    for search in update.searches:
        detail = ", ".join(str(search[k]) for k in ("platform", "searched_on") if search.get(k))
        table.add_row(f"searched {escape(str(search['database']))}" + (f" ({escape(detail)})" if detail else ""),
                      "" if search.get("hits") is None else f"{search['hits']} hits")
    table.add_row("records identified in this round", str(update.identified))
    for name, n in update.identified_by_source.items():
        table.add_row(f"  from {escape(name)}", str(n))
    table.add_row("duplicates (of each other or of studies found before)", str(update.duplicates_removed))
    table.add_row("new records to screen", str(update.records_to_screen))
    table.add_row("  screened", str(update.screened))
    table.add_row("  excluded", str(update.excluded))
    table.add_row("  included at title/abstract", str(update.included_title_abstract))
    table.add_row("new studies included", str(update.included))
    table.add_row("total studies included", str(update.total_included))
    console.print(table)
    console.print("Screen only the new records with [bold]triage screen --new[/] (or [bold]triage next --new[/]).")


def _stopping_summary(project: Project) -> dict[str, object]:
    """Stopping estimates shown beside the counts (empty until screening starts)."""
    from triage.screening.kept_advice import kept_stopping_advice

    return kept_stopping_advice(project)


#: Below this many columns the stopping rules are printed one under another: five columns of
#: sentences at 80 columns cut the rules' names ("Müller-Hanse…") and wrapped every cell.
_STOPPING_TABLE_WIDTH = 120
_STOPPING_FIELDS = (("estimate", "estimate"), ("advice", "advice"), ("promise", "what stopping promises"),
                    ("cost", "still to do"))


def _print_stopping(stopping: dict[str, object]) -> None:
    rules = stopping.get("rules", {})
    assert isinstance(rules, dict)
    labelled = [(f"{name} (recommended)" if name == stopping.get("recommended") else name, info)
                for name, info in rules.items()]
    if console.width >= _STOPPING_TABLE_WIDTH:
        table = Table("stopping rule", *(title for _, title in _STOPPING_FIELDS), title="When is stopping safe?")
        for label, info in labelled:
            table.add_row(escape(label), *(escape(str(info.get(key, ""))) for key, _ in _STOPPING_FIELDS))
        console.print(table)
    else:
        console.print("[bold]When is stopping safe?[/]")
        for label, info in labelled:
            console.print(f"[bold]{escape(label)}[/]")
            for key, title in _STOPPING_FIELDS:
                print_hanging(f"{title}: {info.get(key, '')}", indent=2)
    if stopping.get("recommended_reason"):
        console.print(escape(f"{stopping['recommended']} is recommended because {stopping['recommended_reason']}"))


@app.command("export")
def export_command(
    out: Annotated[Path, typer.Argument(help="Output file; format from its extension (.ris, .bib, .csv).")],
    subset: Annotated[str, typer.Option("--subset", help=f"Which records: {', '.join(SUBSETS)}.")] = "all",
    stage: StageOption = "title_abstract",
    fmt: Annotated[str | None, typer.Option("--format", help="ris, bibtex or csv (default: from extension).")] = None,
    project_dir: ProjectOption = None,
    reviewer: TeamMemberOption = None,
) -> None:
    """Export records with their decisions and reasons (RIS, BibTeX or CSV)."""
    from triage.records.writers import write_records

    fmt = fmt or _format_from_suffix(out)
    with open_project(project_dir) as project:
        act_as(project, reviewer, "export")  # on a team project, a lead's job
    with open_project(project_dir) as project, project.reading() as session:
        items = select_items(session, subset=subset, stage=stage)
    n = write_records(items, out, fmt)
    console.print(f"Wrote {n} record{'' if n == 1 else 's'} to {escape(str(out))}")


def _format_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    formats = {".ris": "ris", ".txt": "ris", ".bib": "bibtex", ".bibtex": "bibtex", ".csv": "csv"}
    if suffix not in formats:
        fail(f"cannot tell the format of {path.name} from its extension; pass --format ris|bibtex|csv")
    return formats[suffix]


@app.command("records")
def records_command(
    search: Annotated[str | None, typer.Option("--search", "-s", help="Words to look for in title, abstract, authors and keywords; best matches first.")] = None,
    subset: Annotated[str, typer.Option("--subset", help=f"Which records: {', '.join(SUBSETS)}.")] = "all",
    stage: StageOption = "title_abstract",
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="Show at most N records (0 = all).")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print records as JSON lines.")] = False,
    project_dir: ProjectOption = None,
) -> None:
    """List or search the records to screen, with their current decision."""
    with open_project(project_dir) as project, project.reading() as session:
        items = select_items(session, subset=subset, stage=stage, search=search)
    shown = items if limit == 0 else items[:limit]
    if as_json:
        for item in shown:
            data = {
                "id": item.record_id,
                "title": item.record.title,
                "authors": item.record.authors,
                "year": item.record.year,
                "journal": item.record.journal,
                "doi": item.record.doi,
                "decision": item.decision,
                "reasons": list(item.reasons),
            }
            print(json.dumps(data, ensure_ascii=False))
        return
    title = f"{len(items)} records" + (" hold a word of the search" if search else "")
    if len(shown) < len(items):  # say it: a heading of every match over the first rows read as a count of them
        title += f"; the {'best' if search else 'first'} {len(shown)} shown (--limit 0 for all)"
    table = Table("id", "year", "title", "first author", "decision", title=title)
    for item in shown:
        r = item.record
        table.add_row(
            str(item.record_id), str(r.year or ""), escape((r.title or "(no title)")[:90]),
            escape(r.authors[0] if r.authors else ""), item.decision or "",
        )
    console.print(table)
