"""The Typer application object and the one place library errors become CLI lines.

Library code raises :class:`triage.errors.TriageError`; :class:`TriageGroup` turns it
into ``error: <file:line: what; what to do>`` on stderr with exit status 1, never a
traceback. Command modules import ``app`` (or make sub-apps with :func:`sub_app`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, get_type_hints

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

from triage.errors import TriageError

__all__ = ["HELP_PANELS", "app", "console", "err_console", "fail", "list_when_alone", "listing_sub_app", "sub_app"]

#: Messages are soft-wrapped: Rich writes each as one line and the terminal wraps it for the
#: eye. Rich's own wrapping at the width (80 in a pipe) broke a path in a message across lines,
#: mid-name where it was longer than the line ("Wrote 1 record to /tmp/.../fi" / "le.ris"), so
#: a path copied from the screen, or read by a script from a pipe, was not the path. Tables
#: still fit the width (their cells wrap); a panel's text, and prose a person reads at the
#: terminal (the screening card), is printed with ``soft_wrap=False`` to wrap between words.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def _untyped_flags(params: list[Any]) -> list[Any]:
    """On/off flags with no metavar: Typer's help shows ``<bool>`` for them otherwise, as if
    ``--json`` took a value."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


#: ``triage --help`` lists the top-level commands in these panels, in a review's order (Typer
#: would list them in the order the modules happen to register them: ``allocate`` before ``init``).
#: A command missing here still shows, under Typer's own "Commands" panel.
HELP_PANELS: dict[str, tuple[str, ...]] = {
    "Start a review": ("init", "import", "sources", "rounds", "criteria", "settings"),
    "Deduplicate": ("dedup", "studies"),
    "Screen": ("next", "screen", "decide", "records", "status", "serve"),
    "Team": ("users", "allocate", "agreement", "conflicts", "resolve"),
    "Code results": ("code", "codebook"),
    "Export and evaluate": ("export", "evaluate"),
    "Store": ("embed", "backup", "restore", "migrate"),
}
_PANEL_OF = {name: panel for panel, names in HELP_PANELS.items() for name in names}
_ORDER = {name: place for place, name in enumerate(_PANEL_OF)}


class TriageGroup(TyperGroup):
    """Click group that reports TriageError as one line and exits 1 (and whose help shows
    no ``<bool>`` type after on/off flags; the top level's in :data:`HELP_PANELS`)."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _untyped_flags(super().get_params(ctx))

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        if ctx.parent is not None:
            return names
        return sorted(names, key=lambda name: _ORDER.get(name, len(_ORDER)))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if isinstance(command, TyperCommand | TyperGroup) and ctx.parent is None and not command.rich_help_panel:
            command.rich_help_panel = _PANEL_OF.get(cmd_name)
        if command is not None and not isinstance(command, TriageGroup):
            plain = command.get_params
            command.get_params = lambda ctx: _untyped_flags(plain(ctx))  # type: ignore[method-assign]  # help renders from get_params
        return command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from triage.cli.options import add_database_option

        add_database_option(self.commands)  # --database wherever --project is

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """A group that needs a command, given an option first (``triage codebook -p DIR``), says
        which commands it has instead of click's bare "No such option: -p"."""
        if (ctx.parent is not None and not self.invoke_without_command and args and args[0].startswith("-")
                and args[0] not in ctx.help_option_names):
            commands = self.list_commands(ctx)
            fail(f"'{ctx.command_path}' needs a command before its options, one of: {', '.join(commands)} "
                 f"(e.g. '{ctx.command_path} {commands[0]} {' '.join(args)}'; '{ctx.command_path} --help' says more)",
                 code=2)
        return list(super().parse_args(ctx, args))

    def invoke(self, ctx: Any) -> Any:  # typer.Context at run time; typer types it with its vendored click
        try:
            return super().invoke(ctx)
        except TriageError as exc:
            fail(str(exc))
        except OSError as exc:
            if exc.filename is None:  # not about a path the user gave (a closed pipe, a socket)
                raise
            fail(path_error_line(exc))


def path_error_line(exc: OSError) -> str:
    """One line for a file or folder the system refused: which path and what to do.

    A missing folder is named as the folder (the file inside it may be a temporary name a
    writer made there, which the user never typed)."""
    path = Path(str(exc.filename))
    if isinstance(exc, FileNotFoundError) and not path.parent.is_dir():
        return f"{path.parent}: no such folder; create it first, or give a path in an existing folder"
    return f"{path}: {exc.strerror or exc}; check the path and that you may read or write it"


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code=code)


def sub_app(help_text: str) -> typer.Typer:
    """A command group with triage's error handling and no shell-completion noise."""
    return typer.Typer(cls=TriageGroup, help=help_text, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False)


def listing_sub_app(help_text: str) -> typer.Typer:
    """A command group that, given no subcommand, lists what it holds (:func:`list_when_alone`),
    as ``triage sources`` lists the imported files: a new user types the group's name to see it."""
    return typer.Typer(cls=TriageGroup, help=help_text, invoke_without_command=True, add_completion=False,
                       pretty_exceptions_enable=False)


def list_when_alone(group: typer.Typer, listing: Callable[..., None]) -> None:
    """Run ``listing`` (the group's ``list`` command) when ``group`` is given no subcommand,
    with the same options (``triage rounds --json`` as ``triage rounds list --json``).

    Typer builds a command's options from its function's signature, so the group's callback
    is given ``listing``'s (its annotations resolved: the command modules postpone them)."""
    def callback(ctx: typer.Context, **options: Any) -> None:
        if ctx.invoked_subcommand is None:
            listing(**options)

    hints = get_type_hints(listing, include_extras=True)
    signature = inspect.signature(listing)
    callback.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context),
                    *(p.replace(annotation=hints[p.name]) for p in signature.parameters.values())])
    callback.__doc__ = listing.__doc__
    group.callback(invoke_without_command=True)(callback)


app = typer.Typer(
    cls=TriageGroup,
    help="triage: import, deduplicate, rank and code records for systematic reviews.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _commands() -> None:
    # A group callback keeps `triage` a group of commands when triage.cli.entry loads only
    # one command's module: Typer runs an app holding a single command as that command,
    # and `triage serve` would then read "serve" as an extra argument.
    pass
