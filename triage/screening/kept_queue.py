"""The queue served from the order the project kept, without rebuilding the ranking.

``triage next`` and ``triage status`` are called by people and by scripts many times
between decisions. While nothing the ranking depends on changed (no decision, import,
merge, criteria or preset change; see :class:`~triage.screening.ranking_state.RankingState`),
the order the last full queue kept is the order a new one would compute, so it is served
from the store: the records shown are read by id, their matched words from the kept
criteria scores. Nothing here imports scikit-learn, spaCy or the embedding model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from triage.criteria import Criteria
from triage.ranking.explain import Explanation, Match
from triage.ranking.features import record_text
from triage.ranking.state import RankedOrder
from triage.screening.ranking_state import RankingState
from triage.screening.shown import Shown
from triage.store.allocation import Allocation, allocation_in_force
from triage.store.claims import claim, claimed_away
from triage.store.db import Project
from triage.store.records import screening_records
from triage.store.selection import servable_groups
from triage.store.studies import study_groups, study_state_version
from triage.store.team import unavailable_for

__all__ = ["KeptQueue", "KeptReviewerQueue", "kept_queue", "kept_reviewer_queue", "kept_study_groups", "ranking_summary"]


@dataclass
class KeptQueue:
    """A read-only view of the kept order with :class:`ScreeningQueue`'s reading methods."""

    project: Project
    state: RankingState
    order: RankedOrder
    criteria: Criteria | None
    only: frozenset[int] | None = None

    @property
    def remaining(self) -> int:
        if self.only is None:
            return len(self.order.record_ids)
        return sum(1 for rid in self.order.record_ids if int(rid) in self.only)

    @property
    def decisions_seen(self) -> int:
        return self.order.decisions_seen

    def next(self, k: int = 1) -> list[Shown]:
        picked: list[tuple[int, float]] = []
        for rid, score in zip(self.order.record_ids, self.order.scores):
            if self.only is None or int(rid) in self.only:
                picked.append((int(rid), float(score)))
                if len(picked) == k:
                    break
        return self._shown(picked)

    def _shown(self, picked: list[tuple[int, float]]) -> list[Shown]:
        """The records ``picked`` (id, score), read by id, ranked as listed."""
        with self.project.reading() as session:
            records = dict(screening_records(session, [rid for rid, _ in picked]))
        return [Shown(rid, records[rid], score, rank, self.order.model, -1)
                for rank, (rid, score) in enumerate(picked, start=1) if rid in records]

    def shown_probability(self, record_id: int) -> float | None:
        """The kept model's inclusion probability of ``record_id`` (None if not in the order)."""
        hits = np.flatnonzero(self.order.record_ids == record_id)
        return float(self.order.probabilities[hits[0]]) if hits.size else None

    def explain(self, shown: Shown) -> Explanation:
        matches: dict[str, list[Match]] = {}
        scores: dict[str, float] = {}
        if self.criteria is not None:
            matches, scores = self.state.kept_criteria(shown.record_id)
        return Explanation(
            index=shown.index, score=shown.score, rank=shown.rank, model=self.order.explained,
            has_abstract=shown.record.has_abstract, matches=matches, element_scores=scores,
            suggested_exclusions=self.criteria.suggested_exclusion_reasons(shown.record) if self.criteria else [],
            has_text=bool(record_text(shown.record).strip()),
        )


def kept_queue(project: Project, *, stage: str = "title_abstract", preset: str | None = None,
               new_only: bool = False) -> KeptQueue | None:
    """The kept order as a queue if it is still the order a new queue would compute, else None."""
    state = RankingState.of_project(project, stage=stage, preset=preset)
    order = state.fresh_order()
    if order is None:
        return None
    only = None
    if new_only or stage != "title_abstract":
        with project.reading() as session:
            only = servable_groups(session, stage=stage, new_only=new_only)
    return KeptQueue(project, state, order, state.criteria, only)



