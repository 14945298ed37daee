"""Stopping advice and status counts kept with the ranking they came from, so ``triage
status`` answers at once while nothing changed.

The advice reads every decision in order and the model's probabilities for the records
still to screen, and its statistics load SciPy: seconds per call at 50,000 records. It
changes only when the ranking's inputs change (decisions, records, criteria, preset),
the stopping settings change, or triage's stopping code does; it is kept under those.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage.screening.ranking_state import RankingState
from triage.store.db import Project
from triage.store.prisma import PrismaCounts

__all__ = ["StatusFacts", "kept_status_facts", "kept_stopping_advice"]

_PACKAGE = Path(__file__).parents[1]
#: Source files whose change changes the advice (a new rule, a fixed bound).
_CODE = [Path(__file__).with_name("advice.py"), *sorted((_PACKAGE / "stopping").glob("*.py"))]
#: ... and the status counts.
_STATUS_CODE = [_PACKAGE / "store" / name for name in ("prisma.py", "decisions.py", "team.py", "criteria_versions.py",
                                                       "rounds.py", "studies.py")] + [Path(__file__).with_name("team.py")]


def _code_version(paths: list[Path] = _CODE) -> str:
    digest = hashlib.sha256()
    for path in paths:
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


@dataclass(frozen=True)
class StatusFacts:
    """What ``triage status`` shows beside the stopping advice."""

    counts: PrismaCounts
    criteria_version: int | None
    decisions_under_earlier_criteria: int
    team: dict[str, list[dict[str, Any]]]


def kept_status_facts(project: Project) -> StatusFacts:
    """The PRISMA counts, criteria version, decisions under earlier criteria and the team
    tables, from the project's kept copy when nothing they depend on changed (at 1,000,000
    records computing them reads every record's group and every decision)."""
    import json

    from triage.screening.team import team_status
    from triage.store.criteria_versions import decisions_under_earlier_versions, latest_version
    from triage.store.prisma import prisma_counts, status_state_version

    state = RankingState.of_project(project)
    inputs = state.inputs()
    with project.reading() as session:
        depends_on = (status_state_version(session), _code_version(_STATUS_CODE))
        kept = state.kept_summary("status", depends_on, inputs)
        if isinstance(kept, dict):
            return StatusFacts(PrismaCounts.from_dict(kept["counts"]), kept["criteria_version"],
                               int(kept["earlier"]), kept["team"])
        facts = {"counts": prisma_counts(session).to_dict(), "criteria_version": latest_version(session),
                 "earlier": len(decisions_under_earlier_versions(session)), "team": team_status(session)}
    facts = json.loads(json.dumps(facts, default=_plain))  # kept and fresh: the same JSON
    state.keep_summary("status", depends_on, facts, inputs)
    return StatusFacts(PrismaCounts.from_dict(facts["counts"]), facts["criteria_version"], int(facts["earlier"]),
                       facts["team"])
