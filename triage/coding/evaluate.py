"""Evaluating code suggestions against gold coding, for methodologists.

Three protocols (issue 6; ``online-reject`` since round 6 of issue 18):

- ``zero-shot``: suggestions from the codebook alone (names, descriptions, examples).
- ``online``: segments in a seeded random order; for each, suggestions are made
  first, then the coder's gold codes are accepted and learned, as in real coding.
- ``online-reject``: as ``online``, and when the first suggestion is not a gold code the
  coder also rejects it (the web's ``x`` key) before accepting the gold codes: a suggester
  that learns from rejections is measured on what a coder actually tells it.

``top1`` is the share of segments whose first suggestion is one of their gold codes,
``top3`` the share with a gold code among the first three. Embeddings are computed
once up front (that is the cost of importing, not of suggesting).
"""

from __future__ import annotations

import bisect
import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from triage.coding.adapt import STEPS, fit_coders_map, map_is_due
from triage.coding.baseline import NearestCentroid
from triage.coding.codebook import Codebook
from triage.coding.lexical import LexicalIndex
from triage.coding.suggest import CodeSuggester, code_text, code_themes, training_items
from triage.embeddings import Encoder
from triage.errors import EvaluationError, InputError

__all__ = [
    "ONLINE_PROTOCOLS",
    "PROTOCOLS",
    "REFITS",
    "SUGGESTERS",
    "GoldSegments",
    "canonical_order",
    "evaluate_coding",
    "position_floor",
    "read_gold_segments",
    "suggestion_latency",
]

PROTOCOLS: tuple[str, ...] = ("zero-shot", "online", "online-reject")
#: The protocols that learn from each segment as it is coded (seeded orders, ``seeds`` averaged).
ONLINE_PROTOCOLS: tuple[str, ...] = ("online", "online-reject")
#: ``triage``: :class:`CodeSuggester`; ``naive``: the baseline :class:`NearestCentroid`.
SUGGESTERS: tuple[str, ...] = ("triage", "naive")
#: When the online protocols refit the project map: ``due`` as a project does
#: (:func:`~triage.coding.adapt.map_is_due`), ``every`` after every accept (rounds 7 and 8).
REFITS: tuple[str, ...] = ("due", "every")


@dataclass
class GoldSegments:
    """Segments with gold code ids (several per segment allowed) and any extra columns."""

    ids: list[str]
    texts: list[str]
    codes: list[set[str]]
    extra: list[dict[str, str]]


def read_gold_segments(path: str | Path) -> GoldSegments:
    """Read a CSV with ``segment_id``, ``text``, ``code`` (``;``-separated ids)."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"segment_id", "text", "code"} - set(reader.fieldnames or [])
            if missing:
                raise InputError(f"missing column(s) {', '.join(sorted(missing))}", path=path, line=1,
                                 hint="the CSV needs segment_id, text and code")
            gold = GoldSegments([], [], [], [])
            for row in reader:
                codes = {c.strip() for c in (row["code"] or "").split(";") if c.strip()}
                if not codes or not (row["text"] or "").strip():
                    continue
                gold.ids.append(row["segment_id"])
                gold.texts.append(row["text"])
                gold.codes.append(codes)
                gold.extra.append({k: v for k, v in row.items() if k not in ("segment_id", "text", "code")})
    except OSError as exc:
        raise InputError(f"cannot read the segments ({exc.strerror})", path=path) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", path=path, hint="save the CSV as UTF-8") from exc
    return gold


def canonical_order(gold: GoldSegments) -> list[int]:
    """Indices of ``gold`` sorted by text and codes: the order every protocol starts from.

    The file's order (and ids) carry the authors' headings (a synthesis is cut by heading, so
    labels come in blocks); sorting first means a run sees nothing of a segment's place in the
    file, and shuffling the CSV's rows leaves a seeded run's metrics equal.
    """
    return sorted(range(len(gold.texts)), key=lambda i: (gold.texts[i], sorted(gold.codes[i])))


def _reordered(gold: GoldSegments, order: Sequence[int]) -> GoldSegments:
    return GoldSegments([gold.ids[i] for i in order], [gold.texts[i] for i in order],
                        [gold.codes[i] for i in order], [gold.extra[i] for i in order])


def _orders(n: int, seeds: int) -> list[np.ndarray]:
    """The online protocol's segment orders (positions in canonical order), seeds 0..N-1."""
    return [np.random.default_rng(seed).permutation(n) for seed in range(seeds)]


