"""One screening session's train-rank loop, with no I/O: the same code path for a
reviewer at the terminal and for the evaluation's simulated reviewer.

Features are built once for all records; after each decision :meth:`ScreeningCycle.next`
retrains (lazily, only if labels changed) on the labelled rows and rescores every record.
Before both classes are labelled there is no classifier, so the order comes from the
criteria (cold start) or, without criteria, from the preset's fallback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from triage.criteria import Criteria
from triage.embeddings import Encoder, load_encoder
from triage.errors import TriageError
from triage.ranking.criteria_scores import CriteriaFit, CriteriaScorer, Match, fit_criteria
from triage.ranking.explain import Explanation
from triage.ranking.features import (
    FeatureSpec,
    dense_features,
    record_text,
    stack_features,
    tfidf_matrix,
    tfidf_text,
)
from triage.ranking.models import BalancedLinearClassifier, balanced_sample_weight, make_querier
from triage.ranking.presets import Preset, load_preset
from triage.records.model import Record
from triage.text import load_nlp

__all__ = ["ScreeningCycle"]


class ScreeningCycle:
    """Active-learning ranking over a fixed set of records.

    ``records`` are addressed by position (0..n-1). ``embeddings`` is an optional
    precomputed (n, d) L2-normalised array (the store caches them); when the preset or
    the criteria need embeddings and none are given they are computed with ``encoder``
    (loaded here if None: ~1.5 s plus several ms per record). ``random_state`` seeds every
    random choice, so a simulation is reproducible.

    A project keeps what does not depend on decisions (``tfidf``, ``criteria_fit``; see
    ``triage.screening.ranking_state``) and passes it in, so a new session does not redo
    it. ``embeddings_pending``: the embeddings are still being computed (in the
    background); rank without them meanwhile (TF-IDF and the criteria's words) rather than
    make the reviewer wait.
    """

    def __init__(
        self,
        records: Sequence[Record],
        *,
        preset: str | Preset = "default",
        criteria: Criteria | None = None,
        embeddings: np.ndarray | None = None,
        encoder: Encoder | None = None,
        random_state: int | None = None,
        tfidf: sp.csr_matrix | None = None,
        criteria_fit: CriteriaFit | None = None,
        embeddings_pending: bool = False,
    ) -> None:
        self.preset = load_preset(preset) if isinstance(preset, str) else preset
        self.model_name = self.preset.label
        self.criteria = criteria
        self.labelled: dict[int, int] = {}
        self._records = list(records)
        self._n = len(self._records)
        self._random_state = random_state
        self._rng = np.random.default_rng(random_state)
        self._querier = make_querier(**self.preset.query)
        self._version = 0
        self._trained_version = -1
        self._scores = np.full(self._n, 0.5)
        self._margins = np.zeros(self._n)
        self._weight_offset = 0.0
        self._trained = False
        self._last_query: tuple[int, int, list[int]] | None = None
        # (labels version, every record's score with its tie-break, the unlabelled ones', sorted yet) for rank_of.
        self._ranks: tuple[int, np.ndarray, np.ndarray, bool] | None = None
        # Random tie-break drawn once: the no-criteria cold start and equal scores keep one
        # stable order instead of reshuffling on every call.
        self._tiebreak = self._rng.random(self._n)
        # Records with no title, abstract or keywords: nothing to rank them on
        # (see _place_records_without_text).
        self._no_text = np.array([not record_text(r).strip() for r in self._records], dtype=bool)

        spec = self.preset.features
        wants_embeddings = spec.embeddings or (
            criteria is not None and float(self.preset.cold_start.get("semantic_weight", 0.5)) > 0
        )
        self.embeddings_pending = bool(embeddings_pending and wants_embeddings and embeddings is None)
        if self.embeddings_pending:
            spec = replace(spec, embeddings=False)
        if embeddings is not None:
            embeddings = np.asarray(embeddings, dtype=np.float32)
            if embeddings.shape[0] != self._n:
                raise TriageError(
                    f"embeddings have {embeddings.shape[0]} rows for {self._n} records",
                    hint="recompute the embeddings for these records",
                )
        elif wants_embeddings and self._n and not self.embeddings_pending:
            encoder = encoder if encoder is not None else load_encoder()
            embeddings = encoder.encode([record_text(r) for r in self._records])
        self._embeddings = embeddings

        self._matches: Sequence[dict[str, list[Match]]] = [{} for _ in range(self._n)]
        self._element_scores = np.zeros((self._n, 0))
        self._element_names: list[str] = []
        self._cold = np.full(self._n, 0.5)
        # The cold-start order as a standardised log-odds shift (see _criteria_prior).
        self._cold_shift = np.zeros(self._n)
        #: What the cycle took from the criteria and the words (a project caches both).
        self.criteria_fit: CriteriaFit | None = None
        if criteria is not None and self._n:
            self.criteria_fit = criteria_fit or self.fit_criteria(criteria, embeddings, encoder)
            self._score_criteria(self.criteria_fit)

        if tfidf is not None and tfidf.shape[0] != self._n:
            raise TriageError(f"the TF-IDF matrix has {tfidf.shape[0]} rows for {self._n} records")
        if tfidf is None:
            tfidf = self.tfidf_of(self._records, spec)
        # Training reads a few hundred rows of one CSR matrix; scoring every record after each
        # retrain multiplies TF-IDF (sparse) and the dense blocks (BLAS) separately, which at
        # 50k records is about twice as fast as one CSR matrix holding 384 dense columns.
        self._dense = dense_features(embeddings if spec.embeddings else None, self._element_scores, spec)
        self._X = stack_features(tfidf, self._dense)
        # Canonical CSR once: otherwise scikit-learn's input checks sort the whole matrix's
        # indices again on every retrain (a fifth of a step at 20k records).
        self._X.sum_duplicates()
        self._X.sort_indices()
        self.tfidf: sp.csr_matrix = tfidf

    def fit_criteria(self, criteria: Criteria, embeddings: np.ndarray | None, encoder: Encoder | None) -> CriteriaFit:
        """The criteria scored on this cycle's records (what a project caches)."""
        cold = self.preset.cold_start
        weight = float(cold.get("semantic_weight", 0.5))
        semantic = embeddings is not None and weight > 0
        return fit_criteria(
            criteria, self._records, nlp=load_nlp(), embeddings=embeddings if semantic else None,
            encoder=(encoder if encoder is not None else load_encoder()) if semantic else None,
            title_weight=float(cold.get("title_weight", 2.0)), saturation=float(cold.get("saturation", 2.0)),
        )

    @staticmethod
    def tfidf_of(records: Sequence[Record], spec: FeatureSpec) -> sp.csr_matrix:
        """The TF-IDF rows of ``records`` as the cycle builds them (what a project caches)."""
        if not records:
            return sp.csr_matrix((0, 1), dtype=np.float32)
        return tfidf_matrix([tfidf_text(r, spec.title_repeat) for r in records], spec)

    def _score_criteria(self, fit: CriteriaFit) -> None:
        if len(fit.matches) != self._n:
            raise TriageError(f"criteria scores cover {len(fit.matches)} records, not {self._n}")
        weight = float(self.preset.cold_start.get("semantic_weight", 0.5))
        self._matches = fit.matches
        semantic = fit.semantic if weight > 0 and not self.embeddings_pending else None
        self._element_names = fit.elements
        self._element_scores = fit.lexical
        cold_scores = CriteriaScorer.combine(fit.lexical, semantic, semantic_weight=weight)
        # A record with no title, abstract or keywords has no evidence either way: it sits in
        # the middle of the cold-start order, not at the bottom where matching nothing and
        # an empty text's embedding would put it by accident.
        empty = self._no_text
        if empty.any() and not empty.all():
            cold_scores[empty] = float(np.median(cold_scores[~empty]))
        self._cold = cold_scores
        spread = float(cold_scores.std())
        if spread > 0:
            self._cold_shift = (cold_scores - cold_scores.mean()) / spread

    # -- decisions -------------------------------------------------------------------

    def _check_index(self, index: int) -> int:
        if not 0 <= int(index) < self._n:
            raise TriageError(f"record index {index} out of range 0..{self._n - 1}")
        return int(index)

    def teach(self, index: int, label: int) -> None:
        """Record a decision: 1 include (relevant), 0 exclude; re-teaching replaces it."""
        index = self._check_index(index)
        if label not in (0, 1):
            raise TriageError(f"label must be 1 (include) or 0 (exclude); got {label!r}")
        if self.labelled.get(index) != label:
            self.labelled[index] = int(label)
            self._version += 1

    def forget(self, index: int) -> None:
        """Make ``index`` unlabelled again (undo, "maybe", a retracted decision)."""
        index = self._check_index(index)
        if self.labelled.pop(index, None) is not None:
            self._version += 1

    # -- ranking ---------------------------------------------------------------------

    def _refresh(self) -> None:
        if self._trained_version == self._version:
            return
        self._trained_version = self._version
        labels = np.fromiter(self.labelled.values(), dtype=np.int64, count=len(self.labelled))
        if labels.size and 0 < labels.sum() < labels.size:
            rows = np.fromiter(self.labelled.keys(), dtype=np.int64, count=len(self.labelled))
            params = dict(self.preset.classifier)
            model = BalancedLinearClassifier(random_state=self._random_state, **params)
            model.fit(self._X[rows], labels)
            self._margins = self._margins_of(model)
            self._weight_offset = _balance_offset(labels, model.balance_ratio)
            self._place_records_without_text()
            shown = self._margins + self._criteria_prior() * self._cold_shift
            self._scores = 1.0 / (1.0 + np.exp(-np.clip(shown, -50.0, 50.0)))
            self._trained = True
        else:
            self._scores = self._cold_scores()
            self._trained = False

    def _criteria_prior(self) -> float:
        """Weight of the criteria order in the ranking once a classifier is trained.

        After one include and one exclude the classifier knows two records; the criteria
        describe the whole review. Measured over whole simulated screenings from no
        decisions (``evaluation/cold_start.py``), handing over at once lost much of the
        criteria's early lead (ADHD: 17 of 20 includes in the first 10% by the criteria
        alone, 13 once the classifier took over). So the standardised criteria score is
        added to the model's log-odds with a weight that fades as includes are found:
        ``prior_weight * fade / (fade + includes found)`` (preset ``[cold_start]``
        ``prior_weight``, ``prior_fade_includes``; 0 turns it off). Only the order shown is
        affected; the probabilities the stopping estimates use stay the model's own.
        """
        weight = float(self.preset.cold_start.get("prior_weight", 0.0))
        if self.criteria is None or weight <= 0:
            return 0.0
        fade = float(self.preset.cold_start.get("prior_fade_includes", 2.0))
        return weight * fade / (fade + sum(self.labelled.values()))

    def _place_records_without_text(self) -> None:
        """Rank records with no title, abstract or keywords after the model's likely candidates.

        The model scores an empty text by its intercept and the empty string's embedding,
        which put such records at the bottom (measured: the last 3-10% of the order on three
        Cohen reviews, their includes with them). With no evidence either way, such a record
        is as likely an include as an average record of the review. The share of includes
        is estimated from below, by the includes found so far over all records with text:
        the model's own estimate of those still unscreened is far too high early on (a mean
        probability of 0.32 after two decisions on a review with 2.4% includes), and would
        put these records among the first shown. With the lower bound they come after every
        record the model finds likelier, and before the long tail it finds less likely, as
        soon as its candidates run out; the estimate of includes still to find counts each
        at that rate.
        """
        empty = self._no_text
        if not empty.any() or empty.all():
            return
        found = sum(self.labelled.values())
        share = float(np.clip(found / (self._n - int(empty.sum())), 1e-6, 1 - 1e-6))
        self._margins[empty] = np.log(share / (1.0 - share)) - self._weight_offset

    def _margins_of(self, model: BalancedLinearClassifier) -> np.ndarray:
        """``model.decision_function`` over every record, block by block (see ``__init__``),
        without re-validating the same matrix on every retrain."""
        coef = model.coef_.astype(np.float32)
        vocabulary = self.tfidf.shape[1]
        margins = np.asarray(self.tfidf @ coef[:vocabulary], dtype=np.float64).ravel()
        if self._dense is not None:
            margins += self._dense @ coef[vocabulary:]
        return margins + model.intercept_

    def _cold_scores(self) -> np.ndarray:
        """Scores before a classifier can train: criteria fit, raised by similarity to any
        includes already known (TF-IDF cosine), else the neutral 0.5."""
        includes = [i for i, y in self.labelled.items() if y == 1]
        if includes:
            centroid = np.asarray(self.tfidf[includes].mean(axis=0)).ravel()
            similarity = np.asarray(self.tfidf @ centroid).ravel()
            top = similarity.max()
            similarity = similarity / top if top > 0 else similarity
            if self._no_text.any() and not self._no_text.all():
                similarity[self._no_text] = float(np.median(similarity[~self._no_text]))
            return 0.5 * similarity + 0.5 * self._cold if self.criteria is not None else similarity
        return self._cold.copy()

    @property
    def is_cold(self) -> bool:
        """True while no classifier is trained (fewer than one include and one exclude)."""
        self._refresh()
        return not self._trained

    def scores(self) -> np.ndarray:
        """Probability-like relevance in [0, 1] for every record, shape (n,)."""
        self._refresh()
        return self._scores.copy()

    def inclusion_probabilities(self) -> np.ndarray:
        """Probabilities for estimating how many includes remain, shape (n,).

        The ranking model is trained with balanced class weights, which inflate every
        probability (the excludes count for less), so summed over thousands of unscreened
        records they promise far more includes than exist. The prior correction for
        weighted training (King & Zeng 2001, "Logistic regression in rare events data")
        shifts the log-odds back by the log of the weight ratio. The decisions themselves
        remain a sample enriched in includes (the ranking showed likely ones first), so
        the corrected sum still errs on the side of more includes missing. Before a model
        is trained these are the cold-start scores.
        """
        self._refresh()
        if not self._trained:
            return self._scores.copy()
        logits = np.clip(self._margins + self._weight_offset, -50.0, 50.0)
        return np.asarray(1.0 / (1.0 + np.exp(-logits)))

    def next(self, k: int = 1) -> list[int]:
        """The ``k`` unlabelled records to show next (fewer when fewer remain), best first.

        Retrains first if labels changed. Asking again without a new decision returns the
        same records, so a record shown and skipped does not reshuffle the queue.
        """
        if k < 1:
            raise TriageError(f"k must be at least 1; got {k}")
        self._refresh()
        if self._last_query is not None and self._last_query[:2] == (self._version, k):
            return list(self._last_query[2])
        mask = np.ones(self._n, dtype=bool)
        if self.labelled:
            mask[np.fromiter(self.labelled.keys(), dtype=np.int64)] = False
        candidates = np.flatnonzero(mask)
        if candidates.size == 0:
            return []
        # A tiny tie-break below score resolution keeps equal scores in a seeded order.
        ranked = self._scores + 1e-9 * self._tiebreak
        if self._trained or self.criteria is not None or self.labelled:
            picked = self._querier.query(ranked, candidates, k, self._rng)
        elif self.preset.cold_start.get("fallback", "random") == "random":
            picked = make_querier("random").query(ranked, candidates, k, self._rng)
        else:
            picked = self._querier.query(ranked, candidates, k, self._rng)
        self._last_query = (self._version, k, picked)
        return list(picked)

    def rank_of(self, index: int) -> int | None:
        """1-based rank of ``index`` among unlabelled records by score; None if labelled."""
        index = self._check_index(index)
        if index in self.labelled:
            return None
        self._refresh()
        cached = self._ranks
        if cached is None or cached[0] != self._version:
            ranked = self._scores + 1e-9 * self._tiebreak
            mask = np.ones(self._n, dtype=bool)
            if self.labelled:
                mask[np.fromiter(self.labelled.keys(), dtype=np.int64)] = False
            self._ranks = (self._version, ranked, ranked[mask], False)
            return int(np.count_nonzero(ranked[mask] > ranked[index])) + 1
        # Asked again under the same labels (a server explains the 40 records ahead): sort the
        # unlabelled scores once, then each rank is a binary search, not a pass over every record.
        _, ranked, others, is_sorted = cached
        if not is_sorted:
            others = np.sort(others)
            self._ranks = (self._version, ranked, others, True)
        return int(others.size - np.searchsorted(others, ranked[index], side="right")) + 1

    @property
    def explained_model(self) -> str:
        """The model as an explanation names it: ``default@3``, with ``(criteria)`` or
        ``(cold start)`` before a classifier trains, ``(+ criteria)`` while the criteria
        still weigh in, and ``(embeddings pending)`` while ranked without them."""
        self._refresh()
        model = self.model_name
        if not self._trained:
            model += " (criteria)" if self.criteria is not None else " (cold start)"
        elif self._criteria_prior() > 0:
            model += " (+ criteria)"
        return model + (" (embeddings pending)" if self.embeddings_pending else "")

    def explain(self, index: int) -> Explanation:
        """Why record ``index`` scores as it does (see :class:`Explanation`)."""
        index = self._check_index(index)
        self._refresh()
        record = self._records[index]
        names = self._element_names
        model = self.explained_model
        return Explanation(
            index=index,
            score=float(self._scores[index]),
            rank=self.rank_of(index),
            model=model,
            has_abstract=record.has_abstract,
            matches={k: list(v) for k, v in self._matches[index].items()},
            element_scores={name: float(self._element_scores[index, j]) for j, name in enumerate(names)},
            suggested_exclusions=self.criteria.suggested_exclusion_reasons(record) if self.criteria else [],
            has_text=not bool(self._no_text[index]),
        )

    def __len__(self) -> int:
        return self._n


def _balance_offset(labels: np.ndarray, ratio: float | None) -> float:
    """Log of an exclude's training weight relative to an include's (0 when unweighted)."""
    if ratio is None:
        return 0.0
    weights = balanced_sample_weight(labels, ratio)
    return float(np.log(weights[labels == 0][0] / weights[labels == 1][0]))
