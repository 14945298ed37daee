"""The ranking state a project keeps, so a command reuses what the last one computed.

A ranking needs the TF-IDF matrix of every record, the criteria matched in every
abstract, the embeddings (kept by :mod:`triage.screening.embedding_cache`) and a model
trained on the decisions in force. Only the model depends on decisions, so TF-IDF and
criteria scores are computed once per set of records and criteria; the order the model
gave is kept too, with how many decisions it had seen, so ``triage next`` and
``triage status`` answer from it at once while nothing changed. Every piece carries the
key of what it was computed from (:class:`~triage.store.ranking_state.RankingInputs`,
the criteria, the preset) and is recomputed only when that changed.

The same state serves one person's laptop and a team server: whoever decides, the next
reader finds the order stale by key and the queue that rebuilds it reuses the pieces.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

import numpy as np

from triage.criteria import Criteria
from triage.ranking.criteria_scores import CriteriaFit, Match
from triage.ranking.presets import Preset
from triage.ranking.state import (
    RankedOrder,
    criteria_fit_from_bytes,
    criteria_fit_to_bytes,
    order_from_bytes,
    order_to_bytes,
    state_key,
    tfidf_from_bytes,
    tfidf_to_bytes,
)
from triage.store.db import Project
from triage.store.ranking_state import RankingInputs, load_state, ranking_inputs, save_state

if TYPE_CHECKING:  # scipy.sparse loads in a third of a second; the kept order needs none
    import scipy.sparse as sp

__all__ = ["RankingState"]


class RankingState:
    """The kept pieces of one stage's ranking under one preset and the project's criteria."""

    def __init__(self, project: Project, *, stage: str, preset: Preset, criteria: Criteria | None,
                 embedding_model: str) -> None:
        self.project = project
        self.stage = stage
        self.preset = preset
        self.embedding_model = embedding_model
        self.criteria = criteria
        self._criteria = state_key(repr(criteria)) if criteria is not None else None
        self._kept_fit: tuple[dict[int, int], CriteriaFit] | None = None

    def inputs(self) -> RankingInputs:
        """What the pieces depend on, read now."""
        with self.project.reading() as session:
            return ranking_inputs(session, stage=self.stage, embedding_model=self.embedding_model)

    @classmethod
    def of_project(cls, project: Project, *, stage: str = "title_abstract", preset: str | None = None) -> RankingState:
        """The state of ``project``'s ranking under ``preset`` (else its ``preset`` setting)
        and its criteria, without building anything."""
        from triage.embeddings import encoder_name
        from triage.ranking.presets import load_preset
        from triage.screening.criteria_file import project_criteria

        path = project.get_setting("embedding_model")
        return cls(project, stage=stage, preset=load_preset(preset or str(project.get_setting("preset", "default"))),
                   criteria=project_criteria(project), embedding_model=encoder_name(str(path) if path else None))

    # -- keys ---------------------------------------------------------------------------

    def _tfidf_key(self, inputs: RankingInputs) -> str:
        spec = asdict(self.preset.features)
        words = {k: spec[k] for k in ("ngram_range", "sublinear_tf", "min_df", "max_df", "stop_words", "title_repeat")}
        return state_key("tfidf", inputs.records, words)

    def _criteria_key(self, inputs: RankingInputs, semantic: bool) -> str:
        return state_key("criteria", inputs.records, self._criteria, self.preset.cold_start,
                         self.embedding_model if semantic else None)

    def _order_key(self, inputs: RankingInputs) -> str:
        preset = (self.preset.label, asdict(self.preset.features), self.preset.classifier, self.preset.query,
                  self.preset.cold_start)
        return state_key("order", inputs.decisions, preset, self._criteria, self.embedding_model)

    # -- pieces -------------------------------------------------------------------------

    def _load(self, kind: str, key: str) -> tuple[bytes, dict[str, object], int] | None:
        with self.project.reading() as session:
            stored = load_state(session, kind, stage=self.stage, preset=self.preset.label, key=key)
        return None if stored is None else (stored.data, stored.meta, stored.decisions_seen)

    def _save(self, kind: str, key: str, data: bytes, meta: dict[str, object] | None = None,
              decisions_seen: int = 0) -> None:
        with self.project.transaction() as session:
            save_state(session, kind, stage=self.stage, preset=self.preset.label, key=key, data=data, meta=meta,
                       decisions_seen=decisions_seen)

    def tfidf(self, inputs: RankingInputs, record_ids: list[int]) -> sp.csr_matrix | None:
        """The kept TF-IDF rows of ``record_ids``, or None if they must be computed."""
        found = self._load("tfidf", self._tfidf_key(inputs))
        if found is None:
            return None
        ids, matrix = tfidf_from_bytes(found[0])
        return matrix if np.array_equal(ids, record_ids) else None

    def save_tfidf(self, inputs: RankingInputs, record_ids: list[int], matrix: sp.csr_matrix) -> None:
        self._save("tfidf", self._tfidf_key(inputs), tfidf_to_bytes(np.asarray(record_ids), matrix))

    def criteria_fit(self, inputs: RankingInputs, record_ids: list[int], *, semantic: bool) -> CriteriaFit | None:
        """The kept criteria scores of ``record_ids`` (with the semantic part if asked), or None."""
        found = self._load("criteria", self._criteria_key(inputs, semantic))
        if found is None:
            return None
        ids, fit = criteria_fit_from_bytes(found[0])
        return fit if np.array_equal(ids, record_ids) and (fit.semantic is not None) == semantic else None

    def save_criteria_fit(self, inputs: RankingInputs, record_ids: list[int], fit: CriteriaFit) -> None:
        key = self._criteria_key(inputs, fit.semantic is not None)
        self._save("criteria", key, criteria_fit_to_bytes(np.asarray(record_ids), fit))

    def kept_criteria(self, record_id: int) -> tuple[dict[str, list[Match]], dict[str, float]]:
        """The kept criteria matches and element scores of one record (empty if none kept)."""
        if self._kept_fit is None:
            with self.project.reading() as session:
                stored = load_state(session, "criteria", stage=self.stage, preset=self.preset.label)
            if stored is None:
                return {}, {}
            ids, fit = criteria_fit_from_bytes(stored.data)
            self._kept_fit = ({int(rid): i for i, rid in enumerate(ids)}, fit)
        positions, fit = self._kept_fit
        i = positions.get(record_id)
        if i is None:
            return {}, {}
        scores = {name: float(fit.lexical[i, j]) for j, name in enumerate(fit.elements)}
        return {k: list(v) for k, v in fit.matches[i].items()}, scores

    def fresh_order(self, inputs: RankingInputs | None = None) -> RankedOrder | None:
        """The kept order if nothing it depends on changed since: no decision, record,
        merge or criteria change, and (if it was ranked while embeddings were computed)
        the embeddings still not all there. None means: rebuild it."""
        inputs = inputs or self.inputs()
        found = self._load("order", self._order_key(inputs))
        if found is None:
            return None
        order = order_from_bytes(found[0], dict(found[1]), found[2])
        if order.embeddings_pending and inputs.embedded >= order.records:
            return None
        return order

    def kept_summary(self, name: str, depends_on: object, inputs: RankingInputs | None = None) -> object | None:
        """A JSON summary computed from the current ranking (e.g. stopping advice), kept
        under ``name`` with what else it ``depends_on``; None if anything changed since."""
        inputs = inputs or self.inputs()
        found = self._load(name, state_key(name, self._order_key(inputs), depends_on))
        if found is None:
            return None
        meta = found[1]
        if meta.get("embeddings_pending") and inputs.embedded >= int(str(meta.get("records", 0))):
            return None
        summary: object = json.loads(found[0].decode("utf-8"))
        return summary

    def keep_summary(self, name: str, depends_on: object, summary: object, inputs: RankingInputs,
                     order: RankedOrder | None = None) -> None:
        """Keep ``summary`` for :meth:`kept_summary`; ``order``: the order it used, if any."""
        meta: dict[str, object] = order.meta() if order is not None else {}
        self._save(name, state_key(name, self._order_key(inputs), depends_on),
                   json.dumps(summary, default=str).encode("utf-8"), meta)

    def latest_order(self) -> RankedOrder | None:
        """The kept order whatever it was computed from (to say how stale it is)."""
        with self.project.reading() as session:
            stored = load_state(session, "order", stage=self.stage, preset=self.preset.label)
        return None if stored is None else order_from_bytes(stored.data, stored.meta, stored.decisions_seen)

    def save_order(self, inputs: RankingInputs, order: RankedOrder) -> None:
        self._save("order", self._order_key(inputs), order_to_bytes(order), order.meta(), order.decisions_seen)
