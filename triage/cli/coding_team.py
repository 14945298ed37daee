"""Coding as a team: ``triage code allocate``, ``next``, ``agreement``, ``disagreements``,
``resolve`` and ``history``.

A lead allocates the segments among coders (a share coded twice, blind); each coder
codes their own; kappa per code for every pair of coders; a lead settles the segments
where coders differ with a note. On a team project the person named (``--by`` /
``--coder`` / ``$TRIAGE_REVIEWER``) must be an active user whose role allows it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from triage.cli.app import console
from triage.cli.coding import CoderOption, _coder, code_app
from triage.cli.options import ProjectOption, open_project
from triage.cli.team import ByOption, _lead, allocations_table, share_label
from triage.errors import DecisionError
from triage.store import coding as store
from triage.store import coding_team as team
from triage.store.allocation import parse_share
from triage.store.coding_allocation import CodingAllocation, coding_allocation_history, set_coding_allocation

if TYPE_CHECKING:
    from triage.coding.agreement import AgreementReport

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _allocation_json(allocation: CodingAllocation) -> dict[str, Any]:
    return {"coders": list(allocation.coders), "double_share": allocation.double_share, "seed": allocation.seed,
            "set_by": allocation.set_by, "created_at": allocation.created_at.isoformat()}


@code_app.command("allocate")
def allocate_cmd(
    coders: Annotated[str | None, typer.Option(
        "--coders", help="Who codes, comma-separated (e.g. ana,ben); without it, the allocations so far are listed.")
    ] = None,
    double: Annotated[str, typer.Option(
        "--double", help="Share of segments coded by a second coder too: 0-1, or 'all'.")] = "0",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the per-segment draw (same seed: same segments).")] = 0,
    by: ByOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the allocation set, or the allocations, as JSON.")
                       ] = False,
    project: ProjectOption = None,
) -> None:
    """Allocate coding among coders (a lead): each codes their own segments; a share goes to two, blind."""
    with open_project(project) as proj:
        if coders is not None:
            lead = _lead(proj, by, "settings")
            with proj.transaction() as session:
                made = set_coding_allocation(session, coders=coders.split(","), double_share=parse_share(double),
                                             set_by=lead, seed=seed)
            if as_json:
                print(json.dumps(_allocation_json(made)))
                return
            twice = share_label(made.double_share)
            console.print(f"Allocated coding to {escape(', '.join(made.coders))}; coded twice: {twice} "
                          f"(set by {escape(lead)}). Each codes with [bold]triage code next --coder NAME[/]."
                          + (" Blind coding is on." if made.double_share > 0 else ""))
            return
        with proj.reading() as session:
            log = coding_allocation_history(session)
            progress = team.coder_progress(session, store.load_codebook(session))
    if as_json:
        print(json.dumps({
            "allocations": [_allocation_json(a) for a in log],
            "coders": [p.__dict__ for p in progress]}))
        return
    if not log:
        console.print("Nothing allocated: every coder codes every segment.")
        return
    console.print(allocations_table([(a.created_at, a.set_by, a.coders, a.double_share) for a in log],
                                    title="Coding allocations (newest in force)", people="coders", twice="coded twice"))
    done = Table("coder", "segments given", "coded", "of them coded twice", title="Progress")
    for p in progress:
        done.add_row(escape(p.coder), str(p.allocated), str(p.coded), str(p.double))
    console.print(done)


@code_app.command("next")
def next_cmd(
    n: Annotated[int, typer.Option("-n", min=1, help="How many segments.")] = 5,
    document: Annotated[int | None, typer.Option(help="Only this document.")] = None,
    as_json: JsonFlag = False,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """The next segments for you to code: your allocation's (every segment without one), not coded yet."""
    with open_project(project) as proj:
        name = _coder(proj, coder)
        with proj.reading() as session:
            todo = team.segments_to_code(session, store.load_codebook(session), name, document_id=document, limit=n)
            rows: list[dict[str, Any]] = [{"segment_id": s.id, "document_id": s.document_id, "text": s.text}
                                          for s in todo]
    if as_json:  # JSON lines, as `triage code suggest --json` prints
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        console.print(f"nothing left for {escape(name)} to code")
        return
    table = Table("segment", "document", "text", title=f"next for {escape(name)}")
    for row in rows:
        table.add_row(str(row["segment_id"]), str(row["document_id"]), escape(row["text"]))
    console.print(table)