@dataclass
class KeptReviewerQueue(KeptQueue):
    """One allocated reviewer's queue served from the kept order: the records not settled in
    the order any queue ranks them, less those their queue hides (:func:`~triage.store.team.
    unavailable_for`: decided by them, or with every slot filled by others; and
    :func:`~triage.store.claims.claimed_away`), each leased to them as it is served, as
    :meth:`ScreeningQueue._next_claimed <triage.screening.queue.ScreeningQueue>` does."""

    reviewer: str = ""
    allocation: Allocation | None = None
    hidden: set[int] = field(default_factory=set)

    @property
    def remaining(self) -> int:
        return sum(1 for rid in self.order.record_ids if self._open(int(rid)))

    def _open(self, rid: int) -> bool:
        return rid not in self.hidden and (self.only is None or rid in self.only)

    def next(self, k: int = 1) -> list[Shown]:
        assert self.allocation is not None
        picked: list[tuple[int, float]] = []
        for rid, score in zip(self.order.record_ids.tolist(), self.order.scores.tolist(), strict=True):
            if not self._open(rid):
                continue
            with self.project.transaction() as session:
                won = claim(session, stage=self.state.stage, record_id=rid, reviewer=self.reviewer,
                            slots=self.allocation.slots(rid))
            if not won:  # another process took it a moment ago
                self.hidden.add(rid)
                continue
            picked.append((rid, score))
            if len(picked) == k:
                break
        return self._shown(picked)


def kept_reviewer_queue(project: Project, *, reviewer: str, stage: str = "title_abstract", preset: str | None = None,
                        new_only: bool = False) -> KeptQueue | None:
    """A named reviewer's queue from the kept order (None: build the queue), serving the
    records :class:`~triage.screening.queue.ScreeningQueue` would serve them: with no
    allocation, everyone's queue; under one, :class:`KeptReviewerQueue`.

    Only where the kept order is the order a new queue serves from: a querier that ranks
    (``max``, ``uncertainty``) and not the random cold start (a random pick of a few is no
    prefix of a random order of all). A reviewer not allocated gets the queue's refusal."""
    with project.reading() as session:
        allocation = allocation_in_force(session, stage)
    if allocation is not None and reviewer not in allocation.reviewers:
        return None
    kept = kept_queue(project, stage=stage, preset=preset, new_only=new_only)
    if kept is None or allocation is None:
        return kept
    random_start = "(cold start)" in kept.order.explained and kept.state.preset.cold_start.get("fallback") == "random"
    if kept.state.preset.query.get("strategy") not in ("max", "uncertainty") or random_start:
        return None
    with project.reading() as session:
        hidden = set(unavailable_for(session, stage=stage, reviewer=reviewer))
        hidden |= claimed_away(session, stage=stage, reviewer=reviewer)
    return KeptReviewerQueue(project, kept.state, kept.order, kept.criteria, kept.only, reviewer=reviewer,
                             allocation=allocation, hidden=hidden)


def kept_study_groups(project: Project, *, stage: str = "title_abstract") -> dict[int, tuple[int, ...]]:
    """:func:`~triage.store.studies.study_groups`, kept with the ranking: at 50,000 records
    it reads every record's merge group and every related pair, each ``triage next``."""
    state = RankingState.of_project(project, stage=stage)
    inputs = state.inputs()
    with project.reading() as session:
        version = study_state_version(session)
        kept = state.kept_summary("studies", version, inputs)
        if isinstance(kept, dict):
            return {int(k): tuple(int(x) for x in v) for k, v in kept.items()}
        groups = study_groups(session)
    state.keep_summary("studies", version, {str(k): list(v) for k, v in groups.items()}, inputs)
    return groups


def ranking_summary(project: Project, *, stage: str = "title_abstract") -> dict[str, object]:
    """What ``triage status`` says about the ranking: the model behind the kept order, how
    many decisions it learned from, whether it is current, and the embeddings' progress."""
    from triage.screening.background_embeddings import embedding_running

    state = RankingState.of_project(project, stage=stage)
    inputs = state.inputs()
    latest = state.latest_order()
    return {
        "model": latest.model if latest else None,
        "model_decisions": latest.decisions_seen if latest else None,
        "current": latest is not None and state.fresh_order(inputs) is not None,
        "embeddings_pending": latest.embeddings_pending if latest else None,
        "embedded": inputs.embedded,
        "embedding_in_background": embedding_running(project),
    }
