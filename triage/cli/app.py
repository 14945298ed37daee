"""The Typer application object and the one place library errors become CLI lines.

Library code raises :class:`triage.errors.TriageError`; :class:`TriageGroup` turns it
into ``error: <file:line: what; what to do>`` on stderr with exit status 1, never a
traceback. Command modules import ``app`` (or make sub-apps with :func:`sub_app`).
"""

from __future__ import annotations

from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from triage.errors import TriageError

__all__ = ["app", "console", "err_console", "fail", "sub_app"]

console = Console()
err_console = Console(stderr=True)


def _untyped_flags(params: list[Any]) -> list[Any]:
    """On/off flags with no metavar: Typer's help shows ``<bool>`` for them otherwise, as if
    ``--json`` took a value."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class TriageGroup(TyperGroup):
    """Click group that reports TriageError as one line and exits 1 (and whose help shows
    no ``<bool>`` type after on/off flags)."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _untyped_flags(super().get_params(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None and not isinstance(command, TriageGroup):
            plain = command.get_params
            command.get_params = lambda ctx: _untyped_flags(plain(ctx))  # type: ignore[method-assign]  # help renders from get_params
        return command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from triage.cli.options import add_database_option

        add_database_option(self.commands)  # --database wherever --project is

    def invoke(self, ctx: Any) -> Any:  # typer.Context at run time; typer types it with its vendored click
        try:
            return super().invoke(ctx)
        except TriageError as exc:
            fail(str(exc))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code=code)


def sub_app(help_text: str) -> typer.Typer:
    """A command group with triage's error handling and no shell-completion noise."""
    return typer.Typer(cls=TriageGroup, help=help_text, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False)


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
