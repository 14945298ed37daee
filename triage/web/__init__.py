"""The local web app (``triage serve``): dashboard, screening, history, export, dedup review, coding."""

from triage.web.app import create_app

__all__ = ["create_app"]
