"""Screening commands: ``triage screen`` (interactive), ``next``, ``decide``, ``agreement``."""

# The ranking stack (torch, spaCy, scikit-learn) is imported inside the commands: CLI start-up time.
from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from triage.cli.acting import acting_name
from triage.cli.app import app, console, err_console, fail
from triage.cli.options import ProjectOption, StageOption, open_project
from triage.screening.reasons import PICK_KEYS, check_reasons
from triage.store.db import Project
from triage.store.groups import awaiting_dedup, current_groups
from triage.store.studies import decide_other_reports, other_reports, reports_of

if TYPE_CHECKING:
    from rich.progress import TaskID

    from triage.ranking.explain import Match
    from triage.screening.kept_queue import KeptQueue
    from triage.screening.queue import ScreeningQueue, Shown

ReviewerOption = Annotated[
    str | None, typer.Option("--reviewer", "-r", help="Who decides (default: $TRIAGE_REVIEWER, else the 'reviewer' setting).")
]
NewOnlyOption = Annotated[
    bool,
    typer.Option("--new", help="Only studies the newest search round found (a search update); the model still "
                 "learns from every decision."),
]
IndependentOption = Annotated[
    bool,
    typer.Option(
        "--independent",
        help="Double screening: offer records other reviewers decided too (only the reviewer's own decisions are skipped).",
    ),
]
PresetOption = Annotated[str | None, typer.Option("--preset", help="Ranking preset from models/ (default: the project's).")]

#: One colour per SPICE element for highlighting (cycled for extra elements).
COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "red")


def _reviewer(project: Project, reviewer: str | None) -> str:
    return acting_name(project, reviewer, "screen", what="a screening decision")


