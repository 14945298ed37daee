"""The ``triage`` executable: loads only the command module a call needs.

Importing every command module (coding, dedup, evaluation, the web server's ...) and
letting Typer build every command's options costs about a quarter of a second on each
call; ``triage next`` and ``triage status`` answer in about a second in all, so a call
naming a command loads just the module that registers it. Anything else (``--help``,
no command, an unknown or misspelt one) loads them all, as :mod:`triage.cli.main` does,
so help and Typer's suggestions see every command. A test checks the map below against
the commands the modules register.
"""

from __future__ import annotations

import sys
from importlib import import_module

__all__ = ["COMMAND_MODULES", "load_commands", "main"]

#: Top-level command or group name -> the module in ``triage.cli`` that registers it (for
#: ``code``: coding_team, which imports coding and adds the team commands to its group).
COMMAND_MODULES: dict[str, str] = {
    "agreement": "screen", "allocate": "team", "backup": "migrate", "code": "coding_team", "codebook": "coding",
    "conflicts": "conflicts", "criteria": "criteria", "decide": "screen", "dedup": "dedup", "embed": "embed",
    "evaluate": "evaluate", "export": "project", "import": "project", "init": "project", "migrate": "migrate",
    "next": "screen", "records": "project", "resolve": "team", "restore": "migrate", "rounds": "rounds",
    "screen": "screen", "serve": "serve", "settings": "settings", "sources": "sources", "status": "project",
    "studies": "studies", "users": "users",
}


def load_commands(args: list[str]) -> None:
    """Import the command module(s) a call with ``args`` needs."""
    name = next((arg for arg in args if not arg.startswith("-")), None)
    if name in COMMAND_MODULES and not {"--help", "-h"} & set(args[:1]):
        import_module(f"triage.cli.{COMMAND_MODULES[name]}")
    else:
        import_module("triage.cli.main")


def main() -> None:
    load_commands(sys.argv[1:])
    from triage.cli.app import app

    app()


if __name__ == "__main__":
    main()
