"""``triage evaluate ...``: the methodologists' command group.

Each evaluation's command is a plain function in its own module; this module makes the
group and registers every one of them here, in one place, so no module registers itself
by being imported (and none can vanish silently if an import is dropped).
"""

from __future__ import annotations

from triage.cli.app import app, sub_app
from triage.cli.evaluate_coding import evaluate_coding_cmd
from triage.cli.evaluate_dedup import evaluate_dedup_command
from triage.cli.evaluate_screening import heldout_command, screening_command

__all__ = ["evaluate_app"]

evaluate_app = sub_app("Evaluate dedup, screening and coding against labelled data.")
evaluate_app.command("coding")(evaluate_coding_cmd)
evaluate_app.command("dedup")(evaluate_dedup_command)
evaluate_app.command("screening")(screening_command)
evaluate_app.command("heldout")(heldout_command)
app.add_typer(evaluate_app, name="evaluate")
