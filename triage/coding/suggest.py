"""Code suggestions per segment: a per-code few-shot model on sentence embeddings.

Each code starts as a prototype: the embedding of its name and description (what a
coder reads in the codebook). Codebook examples and segments a coder accepted become
positive examples of the code, suggestions the coder rejected become negatives. A
segment's score for a code is the mean of its ``n_neighbors`` highest similarities
among the code's positive examples, where the description counts as ``n_neighbors``
examples: with no close example the score is the description similarity, each close
example lifts it, and accepting a segment never lowers a code's neighbour score (nearest-
neighbour few-shot coding with the description as prior, cf. prototype networks,
Snell et al. 2017; embedding plus few-example coding reached kappa 0.74-0.83 against
expert coders in published evaluations). A code loses score when the segment is a near-duplicate
of a segment where the coder rejected it (``negative_threshold``) and closer to it than to any
positive example; rejections of merely similar segments are stored but change nothing, since
under a protocol that rejects wrong first suggestions they made suggestions worse. Learning is
appending vectors, so every accept or reject changes the next suggestion at once
(:meth:`CodeSuggester.partial_fit`).

Once a coder has coded enough segments, a multinomial logistic regression on the
same embeddings (all positive rows: codebook examples and accepted segments) adds its
probability to every code's score: a discriminative model learns which directions of
the embedding separate this review's codes, which nearest neighbours cannot (on the
shared NHS feedback data, online protocol over 3 seeds, top-1 rose from 0.61 to 0.69
over 6,211 segments; on random subsets of 150 / 400 / 1,000 segments it was -0.01 /
level / +0.04, so small projects lose nothing). It is refitted when the positive rows have
grown by a tenth (at least ten rows), so suggesting stays fast; the nearest-neighbour
part still reacts to every single accept and reject at once.

Changes for results sections of qualitative papers (issue 18, measured in
``evaluation/reports/coding.md``): every vector is *centred* on the project's segments (their
mean embedding is subtracted before the cosine, with ``fit(..., segments=...)``): all
paragraphs of one synthesis share its topic, and that shared direction otherwise dominates
every similarity (embedding anisotropy; Mu & Viswanath 2018, "All-but-the-top"). And a code's
prototype is the mean of two texts, its name with theme context and description
(:func:`code_text`) and its name alone (:func:`code_views`): subthemes of one theme share the
theme's words, the name alone tells them apart. A third: where a segment is compared with coded
segments, the project's leading principal direction is dropped as well (``drop_components``): in a
synthesis it is the voice (participants' quotations against the authors' prose), which otherwise
makes a quotation's nearest coded segments other quotations, whatever their subtheme.

Scores are cosine similarities (about -1..1, typically 0.1-0.8) plus at most
``linear_weight``, comparable between codes, not probabilities.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from triage.coding.adapt import ProjectMap
from triage.coding.codebook import Code
from triage.coding.lexical import LexicalIndex

__all__ = ["KINDS", "CodeSuggester", "LinearHead", "Suggestion", "code_text", "code_themes", "code_views",
           "training_items"]

#: Kinds of training rows: the code's own text, a codebook example, an accepted segment,
#: a rejected suggestion.
KINDS: tuple[str, ...] = ("description", "example", "accepted", "rejected")

#: At most this many of the project's segments (a seeded sample) give the principal directions
#: that ``drop_components`` removes.
COMPONENT_ROWS = 1000
#: Fewer segments than this drop no direction: the leading direction of a handful of segments is their
#: main topic (in a test project, 4 of 8 sentences about the journey to a clinic), not a property of the
#: collection such as the voice. A guard only: every measured set (26 segments and more) is above it.
MIN_SEGMENTS_FOR_DIRECTIONS = 20


def code_text(code: Code, path: Sequence[Code] = ()) -> str:
    """The text embedded as a code's prototype: its themes, name and description.

    The theme names add context ("Staff: Attitude") that short code names lack.
    """
    themes = " / ".join(c.name for c in path if c.id != code.id)
    head = f"{themes}: {code.name}" if themes else code.name
    return f"{head}. {code.description}" if code.description else head


def code_views(code: Code, path: Sequence[Code] = ()) -> list[str]:
    """The texts whose mean embedding is a code's prototype: :func:`code_text` and, when it
    differs, the code's name alone (what tells a subtheme from its siblings)."""
    full = code_text(code, path)
    return [full] if full == code.name else [full, code.name]


