"""Project commands: ``triage init``, ``import``, ``status``, ``export``, ``records``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from triage.cli.app import app, console, err_console, fail
from triage.cli.options import EncodingOption, ProjectOption, open_project
from triage.importing import ImportOutcome, import_file
from triage.prisma import prisma_counts
from triage.store.db import Project
from triage.store.selection import SUBSETS, select_items

CRITERIA_FILE = "criteria.toml"


@app.command("init")
def init_command(
    directory: Annotated[Path, typer.Argument(help="Directory for the new project (created if missing).")] = Path("."),
    criteria: Annotated[
        Path | None, typer.Option("--criteria", help="SPICE criteria TOML; copied into the project.")
    ] = None,
) -> None:
    """Create a review project (a SQLite store in DIRECTORY)."""
    if criteria is not None:
        from triage.criteria import load_criteria

        load_criteria(criteria)  # fail before creating anything if the file is invalid
    project = Project.init(directory)
    with project:
        if criteria is not None:
            target = project.directory / CRITERIA_FILE
            if criteria.resolve() != target.resolve():
                shutil.copyfile(criteria, target)
            project.set_setting("criteria_file", CRITERIA_FILE)
        console.print(f"Created project in [bold]{escape(str(project.directory))}[/]")


@app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(help="RIS, BibTeX, PubMed (.nbib), CSV/TSV or Excel exports.")],
    source: Annotated[
        str | None, typer.Option("--source", help="Database or platform the files came from (e.g. Embase).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Import a file again even if its bytes were imported before.")] = False,
    encoding: EncodingOption = None,
    project_dir: ProjectOption = None,
) -> None:
    """Import exports into the project; each file is one transaction."""
    outcomes: list[ImportOutcome] = []
    with open_project(project_dir) as project, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True, disable=len(files) < 2,
    ) as progress:
        task = progress.add_task("importing", total=len(files))
        for path in files:
            progress.update(task, description=f"importing {path.name}")
            outcomes.append(import_file(project, path, source=source, force=force, encoding=encoding))
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
            err_console.print(f"[bold red]error:[/] {escape(o.message or '')}", soft_wrap=True)
            bad = True
        elif o.status == "skipped":
            err_console.print(f"[yellow]skipped:[/] {escape(o.message or '')}", soft_wrap=True)
        for p in o.problems:
            label = "[bold red]error:[/]" if p.severity == "error" else "[yellow]warning:[/]"
            err_console.print(f"{label} {escape(str(p))}", soft_wrap=True)
            bad = bad or p.severity == "error"
    if bad:
        raise typer.Exit(code=1)


@app.command("status")
def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
    diagram: Annotated[
        Path | None,
        typer.Option("--diagram", help="Also write the PRISMA 2020 flow diagram here (.svg or .png)."),
    ] = None,
    project_dir: ProjectOption = None,
) -> None:
    """Counts in PRISMA 2020 terms: identified per source, duplicates, screened, excluded, included."""
    if diagram is not None:  # matplotlib is loaded only when a diagram is asked for
        from triage.web.figures import FORMATS, prisma_diagram

        fmt = diagram.suffix.lower().lstrip(".")
        if fmt not in FORMATS:  # checked before any work is done
            fail(f"{diagram}: cannot draw a {fmt or 'suffix-less'} file; name the diagram .svg or .png")
    with open_project(project_dir) as project:
        with project.reading() as session:
            counts = prisma_counts(session)
        stopping = _stopping_summary(project)
    if diagram is not None:
        diagram.write_bytes(prisma_diagram(counts, fmt))
        err_console.print(f"PRISMA 2020 flow diagram written to {escape(str(diagram))}")
    if as_json:
        data = counts.to_dict()
        data["stopping"] = stopping
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
    table.add_row("not yet screened", str(counts.undecided))
    if counts.undecided_without_text:
        table.add_row("  with no title, abstract or keywords", str(counts.undecided_without_text))
    table.add_row("full texts assessed", str(counts.full_text_assessed))
    table.add_row("  excluded at full text", str(counts.full_text_excluded))
    for reason, n in counts.full_text_excluded_reasons.items():
        table.add_row(f"    {escape(reason)}", str(n))
    table.add_row("studies included", str(counts.included))
    console.print(table)
    if stopping:
        _print_stopping(stopping)


def _stopping_summary(project: Project) -> dict[str, object]:
    """Stopping estimates shown beside the counts (empty until screening starts)."""
    from triage.screening.advice import stopping_advice

    return stopping_advice(project)


def _print_stopping(stopping: dict[str, object]) -> None:
    table = Table("stopping rule", "estimate", "advice", "what stopping promises", "still to do",
                  title="When is stopping safe?")
    rules = stopping.get("rules", {})
    assert isinstance(rules, dict)
    for name, info in rules.items():
        assert isinstance(info, dict)
        label = f"{name} (recommended)" if name == stopping.get("recommended") else name
        table.add_row(escape(label), escape(str(info.get("estimate", ""))), escape(str(info.get("advice", ""))),
                      escape(str(info.get("promise", ""))), escape(str(info.get("cost", ""))))
    console.print(table)


@app.command("export")
def export_command(
    out: Annotated[Path, typer.Argument(help="Output file; format from its extension (.ris, .bib, .csv).")],
    subset: Annotated[str, typer.Option("--subset", help=f"Which records: {', '.join(SUBSETS)}.")] = "all",
    stage: Annotated[str, typer.Option("--stage", help="title_abstract or full_text.")] = "title_abstract",
    fmt: Annotated[str | None, typer.Option("--format", help="ris, bibtex or csv (default: from extension).")] = None,
    project_dir: ProjectOption = None,
) -> None:
    """Export records with their decisions and reasons (RIS, BibTeX or CSV)."""
    from triage.records.writers import write_records

    fmt = fmt or _format_from_suffix(out)
    with open_project(project_dir) as project, project.reading() as session:
        items = select_items(session, subset=subset, stage=stage)
    n = write_records(items, out, fmt)
    console.print(f"Wrote {n} records to {escape(str(out))}")


def _format_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    formats = {".ris": "ris", ".txt": "ris", ".bib": "bibtex", ".bibtex": "bibtex", ".csv": "csv"}
    if suffix not in formats:
        fail(f"cannot tell the format of {path.name} from its extension; pass --format ris|bibtex|csv")
    return formats[suffix]


@app.command("records")
def records_command(
    search: Annotated[str | None, typer.Option("--search", "-s", help="Words that must all appear in title/abstract/authors.")] = None,
    subset: Annotated[str, typer.Option("--subset", help=f"Which records: {', '.join(SUBSETS)}.")] = "all",
    stage: Annotated[str, typer.Option("--stage", help="title_abstract or full_text.")] = "title_abstract",
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most N records (0 = all).")] = 20,
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
    table = Table("id", "year", "title", "first author", "decision", title=f"{len(items)} records")
    for item in shown:
        r = item.record
        table.add_row(
            str(item.record_id), str(r.year or ""), escape((r.title or "(no title)")[:90]),
            escape(r.authors[0] if r.authors else ""), item.decision or "",
        )
    console.print(table)
