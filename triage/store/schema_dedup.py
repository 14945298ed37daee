"""Dedup tables (owned by triage.dedup). Registered on the shared Base."""

from __future__ import annotations