def code_themes(codes: Sequence[tuple[Code, Sequence[Code]]]) -> dict[str, str]:
    """Each codable code's theme (the code it stands under), for ``CodeSuggester(themes=...)``;
    a code at the top of the codebook has none. ``codes`` pairs codes with their paths, as for
    :func:`training_items`."""
    return {code.id: path[-2].id for code, path in codes if len(path) >= 2 and path[-1].id == code.id}


def training_items(codes: Sequence[tuple[Code, Sequence[Code]]]) -> tuple[list[str], list[str], list[str]]:
    """Texts, code ids and kinds of the codebook's own rows (its views + examples).

    ``codes`` pairs each codable code with its path of themes (from the root).
    """
    texts, ids, kinds = [], [], []
    for code, path in codes:
        for view in code_views(code, path):
            texts.append(view)
            ids.append(code.id)
            kinds.append("description")
        for example in code.examples:
            texts.append(example)
            ids.append(code.id)
            kinds.append("example")
    return texts, ids, kinds


@dataclass(frozen=True)
class LinearHead:
    """The fitted logistic regression, how many positive rows it was fitted on, and a
    fingerprint of those rows: a head is reused only while they are still the first
    ``rows`` positive rows (a retracted accept or another project means a refit)."""

    model: Any
    rows: int
    fingerprint: str


@dataclass(frozen=True)
class Suggestion:
    """One suggested code for a segment: cosine-based score and a reason a coder can read."""

    code_id: str
    score: float
    reason: str

    @property
    def shown_score(self) -> str:
        """The score as coders read it: two decimals, never "-0.00" (a score a hair below
        zero read as a sign the tool had gone wrong)."""
        text = f"{self.score:.2f}"
        return "0.00" if text == "-0.00" else text


