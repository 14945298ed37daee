"""Held-out evaluation on a project's own title/abstract decisions.

Answers the methodologist's question "if we stop now, what would we miss?" without
labelled benchmark data: decisions are split into folds (stratified, seeded), the
project's ranking model is trained on the other folds through the real
``ScreeningCycle`` and scores the held-out ones. With ``reviewer``, the records that
reviewer screened and someone else also screened (the double-screened sample) are held
out against a model trained on every other decision.

Reported (all fractions 0-1): ROC AUC and average precision of the held-out scores;
recall of held-out includes within the top 10/20/50% of the ranking of the records not
used for training; and how many held-out includes fall below the stopping point, i.e.
would not be screened if the reviewer, after the training records, screened only as
many more as the project has screened (or as the knee rule on the decision history
says, when it fires earlier).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import average_precision_score, roc_auc_score

from triage import stopping
from triage.errors import EvaluationError
from triage.evaluation.simulate import CycleFactory, real_cycle_factory, shared_encoding
from triage.records.model import Record

__all__ = ["HeldoutResult", "heldout_folds", "heldout_reviewer", "project_labels", "stop_point"]

TOP_FRACTIONS = (0.10, 0.20, 0.50)


@dataclass
class HeldoutResult:
    mode: str
    folds: int
    records: int
    heldout: int
    heldout_includes: int
    roc_auc: float | None
    average_precision: float | None
    recall_top10: float
    recall_top20: float
    recall_top50: float
    stop_point: int
    stop_rule: str
    missed_below_stop: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def stop_point(labels_in_order: Sequence[int], n_total: int) -> tuple[int, str]:
    """Where the project's stopping would put the end of screening (records screened).

    The knee rule on the decision history, where it fires; else the number screened so
    far ("stop now").
    """
    seq = np.asarray(labels_in_order, dtype=np.int64)
    for t in range(1, seq.size + 1):
        if stopping.knee_stop(seq[:t]):
            return t, "knee"
    return int(seq.size), "now"


def _train_and_score(
    records: Sequence[Record],
    train: dict[int, int],
    *,
    factory: CycleFactory,
    preset: str,
    criteria: Any,
    seed: int,
    extra: dict[str, Any],
) -> NDArray[np.float64]:
    cycle = factory(records, preset=preset, criteria=criteria, random_state=seed, **extra)
    for index, label in train.items():
        cycle.teach(index, label)
    cycle.next(1)  # retrains, as the screening loop does before showing a record
    return np.asarray(cycle.scores(), dtype=float)


def _fold_ranks(scores: NDArray[np.float64], train: set[int], n: int) -> dict[int, int]:
    """1-based rank of each untrained record among the untrained, best score first."""
    pool = np.array([i for i in range(n) if i not in train], dtype=np.int64)
    ordered = pool[np.argsort(-scores[pool], kind="stable")]
    return {int(i): r for r, i in enumerate(ordered, start=1)}


def _summarise(
    mode: str,
    folds: int,
    n: int,
    heldout_scores: dict[int, float],
    heldout_labels: dict[int, int],
    rank_fraction: dict[int, float],
    beyond_stop: dict[int, bool],
    stop: tuple[int, str],
) -> HeldoutResult:
    ids = sorted(heldout_labels)
    y = np.array([heldout_labels[i] for i in ids])
    s = np.array([heldout_scores[i] for i in ids])
    both = 0 < y.sum() < y.size
    includes = [i for i in ids if heldout_labels[i] == 1]

    def top(frac: float) -> float:
        return float(np.mean([rank_fraction[i] <= frac + 1e-12 for i in includes])) if includes else 0.0

    return HeldoutResult(
        mode=mode,
        folds=folds,
        records=n,
        heldout=len(ids),
        heldout_includes=len(includes),
        roc_auc=round(float(roc_auc_score(y, s)), 6) if both else None,
        average_precision=round(float(average_precision_score(y, s)), 6) if both else None,
        recall_top10=round(top(0.10), 6),
        recall_top20=round(top(0.20), 6),
        recall_top50=round(top(0.50), 6),
        stop_point=stop[0],
        stop_rule=stop[1],
        missed_below_stop=int(sum(beyond_stop[i] for i in includes)),
    )


def heldout_folds(
    records: Sequence[Record],
    decisions: dict[int, int],
    *,
    folds: int = 5,
    history: Sequence[int] | None = None,
    preset: str = "default",
    criteria: Any = None,
    seed: int = 0,
    cycle_factory: CycleFactory = real_cycle_factory,
    cycle_kwargs: dict[str, Any] | None = None,
) -> HeldoutResult:
    """K-fold cross-validation over ``decisions`` (record index -> 1/0).

    ``history``: labels in decision order, for the stopping point (default: the
    decisions in index order). ``cycle_kwargs`` go to every fold's cycle (default:
    embeddings computed once with :func:`shared_encoding` where needed). Folds are stratified so each holds includes where
    possible.
    """
    n = len(records)
    if folds < 2:
        raise EvaluationError(f"--folds must be at least 2, got {folds}")
    inc = [i for i, v in decisions.items() if v == 1]
    exc = [i for i, v in decisions.items() if v == 0]
    if len(inc) < 2 or len(exc) < 2:
        raise EvaluationError(
            f"held-out evaluation needs at least 2 includes and 2 excludes, the project has {len(inc)} and {len(exc)}",
            hint="screen more records first",
        )
    if folds > min(len(inc), len(exc)):
        raise EvaluationError(
            f"--folds {folds} is more than the {min(len(inc), len(exc))} records of the smaller class",
            hint=f"use --folds {min(len(inc), len(exc))} or fewer",
        )
    rng = np.random.default_rng(seed)
    fold_of: dict[int, int] = {}
    for group in (inc, exc):
        shuffled = [int(i) for i in rng.permutation(sorted(group))]
        for j, i in enumerate(shuffled):
            fold_of[i] = j % folds
    stop = stop_point(history if history is not None else [decisions[i] for i in sorted(decisions)], n)
    extra = cycle_kwargs if cycle_kwargs is not None else shared_encoding(records, preset, criteria)
    scores: dict[int, float] = {}
    frac: dict[int, float] = {}
    beyond: dict[int, bool] = {}
    for f in range(folds):
        train = {i: v for i, v in decisions.items() if fold_of[i] != f}
        s = _train_and_score(
            records, train, factory=cycle_factory, preset=preset, criteria=criteria, seed=seed, extra=extra
        )
        ranks = _fold_ranks(s, set(train), n)
        pool = n - len(train)
        budget = max(0, stop[0] - len(train))
        for i in decisions:
            if fold_of[i] == f:
                scores[i] = float(s[i])
                frac[i] = ranks[i] / pool
                beyond[i] = ranks[i] > budget
    return _summarise("folds", folds, n, scores, {i: decisions[i] for i in decisions}, frac, beyond, stop)


def heldout_reviewer(
    records: Sequence[Record],
    train: dict[int, int],
    test: dict[int, int],
    *,
    history: Sequence[int] | None = None,
    preset: str = "default",
    criteria: Any = None,
    seed: int = 0,
    cycle_factory: CycleFactory = real_cycle_factory,
    cycle_kwargs: dict[str, Any] | None = None,
) -> HeldoutResult:
    """Hold out one reviewer's double-screened records (``test``) against ``train``."""
    n = len(records)
    if not test:
        raise EvaluationError(
            "the reviewer has no double-screened records to hold out",
            hint="pick a reviewer whose records someone else also screened, or use --folds",
        )
    train = {i: v for i, v in train.items() if i not in test}
    if len(set(train.values())) < 2:
        raise EvaluationError("the decisions left for training lack an include or an exclude")
    stop = stop_point(history if history is not None else [train[i] for i in sorted(train)], n)
    s = _train_and_score(
        records, train, factory=cycle_factory, preset=preset, criteria=criteria, seed=seed,
        extra=cycle_kwargs if cycle_kwargs is not None else shared_encoding(records, preset, criteria),
    )
    ranks = _fold_ranks(s, set(train), n)
    pool = n - len(train)
    budget = max(0, stop[0] - len(train))
    scores = {i: float(s[i]) for i in test}
    frac = {i: ranks[i] / pool for i in test}
    beyond = {i: ranks[i] > budget for i in test}
    return _summarise("reviewer", 1, n, scores, test, frac, beyond, stop)


