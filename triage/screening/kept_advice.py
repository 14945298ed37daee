"""Stopping advice kept with the ranking it came from, so ``triage status`` is instant.

The advice reads every decision in order and the model's probabilities for the records
still to screen, and its statistics load SciPy: seconds per call at 50,000 records. It
changes only when the ranking's inputs change (decisions, records, criteria, preset),
the stopping settings change, or triage's stopping code does; it is kept under those.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from triage.screening.ranking_state import RankingState
from triage.store.db import Project

__all__ = ["kept_stopping_advice"]

#: Source files whose change changes the advice (a new rule, a fixed bound).
_CODE = [Path(__file__).with_name("advice.py"), *sorted((Path(__file__).parents[1] / "stopping").glob("*.py"))]


def _code_version() -> str:
    digest = hashlib.sha256()
    for path in _CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    """NumPy scalars as Python numbers, so kept and fresh advice are the same JSON."""
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)


def kept_stopping_advice(project: Project, *, stage: str = "title_abstract") -> dict[str, Any]:
    """:func:`~triage.screening.advice.stopping_advice`, from the project's kept copy when
    nothing it depends on changed."""
    import json

    state = RankingState.of_project(project, stage=stage)
    inputs = state.inputs()
    depends_on = (project.get_setting("recall_target"), project.get_setting("stopping_confidence"), _code_version())
    kept = state.kept_summary("stopping", depends_on, inputs)
    if isinstance(kept, dict):
        return kept
    from triage.screening.advice import stopping_advice

    advice: dict[str, Any] = json.loads(json.dumps(stopping_advice(project, stage=stage), default=_plain))
    state.keep_summary("stopping", depends_on, advice, inputs, state.fresh_order(inputs))
    return advice