def _fresh_model(suggester: str, code_vectors: np.ndarray, ids: list[str], kinds: list[str], names: dict[str, str],
                 segments: np.ndarray, lexical: LexicalIndex | None, **params: Any) -> CodeSuggester | NearestCentroid:
    if suggester == "naive":
        return NearestCentroid().fit(code_vectors, ids, kind=kinds)
    return CodeSuggester(names=names, **params).fit(code_vectors, ids, kind=kinds, segments=segments, lexical=lexical)


def _adapted_model(code_vectors: np.ndarray, ids: list[str], kinds: list[str], names: dict[str, str],
                   segments: np.ndarray, lexical: LexicalIndex | None, learned: list[tuple[int, str, str]],
                   steps: int, **params: Any) -> CodeSuggester:
    """A suggester rebuilt in a project map (:mod:`triage.coding.adapt`) learned from the accepts so far
    (``learned``: segment row, code, kind, in the order they were made), with every decision re-added."""
    accepted = [(row, code) for row, code, k in learned if k == "accepted"]
    project_map = fit_coders_map(segments, code_vectors, ids, kinds, segments[[r for r, _ in accepted]],
                                 [c for _, c in accepted], steps=steps)
    model = CodeSuggester(names=names, **params).fit(code_vectors, ids, kind=kinds, segments=segments,
                                                     lexical=lexical, project_map=project_map)
    if learned:
        model.partial_fit(segments[[r for r, _, _ in learned]], [c for _, c, _ in learned],
                          kind=[k for _, _, k in learned])
    return model


def _hits(model: CodeSuggester | NearestCentroid, X: np.ndarray, gold: Sequence[set[str]]) -> np.ndarray:
    """Per row of ``X``: (first suggestion right, a right one among the first three), shape (n, 2)."""
    return _ranked_hits(model.classes_, _top3(model, X), gold)


def _top3(model: CodeSuggester | NearestCentroid, X: np.ndarray) -> np.ndarray:
    """Column indices of the first three suggestions per row of ``X``, best first (as the suggester shows them:
    :meth:`CodeSuggester.rank`, which may cap the codes of one theme)."""
    if isinstance(model, CodeSuggester):
        return model.rank(X, 3)
    return np.argsort(-model.decision_function(X), axis=1, kind="stable")[:, :3]


def _ranked_hits(classes: np.ndarray, top: np.ndarray, gold: Sequence[set[str]]) -> np.ndarray:
    return np.array([(classes[t[0]] in g, any(classes[i] in g for i in t)) for t, g in zip(top, gold)],
                    dtype=float).reshape(len(top), 2)