def project_labels(project: Any, reviewer: str | None = None) -> dict[str, Any]:
    """Records and decisions of a project, by position in ``screening_records`` order.

    Returns ``records`` (list of Record), ``decisions`` (index -> 1/0, the project's
    current include/exclude decisions; ``maybe`` left out), ``history`` (labels in
    decision order), and with ``reviewer``: ``test`` (that reviewer's decisions on
    records another reviewer also decided) and ``train`` (every current decision on
    the other records).
    """
    from triage.store.decisions import current_decisions, decision_history
    from triage.store.records import screening_records

    with project.reading() as session:
        pairs = screening_records(session)
        index = {record_id: i for i, (record_id, _) in enumerate(pairs)}
        current = current_decisions(session)
        rows = decision_history(session, stage="title_abstract")
        out: dict[str, Any] = {"records": [r for _, r in pairs]}
        value = {"include": 1, "exclude": 0}
        out["decisions"] = {
            index[d.record_id]: value[d.decision]
            for d in current.values()
            if d.decision in value and d.record_id in index
        }
        first_seen: dict[int, int] = {}
        for row in rows:
            if row.record_id in index and row.decision in value and row.record_id not in first_seen:
                first_seen[row.record_id] = row.id
        out["history"] = [
            out["decisions"][index[rid]] for rid, _ in sorted(first_seen.items(), key=lambda kv: kv[1])
            if index[rid] in out["decisions"]
        ]
        if reviewer is not None:
            mine = current_decisions(session, reviewer=reviewer)
            if not mine:
                reviewers = sorted({row.reviewer for row in rows})
                raise EvaluationError(
                    f"no decisions by reviewer {reviewer!r}",
                    hint=f"reviewers in this project: {', '.join(reviewers) or '(none)'}",
                )
            others: set[int] = set()
            for row in rows:
                if row.reviewer != reviewer and row.decision in value:
                    others.add(row.record_id)
            out["test"] = {
                index[rid]: value[d.decision]
                for rid, d in mine.items()
                if d.decision in value and rid in others and rid in index
            }
            out["train"] = {i: v for i, v in out["decisions"].items() if i not in out["test"]}
    return out
