"""Entry point of the ``triage`` command: imports every command module so each
registers its commands on :data:`triage.cli.app.app`."""

from __future__ import annotations

from triage.cli import (  # noqa: F401  (each module registers its commands)
    coding,
    coding_team,
    conflicts,
    criteria,
    dedup,
    embed,
    evaluate,
    migrate,
    project,
    rounds,
    screen,
    serve,
    settings,
    sources,
    studies,
    team,
    users,
)
from triage.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()


if __name__ == "__main__":
    main()
