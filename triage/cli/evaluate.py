"""``triage evaluate ...``: the methodologists' command group.

Each evaluation lives in its own module, which adds its command to ``evaluate_app``.
"""

from __future__ import annotations

from triage.cli.app import app, sub_app

evaluate_app = sub_app("Evaluate dedup, screening and coding against labelled data.")
app.add_typer(evaluate_app, name="evaluate")

from triage.cli import evaluate_coding, evaluate_dedup, evaluate_screening  # noqa: F401