def _open_queue(project: Project, **kwargs: Any) -> ScreeningQueue:
    """The screening queue, with a progress bar (on a terminal) while records are embedded
    the first time: every record once, stored in the project, minutes for a large review on
    a CPU. Nothing is drawn when there is nothing to embed or output is not a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from triage.screening.queue import ScreeningQueue

    bar = Progress(
        TextColumn("embedding records (once)"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True, disable=not err_console.is_terminal,
    )
    task: list[TaskID] = []

    def advance(done: int, total: int) -> None:
        if not task:
            bar.start()
            task.append(bar.add_task("embedding", total=total))
        bar.update(task[0], completed=done)

    try:
        return ScreeningQueue(project, embedding_progress=advance, **kwargs)
    finally:
        if task:
            bar.stop()


#: Records one `triage next --reviewer` leases at most under an allocation: a script asking for
#: 500 held every record for one reviewer for 20 minutes, and the others' queues ran dry.
LEASED_AT_MOST = 25


@app.command("next")
def next_command(
    n: Annotated[int, typer.Option("--n", "-n", min=1, help="How many records to show.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines: id, rank, score, model, title, matches.")] = False,
    preset: PresetOption = None,
    stage: StageOption = "title_abstract",
    reviewer: Annotated[
        str | None, typer.Option("--reviewer", "-r", help="Whose queue (under 'triage allocate': served records are leased to them).")
    ] = None,
    independent: IndependentOption = False,
    new_only: NewOnlyOption = False,
    project_dir: ProjectOption = None,
) -> None:
    """Show the next records to screen, best first, with why they rank there."""
    with open_project(project_dir) as project:
        from triage.screening.kept_queue import kept_queue, kept_reviewer_queue, kept_study_groups

        who = _reviewer(project, reviewer) if independent or reviewer else None  # a named queue: allocations
        # The order kept by the last command, while nothing it depends on changed; a named
        # reviewer's queue is their share of it (leased as served, under an allocation); an
        # independent reviewer's is always built.
        kept: KeptQueue | None = None
        if who is None:
            kept = kept_queue(project, stage=stage, preset=preset, new_only=new_only)
        elif not independent:
            kept = kept_reviewer_queue(project, reviewer=who, stage=stage, preset=preset, new_only=new_only)
        queue: ScreeningQueue | KeptQueue
        if kept is None:
            built = _open_queue(project, preset=preset, stage=stage, reviewer=who, independent=independent,
                                new_only=new_only)
            order = built.keep_order()
            queue = built
        else:
            queue, order = kept, kept.order
        if who is not None and n > LEASED_AT_MOST:
            from triage.store.allocation import allocation_in_force

            with project.reading() as session:
                allocated = allocation_in_force(session, stage) is not None
            if allocated:
                err_console.print(f"[yellow]Under the allocation each record shown is leased to {escape(who)} for "
                                  f"20 minutes and leaves the others' queues: showing {LEASED_AT_MOST} of the {n} "
                                  "asked for ('triage records' lists records without leasing them).[/]")
                n = LEASED_AT_MOST
        shown = queue.next(n)
        with project.reading() as session:
            waiting = awaiting_dedup(session)
        if waiting:
            err_console.print(f"[yellow]{waiting} records imported since the last dedup run are not served "
                              "until it has compared them: run 'triage dedup'[/]")
        project.set_setting(
            _shown_key(stage, who), {str(s.record_id): {"score": s.score, "rank": s.rank, "model": s.model,
                                                        "probability": queue.shown_probability(s.record_id)}
                                     for s in shown}
        )
        studies = kept_study_groups(project, stage=stage)
        if as_json:
            for s in shown:
                explanation = queue.explain(s)
                print(json.dumps({
                    "id": s.record_id, "rank": s.rank, "score": round(s.score, 6), "model": s.model,
                    "title": s.record.title, "has_abstract": s.record.has_abstract,
                    "has_text": getattr(explanation, "has_text", True),
                    "matches": explanation.matched_terms(),  # type: ignore[attr-defined]
                    "suggested_exclusions": explanation.suggested_exclusions,  # type: ignore[attr-defined]
                    "awaiting_dedup": waiting,
                    "study_reports": list(studies.get(s.record_id, (s.record_id,))),
                    "model_decisions": queue.decisions_seen,
                    "embeddings_pending": order.embeddings_pending,
                }, ensure_ascii=False))
            return
        if not shown:
            empty = order.records == 0  # the order was ranked from no record at all
            console.print("Nothing to screen: no records imported yet; run 'triage import FILE'." if empty else
                          _NOTHING_AT_FULL_TEXT if stage == "full_text" else
                          "Nothing left to screen: every record has a decision in force (see 'triage status').")
            return
        table = Table("rank", "id", "score", "title", "criteria matched", title=f"{queue.remaining} records to screen")
        for s in shown:
            explanation = queue.explain(s)
            terms = "; ".join(
                f"{el}: {', '.join(ts[:3])}" for el, ts in explanation.matched_terms().items() if ts  # type: ignore[attr-defined]
            )
            title = (s.record.title or "(no title)") + ("" if s.record.has_abstract else "  [no abstract]")
            if s.record_id in studies:
                title += f"  [study: {len(studies[s.record_id])} reports]"
            table.add_row(str(s.rank), str(s.record_id), f"{s.score:.3f}", escape(title), escape(terms))
        console.print(table)


def _shown_key(stage: str, reviewer: str | None) -> str:
    """Where 'next' keeps what it showed for 'decide' to record: one per reviewer, as team
    members ask for their records in turn (one shared key let each overwrite the others')."""
    return f"last_shown:{stage}" + (f":{reviewer}" if reviewer else "")


@app.command("decide")
def decide_command(
    record_id: Annotated[int, typer.Argument(help="Record id (see 'triage next' or 'triage records').")],
    decision: Annotated[str, typer.Argument(help="include, exclude or maybe.")],
    reason: Annotated[list[str] | None, typer.Option("--reason", help="Criterion an exclusion fails (repeatable).")] = None,
    reviewer: ReviewerOption = None,
    note: Annotated[str | None, typer.Option("--note", help="A note kept with the decision.")] = None,
    stage: StageOption = "title_abstract",
    all_reports: Annotated[
        bool,
        typer.Option("--all-reports", help="Apply the decision to every report of the record's study "
                     "(see 'triage studies'); each report is decided on its own otherwise."),
    ] = False,
    project_dir: ProjectOption = None,
) -> None:
    """Record one decision (appended to the log; earlier ones are kept)."""
    from triage.screening.criteria_file import project_criteria
    from triage.store.decisions import record_decision
    from triage.store.resolutions import refuse_a_third_decision

    if decision not in ("include", "exclude", "maybe"):
        fail(f"unknown decision {decision!r}; use include, exclude or maybe")
    with open_project(project_dir) as project:
        who = _reviewer(project, reviewer)
        reasons = check_reasons(reason or [], project_criteria(project))
        seen: dict[str, Any] = {}
        for key in (_shown_key(stage, who), _shown_key(stage, None)):  # theirs, else an unnamed 'next'
            shown = project.get_setting(key, {}) or {}
            assert isinstance(shown, dict)
            if str(record_id) in shown:
                seen = shown[str(record_id)]
                break
        with project.transaction() as session:
            if stage == "full_text":
                from triage.store.selection import check_full_text

                check_full_text(session, record_id)
            refuse_a_third_decision(session, record_id, stage=stage)
            row = record_decision(
                session, record_id, decision, reviewer=who, stage=stage, reasons=reasons, note=note,
                score=seen.get("score"), rank=seen.get("rank"), model=seen.get("model"),
                probability=seen.get("probability"),
            )
            decision_id = row.id
            screened_as = current_groups(session).get(record_id, record_id)
            if all_reports:
                others = decide_other_reports(session, record_id, decision, reviewer=who, stage=stage,
                                              reasons=reasons, note=note)
            else:
                others = [r for r in reports_of(session, record_id) if r != screened_as]
    console.print(f"Recorded decision {decision_id}: record {record_id} {decision} by {escape(who)}")
    if screened_as != record_id:
        console.print(f"Record {record_id} is a duplicate screened as record {screened_as}: "
                      "the decision counts for that merge group.")
    if others and all_reports:
        console.print(f"Also recorded for the study's other reports: {', '.join(map(str, others))}.")
    elif others:
        console.print(f"The study has other reports ({', '.join(map(str, others))}), each decided on its own; "
                      "--all-reports applies one decision to all.")


#: What an empty full-text queue means (it serves only what title/abstract screening kept).
_NOTHING_AT_FULL_TEXT = ("Nothing to assess at full text: no record included or marked maybe at title/abstract is "
                         "left without a full-text decision; screen titles and abstracts first (triage screen).")

def _highlighted(text: str, matches: dict[str, list[Match]], field: str, colours: dict[str, str]) -> Text:
    out = Text(text)
    for element, found in matches.items():
        for m in found:
            if m.field == field:
                out.stylize(f"bold {colours[element]}", m.start, m.end)
    return out


def _show(queue: ScreeningQueue, s: Shown, colours: dict[str, str]) -> None:
    r = s.record
    explanation = queue.explain(s)
    matches = getattr(explanation, "matches", {})
    body = Text()
    body.append_text(_highlighted(r.title or "(no title)", matches, "title", colours))
    body.append("\n")
    body.append(f"{'; '.join(r.authors[:6])}{' et al.' if len(r.authors) > 6 else ''}\n", style="dim")
    body.append(f"{r.journal or ''} {r.year or ''}\n\n", style="dim")
    if r.has_abstract:
        body.append_text(_highlighted(r.abstract or "", matches, "abstract", colours))
    elif r.title or r.keywords:
        body.append("[no abstract: ranked on title and keywords only]", style="italic")
    else:
        body.append("[no title, abstract or keywords: ranked as an average record of this review]", style="italic")
    if r.keywords:
        body.append(f"\n\nKeywords: {'; '.join(r.keywords)}", style="dim")
    legend = "  ".join(f"[{colours[e]}]{escape(e)}[/]" for e in colours)
    # The card is prose read at the terminal: wrapped between words (the console soft-wraps
    # messages, which would crop the panel's text and cut words at the terminal's edge).
    console.print(Panel(body, title=f"record {s.record_id} · rank {s.rank} · score {s.score:.3f} · {escape(s.model)}"),
                  soft_wrap=False)
    if legend:
        console.print("criteria: " + legend, soft_wrap=False)
    suggested = getattr(explanation, "suggested_exclusions", [])
    if suggested:
        console.print("[yellow]suggested exclusion reasons (not applied):[/] " + escape("; ".join(suggested)),
                      soft_wrap=False)
    _show_other_reports(queue, s.record_id)


def _show_other_reports(queue: ScreeningQueue, record_id: int) -> None:
    """The study's other reports (conference abstract, preprint, erratum), each with its own
    decision, so the reviewer screens them together (``triage decide --all-reports``)."""
    with queue.project.reading() as session:
        others = other_reports(session, record_id, stage=queue.stage)
    if others:
        console.print(f"[cyan]other reports of this study ({len(others)}):[/]")
    for other in others:
        console.print(f"  record {other.record_id} · {other.year or ''} · {escape((other.title or '')[:90])} · "
                      f"[bold]{other.decision or 'not yet screened'}[/]", soft_wrap=False)


#: Keys that exclude with one of the first reasons straight from the card (one key press).
QUICK_KEYS = PICK_KEYS[:9]
ESCAPE = "\x1b"


@app.command("screen")
def screen_command(
    reviewer: ReviewerOption = None,
    preset: PresetOption = None,
    stage: StageOption = "title_abstract",
    independent: IndependentOption = False,
    new_only: NewOnlyOption = False,
    project_dir: ProjectOption = None,
) -> None:
    r"""Screen interactively, one key each: \[i]nclude, \[e]xclude, \[m]aybe, \[s]kip, \[u]ndo, \[q]uit.

    One key press each (Enter not needed); \[e] asks for a reason, \[1]-\[9] exclude with that
    reason, \[r] lists every reason, \[n] adds a note.

    Where the project does not require a reason at this stage (``exclusion_reason_required``,
    PRISMA 2020's default: full text only), \[e] excludes at once.
    """
    from triage.screening.reasons import reason_options
    from triage.store.decisions import reasons_required

    with open_project(project_dir) as project:
        who = _reviewer(project, reviewer)
        queue = _open_queue(project, preset=preset, stage=stage, reviewer=who, independent=independent,
                            new_only=new_only)
        with project.reading() as session:
            required = reasons_required(session, stage)
        elements = list(queue.criteria.elements) if queue.criteria else []
        colours = {e: COLOURS[i % len(COLOURS)] for i, e in enumerate(elements)}
        skipped: list[int] = []
        decided: list[int] = []  # record ids decided here and not undone since
        note: str | None = None
        while True:
            upcoming = queue.next(1, skip=skipped)
            if not upcoming:
                console.print(_NOTHING_AT_FULL_TEXT if stage == "full_text" else "Nothing left to screen.")
                break
            s = upcoming[0]
            _show(queue, s, colours)
            options = reason_options(queue.criteria, getattr(queue.explain(s), "suggested_exclusions", []))
            _print_reasons(options[:len(QUICK_KEYS)], "exclude with one key" + ("" if len(options) <= 9 else ", [r] for all"))
            key = _read_key(
                "[i]nclude [e]xclude [m]aybe [s]kip [u]ndo [n]ote [q]uit" + (" [1-9] exclude with reason" if options else ""),
                "iemsunqr" + QUICK_KEYS[:len(options)],
            )
            if key == "q":
                break
            if key == "n":
                note = str(typer.prompt("note", default="", show_default=False)) or None
                continue
            if key == "s":
                skipped.append(s.record_id)
                continue
            if key == "u":
                undone = queue.undo(reviewer=who)
                console.print(f"Undid the decision on record {undone}." if undone else "Nothing to undo.")
                if undone in decided:  # withdraw the latest decision on it from the count
                    del decided[len(decided) - 1 - decided[::-1].index(undone)]
                continue
            reasons: list[str] = []
            if key in QUICK_KEYS:
                reasons = [options[QUICK_KEYS.index(key)]]
            elif key == "r" or (key == "e" and required):
                picked = _pick_reason(options)
                if picked is None:
                    continue
                reasons = [picked]
            decision = {"i": "include", "m": "maybe"}.get(key, "exclude")
            queue.decide(s.record_id, decision, reviewer=who, reasons=reasons, note=note, shown=s)
            if s.record_id in skipped:
                skipped.remove(s.record_id)
            note = None
            decided.append(s.record_id)
        console.print(f"{len(decided)} decisions recorded for {escape(who)}; {queue.remaining} records left.")


def _print_reasons(options: list[str], title: str) -> None:
    """The quick reasons as one paragraph wrapped between words (printed as one soft-wrapped
    line, the terminal broke them mid-word: "p" / "erspective"); one per line would push the
    card's first lines off an 80x24 screen."""
    if options:
        console.print(f"reasons ({escape(title)}): " + "  ".join(
            f"[bold]{PICK_KEYS[i]}[/] {escape(option)}" for i, option in enumerate(options)
        ), soft_wrap=False)


def _pick_reason(options: list[str]) -> str | None:
    """One key press picks a reason from the full list; Esc, Enter or q goes back to the card.
    Without any criteria the reason is typed."""
    if not options:
        return str(typer.prompt("reason", type=str)).strip() or None
    shown = options[:len(PICK_KEYS)]
    for i, option in enumerate(shown):
        console.print(f"  [bold]{PICK_KEYS[i]}[/]  {escape(option)}")
    key = _read_key("why exclude? (Esc to go back)", PICK_KEYS[:len(shown)] + ESCAPE + "q", enter=ESCAPE)
    return None if key in (ESCAPE, "q") else shown[PICK_KEYS.index(key)]


def _read_key(prompt: str, keys: str, *, enter: str | None = None) -> str:
    """One key press out of ``keys``, read without waiting for Enter (``typer.getchar``).

    Enter is ignored (typing ``i`` then Enter, as before, still works) unless ``enter``
    names the key it stands for; end of input and Ctrl-C quit (``q``).
    """
    console.print(escape(prompt) + " ", end="", soft_wrap=False)  # wrapped between words at 80 columns
    while True:
        try:
            key = typer.getchar()
        except (KeyboardInterrupt, EOFError):
            key = ""
        except OSError:  # no terminal to read keys from (input piped in): the next character of stdin
            key = sys.stdin.read(1)
        if key in ("\r", "\n"):
            if enter is None:
                continue
            key = enter
        key = key.lower()
        if key in ("", "\x03", "\x04"):
            console.print()
            return "q"
        if key in keys:
            console.print(key if key != ESCAPE else "")
            return key
        if key.isprintable() and key.strip():
            console.print(f"\nPress one of: {', '.join(k for k in keys if k.isprintable())}.")
            console.print(escape(prompt) + " ", end="", soft_wrap=False)  # wrapped between words at 80 columns


@app.command("agreement")
def agreement_command(
    reviewers: Annotated[
        str | None, typer.Option("--reviewers", help="Two reviewer names, comma-separated (default: the two with most overlap).")
    ] = None,
    stage: StageOption = "title_abstract",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    project_dir: ProjectOption = None,
) -> None:
    """Cohen's kappa, percent agreement and the conflicts between two reviewers."""
    from triage.screening.agreement import reviewer_agreement
    from triage.store.resolutions import resolutions

    pair = tuple(x.strip() for x in reviewers.split(",")) if reviewers else None
    if pair is not None and len(pair) != 2:
        fail("--reviewers needs exactly two names, e.g. --reviewers ana,ben")
    with open_project(project_dir) as project, project.reading() as session:
        result = reviewer_agreement(session, stage=stage, reviewers=pair)
        settled = {r.record_id: r for r in resolutions(session, stage=stage)}  # the latest per record
    if as_json:
        console.print_json(json.dumps(result.to_dict()))
        return
    a, b = result.reviewers
    console.print(
        f"{escape(a)} and {escape(b)} both screened {result.n} records: "
        f"agreement {result.percent_agreement:.1%}, Cohen's kappa {result.kappa:.3f}"
    )
    if result.conflicts:
        n = len(result.conflicts)
        table = Table("record", f"{a}", f"{b}", "resolved", "title",
                      title=f"{n} record{'s' if n > 1 else ''} the two decided differently")
        for c in result.conflicts:
            lead = settled.get(c.record_id)
            table.add_row(str(c.record_id), c.decision_a, c.decision_b,
                          f"{lead.decision} ({escape(lead.resolved_by)})" if lead else "",
                          escape((c.title or "")[:80]))
        console.print(table)
        # Said because 'triage conflicts' lists only the ones nothing is in force for (records
        # screened twice under an allocation, merge groups): the others have the later decision.
        open_ = sum(c.record_id not in settled for c in result.conflicts)
        console.print(f"Where records are screened twice (triage allocate) those a lead has not resolved "
                      f"({open_} of them) wait for a lead: 'triage conflicts' lists them, 'triage resolve ID "
                      "DECISION --note WHY' settles one; otherwise the later decision is in force: change it "
                      "with 'triage decide ID include|exclude'.")