def evaluate_coding(
    codebook: Codebook,
    gold: GoldSegments,
    encoder: Encoder,
    *,
    protocol: str = "zero-shot",
    seeds: int = 1,
    vectors: np.ndarray | None = None,
    suggester: str = "triage",
    groups: Sequence[str] | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Top-1/top-3 hit rates of suggestions on ``gold``: keys protocol, n, top1, top3, seeds,
    seconds, suggester; with ``groups`` (one label per row of ``gold``) also ``groups``: label ->
    n, top1, top3 over that label's segments (the same runs, split: where a suggester wins or loses).

    ``online`` and ``online-reject`` average over ``seeds`` orders (seeds 0..N-1 over :func:`canonical_order`);
    ``zero-shot`` does not depend on order and runs once. ``vectors`` (n, dim, rows as in
    ``gold``) skips encoding the segments. ``suggester`` is ``triage`` (:class:`CodeSuggester`
    with ``params``) or ``naive`` (:class:`NearestCentroid`, the baseline). ``adapt_steps`` (in
    ``params``, triage only, online protocols; default :data:`~triage.coding.adapt.STEPS`, 0 for none)
    rebuilds the suggester in a project map learned from the accepts so far
    (:func:`~triage.coding.adapt.fit_project_map`, that many steps; rounds 7, 8 and 10 of issue 18) whenever
    :func:`~triage.coding.adapt.map_is_due` says a project would refit it (``refit="due"``, the default),
    or after every accept (``refit="every"``, rounds 7 and 8); zero-shot is unchanged by it. The triage suggester is told each code's theme
    (:func:`~triage.coding.suggest.code_themes`), which ``max_per_theme`` (in ``params``) uses. The suggester sees
    the segments' embeddings (as a project holds them: all of them, unlabelled, for centring),
    never their ids or places in the file.
    """
    if protocol not in PROTOCOLS:
        raise EvaluationError(f"unknown protocol {protocol!r}", hint=f"use one of: {', '.join(PROTOCOLS)}")
    if suggester not in SUGGESTERS:
        raise EvaluationError(f"unknown suggester {suggester!r}", hint=f"use one of: {', '.join(SUGGESTERS)}")
    if seeds < 1:
        raise EvaluationError("--seeds must be at least 1")
    known = {c.id for c in codebook.codable()}
    unknown = sorted({c for g in gold.codes for c in g} - known)
    if unknown:
        raise EvaluationError(
            f"{len(unknown)} gold code(s) not among the codebook's codable codes, e.g. {unknown[0]!r}",
            hint="use the codebook the segments were coded with",
        )
    if not gold.texts:
        raise EvaluationError("no coded segments to evaluate", hint="check the CSV's text and code columns")
    if groups is not None and len(groups) != len(gold.texts):
        raise EvaluationError(f"{len(groups)} group labels for {len(gold.texts)} segments")
    adapt_steps = int(params.pop("adapt_steps", STEPS)) if suggester == "triage" else 0
    refit = str(params.pop("refit", "due"))
    if refit not in REFITS:
        raise EvaluationError(f"unknown refit rule {refit!r}", hint=f"use one of: {', '.join(REFITS)}")
    started = time.perf_counter()
    order = canonical_order(gold)
    gold = _reordered(gold, order)
    X = vectors[order] if vectors is not None else encoder.encode(gold.texts)
    n = len(gold.texts)
    texts, ids, kinds = training_items([(c, codebook.path(c.id)) for c in codebook.codable()])
    code_vectors = encoder.encode(texts)
    names = {c.id: c.name for c in codebook.codes()}
    if suggester == "triage":
        params.setdefault("themes", code_themes([(c, codebook.path(c.id)) for c in codebook.codable()]))
    # The segments' words, unlabelled, as a project holds them (like the vectors used for centring).
    lexical = LexicalIndex(gold.texts, X, {c.id: code_text(c, codebook.path(c.id)) for c in codebook.codable()})
    if protocol == "zero-shot":
        model = _fresh_model(suggester, code_vectors, ids, kinds, names, X, lexical, **params)
        hits = _hits(model, X, gold.codes)  # (n, 2): top-1 and top-3 hit per segment
    else:
        hits = np.zeros((n, 2))
        for seed_order in _orders(n, seeds):
            model = _fresh_model(suggester, code_vectors, ids, kinds, names, X, lexical, **params)
            learned: list[tuple[int, str, str]] = []  # (row, code, kind) in the order decided
            fitted: int | None = None  # accepts the project map was last fitted on (None: no map yet)
            accepts = 0
            for i in seed_order:
                top = _top3(model, X[i:i + 1])
                hits[i] += _ranked_hits(model.classes_, top, [gold.codes[i]])[0]
                first = model.classes_[top[0, 0]]
                if protocol == "online-reject" and first not in gold.codes[i]:
                    # What a coder does in the web when the first suggestion is wrong: reject it.
                    model.partial_fit(X[i:i + 1], [first], kind=["rejected"])
                    learned.append((int(i), str(first), "rejected"))
                codes = sorted(gold.codes[i])
                learned += [(int(i), c, "accepted") for c in codes]
                accepts += len(codes)
                if adapt_steps and (refit == "every" or map_is_due(fitted, accepts - (fitted or 0))):
                    # As a project does (triage.coding.project_maps): the map is refitted when due,
                    # and the accepts between two fits are learned in the last map.
                    model = _adapted_model(code_vectors, ids, kinds, names, X, lexical, learned, adapt_steps, **params)
                    fitted = accepts
                    continue
                model.partial_fit(np.repeat(X[i:i + 1], len(codes), axis=0), codes, kind=["accepted"] * len(codes))
        hits /= seeds
    result: dict[str, Any] = {
        "protocol": protocol,
        "n": n,
        "top1": round(float(hits[:, 0].mean()), 4),
        "top3": round(float(hits[:, 1].mean()), 4),
        "seeds": seeds,
        "seconds": round(time.perf_counter() - started, 2),
        "suggester": suggester,
    }
    if groups is not None:
        label = np.array([groups[i] for i in order], dtype=object)
        result["groups"] = {}
        for g in sorted(set(label)):
            rows = hits[label == g]
            result["groups"][g] = {"n": len(rows), "top1": round(float(rows[:, 0].mean()), 4),
                                   "top3": round(float(rows[:, 1].mean()), 4)}
    return result


def position_floor(gold: GoldSegments, *, seeds: int = 1) -> dict[str, float]:
    """What position alone reaches under the online protocol: top1/top3 of copying the codes of
    the already-coded segments nearest in the file (``gold``'s row order), reading no text.

    Same segment orders as :func:`evaluate_coding`. Codes come in blocks where a synthesis is
    cut by heading, so this floor is high there; a suggester sees no position and is compared
    with it only to show how much of a score position alone would give.
    """
    n = len(gold.texts)
    if not n:
        raise EvaluationError("no coded segments to evaluate", hint="check the CSV's text and code columns")
    file_row = canonical_order(gold)  # canonical position -> row in the file
    rates = []
    for seed_order in _orders(n, seeds):
        coded: list[int] = []  # rows in the file already coded, sorted
        top1 = top3 = 0
        for i in seed_order:
            row = file_row[i]
            ranked = _nearest_codes(gold.codes, coded, row)
            top1 += bool(ranked) and ranked[0] in gold.codes[row]
            top3 += any(c in gold.codes[row] for c in ranked)
            bisect.insort(coded, row)
        rates.append((top1 / n, top3 / n))
    return {"top1": round(float(np.mean([r[0] for r in rates])), 4),
            "top3": round(float(np.mean([r[1] for r in rates])), 4), "seeds": seeds}


def _nearest_codes(codes: Sequence[set[str]], coded: list[int], row: int, k: int = 3) -> list[str]:
    """Up to ``k`` distinct codes of the coded rows nearest ``row`` (ties: the earlier row first)."""
    right = bisect.bisect_left(coded, row)
    left = right - 1
    ranked: list[str] = []
    while len(ranked) < k and (left >= 0 or right < len(coded)):
        if right >= len(coded) or (left >= 0 and row - coded[left] <= coded[right] - row):
            other, left = coded[left], left - 1
        else:
            other, right = coded[right], right + 1
        ranked += [c for c in sorted(codes[other]) if c not in ranked]
    return ranked[:k]


def suggestion_latency(model: CodeSuggester, encoder: Encoder, texts: Sequence[str], k: int = 3,
                       *, encode: bool = True) -> float:
    """Median seconds to suggest for one segment, after a warm-up.

    With ``encode`` the segment is embedded first (a segment never seen); without, its
    vector is ready, as for imported segments, whose vectors the store keeps.
    """
    if not texts:
        return 0.0
    vectors = None if encode else encoder.encode(list(texts))
    model.suggest(encoder.encode([texts[0]]), k=k)
    times = []
    for i, text in enumerate(texts):
        t0 = time.perf_counter()
        model.suggest(encoder.encode([text]) if vectors is None else vectors[i:i + 1], k=k)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))
