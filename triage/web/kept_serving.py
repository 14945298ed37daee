"""Cards from the order the project kept, served while the server builds its ranking.

Building the ranking takes seconds at 50,000 records and minutes at 1,000,000, so a
restarted server first serves the order the project kept (the last server's, or a CLI
command's: :mod:`triage.screening.kept_queue`). Whatever it was computed from, decisions
made since are read from the store on every card (the settled set), and the built queue's
first refresh replaces it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from triage.criteria import Criteria
from triage.errors import TriageError
from triage.ranking.explain import Explanation
from triage.records.model import Record
from triage.screening.kept_queue import KeptQueue
from triage.screening.ranking_state import RankingState
from triage.screening.shown import Shown
from triage.store.db import Project
from triage.store.records import screening_records
from triage.web.snapshot import HEAD, Snapshot

__all__ = ["KeptServing", "kept_serving"]

#: How many ids of the kept order the head's search looks at in one numpy step (the head is
#: found in the first few steps; listing all 1,000,000 ids as Python ints took 50-100 ms).
KEPT_CHUNK = 4096


class KeptServing:
    """The kept order as the screening page reads it: its head, records, explanations."""

    def __init__(self, project: Project, kept: KeptQueue, *, current: bool = False) -> None:
        self.project = project
        self.kept = kept
        #: Nothing decided, merged or imported since it was ranked: none of its records is settled.
        self.current = current
        self._ids: frozenset[int] | None = None
        self._records: dict[int, Record] = {}

    @property
    def criteria(self) -> Criteria | None:
        return self.kept.criteria

    @property
    def ids(self) -> frozenset[int]:
        """Every record id in the kept order (made on first use: a million ints take a while)."""
        if self._ids is None:
            self._ids = frozenset(self.kept.order.record_ids.tolist())
        return self._ids

    def prepare(self) -> None:
        """Make what the cards' counts need (:attr:`ids`) ahead of the requests."""
        _ = self.ids

    def remaining(self, decided: frozenset[int]) -> int:
        """The kept order's records still to screen."""
        return max(0, len(self.ids) - len(decided & self.ids))

    def head(self, decided: frozenset[int]) -> Snapshot:
        """A snapshot of the kept order's best :data:`HEAD` records not in ``decided`` (asked
        again when a team decided the last one before the queue was built: at 20 reviewers
        the first head lasts seconds). Reads the order only as far as the head reaches."""
        order = self.kept.order
        position: dict[int, int] = {}  # the best HEAD undecided records -> their places
        for start, ids in _chunks(order.record_ids):
            for offset, rid in enumerate(ids):
                if rid not in decided:
                    position[rid] = start + offset
                    if len(position) == HEAD:
                        break
            if len(position) == HEAD:
                break
        with self.project.reading() as session:
            records = dict(screening_records(session, list(position)))
        ids = [rid for rid in position if rid in records]
        self._records = {**self._records, **records}
        return Snapshot(
            order=tuple(ids), scores={rid: float(order.scores[position[rid]]) for rid in ids},
            model=order.model, decided=decided,
            probabilities={rid: float(order.probabilities[position[rid]]) for rid in ids},
        )

    def record(self, record_id: int) -> Record:
        """A record of the kept head, else read from the store."""
        record = self._records.get(record_id)
        if record is None:
            with self.project.reading() as session:
                found = dict(screening_records(session, [record_id]))
            if record_id not in found:
                raise TriageError(f"no record {record_id} to screen in this project",
                                  hint="see the history page for ids")
            record = found[record_id]
        return record

    def explain(self, record_id: int, score: float | None) -> Explanation:
        """The kept order's explanation: its matched words, its model (a card shown from the
        head sets its rank)."""
        shown = Shown(record_id, self.record(record_id), 0.5 if score is None else score, 0,
                      self.kept.order.model, -1)
        return replace(self.kept.explain(shown), rank=None)

    def shown_probability(self, record_id: int) -> float | None:
        return self.kept.shown_probability(record_id)


def _chunks(record_ids: np.ndarray) -> Iterator[tuple[int, list[int]]]:
    for start in range(0, len(record_ids), KEPT_CHUNK):
        yield start, record_ids[start : start + KEPT_CHUNK].tolist()


def kept_serving(project: Project, stage: str) -> KeptServing | None:
    """The order the project kept for ``stage`` (None: nothing kept); a
    :class:`~triage.errors.TriageError` when its criteria no longer read (the build says so)."""
    state = RankingState.of_project(project, stage=stage)
    current = state.fresh_order()
    order = current if current is not None else state.latest_order()
    if order is None or not len(order.record_ids):
        return None
    return KeptServing(project, KeptQueue(project, state, order, state.criteria), current=current is not None)