def _kappa(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def _print_report(report: AgreementReport, texts: dict[int, str], *, pair_title: bool) -> None:
    a, b = report.coders
    title = f"[bold]{escape(a)} & {escape(b)}[/]: " if pair_title else ""  # two named coders: as it always read
    console.print(f"{title}{report.n_segments} segment(s) coded by both; overall kappa {_kappa(report.overall_kappa)}")
    table = Table("code", "kappa", "agreement", a, b)
    for c in report.per_code:
        if c.n_a or c.n_b:
            table.add_row(c.code_id, _kappa(c.kappa), f"{c.observed:.0%}", str(c.n_a), str(c.n_b))
    console.print(table)
    for d in report.disagreements:
        console.print(f"segment {d.segment_id}: {d.code_id} only by {escape(d.applied_by)}: "
                      f"{escape(texts.get(d.segment_id, '')[:80])}")


@code_app.command("agreement")
def agreement_cmd(
    coders: Annotated[list[str] | None, typer.Option(
        "--coder", help="Two coders to compare (give twice); without it, every pair who coded segments in common.")
    ] = None,
    as_json: Annotated[Path | None, typer.Option("--json", help="Also write the report as JSON here.")] = None,
    project: ProjectOption = None,
) -> None:
    """Cohen's kappa per code and overall for each pair of coders, on segments both coded, and disagreements."""
    from triage.coding.agreement import agreement, pairwise_agreement  # scikit-learn: only here

    if coders and len(coders) != 2:
        raise DecisionError("agreement compares two coders", hint="pass --coder A --coder B, or no --coder for all pairs")
    with open_project(project) as proj, proj.reading() as session:
        codebook = store.load_codebook(session)
        applied, coded = team.coding_by_unit(session, codebook)
        codes = [c.id for c in codebook.codable()]
        if coders:
            a, b = coders
            both = sorted(coded.get(a, set()) & coded.get(b, set()))
            reports = [agreement(both, codes, applied.get(a, set()), applied.get(b, set()), coders=(a, b))]
        else:
            reports = pairwise_agreement(applied, coded, codes)
        shown = {d.segment_id for r in reports for d in r.disagreements}
        texts = {i: s.text for i, s in store.segments_by_id(session, shown).items()}
    if not reports:
        console.print("no two coders have coded the same segment yet")
    for report in reports:
        _print_report(report, texts, pair_title=not coders)
    if as_json is not None:
        # Two coders named: one report, as before; all pairs: {"pairs": [report, ...]}.
        body = reports[0].to_dict() if coders else {"pairs": [r.to_dict() for r in reports]}
        as_json.write_text(json.dumps(body, indent=2))


@code_app.command("disagreements")
def disagreements_cmd(
    resolved: Annotated[bool, typer.Option("--resolved", help="Also list those a lead has resolved.")] = False,
    as_json: JsonFlag = False,
    project: ProjectOption = None,
) -> None:
    """Segments coded by two coders who applied different codes: each coder's codes, reasons and memos."""
    with open_project(project) as proj, proj.reading() as session:
        found = team.coding_disagreements(session, store.load_codebook(session), resolved=resolved)
    if as_json:
        print(json.dumps([d.to_dict() for d in found], ensure_ascii=False))
        return
    if not found:
        console.print("no open disagreements between coders")
        return
    for d in found:
        console.print(f"[bold]segment {d.segment_id}[/] ({escape(d.study)}): {escape(d.text[:160])}")
        for w in d.coders:
            codes = ", ".join(c + (f" ({r})" if r else "") for c, r in w.applied) or "no code"
            console.print(f"  {escape(w.coder)}: {escape(codes)}"
                          + (f"; refused {escape(', '.join(w.refused))}" if w.refused else "")
                          + "".join(f"; memo: {escape(m)}" for m in w.memos))
        console.print(f"  differ on: {escape(', '.join(d.differing))}")
        if d.resolution is not None:
            r = d.resolution
            console.print(f"  resolved by {escape(r.resolved_by)}: {escape(', '.join(r.codes) or 'no code')}; "
                          f"{escape(r.note)}")
    console.print(f"{len(found)} segment(s); a lead settles one with "
                  "[bold]triage code resolve SEGMENT [CODES...] --note WHY[/]")


@code_app.command("resolve")
def resolve_cmd(
    segment_id: Annotated[int, typer.Argument(help="The segment coders differ on (see 'triage code disagreements').")],
    codes: Annotated[list[str] | None, typer.Argument(help="The codes that apply (none: no code applies).")] = None,
    note: Annotated[str, typer.Option("--note", help="Why: kept with the resolution.")] = "",
    by: ByOption = None,
    project: ProjectOption = None,
) -> None:
    """Resolve a disagreement between coders (a lead): the codes that apply, logged with who, when and why."""
    with open_project(project) as proj:
        lead = _lead(proj, by, "resolve")
        with proj.transaction() as session:
            done = team.resolve_coding_disagreement(session, store.load_codebook(session), segment_id, codes or [],
                                                    lead=lead, note=note)
    console.print(f"Resolved segment {done.segment_id}: {escape(', '.join(done.codes) or 'no code')} by "
                  f"{escape(done.resolved_by)}; note: {escape(done.note)}")


@code_app.command("history")
def history_cmd(
    code: Annotated[str | None, typer.Option("--code", help="Only this code's changes.")] = None,
    as_json: JsonFlag = False,
    project: ProjectOption = None,
) -> None:
    """Every codebook change (add, rename, merge, move, describe, import): who made it, when, what."""
    with open_project(project) as proj, proj.reading() as session:
        changes = team.codebook_history(session, code)
    if as_json:
        print(json.dumps([{"code_id": c.code_id, "action": c.action, "detail": c.detail, "coder": c.coder,
                           "created_at": c.created_at.isoformat(timespec="seconds")} for c in changes],
                         ensure_ascii=False))
        return
    if not changes:
        console.print("no codebook changes yet")
        return
    table = Table("when", "who", "what", "code", "detail", title="Codebook history (oldest first)")
    for c in changes:
        table.add_row(c.created_at.strftime("%Y-%m-%d %H:%M"), escape(c.coder), c.action, escape(c.code_id),
                      escape(json.dumps(c.detail, ensure_ascii=False)))
    console.print(table)
