"""Simulated screening: a reviewer who screens in triage's order and answers with labels.

The loop drives :class:`triage.ranking.cycle.ScreeningCycle` through the same calls the
screening commands make (``teach`` after each decision, ``next(1)`` for the record to
show, which retrains), so what is measured is what reviewers get. Priors are drawn
with the seed (``priors=(1, 1)``: one include and one exclude, as ASReview's
simulations; ``(0, 0)``: cold start from the criteria alone).

The simulation stops once every relevant record is found, unless a stopping rule that
needs the model (the model-based recall estimate, model-weighted quasi-sampling) has not
fired yet; rules that need only labels are evaluated on the order extended with the
remaining (all irrelevant) records. Model-weighted quasi-sampling is asked at checkpoints,
from the probabilities the cycle gave there (:mod:`triage.evaluation.checkpoints`, as the
stopping benchmark asks it). Metrics leave the priors out (as ASReview Insights does); stopping results
count them as screened, since a reviewer screened them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from triage import metrics, stopping
from triage.errors import EvaluationError
from triage.evaluation.checkpoints import checkpoint_every, decide_at_checkpoint
from triage.records.model import Record

__all__ = [
    "BOUND_CHECK_SHARES",
    "Cycle",
    "CycleFactory",
    "RuleResult",
    "SimulationResult",
    "StoppingConfig",
    "draw_priors",
    "evaluate_rules",
    "real_cycle_factory",
    "recall_bound_checks",
    "simulate",
]


class Cycle(Protocol):
    """The part of ``ScreeningCycle`` a simulation uses."""

    model_name: str

    def teach(self, index: int, label: int) -> None: ...

    def next(self, k: int = 1) -> list[int]: ...

    def scores(self) -> NDArray[np.float64]: ...

    def inclusion_probabilities(self) -> NDArray[np.float64]: ...


#: ``factory(records, preset=..., criteria=..., random_state=...)`` -> a cycle.
CycleFactory = Callable[..., Cycle]


def real_cycle_factory(records: Sequence[Record], **kwargs: Any) -> Cycle:
    """Build triage's real :class:`ScreeningCycle` (the code path reviewers use)."""
    from triage.ranking.cycle import ScreeningCycle

    cycle: Cycle = ScreeningCycle(list(records), **kwargs)
    return cycle


def shared_encoding(
    records: Sequence[Record], preset: str, criteria: Any, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """Embeddings (and the encoder) computed once, for cycles built repeatedly on the same
    records (seeds, folds); empty when the preset and criteria need none. ``progress(done,
    total)`` follows the embedding."""
    from triage.ranking.features import record_text
    from triage.ranking.presets import load_preset

    spec = load_preset(preset)
    wants = spec.features.embeddings or (
        criteria is not None and float(spec.cold_start.get("semantic_weight", 0.5)) > 0
    )
    if not wants or not records:
        return {}
    from triage.embeddings import load_encoder

    encoder = load_encoder()
    return {"embeddings": encoder.encode([record_text(r) for r in records], progress=progress), "encoder": encoder}


@dataclass(frozen=True)
class StoppingConfig:
    """Parameters of the simulated stopping rules (defaults from their sources).

    ``consecutive``: N of "N irrelevant in a row"; ``None`` (the default) is the rule
    ``triage status`` shows, :func:`triage.stopping.run_threshold` (5% of the records, at
    least 50), so the simulations measure what reviewers see. ``knee_min``: the knee method's minimum screened (150,
    Cormack & Grossman 2016). ``ranked_stride``: the ranked quasi-sampling test is
    evaluated every ``max(1, n // ranked_stride)`` records (a later stop, never an
    earlier one). ``model_min_screened``: the model estimate is trusted only after
    this share of the records is screened. ``tail_batch``: after the last include is
    found, the records the model rule still needs are screened in batches of this share
    of n (one retrain per batch). ``switch_min``/``switch_fraction``: ``cmh_random``
    switches to random sampling after ``max(switch_min, ceil(switch_fraction * n))``
    irrelevant records in a row (our choice; the test's guarantee holds wherever the
    switch is, only the work saved depends on it).
    """

    recall_target: float = 0.95
    confidence: float = 0.95
    consecutive: int | None = None
    knee_min: int = 150
    ranked_stride: int = 500
    model_min_screened: float = stopping.MODEL_MIN_SCREENED
    tail_batch: float = 0.02
    switch_min: int = 25
    switch_fraction: float = 0.025


@dataclass(frozen=True)
class RuleResult:
    """Where a rule stopped: ``stopped_at`` records screened (priors included); ``promise``:
    what stopping on it means, in a reviewer's words (:meth:`StoppingRule.promise`)."""

    stopped_at: int
    recall: float
    work_saved: float
    promise: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"stopped_at": self.stopped_at, "recall": self.recall, "work_saved": self.work_saved}
        if self.promise:
            out["promise"] = self.promise
        return out


