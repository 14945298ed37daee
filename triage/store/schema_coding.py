"""Coding tables (owned by triage.coding). Registered on the shared Base."""

from __future__ import annotations