class CodeSuggester(BaseEstimator):  # type: ignore[misc]
    """Description prior + nearest examples, one model per code, updated online.

    Parameters
    ----------
    n_neighbors : how many of a code's highest similarities are averaged; the
        description fills all slots until examples closer than it arrive, so a larger value
        keeps more of the codebook's prior while a code has few examples. 5 (was 3): on the two
        qes tuning sets (``evaluation/bench_coding.py`` ``TUNE_SETS``, online, 5 seeds) top-3
        rose from 0.576 to 0.597 (1: 0.531, 2: 0.565, 4: 0.590, 8: 0.597, 12: 0.596), and on the
        held-out qes-siblings set from 0.631 to 0.646; on the NHS feedback data (online, seed 0)
        3 and 5 gave top-1 0.61 and 0.62 before issue 18. Zero-shot does not depend on it.
    negative_weight : penalty per unit by which the nearest rejected segment is closer
        than the nearest positive example (description included).
    negative_threshold : a rejected segment counts only for segments at least this similar to it
        (cosine where segments are compared: centred, leading direction dropped): a near-duplicate,
        "I told you this text is not X". Rejections are always stored; below the threshold they
        change nothing. 0.9 (was 0, any segment closer to a rejected one than to the code's
        examples lost score): under the ``online-reject`` protocol (the coder also rejects a
        wrong first suggestion, as the web's ``x`` does) the old penalty lowered online top-3 on
        the qes tuning sets (``evaluation/bench_coding.py`` ``TUNE_SETS``, 5 seeds) from 0.652
        (rejections ignored) to 0.642, and on a seeded 800-segment NHS subset (2 seeds) from 0.824
        to 0.823 (level): a rejected paragraph's neighbours hold the code about as often as not.
        Thresholds 0.3 / 0.5 / 0.7 gave 0.645 / 0.648 / 0.652 on the tuning sets; a smaller
        weight (0.3 / 0.5, no threshold) 0.641 / 0.643; a rejection that only takes first place
        (a penalised first code moved just below the second, tried and dropped) keeps top-3 by
        construction and lowered top-1 (0.321 / 0.259 -> 0.310 / 0.253).
        Nothing measured learned from rejections better than ignoring them; above 0.9 only
        near-identical texts are penalised (see coding.md, round 6).
    names : display names of codes (code id -> name) used in reasons.
    linear_weight : weight of the logistic regression's probability in the score; 0
        turns the linear head off (nearest neighbours and descriptions only). 0.5 puts a
        confident probability on the scale of a clear similarity gap; 0.25 and 1.0 gave
        top-1 within 0.006 of it on the NHS data (online, seed 0 with this head; seed 1 with
        C = 10), so it is not a fine-tuned value.
    linear_min_rows : positive rows (examples + accepts) needed before the head is fitted.
    name_view : a code's prototype is the mean of all its ``description`` rows (:func:`code_views`);
        False keeps the first only (its :func:`code_text`, the model before issue 18).
    center : subtract the mean of the project's segments (``fit(..., segments=...)``) from every
        vector before the cosine; False compares raw embeddings (the model before issue 18).
    lexical_weight : weight of the TF-IDF cosine between a segment and a code's text
        (:class:`~triage.coding.lexical.LexicalIndex`, given as ``fit(..., lexical=...)``) added to
        every score; 0 (or no index) leaves it out.
    drop_components : how many leading principal directions of the project's centred segments are
        removed where a segment is compared with accepted or rejected segments (not with code texts).
        In a synthesis the leading direction is the voice: participants' quotations against the
        authors' prose (correlation of the first direction with the rate of first-person words -0.72
        on qes-trauma, 0.64 on qes-siblings), so without it a quotation's nearest coded segments are
        other quotations whatever their subtheme ("All-but-the-top", Mu & Viswanath 2018, the
        paper centring follows, removes the mean and the top directions). 1, chosen on the two qes
        tuning sets (``evaluation/bench_coding.py`` ``TUNE_SETS``, online top-3 over 5 seeds: 0
        0.616, 1 0.652, 2 0.639, 3 0.645). It needs ``center`` and at least
        :data:`MIN_SEGMENTS_FOR_DIRECTIONS` segments; zero-shot does not depend on it.
    themes : each code's theme (code id -> theme id, :func:`code_themes`); codes without one each
        count as their own theme.
    max_per_theme : at most this many codes of one theme among the ``k`` suggestions (:meth:`rank`,
        :meth:`suggest`; filled by score where fewer themes are left); 0 ranks by score alone. The
        scores do not change, only which codes are shown. Against one theme's codes crowding the three
        slots when the segment's theme is guessed wrong (round 8 of issue 18, measured with the project
        map, ``evaluate_coding(adapt_steps=...)``: 2, the default since round 10, keeps the map's gains on
        the qes tuning sets and no longer costs the check set; see ``evaluation/reports/coding.md``).
    """

    #: Recorded with every suggestion shown; "+logreg" since the linear head joined.
    name = "prototype-knn+logreg"

    def __init__(
        self,
        n_neighbors: int = 5,
        negative_weight: float = 1.0,
        negative_threshold: float = 0.9,
        names: dict[str, str] | None = None,
        linear_weight: float = 0.5,
        linear_min_rows: int = 20,
        name_view: bool = True,
        center: bool = True,
        lexical_weight: float = 0.6,
        drop_components: int = 1,
        themes: dict[str, str] | None = None,
        max_per_theme: int = 2,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.negative_weight = negative_weight
        self.negative_threshold = negative_threshold
        self.names = names
        self.linear_weight = linear_weight
        self.linear_min_rows = linear_min_rows
        self.name_view = name_view
        self.center = center
        self.lexical_weight = lexical_weight
        self.drop_components = drop_components
        self.themes = themes
        self.max_per_theme = max_per_theme

    # -- learning ----------------------------------------------------------------
    def fit(self, X: np.ndarray, y: Sequence[str], *, kind: Sequence[str],
            segments: np.ndarray | None = None, lexical: LexicalIndex | None = None,
            project_map: ProjectMap | None = None) -> CodeSuggester:
        """Learn from rows ``X`` (n, dim), L2-normalised, labelled with code ids ``y``.

        ``kind`` says what each row is (:data:`KINDS`). Every code needs a
        ``description`` row (several are averaged): the codes suggested are exactly those.
        ``segments`` (m, dim) are the embeddings of all the project's segments, coded or
        not (no labels, no order): with ``center`` their mean is the centre (learned
        ``center_``). It sees what a project holds, as a coder does, never a gold code.
        ``lexical`` holds the TF-IDF rows of those segments and of the codes' texts.
        ``project_map`` (:mod:`triage.coding.adapt`, learned from accepts) maps every vector, these
        rows, the segments and every later one, before anything else; the words are found by the
        vectors as given.
        """
        X = np.asarray(X, dtype=np.float32)
        self.map_ = project_map
        # Recorded with every suggestion shown: whether a project map shaped it.
        self.name = type(self).name + ("+map" if project_map is not None else "")
        if project_map is not None and segments is not None:
            segments = project_map.transform(segments)
        self.lexical_ = lexical if self.lexical_weight > 0 else None
        self.center_ = None
        if self.center and segments is not None and len(segments) > 1:
            self.center_ = np.asarray(segments, dtype=np.float32).mean(axis=0)
        self.components_ = None
        if self.center_ is not None and self.drop_components > 0 and segments is not None \
                and len(segments) >= MIN_SEGMENTS_FOR_DIRECTIONS:
            pool = np.asarray(segments, dtype=np.float32)
            if len(pool) > COMPONENT_ROWS:  # a seeded sample: the leading direction is stable, the SVD cheap
                pool = pool[np.random.default_rng(0).choice(len(pool), COMPONENT_ROWS, replace=False)]
            self.components_ = _leading_directions(pool - self.center_, self.drop_components)
        X = self._centered(X)
        kinds = list(kind)
        if len(X) != len(y) or len(kinds) != len(y):
            raise ValueError(f"X, y and kind differ in length: {len(X)}, {len(y)}, {len(kinds)}")
        bad = sorted(set(kinds) - set(KINDS))
        if bad:
            raise ValueError(f"unknown kind {bad[0]!r}; valid: {', '.join(KINDS)}")
        if self.n_neighbors < 1:
            raise ValueError("n_neighbors must be at least 1")
        described = [c for c, k in zip(y, kinds) if k == "description"]
        self.classes_ = np.array(list(dict.fromkeys(described)), dtype=object)
        self._index = {c: i for i, c in enumerate(self.classes_)}
        # One group number per code: its theme's, or its own where it has none.
        theme_of = self.themes or {}
        groups = {t: n for n, t in enumerate(dict.fromkeys(theme_of[c] for c in self.classes_ if c in theme_of))}
        self.theme_group_ = np.array([groups[theme_of[c]] if c in theme_of else len(groups) + i
                                      for i, c in enumerate(self.classes_)], dtype=np.intp)
        self.prototypes_ = np.zeros((len(self.classes_), X.shape[1]), dtype=np.float32)
        self.n_features_in_ = X.shape[1]
        # Learned rows in growing buffers (capacity doubles), so an accept costs O(dim)
        # and scoring is one matrix product over all examples, whatever the code.
        self.positives_ = np.zeros((0, X.shape[1]), dtype=np.float32)
        self.positive_code_ = np.zeros(0, dtype=np.intp)
        self.positive_accepted_ = np.zeros(0, dtype=bool)
        self.negatives_ = np.zeros((0, X.shape[1]), dtype=np.float32)
        self.negative_code_ = np.zeros(0, dtype=np.intp)
        self._buffers: dict[str, np.ndarray] = {}
        self.linear_: LinearHead | None = None
        self._checked_head: LinearHead | None = None
        seen: set[str] = set()
        for vec, code, k in zip(X, y, kinds):
            if k == "description" and (self.name_view or code not in seen):
                self.prototypes_[self._index[code]] += vec
                seen.add(code)
        self.prototypes_ = _unit_rows(self.prototypes_)
        return self._add(X, y, kinds, skip_descriptions=True)

    def partial_fit(self, X: np.ndarray, y: Sequence[str], *, kind: Sequence[str]) -> CodeSuggester:
        """Add accepted/rejected rows at once; unknown codes are ignored (not suggested)."""
        check_is_fitted(self, "prototypes_")
        return self._add(self._centered(X), y, list(kind), skip_descriptions=False)

    def _centered(self, X: np.ndarray) -> np.ndarray:
        """``X`` (through the project map, if any) less the centre, L2-normalised again (cosine = dot);
        ``X`` as is without either (rows come L2-normalised)."""
        X = np.asarray(X, dtype=np.float32)
        project_map: ProjectMap | None = getattr(self, "map_", None)
        if project_map is not None:
            X = project_map.transform(X)
        center = getattr(self, "center_", None)
        if center is not None:
            return _unit_rows(X - center)
        return X if project_map is None else _unit_rows(X)  # mapped rows are no longer unit length

    def _neighbour_space(self, X: np.ndarray) -> np.ndarray:
        """Centred rows ``X`` without the project's leading principal directions, L2-normalised
        again: where segment is compared with segment (``X`` as is without ``drop_components``)."""
        components = getattr(self, "components_", None)
        if components is None:
            return X
        return _unit_rows(X - (X @ components.T) @ components)

    def _add(self, X: np.ndarray, y: Sequence[str], kinds: list[str], *, skip_descriptions: bool) -> CodeSuggester:
        pos, neg = [], []
        for row, (code, k) in enumerate(zip(y, kinds)):
            i = self._index.get(code)
            if i is None or (k == "description" and skip_descriptions):
                continue
            if k == "description":
                self.prototypes_[i] = X[row]
            elif k == "rejected":
                neg.append((row, i))
            else:
                pos.append((row, i, k == "accepted"))
        if pos:
            rows = [r for r, _, _ in pos]
            self.positives_ = self._append("pos", self.positives_, X[rows])
            self.positive_code_ = self._append("pos_code", self.positive_code_, np.array([i for _, i, _ in pos]))
            self.positive_accepted_ = self._append("pos_acc", self.positive_accepted_,
                                                   np.array([a for _, _, a in pos], dtype=bool))
        if neg:
            self.negatives_ = self._append("neg", self.negatives_, X[[r for r, _ in neg]])
            self.negative_code_ = self._append("neg_code", self.negative_code_, np.array([i for _, i in neg]))
        return self

    def _append(self, name: str, current: np.ndarray, new: np.ndarray) -> np.ndarray:
        """``current`` + ``new`` as a view of a buffer that grows by doubling."""
        buffer = self._buffers.get(name)
        n = len(current)
        if buffer is None or n + len(new) > len(buffer):
            grown = np.zeros((max(2 * (n + len(new)), 64), *current.shape[1:]), dtype=current.dtype)
            grown[:n] = current
            self._buffers[name] = buffer = grown
        buffer[n:n + len(new)] = new
        return buffer[:n + len(new)]

    # -- scoring -------------------------------------------------------------------
    def _parts(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Scores, best similarity to a positive (description included), penalty, and how
        many accepted segments and codebook examples sit in each top-``n_neighbors``;
        each (n, n_codes), for centred rows ``X``. Rows are scored in chunks to bound memory."""
        parts = [self._parts_chunk(X[i:i + 256]) for i in range(0, max(len(X), 1), 256)]
        return tuple(np.concatenate([p[j] for p in parts]) for j in range(5))  # type: ignore[return-value]

    def _parts_chunk(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        k, n_codes = self.n_neighbors, len(self.classes_)
        desc = X @ self.prototypes_.T
        rows = np.arange(len(X))[:, None, None]
        top = np.full((len(X), n_codes, k), -np.inf, dtype=np.float32)
        top_accepted = np.zeros(top.shape, dtype=bool)
        if len(self.positives_):
            sims = self._neighbour_space(X) @ self._neighbour_space(self.positives_).T
            # Sort each row by (code, -similarity): every code's examples become a
            # contiguous run, most similar first; its first k entries are its top k.
            order = np.argsort(self.positive_code_[None, :] * 4.0 - sims, axis=1, kind="stable")
            counts = np.bincount(self.positive_code_, minlength=n_codes)
            starts = np.cumsum(counts) - counts
            slot = starts[:, None] + np.arange(k)[None, :]
            valid = np.arange(k)[None, :] < counts[:, None]
            picked = order[rows, np.minimum(slot, len(order[0]) - 1)[None, :, :]]
            top = np.where(valid[None], sims[rows, picked], -np.inf).astype(np.float32)
            top_accepted = valid[None] & self.positive_accepted_[picked]
        used = top > desc[:, :, None]  # examples closer than the description replace its slots
        scores = (np.where(used, top, 0.0).sum(axis=2) + (k - used.sum(axis=2)) * desc) / k
        best = np.maximum(desc, top.max(axis=2))
        penalty = np.zeros_like(desc)
        if len(self.negatives_):
            neg_sims = self._neighbour_space(X) @ self._neighbour_space(self.negatives_).T
            for i in np.unique(self.negative_code_):
                nearest = neg_sims[:, self.negative_code_ == i].max(axis=1)
                near = nearest >= self.negative_threshold
                penalty[:, i] = self.negative_weight * np.where(near, np.maximum(0.0, nearest - best[:, i]), 0.0)
        n_accepted = (used & top_accepted).sum(axis=2)
        n_examples = (used & ~top_accepted).sum(axis=2)
        return scores - penalty, best, penalty, n_accepted, n_examples

    # -- the linear head -----------------------------------------------------------
    def refresh_linear(self) -> None:
        """Fit the logistic regression again when the positive rows grew by a tenth."""
        n = len(self.positives_)
        head = self.linear_
        if self.linear_weight <= 0 or n < self.linear_min_rows:
            self.linear_ = None
            return
        # Keep a fresh-enough head. One this model fitted (or checked once) stays valid, since
        # learning only appends rows; one handed in (build_suggester) must match those rows.
        fresh = head is not None and head.rows <= n and n - head.rows < max(10, head.rows // 10)
        if fresh and head is not None and (head is self._checked_head or head.fingerprint == self._fingerprint(head.rows)):
            self._checked_head = head
            return
        codes = self.positive_code_
        distinct = len(np.unique(codes))
        if distinct < 2 or n < 2 * distinct:  # fewer than two rows a code: nothing to learn yet
            self.linear_ = None
            return
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        with warnings.catch_warnings():
            # A head short of full convergence still ranks well; refits come as the coding grows.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = LogisticRegression(C=1.0, max_iter=200).fit(self.positives_, codes)
        self.linear_ = self._checked_head = LinearHead(model, n, self._fingerprint(n))

    def _fingerprint(self, rows: int) -> str:
        """Hash of the first ``rows`` positive rows: their codes and a position-weighted sum of
        their vectors (order-sensitive, one pass, no copy of the rows)."""
        digest = hashlib.sha1(np.ascontiguousarray(self.positive_code_[:rows]).tobytes(), usedforsecurity=False)
        weights = np.arange(1, rows + 1, dtype=np.float32)
        digest.update((weights @ self.positives_[:rows]).tobytes())
        return digest.hexdigest()

    def linear_probabilities(self, X: np.ndarray) -> np.ndarray:
        """The head's P(code | segment), shape (n_samples, n_codes); zeros without a head."""
        check_is_fitted(self, "prototypes_")
        return self._linear(self._centered(X))

    def _linear(self, X: np.ndarray) -> np.ndarray:
        self.refresh_linear()
        out = np.zeros((len(X), len(self.classes_)), dtype=np.float32)
        if self.linear_ is not None and len(X):
            model = self.linear_.model
            out[:, model.classes_] = model.predict_proba(X)
        return out

    def _lexical(self, X: np.ndarray) -> np.ndarray:
        """TF-IDF cosines of the raw rows ``X`` to each code's text; zeros without an index."""
        index: LexicalIndex | None = getattr(self, "lexical_", None)
        if index is None:
            return np.zeros((len(X), len(self.classes_)), dtype=np.float32)
        return index.similarities(X, [str(c) for c in self.classes_])

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Scores of shape (n_samples, n_codes), columns in ``classes_`` order."""
        check_is_fitted(self, "prototypes_")
        lexical = self._lexical(X)
        X = self._centered(X)
        return self._parts(X)[0] + self.linear_weight * self._linear(X) + self.lexical_weight * lexical

    def rank(self, X: np.ndarray, k: int = 3) -> np.ndarray:
        """Column indices (n_samples, k) of the first ``k`` suggestions per row, best first: by score,
        with at most ``max_per_theme`` codes of one theme."""
        check_is_fitted(self, "prototypes_")
        return self._ranked(self.decision_function(X), k)

    def _ranked(self, scores: np.ndarray, k: int) -> np.ndarray:
        k = min(k, len(self.classes_))
        order = np.argsort(-scores, axis=1, kind="stable")
        if self.max_per_theme < 1 or k < 1:
            return order[:, :k]
        return np.array([_theme_capped(row, self.theme_group_, self.max_per_theme, k) for row in order],
                        dtype=np.intp).reshape(len(order), k)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The best-scoring code id per row, shape (n_samples,)."""
        return np.asarray(self.classes_[np.argmax(self.decision_function(X), axis=1)])

    def suggest(self, X: np.ndarray, k: int = 3) -> list[list[Suggestion]]:
        """Top-``k`` suggestions per row of ``X``, best first, each with a reason."""
        check_is_fitted(self, "prototypes_")
        lexical = self._lexical(X)
        X = self._centered(X)
        scores, best, penalty, n_acc, n_ex = self._parts(X)
        linear = self._linear(X)
        scores = scores + self.linear_weight * linear + self.lexical_weight * lexical
        out = []
        for row, order in enumerate(self._ranked(scores, k)):
            out.append([
                Suggestion(str(self.classes_[i]), float(scores[row, i]),
                           self._reason(i, float(best[row, i]), float(penalty[row, i]),
                                        int(n_acc[row, i]), int(n_ex[row, i]), float(linear[row, i])))
                for i in order
            ])
        return out

    def _reason(self, i: int, best: float, penalty: float, n_accepted: int, n_examples: int,
                linear: float = 0.0) -> str:
        code = str(self.classes_[i])
        name = (self.names or {}).get(code, code)
        if n_accepted:
            reason = f"close to {n_accepted} segment{'s' if n_accepted > 1 else ''} you coded {name}"
            if n_examples:
                reason += f" and {n_examples} codebook example{'s' if n_examples > 1 else ''}"
        elif n_examples:
            reason = f"close to the codebook example{'s' if n_examples > 1 else ''} of {name}"
        else:
            reason = f"close to what the codebook says of {name}"
        reason += f" (similarity {best:.2f})"
        if linear >= 0.3 and self.linear_ is not None:
            reason += f"; a model of the {self.linear_.rows} coded segments and examples gives it p = {linear:.2f}"
        if penalty > 0:
            reason += f"; but you rejected {name} for a similar segment"
        return reason


def _theme_capped(order: np.ndarray, groups: np.ndarray, cap: int, k: int) -> np.ndarray:
    """The first ``k`` of ``order`` (codes best first) taking at most ``cap`` of one group (theme); codes
    passed over fill the remaining places, best first, when too few groups are left."""
    picked: list[int] = []
    passed: list[int] = []
    taken: dict[int, int] = {}
    for j in order:
        group = int(groups[j])
        if taken.get(group, 0) < cap:
            picked.append(int(j))
            taken[group] = taken.get(group, 0) + 1
            if len(picked) == k:
                break
        else:
            passed.append(int(j))
    return np.array(picked + passed[:k - len(picked)], dtype=np.intp)


def _leading_directions(X: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` leading principal directions (n, dim) of the rows of ``X``. ARPACK finds the
    first few without a full SVD (34 ms against 5.6 s for 1,000 x 384 on the loaded 2-core machine),
    and the answer is kept per set of rows: the web app refits the suggester on every request over
    the same segments."""
    key = (n, hashlib.sha1(np.ascontiguousarray(X).tobytes(), usedforsecurity=False).hexdigest())
    found = _DIRECTIONS.get(key)
    if found is None:
        from sklearn.decomposition import PCA

        solver = "arpack" if n < min(X.shape) else "full"
        found = np.asarray(
            PCA(n_components=min(n, *X.shape), svd_solver=solver, random_state=0).fit(X).components_, dtype=np.float32)
        # The web app's request threads share this cache: an eviction another thread already made
        # is no error, and the answer returned is this call's own.
        while len(_DIRECTIONS) >= 8:
            _DIRECTIONS.pop(next(iter(_DIRECTIONS), key), None)
        _DIRECTIONS[key] = found
    return found


#: Leading directions by (how many, digest of the rows); the oldest of 8 goes first.
_DIRECTIONS: dict[tuple[int, str], np.ndarray] = {}


def _unit_rows(X: np.ndarray) -> np.ndarray:
    """Rows of ``X`` scaled to length 1 (a zero row stays zero)."""
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return np.asarray(X / np.maximum(norms, 1e-12), dtype=np.float32)