@dataclass
class SimulationResult:
    """One simulated screening of one dataset with one seed.

    ``order``: record indices in screening order, priors first, then every other
    record (those never reached appended in index order); ``n_priors`` of them are
    priors. ``labels`` shape ``(n,)`` in dataset order.
    """

    dataset: str
    seed: int
    preset: str
    model_name: str
    labels: NDArray[np.int64]
    order: list[int]
    n_priors: int
    n_simulated: int
    seconds: float
    stopping: dict[str, RuleResult] = field(default_factory=dict)
    recall_bound: dict[str, float] = field(default_factory=dict)
    #: ``(records screened, the model's recall estimate then)`` about every 2% of the records
    #: while the simulation screened one by one: what ``triage status`` would have shown,
    #: to plot against the true recall (``--plot``).
    estimate_trace: list[tuple[int, float]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.labels.size)

    @property
    def relevant(self) -> int:
        return int(self.labels.sum())

    def ordered_labels(self) -> NDArray[np.int64]:
        """Labels of every record in screening order, priors first (what the stopping rules read)."""
        return self.labels[np.asarray(self.order, dtype=np.int64)]

    def ranked_labels(self) -> NDArray[np.int64]:
        """Labels in screening order, priors left out (what the metrics score)."""
        return self.labels[np.asarray(self.order[self.n_priors :], dtype=np.int64)]

    def metrics(self) -> dict[str, float]:
        y = self.ranked_labels()
        return {
            "wss95": metrics.wss(y, 0.95),
            "wss100": metrics.wss(y, 1.0),
            "recall5": metrics.recall_at(y, 0.05),
            "recall10": metrics.recall_at(y, 0.10),
            "recall20": metrics.recall_at(y, 0.20),
            "atd": metrics.atd(y),
            "erf10": metrics.erf(y, 0.10),
            "loss": metrics.loss(y),
        }

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object (exactly the documented keys)."""
        out: dict[str, Any] = {
            "dataset": self.dataset,
            "seed": self.seed,
            "n": self.n,
            "relevant": self.relevant,
            "preset": self.preset,
        }
        out.update({k: round(v, 6) for k, v in self.metrics().items()})
        out["seconds"] = round(self.seconds, 3)
        out["stopping"] = {name: rule.to_dict() for name, rule in self.stopping.items()}
        out["recall_bound"] = dict(self.recall_bound)
        return out


def draw_priors(labels: NDArray[np.int64], n_include: int, n_exclude: int, seed: int) -> list[int]:
    """Prior indices drawn with ``seed``: includes first, then excludes.

    At least one relevant record must remain outside the priors, else there is
    nothing to find.
    """
    rng = np.random.default_rng(seed)
    inc = np.flatnonzero(labels == 1)
    exc = np.flatnonzero(labels == 0)
    if n_include < 0 or n_exclude < 0:
        raise EvaluationError("priors must be non-negative counts", hint="use --priors I,E such as 1,1")
    if n_include >= inc.size:
        raise EvaluationError(
            f"{n_include} prior includes leave none of the {inc.size} relevant records to find",
            hint="use fewer prior includes with --priors",
        )
    if n_exclude > exc.size:
        raise EvaluationError(f"only {exc.size} irrelevant records for {n_exclude} prior excludes")
    chosen = list(rng.choice(inc, n_include, replace=False)) + list(rng.choice(exc, n_exclude, replace=False))
    return [int(i) for i in chosen]


def simulate(
    records: Sequence[Record],
    labels: NDArray[np.int64] | Sequence[int],
    *,
    dataset: str = "data",
    preset: str = "default",
    seed: int = 0,
    priors: tuple[int, int] = (1, 1),
    criteria: Any = None,
    config: StoppingConfig = StoppingConfig(),
    cycle_factory: CycleFactory = real_cycle_factory,
    cycle_kwargs: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    until_end: bool = False,
    batch: int = 1,
) -> SimulationResult:
    """Replay screening of ``records`` answering with ``labels``; see the module doc.

    Wall-clock ``seconds`` cover everything from building the cycle (features) to the
    last retrain. ``progress(screened, n)`` is called after each decision if given.
    ``cycle_kwargs`` go to the factory as well (e.g. :func:`shared_encoding`'s output).
    ``until_end``: screen every record (the tail after the last include in batches, as
    above), so that model-based stopping rules can be replayed on the whole order
    (``evaluation/stopping_orders.py``). ``batch``: records screened per retrain before
    the last include (1, the default, is what a reviewer gets: a retrain after every
    decision; larger batches trade a slightly worse order for fewer retrains).
    """
    y = np.asarray(labels, dtype=np.int64)
    n = y.size
    if n != len(records):
        raise EvaluationError(f"{len(records)} records but {n} labels")
    if y.sum() == 0:
        raise EvaluationError(f"{dataset}: no relevant records", hint="the simulation needs at least one include")
    start = time.perf_counter()
    prior_idx = draw_priors(y, priors[0], priors[1], seed)
    cycle = cycle_factory(records, preset=preset, criteria=criteria, random_state=seed, **(cycle_kwargs or {}))
    order: list[int] = []
    seen = np.zeros(n, dtype=bool)
    for i in prior_idx:
        cycle.teach(i, int(y[i]))
        order.append(i)
        seen[i] = True
    found = int(y[prior_idx].sum()) if prior_idx else 0
    total = int(y.sum())
    model_stop: int | None = None
    min_model = stopping.model_min_decisions(n, config.model_min_screened)
    tail = max(1, int(np.ceil(config.tail_batch * n)))
    trace: list[tuple[int, float]] = []
    trace_every = max(1, n // TRACE_POINTS)
    weighted = stopping.RULES["weighted_quasi"]
    every, next_mark = checkpoint_every(n), 0
    shown: list[float] = []  # each screened record's probability when shown (NaN before the first checkpoint)
    latest: NDArray[np.float64] | None = None
    weighted_stop: int | None = None
    model_rules_done: int | None = None  # where the simulation stopped before weighted quasi-sampling was asked
    while len(order) < n:
        if found == total and model_stop is not None:
            model_rules_done = len(order) if model_rules_done is None else model_rules_done
            if weighted_stop is not None and not until_end:
                break
        # Once every include is found only the model-based rules still need the model;
        # what is left is all irrelevant, so it is screened in batches of ``tail``.
        picked = cycle.next(tail if found == total else batch)
        if not picked:
            break
        if len(order) >= next_mark and order:  # a checkpoint: the cycle retrained on every decision so far
            first = latest is None
            latest = np.asarray(cycle.inclusion_probabilities(), dtype=np.float32).astype(float)
            next_mark = len(order) + every
            if first:  # the records screened before it (the priors) take the first checkpoint's
                shown = [float(latest[i]) for i in order]
            if weighted_stop is None and decide_at_checkpoint(
                    weighted, y, np.concatenate([np.asarray(order), np.flatnonzero(~seen)]), len(order), latest,
                    np.asarray(shown), recall_target=config.recall_target, confidence=config.confidence):
                weighted_stop = len(order)
        for idx in (int(i) for i in picked):
            shown.append(float(latest[idx]) if latest is not None else float("nan"))
            if seen[idx]:
                raise EvaluationError(f"the cycle proposed record {idx} twice")
            label = int(y[idx])
            cycle.teach(idx, label)
            order.append(idx)
            seen[idx] = True
            found += label
        if model_stop is None and len(order) >= min_model:
            model_stop = _model_check(cycle, seen, found, len(order), config)
        if found < total and (not trace or len(order) - trace[-1][0] >= trace_every):
            probabilities = np.asarray(cycle.inclusion_probabilities(), dtype=float)
            trace.append((len(order), stopping.estimated_recall(found, probabilities[~seen])))
        if progress is not None:
            progress(len(order), n)
    # What the simulation screened for every rule but weighted quasi-sampling, which may have
    # asked for more (the recall bound's looks and the reported count stay what they were).
    n_simulated = len(order) if until_end or model_rules_done is None else model_rules_done
    order.extend(int(i) for i in np.flatnonzero(~seen))
    seconds = time.perf_counter() - start
    rules = evaluate_rules(y, order, seed=seed, config=config)
    rules["model_estimate"] = _with_promise("model_estimate", _rule_result(y, order, model_stop if model_stop is not None else n),
                                            config)
    rules["weighted_quasi"] = _with_promise(
        "weighted_quasi", _rule_result(y, order, weighted_stop if weighted_stop is not None else n), config)
    bound = recall_bound_checks(y, order[:n_simulated], n, confidence=config.confidence)
    return SimulationResult(
        dataset=dataset,
        seed=seed,
        preset=preset,
        model_name=str(getattr(cycle, "model_name", preset)),
        labels=y,
        order=order,
        n_priors=len(prior_idx),
        n_simulated=n_simulated,
        seconds=seconds,
        stopping=rules,
        recall_bound=bound,
        estimate_trace=trace,
    )


def _model_check(cycle: Cycle, seen: NDArray[np.bool_], found: int, screened: int, config: StoppingConfig) -> int | None:
    scores = np.asarray(cycle.inclusion_probabilities(), dtype=float)
    if stopping.estimated_recall(found, scores[~seen]) >= config.recall_target:
        return screened
    return None


def _rule_result(y: NDArray[np.int64], order: Sequence[int], stopped_at: int, found: int | None = None) -> RuleResult:
    n = y.size
    stopped_at = min(max(stopped_at, 0), n)
    if found is None:
        found = int(y[np.asarray(order[:stopped_at], dtype=np.int64)].sum()) if stopped_at else 0
    return RuleResult(stopped_at=stopped_at, recall=round(found / int(y.sum()), 6), work_saved=round(1 - stopped_at / n, 6))


#: About how many points :attr:`SimulationResult.estimate_trace` keeps per screening.
TRACE_POINTS = 50

#: Where :func:`recall_bound_checks` looks: after every tenth of the records screened.
BOUND_CHECK_SHARES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def recall_bound_checks(
    labels: NDArray[np.int64],
    screened_order: Sequence[int],
    n_total: int,
    *,
    confidence: float = 0.95,
    shares: Sequence[float] = BOUND_CHECK_SHARES,
) -> dict[str, float]:
    """Does ``triage status``'s "recall so far >= X%" hold? Checked against the truth.

    At each share of the records screened (within ``screened_order``, the records the
    simulation actually screened, priors first) the lower bound of
    :func:`triage.stopping.recall_lower_bound` is compared with the true recall so far.
    The bound claims to hold with ``confidence`` at any one look, so ``held`` (share of
    looks with true recall >= bound) should be at least that. Looks taken after every
    include was found hold trivially, so ``held_before_all_found`` counts only the
    others, the looks that test the claim. ``mean_gap`` is the mean of true recall minus
    the bound (how much the guarantee costs in tightness). Empty when there is no look.
    """
    y = np.asarray(labels, dtype=np.int64)
    seq = y[np.asarray(screened_order, dtype=np.int64)]
    total = int(y.sum())
    looks = sorted({int(share * n_total) for share in shares if 0 < int(share * n_total) <= seq.size})
    if not looks or total == 0:
        return {}
    held, held_open, open_looks, gaps = 0, 0, 0, []
    for t in looks:
        recall = float(seq[:t].sum()) / total
        bound = stopping.recall_lower_bound(seq[:t], n_total, confidence=confidence)
        ok = recall >= bound
        held += ok
        gaps.append(recall - bound)
        if recall < 1.0:
            open_looks += 1
            held_open += ok
    return {
        "checks": len(looks),
        "held": held / len(looks),
        "checks_before_all_found": open_looks,
        "held_before_all_found": held_open / open_looks if open_looks else 1.0,
        "mean_gap": float(np.mean(gaps)),
    }


def evaluate_rules(
    labels: NDArray[np.int64], order: Sequence[int], *, seed: int, config: StoppingConfig = StoppingConfig()
) -> dict[str, RuleResult]:
    """Where each label-only rule stops on the full screening ``order`` (priors first).

    ``cmh_random`` switches to random sampling once prioritised screening has run dry
    (a run of irrelevant records, see :class:`StoppingConfig`), draws the rest in a
    random order seeded with ``seed`` and stops when the hypergeometric test rejects
    "recall below target" at ``config.confidence`` (Callaghan & Müller-Hansen 2020).
    """
    y = np.asarray(labels, dtype=np.int64)
    seq = y[np.asarray(order, dtype=np.int64)]
    n = seq.size
    alpha = 1 - config.confidence
    results: dict[str, RuleResult] = {}

    run = config.consecutive if config.consecutive is not None else stopping.run_threshold(n)
    results["consecutive_irrelevant"] = _rule_result(y, order, _first_run(seq, run))

    knee = n
    for t in range(config.knee_min, n + 1):
        if stopping.knee_stop(seq[:t], min_screened=config.knee_min):
            knee = t
            break
    results["knee"] = _rule_result(y, order, knee)

    stride = max(1, n // config.ranked_stride)
    ranked = n
    for t in range(stride, n + 1, stride):
        if stopping.ranked_quasi_p(seq[:t], n, recall_target=config.recall_target) < alpha:
            ranked = t
            break
    results["cmh_ranked"] = _rule_result(y, order, ranked)

    switch_run = max(config.switch_min, int(np.ceil(config.switch_fraction * n)))
    results["cmh_random"] = _cmh_random(y, seq, _first_run(seq, switch_run), seed, config)
    return {name: _with_promise(name, result, config) for name, result in results.items()}


def _with_promise(name: str, result: RuleResult, config: StoppingConfig) -> RuleResult:
    """``result`` with the rule's promise at the configured target and confidence."""
    promise = stopping.RULES[name].promise(config.recall_target, config.confidence)
    return RuleResult(result.stopped_at, result.recall, result.work_saved, promise)


def _first_run(seq: NDArray[np.int64], length: int) -> int:
    """Records screened when ``length`` irrelevant in a row first occur (n if never)."""
    run = 0
    for t, lab in enumerate(seq, start=1):
        run = 0 if lab else run + 1
        if run >= length:
            return t
    return int(seq.size)


def _cmh_random(y: NDArray[np.int64], seq: NDArray[np.int64], switch: int, seed: int, config: StoppingConfig) -> RuleResult:
    n = seq.size
    total = int(y.sum())
    found_before = int(seq[:switch].sum())
    rest = seq[switch:].copy()
    rng = np.random.default_rng([seed, 20200273])  # independent of the prior draw
    rng.shuffle(rest)
    urn = rest.size
    if urn == 0:
        return RuleResult(stopped_at=n, recall=round(found_before / total, 6), work_saved=0.0)
    p = stopping.sampling_p_values(rest, urn, found_before, recall_target=config.recall_target)
    hits = np.flatnonzero(p < 1 - config.confidence)
    drawn = int(hits[0]) + 1 if hits.size else urn
    stopped = switch + drawn
    found_in = int(rest[:drawn].sum())
    found = found_before + found_in
    return RuleResult(stopped_at=stopped, recall=round(found / total, 6), work_saved=round(1 - stopped / n, 6))
