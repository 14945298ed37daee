"""``triage conflicts``: merge groups whose decisions disagree, for a person to settle.

A conflict arises when records decided apart turn out to be one report (a re-import or a
later dedup run merges an excluded record with an included one) or when a merge is
undone under decisions that no longer agree. triage never picks one: the group is listed
here until someone records a decision on it, which covers every member and settles it.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from triage.cli.app import app, console
from triage.cli.options import ProjectOption, StageOption, open_project
from triage.store.decisions import decisions_in_force


@app.command("conflicts")
def conflicts_command(
    stage: StageOption = "title_abstract",
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines: one object per group in conflict.")] = False,
    project_dir: ProjectOption = None,
) -> None:
    """List records with different decisions in force (two reviewers who disagree, or a merge group whose members carry different decisions); settle one with 'triage decide' (a record two reviewers screened: a lead's 'triage resolve')."""
    with open_project(project_dir) as project, project.reading() as session:
        conflicts = decisions_in_force(session, stage=stage).conflicts
    if as_json:
        for screened_as, decisions in sorted(conflicts.items()):
            print(json.dumps({
                "id": screened_as,
                "decisions": [
                    {"record_id": d.decided_record_id, "decision": d.decision, "reasons": list(d.reasons),
                     "reviewer": d.reviewer, "created_at": d.created_at.isoformat(), "decision_id": d.decision_id}
                    for d in decisions
                ],
            }, ensure_ascii=False))
        return
    if not conflicts:
        console.print("No conflicts: every record and merge group has one decision in force.")
        return
    table = Table("screened as", "decided on", "decision", "reasons", "reviewer", "when",
                  title=f"{len(conflicts)} conflict{'' if len(conflicts) == 1 else 's'}: different decisions in force on one record or merge group")
    for screened_as, decisions in sorted(conflicts.items()):
        for n, d in enumerate(decisions):
            table.add_row(str(screened_as) if n == 0 else "", str(d.decided_record_id), d.decision,
                          escape("; ".join(d.reasons)), escape(d.reviewer), d.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)
    console.print("Settle one with [bold]triage decide ID include|exclude|maybe[/] (ID: the 'screened as' record); "
                  "where records are screened twice (triage allocate), a lead settles one with "
                  "[bold]triage resolve ID DECISION --note WHY[/].")
