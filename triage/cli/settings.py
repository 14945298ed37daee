"""``triage settings``: show and change a project's settings (the table in README.md)."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from triage.cli.acting import TeamMemberOption, act_as
from triage.cli.app import app, console, fail
from triage.cli.criteria import who
from triage.cli.options import ProjectOption, open_project
from triage.config import SETTINGS, setting
from triage.store.db import Project
from triage.store.settings_log import change_setting, settings_log


@app.command("settings")
def settings_command(
    name: Annotated[str | None, typer.Argument(help="Setting to show or change; all when left out.")] = None,
    value: Annotated[str | None, typer.Argument(help="New value (checked before it is stored).")] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Go back to the default value.")] = False,
    project_dir: ProjectOption = None,
    reviewer: TeamMemberOption = None,
) -> None:
    """Show the project's settings, or change one: `triage settings preset tfidf`."""
    if name is not None:
        try:
            setting(name)
        except KeyError as exc:
            fail(str(exc.args[0]))
    if (value is not None or reset) and name is None:
        fail("name the setting to change, e.g. `triage settings preset tfidf`")
    if value is not None and reset:
        fail("give a value or --reset, not both")
    with open_project(project_dir) as project:
        if name is not None and reset:
            change_setting(project, name, None, by=_who(project, reviewer))
            console.print(f"{name} = {setting(name).default!r} (default)")
            return
        if name is not None and value is not None:
            checked = _checked(project, name, value)
            if name == "criteria_file":  # a criteria change is versioned like 'triage criteria set'
                from triage.cli.criteria import keep_version

                keep_version(project, project.directory / str(checked), by=who(project, _who(project, reviewer)),
                             note="triage settings criteria_file")
            change_setting(project, name, checked, by=_who(project, reviewer))
            console.print(f"{name} = {project.get_setting(name)!r}")
            return
        table = Table("setting", "value", "what")
        # a setting's name is typed back ('triage settings NAME VALUE'): never cut or folded
        table.columns[0].no_wrap = True
        table.columns[0].min_width = max(len(s.name) for s in SETTINGS)
        for s in SETTINGS if name is None else (setting(name),):
            stored = project.get_setting(s.name)
            shown = repr(stored) if stored is not None else f"{s.default!r} (default)"
            table.add_row(s.name, escape(shown), escape(s.help))
        console.print(table)
        changes = [c for c in settings_log(project) if name is None or c["setting"] == name]
        for change in changes[-10:]:
            console.print(escape(f"{change['at']}: {change['setting']} {change['from']!r} -> {change['to']!r}"
                                 + (f" by {change['by']}" if change["by"] else "")))


def _who(project: Project, given: str | None = None) -> str | None:
    """Who changes a setting, for the log: $TRIAGE_REVIEWER or the 'reviewer' setting."""
    if (member := act_as(project, given, "settings")) is not None:  # a team project: an active lead
        return member
    name = given or os.environ.get("TRIAGE_REVIEWER") or project.get_setting("reviewer")
    return str(name) if name else None


def _checked(project: Project, name: str, raw: str) -> object:
    """``raw`` converted for setting ``name``, or a clear error: a bad value must fail now,
    not at the next screening session."""
    choices = setting(name).choices
    if choices and raw not in choices:
        fail(f"{name} must be one of: {', '.join(choices)}; got {raw!r}")
    if name in ("recall_target", "stopping_confidence"):
        try:
            number = float(raw)
        except ValueError:
            fail(f"{name} must be a number between 0 and 1, e.g. 0.95; got {raw!r}")
        if not 0 < number < 1:
            fail(f"{name} must be between 0 and 1 (exclusive); got {number}")
        return number
    if name == "preset":
        from triage.ranking.presets import load_preset

        load_preset(raw)  # an unknown preset raises one line that lists the valid names
        return raw
    if name == "criteria_file":
        from triage.criteria import load_criteria

        path = project.directory / raw
        if not path.is_file():
            fail(f"criteria file {path} not found; give a path relative to the project directory")
        load_criteria(path)
        return raw
    return raw
