"""Placeholder: filled by its owner."""

from __future__ import annotations

from triage.cli.evaluate import evaluate_app  # noqa: F401
