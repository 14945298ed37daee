"""Placeholder: filled by its owner."""

from __future__ import annotations

from triage.cli.app import app  # noqa: F401
