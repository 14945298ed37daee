"""Stopping benchmark: every rule of ``triage.stopping`` replayed on the same screenings.

One command (from the repository root), after ``evaluation/stopping_orders.py`` has cached
the screenings (minutes; the screenings themselves take hours)::

    .venv/bin/python evaluation/bench_stopping.py --presets tfidf   # report -> reports/stopping.md, .csv
    .venv/bin/python evaluation/bench_stopping.py --tune weighted_quasi   # a rule of ours: its grid, tune half only

``--asreview`` adds ASReview's screenings where ``compare_asreview.py`` cached their orders
(the label-only rules replay on them); ``--scenarios update,dual`` adds the update-round and
dual-screening screenings of ``stopping_scenarios.py``. The rule is chosen on triage's
primary screenings (``--primary``, default ``PRIMARY``) of the tune half and judged on their report half; the
other screenings are reported beside them.

Each cached run is a whole simulated screening (triage's real cycle, priors one include
and one exclude) with the model's inclusion probabilities at about 200 checkpoints. Every
rule is asked, through its ``decide`` and nothing else, at each checkpoint in screening
order and stops at the first that says stop (a checkpoint is at most 0.5% of the records
after the record where a rule asked after every decision would stop). Two rules are
procedures around the ranking and are replayed as such:

- ``cmh_random`` switches to random sampling after ``max(25, 2.5% of n)`` irrelevant in a
  row (as ``triage.evaluation.simulate`` does), draws the rest in a seeded random order and
  stops when the test rejects (``sampling_p_values``: the rule's test after every draw,
  vectorised; tested equal to it);
- ``target_qbcb`` draws, before screening, random records until ``r`` includes are among
  them (seeded per run); they count as screened, and screening stops when the ranking has
  reached the required number of them.

Reported per rule, target (80, 90, 95%) and confidence (90, 95%): runs, share reaching the
target with its Clopper-Pearson 95% interval, mean and median work saved (1 - screened /
records, priors and target sets counted as screened), includes missed in runs that failed;
by review size and by share of includes (groups of at least 40 runs where the runs allow).
Rules published with their parameters run on all reviews; rules of ours were tuned only on
the ``tune`` half of ``evaluation/stopping_split.csv`` (committed before any tuning) and
the recommendation is chosen there; the ``report`` half is where they are judged.
"""

from __future__ import annotations

import argparse
import csv
import math
import platform
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import binomtest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "evaluation"))

from stopping_orders import BIG, Run, dataset_paths, load_asreview_run, load_run, order_hash, seeds_for
from stopping_orders import DATA as DATA_DIR
from stopping_scenarios import scenario_runs

from triage.evaluation.checkpoints import decide_at_checkpoint
from triage.evaluation.checkpoints import shown_probabilities as checkpoint_shown
from triage.evaluation.labelled import load_labelled
from triage.stopping import (
    RULES,
    CalibratedModel,
    RankedQuasiSampling,
    ScreeningHistory,
    StoppingRule,
    TargetQBCB,
    WeightedQuasiSampling,
    run_threshold,
    sampling_p_values,
)

SPLIT = REPO / "evaluation" / "stopping_split.csv"
REPORTS = REPO / "evaluation" / "reports"
TARGETS = (0.80, 0.90, 0.95)
CONFIDENCES = (0.90, 0.95)
#: What a rule's decision depends on, so each is replayed once per distinct setting.
DEPENDS: dict[str, tuple[str, ...]] = {
    "consecutive_irrelevant": (), "knee": (), "model_estimate": ("target",), "quant_ci": ("target",),
}
#: Rules we designed (tuned on the tune half only); the rest are published as run.
OURS = ("calibrated_model", "weighted_quasi")
#: The screenings the rule is chosen on (tune half) and judged on (report half); the
#: other tools and scenarios are reported beside them.
PRIMARY = "triage:tfidf"
SIZE_GROUPS = (("under 1,000 records", 0, 1000), ("1,000-2,000 records", 1000, BIG), ("over 2,000 records", BIG, 10**9))
PREVALENCE_GROUPS = (("includes under 3%", 0.0, 0.03), ("includes 3-10%", 0.03, 0.10), ("includes over 10%", 0.10, 1.0))
#: The guarantee goals of issue 20 (share reaching the target; work saved).
GOAL_REACHED, GOAL_SAVED_BIG, GOAL_SAVED_ALL = 0.95, 0.30, 0.20


@dataclass(frozen=True)
class Stop:
    tool: str
    dataset: str
    seed: int
    n: int
    relevant: int
    rule: str
    target: float
    confidence: float
    stopped_at: int
    found: int

    @property
    def recall(self) -> float:
        return self.found / self.relevant

    @property
    def reached(self) -> bool:
        return self.found >= math.ceil(self.target * self.relevant - 1e-9)

    @property
    def work_saved(self) -> float:
        return 1 - self.stopped_at / self.n

    @property
    def missed(self) -> int:
        return self.relevant - self.found


def shown_probabilities(run: Run) -> np.ndarray:
    """Each record's probability when it was shown (:func:`triage.evaluation.checkpoints.shown_probabilities`)."""
    return checkpoint_shown(run.order, run.checkpoints, run.probabilities)


def replay(run: Run, rule: StoppingRule, target: float, confidence: float) -> tuple[int, int]:
    """``(stopped_at, includes found)`` of ``rule`` on ``run`` (see the module doc)."""
    seq = run.labels[run.order]
    found = np.concatenate(([0], np.cumsum(seq)))
    if rule.name == "cmh_random":
        return _cmh_random(run, seq, target, confidence)
    if rule.name == "target_qbcb":
        return _target(run, seq, rule, target, confidence)
    if "probabilities" in rule.needs and run.probabilities.shape[0] == 0:
        raise ValueError(f"{rule.name} needs the model's probabilities; {run.tool} has none")
    shown = shown_probabilities(run) if "probabilities" in rule.needs else None
    for j, k in enumerate(run.checkpoints):
        k = int(k)
        if shown is not None:  # the one way a simulation asks a model-based rule (evaluate screening too)
            stop = decide_at_checkpoint(rule, run.labels, run.order, k, run.probabilities[j], shown,
                                        recall_target=target, confidence=confidence)
        else:
            stop = rule.decide(ScreeningHistory(labels=seq[:k], n_total=run.n), recall_target=target,
                               confidence=confidence).stop
        if stop:
            return k, int(found[k])
    return run.n, int(found[run.n])


def _cmh_random(run: Run, seq: np.ndarray, target: float, confidence: float) -> tuple[int, int]:
    """Switch to random sampling after a run of irrelevant records, then the CMH test."""
    switch_run = max(25, math.ceil(0.025 * run.n))
    streak, switch = 0, run.n
    for t, label in enumerate(seq, start=1):
        streak = 0 if label else streak + 1
        if streak >= switch_run:
            switch = t
            break
    before = int(seq[:switch].sum())
    rest = seq[switch:].copy()
    if rest.size == 0:
        return run.n, before
    np.random.default_rng([run.seed, 20200273]).shuffle(rest)  # independent of the prior draw
    p = sampling_p_values(rest, rest.size, before, recall_target=target)
    hits = np.flatnonzero(p < 1 - confidence)
    drawn = int(hits[0]) + 1 if hits.size else rest.size
    return switch + drawn, before + int(rest[:drawn].sum())


def _target(run: Run, seq: np.ndarray, rule: StoppingRule, target: float, confidence: float) -> tuple[int, int]:
    """The target method: a random target set first, then ranked screening until enough of it is reached."""
    assert isinstance(rule, TargetQBCB)
    r = rule.includes_wanted(target, confidence)
    draw = np.random.default_rng([run.seed, 2016]).permutation(run.n)
    hits = np.cumsum(run.labels[draw])
    size = int(np.searchsorted(hits, r) + 1) if hits[-1] >= r else run.n  # draw until r includes
    sample = draw[:size]
    in_sample = np.zeros(run.n, dtype=bool)
    in_sample[sample] = True
    r_found = int(run.labels[sample].sum())
    position = np.empty(run.n, dtype=np.int64)
    position[run.order] = np.arange(run.n)
    sample_includes = np.sort(position[sample[run.labels[sample] == 1]])  # where the ranking reaches them
    for k in (int(c) for c in run.checkpoints):
        reached = int(np.searchsorted(sample_includes, k))  # target includes among the first k
        history = ScreeningHistory(labels=seq[:k], n_total=run.n, target_sample=(r_found, reached, size))
        if rule.decide(history, recall_target=target, confidence=confidence).stop:
            screened = np.zeros(run.n, dtype=bool)
            screened[run.order[:k]] = True
            screened |= in_sample
            return int(screened.sum()), int(run.labels[screened].sum())
    return run.n, int(run.labels.sum())


def replay_all(runs: Iterable[Run], rules: dict[str, StoppingRule], targets: Sequence[float] = TARGETS,
               confidences: Sequence[float] = CONFIDENCES) -> list[Stop]:
    out: list[Stop] = []
    for run in runs:
        relevant = int(run.labels.sum())
        for name, rule in rules.items():
            if "probabilities" in rule.needs and run.probabilities.shape[0] == 0:
                continue  # ASReview's orders come without the model's probabilities
            depends = DEPENDS.get(name, ("target", "confidence"))
            done: dict[tuple[float, float], tuple[int, int]] = {}
            for target in targets:
                for confidence in confidences:
                    key = (target if "target" in depends else 0.0, confidence if "confidence" in depends else 0.0)
                    if key not in done:
                        done[key] = replay(run, rule, target, confidence)
                    stopped_at, found = done[key]
                    out.append(Stop(run.tool, run.dataset, run.seed, run.n, relevant, name, target, confidence,
                                    stopped_at, found))
    return out


def clopper_pearson(successes: int, trials: int) -> tuple[float, float]:
    """Exact 95% interval of a share (scipy's ``binomtest``, method "exact")."""
    ci = binomtest(successes, trials).proportion_ci(confidence_level=0.95, method="exact")
    return float(ci.low), float(ci.high)


def summary(stops: Sequence[Stop]) -> dict[str, float]:
    if not stops:  # e.g. no review over 2,000 records among the cached screenings: reported as "nan%"
        return {"runs": 0, "reached": math.nan, "low": math.nan, "high": math.nan, "saved_mean": math.nan,
                "saved_median": math.nan, "missed_when_failed": 0.0, "failed": 0}
    reached = sum(s.reached for s in stops)
    low, high = clopper_pearson(reached, len(stops))
    failed = [s.missed for s in stops if not s.reached]
    saved = [s.work_saved for s in stops]
    return {"runs": len(stops), "reached": reached / len(stops), "low": low, "high": high,
            "saved_mean": float(np.mean(saved)), "saved_median": float(np.median(saved)),
            "missed_when_failed": float(np.mean(failed)) if failed else 0.0, "failed": len(failed)}


def groups(stops: Sequence[Stop]) -> list[tuple[str, list[Stop]]]:
    out: list[tuple[str, list[Stop]]] = [("all", list(stops))]
    for label, lo, hi in SIZE_GROUPS:
        out.append((label, [s for s in stops if lo < s.n <= hi]))
    for label, lo, hi in PREVALENCE_GROUPS:
        out.append((label, [s for s in stops if lo <= s.relevant / s.n < hi]))
    return [(label, g) for label, g in out if g]


def select(stops: Sequence[Stop], **where: Any) -> list[Stop]:
    return [s for s in stops if all(getattr(s, k) == v for k, v in where.items())]


def meets_goals(stops: Sequence[Stop]) -> tuple[bool, str]:
    """The issue's goals on these runs: reached >= 95% in every group of at least 40 runs,
    work saved >= 30% over 2,000 records and >= 20% overall."""
    why = []
    for label, g in groups(stops):
        if (len(g) >= 40 or label == "all") and summary(g)["reached"] < GOAL_REACHED:
            why.append(f"{label} reached {summary(g)['reached']:.1%}")
    big = [s for s in stops if s.n > BIG]
    if big and summary(big)["saved_mean"] < GOAL_SAVED_BIG:
        why.append(f"saves {summary(big)['saved_mean']:.1%} over 2,000 records")
    if summary(stops)["saved_mean"] < GOAL_SAVED_ALL:
        why.append(f"saves {summary(stops)['saved_mean']:.1%} overall")
    return not why, "; ".join(why)


def recommend(stops: Sequence[Stop], target: float = 0.95, confidence: float = 0.95) -> str:
    """The rule to recommend, chosen on the tune half: among those reaching the target in
    >= 95% of runs in every group (of any size there), the one saving most work; if none
    does, the one reaching it most often."""
    names = sorted({s.rule for s in stops})
    scored = []
    for name in names:
        own = select(stops, rule=name, target=target, confidence=confidence)
        worst = min(summary(g)["reached"] for _, g in groups(own))
        scored.append((worst >= GOAL_REACHED, summary(own)["saved_mean"] if worst >= GOAL_REACHED else worst, name))
    return max(scored)[2]


def load_split() -> dict[str, str]:
    with SPLIT.open(encoding="utf-8") as fh:
        return {row["dataset"]: row["half"] for row in csv.DictReader(fh)}


def load_runs(presets: Sequence[str], seeds: int, big_seeds: int, asreview: bool = False) -> tuple[list[Run], list[str]]:
    """The cached screenings of triage's ``presets`` (and ASReview's, where
    ``compare_asreview.py`` cached them), and triage's planned ones missing."""
    runs, missing = [], []
    for path in dataset_paths():
        ds = load_labelled(path)
        for preset in presets:
            for seed in seeds_for(ds, seeds, big_seeds):
                run = load_run(ds, preset, seed)
                if run is None:
                    missing.append(f"{preset}:{ds.name}:{seed}")
                else:
                    runs.append(run)
        for seed in seeds_for(ds, seeds, big_seeds) if asreview else ():
            other = load_asreview_run(ds, seed)  # a subset where time allowed: the header names it
            if other is not None:
                runs.append(other)
    return runs, missing


def uncached(runs: Sequence[Run], presets: Sequence[str], scenarios: Sequence[str], seeds: tuple[int, int],
             scenario_seeds: tuple[int, int]) -> str:
    """One line naming the sets of screenings asked for of which not one is cached, with the
    command that computes each; "" when every set has at least one. Screenings are keyed by a
    hash of the ranking code (``stopping_orders.order_hash``), so a change to
    ``triage/ranking`` leaves the old ones unused rather than replayed as if current."""
    have = {r.tool for r in runs}
    lacking = []
    for preset in presets:
        if f"triage:{preset}" not in have:
            lacking.append(f"triage:{preset} (none for ranking code {order_hash(preset)}; compute them with "
                           f"`nice .venv/bin/python evaluation/stopping_orders.py --presets {preset} "
                           f"--seeds {seeds[0]} --big-seeds {seeds[1]}`)")
        for scenario in scenarios:
            if f"triage:{preset} {scenario}" not in have:
                lacking.append(f"triage:{preset} {scenario} (compute them with `nice .venv/bin/python "
                               f"evaluation/stopping_scenarios.py --presets {preset} --scenarios {scenario} "
                               f"--seeds {scenario_seeds[0]} --big-seeds {scenario_seeds[1]}`)")
    if not lacking:
        return ""
    return ("bench_stopping: no cached screenings of " + "; ".join(lacking)
            + ". They take hours on 2 cores and resume where they stopped; or leave these out of --presets/--scenarios.")


def batching_check(runs: Sequence[Run]) -> list[str]:
    """WSS@95 of the batched orders against per-decision ones (``--batches 0``) where both
    are cached for the same review and seed, and where the recommended rules stop on each."""
    from triage import metrics

    pairs = []
    for run in runs:
        ds = load_labelled(DATA_DIR / f"{run.dataset}.csv")
        single = load_run(ds, run.tool.split(":", 1)[1], run.seed, batches=0)
        if single is not None and single.n > 0:
            pairs.append((run, single))
    if not pairs:
        return ["No per-decision screenings were cached to compare with (`stopping_orders.py --batches 0`)."]

    def wss(r: Run) -> float:
        return metrics.wss(r.labels[r.order[r.n_priors:]], 0.95)

    batched = [wss(a) for a, _ in pairs]
    single = [wss(b) for _, b in pairs]
    return [(f"On {len(pairs)} screenings run both ways (same review, seed and priors), WSS@95 is "
            f"{np.mean(batched):.3f} retraining every n/200 records against {np.mean(single):.3f} retraining after "
            f"every decision (mean absolute difference {np.mean(np.abs(np.subtract(batched, single))):.3f}).")]


#: The settings tried for each rule of ours, on the tune half only.
GRIDS: dict[str, list[StoppingRule]] = {
    "calibrated_model": [CalibratedModel(window=w, prior=p) for w in (0.1, 0.25, 0.5, 1.0) for p in (0.5, 1.0, 2.0)],
    "weighted_quasi": [WeightedQuasiSampling(exponent=e, window_from=w) for w in ("shown", "current")
                       for e in (1.0, 1.5, 2.0, 2.5, 3.0)],
}


def tune(runs: Sequence[Run], split: dict[str, str], name: str, primary: str = PRIMARY) -> None:
    """A rule of ours on the tune half, one line per setting: reached share (worst group)
    and work saved at 95% / 95%."""
    tune_runs = [r for r in runs if split.get(r.dataset) == "tune" and r.tool == primary]
    print(f"{len(tune_runs)} tune runs", flush=True)
    for rule in GRIDS[name]:
        stops = replay_all(tune_runs, {name: rule}, (0.95,), (0.95,))
        own = select(stops, target=0.95, confidence=0.95)
        worst = min(summary(g)["reached"] for _, g in groups(own))
        s = summary(own)
        setting = ", ".join(f"{k} {v}" for k, v in vars(rule).items())
        print(f"{setting}: reached {s['reached']:.1%} (worst group {worst:.1%}), saved {s['saved_mean']:.1%}, "
              f"over 2,000 {summary([x for x in own if x.n > BIG])['saved_mean']:.1%}", flush=True)


def table(stops: Sequence[Stop], rules: Sequence[str], target: float, confidence: float) -> list[str]:
    lines = ["| rule | group | runs | reached | 95% CI | work saved mean | median | includes missed when it failed |",
             "|---|---|---|---|---|---|---|---|"]
    for name in rules:
        own = select(stops, rule=name, target=target, confidence=confidence)
        for label, g in groups(own):
            s = summary(g)
            flag = "" if s["runs"] >= 40 else " (under 40 runs)"
            lines.append(f"| {name} | {label}{flag} | {s['runs']} | {s['reached']:.1%} | {s['low']:.1%}-{s['high']:.1%} "
                         f"| {s['saved_mean']:.1%} | {s['saved_median']:.1%} | "
                         f"{s['missed_when_failed']:.1f} ({s['failed']} runs) |")
    return lines


def overview(stops: Sequence[Stop], rules: Sequence[str]) -> list[str]:
    lines = [("| rule | target | confidence | runs | reached | lowest CP bound of a group >= 40 runs | work saved mean "
             "| over 2,000 records | meets the issue's goals |"), "|---|---|---|---|---|---|---|---|---|"]
    for name in rules:
        for target in TARGETS:
            for confidence in CONFIDENCES:
                own = select(stops, rule=name, target=target, confidence=confidence)
                if not own:
                    continue
                s = summary(own)
                lows = [summary(g)["low"] for _, g in groups(own) if len(g) >= 40]
                big = [x for x in own if x.n > BIG]
                ok, why = meets_goals(own)
                big_saved = f"{summary(big)['saved_mean']:.1%}" if big else "-"
                lines.append(f"| {name} | {target:.0%} | {confidence:.0%} | {s['runs']} | {s['reached']:.1%} | "
                             f"{(f'{min(lows):.1%}' if lows else '-')} | {s['saved_mean']:.1%} | {big_saved} | "
                             f"{'yes' if ok else 'no: ' + why} |")
    return lines


def goal_checks(stops: Sequence[Stop], split: dict[str, str], rules: Sequence[str]) -> list[str]:
    """The issue's goals for ``rules`` (the one chosen and the one ``triage status``
    recommends) on every set of whole screenings by triage, at 95% / 95%: reached share, the
    lowest Clopper-Pearson bound of a group of at least 40 runs, work saved over 2,000
    records and overall; on all reviews and on the report half."""
    lines = [("| rule | screenings | reviews | runs | reached | lowest CP bound of a group >= 40 runs (group) | "
              "work saved over 2,000 records | overall | meets the issue's goals |"), "|---|---|---|---|---|---|---|---|---|"]
    tools = [t for t in dict.fromkeys(s.tool for s in stops) if t.startswith("triage:") and " " not in t]
    for name in dict.fromkeys(rules):
        for tool in tools:
            for label, keep in (("all", lambda d: True), ("report half", lambda d: split.get(d) == "report")):
                own = [s for s in select(stops, rule=name, tool=tool, target=0.95, confidence=0.95) if keep(s.dataset)]
                if not own:
                    continue
                s = summary(own)
                lows = [(summary(g)["low"], lbl) for lbl, g in groups(own) if len(g) >= 40]
                worst = f"{min(lows)[0]:.1%} ({min(lows)[1]})" if lows else "no group of 40"
                big = [x for x in own if x.n > BIG]
                ok, why = meets_goals(own)
                lines.append(f"| {name} | {tool} | {label} ({len({x.dataset for x in own})}) | {s['runs']} | "
                             f"{s['reached']:.1%} | {worst} | {summary(big)['saved_mean']:.1%} | "
                             f"{s['saved_mean']:.1%} | {'yes' if ok else 'no: ' + why} |" if big else
                             f"| {name} | {tool} | {label} ({len({x.dataset for x in own})}) | {s['runs']} | "
                             f"{s['reached']:.1%} | {worst} | - | {s['saved_mean']:.1%} | "
                             f"{'yes' if ok else 'no: ' + why} |")
    return lines


def findings(stops: Sequence[Stop], report_stops: Sequence[Stop], recommended: str) -> list[str]:
    """The reading of the tables, with their numbers (target and confidence 95%; triage's
    primary screenings only)."""

    def at(subset: Sequence[Stop], rule: str, target: float = 0.95, big: bool = False) -> dict[str, float]:
        own = select(subset, rule=rule, target=target, confidence=0.95)
        return summary([s for s in own if s.n > BIG] if big else own)

    def misses(rule: str) -> str:
        failed = [s for s in select(report_stops, rule=rule, target=0.95, confidence=0.95) if not s.reached]
        return ", ".join(f"{d} ({sum(s.dataset == d for s in failed)} runs, {next(s for s in failed if s.dataset == d).n} "
                         f"records, {next(s for s in failed if s.dataset == d).relevant} relevant)"
                         for d in dict.fromkeys(s.dataset for s in failed)) or "no review"

    ranked, ranked_big = at(stops, "cmh_ranked"), at(stops, "cmh_ranked", big=True)
    ranked90, ranked90_big = at(stops, "cmh_ranked", 0.90), at(stops, "cmh_ranked", 0.90, big=True)
    model = at(stops, "model_estimate")
    rare = summary([s for s in select(stops, rule="model_estimate", target=0.95, confidence=0.95)
                    if s.relevant / s.n < PREVALENCE_GROUPS[0][2]])
    ok, why = meets_goals(select(report_stops, rule=recommended, target=0.95, confidence=0.95))
    lines = [
        (f"- Ranked quasi-sampling (`cmh_ranked`, the published statistical rule) keeps its promise in every group: "
         f"95% recall in {ranked['reached']:.1%} of {ranked['runs']} runs (lower CP bound {ranked['low']:.1%}), "
         f"saving {ranked['saved_mean']:.1%} overall and {ranked_big['saved_mean']:.1%} over 2,000 records "
         f"(goals 20% and 30%). At a 90% target it saves {ranked90['saved_mean']:.1%} and "
         f"{ranked90_big['saved_mean']:.1%} and reaches it in {ranked90['reached']:.1%} of runs."),
    ]
    for name in OURS:
        ours, ours_all, big = at(report_stops, name), at(stops, name), at(report_stops, name, big=True)
        fine, reason = meets_goals(select(report_stops, rule=name, target=0.95, confidence=0.95))
        lines.append(
            f"- `{name}` (ours, tuned on the tune half) on the report half: 95% recall in {ours['reached']:.1%} of "
            f"{ours['runs']} runs (CP {ours['low']:.1%}-{ours['high']:.1%}), saving {ours['saved_mean']:.1%} "
            f"({big['saved_mean']:.1%} over 2,000 records); on all reviews {ours_all['reached']:.1%} and "
            f"{ours_all['saved_mean']:.1%}. {'Meets' if fine else 'Misses'} the issue's goals on the report half"
            f"{'' if fine else ' (' + reason + ')'}; its failures there: {misses(name)}.")
    lines += [
        (f"- Chosen on the tune half: `{recommended}`; on the report half it "
         f"{'meets every goal' if ok else 'misses (' + why + ')'}. "
         + (("It needs each decision's inclusion probability as it was shown: decisions record it since "
             "Alembic revision 0010, and `triage status` runs it and recommends it where every decision has one "
             "(`triage.screening.advice.WEIGHTED`), else the statistical rule (`RECOMMENDED`).")
            if ok and recommended == "weighted_quasi" else
            ("It needs each decision's inclusion probability as it was shown; `triage status` runs only "
             "weighted_quasi from those.") if ok and recommended == "calibrated_model" else "" if ok else
            "So `triage status` keeps recommending the statistical rule (`triage.screening.advice.RECOMMENDED`): "
            "ranked quasi-sampling until the team draws the random sample it asks for.")),
        (f"- The model's point estimate (`model_estimate`) reached 95% in {model['reached']:.1%} of runs, "
         f"{rare['reached']:.1%} where includes are under 3% of the records: a point estimate is no promise. The "
         "heuristics fail worst where includes are rare (`consecutive_irrelevant`, which `triage status` also shows)."),
        ("- QuantCI (Yang et al.) saves almost nothing here: it sums the model's probabilities of the screened "
         "records, and triage's corrected probabilities put most of the expected includes among the thousands "
         "of unscreened records. The target method pays for its random target set (59 includes at 95%/95%), "
         "which on reviews with few includes means most of the review."),
    ]
    return lines


def across_tools(stops: Sequence[Stop], rules: Sequence[str]) -> list[str]:
    """One line per rule and screening set at 95% / 95%: the share reaching the target, the
    lowest CP bound of its groups of at least 40 runs, work saved."""
    tools = list(dict.fromkeys(s.tool for s in stops))
    lines = [("| rule | screenings | runs | reached | 95% CI | worst group (>= 40 runs) | work saved mean | median "
              "| includes missed when it failed |"), "|---|---|---|---|---|---|---|---|---|"]
    for name in rules:
        for tool in tools:
            own = select(stops, rule=name, tool=tool, target=0.95, confidence=0.95)
            if not own:
                continue
            s = summary(own)
            big = [(label, summary(g)) for label, g in groups(own) if len(g) >= 40]
            worst = min(big, key=lambda x: x[1]["reached"]) if big else None
            worst_text = f"{worst[0]}: {worst[1]['reached']:.1%} (CP low {worst[1]['low']:.1%})" if worst else "-"
            lines.append(f"| {name} | {tool} | {s['runs']} | {s['reached']:.1%} | {s['low']:.1%}-{s['high']:.1%} | "
                         f"{worst_text} | {s['saved_mean']:.1%} | {s['saved_median']:.1%} | "
                         f"{s['missed_when_failed']:.1f} ({s['failed']} runs) |")
    return lines


def sources(runs: Sequence[Run]) -> list[str]:
    """The commands that cached the screenings in ``runs``."""
    tools = list(dict.fromkeys(r.tool for r in runs))
    presets = [t.split(":", 1)[1] for t in tools if t.startswith("triage:") and " " not in t]
    scenario = sorted({t.split(" ", 1)[1] for t in tools if " " in t})
    out = [f"- `nice .venv/bin/python evaluation/stopping_orders.py --presets {','.join(presets)}`"] if presets else []
    if scenario:
        small, big = seeds_of([r for r in runs if " " in r.tool], big_reviews(runs))
        out.append(f"- `nice .venv/bin/python evaluation/stopping_scenarios.py --presets {','.join(presets)} "
                   f"--scenarios {','.join(scenario)} --seeds {small} --big-seeds {big}`")
    asr = sorted({r.dataset for r in runs if r.tool.startswith("asreview")})
    if asr:
        asr_seeds = seeds_of([r for r in runs if r.tool.startswith("asreview")], big_reviews(runs))[0]
        out.append(f"- `nice .venv/bin/python evaluation/compare_asreview.py --seeds {asr_seeds} --presets {','.join(presets) or 'tfidf'} "
                   f"--datasets {','.join(asr)}` (ASReview's orders on {len(asr)} reviews)")
    return out


def big_reviews(runs: Sequence[Run]) -> set[str]:
    """The reviews over 2,000 records, by the whole review (any screening of all of it)."""
    return {r.dataset for r in runs if r.n > BIG and " " not in r.tool}


def seeds_of(runs: Sequence[Run], big_reviews: set[str]) -> tuple[int, int]:
    """Seeds per review under and over 2,000 records among ``runs`` (by the whole review's
    size, ``big_reviews``: an update round holds a share of it)."""
    small = max((r.seed + 1 for r in runs if r.dataset not in big_reviews), default=0)
    return small, max((r.seed + 1 for r in runs if r.dataset in big_reviews), default=small)


def thin_groups(stops: Sequence[Stop]) -> dict[str, list[str]]:
    """Per set of screenings, its groups of under 40 runs ("label (runs)"): their shares are
    reported but too uncertain for the goal, which holds only in groups of at least 40 runs.
    A group's runs are the same for every rule, so one rule's stops at 95% / 95% count them."""
    out: dict[str, list[str]] = {}
    for tool in dict.fromkeys(s.tool for s in stops):
        own = select(stops, tool=tool, target=0.95, confidence=0.95)
        own = select(own, rule=own[0].rule) if own else own
        out[tool] = [f"{label} ({len(g)})" for label, g in groups(own) if len(g) < 40]
    return out


def not_measured(runs: Sequence[Run], tools: Sequence[str], stops: Sequence[Stop] = ()) -> list[str]:
    out = []
    if not any(t.startswith("asreview") for t in tools):
        out.append("- ASReview's screening orders: none were cached (`compare_asreview.py` caches them; "
                   "`--asreview` reads them).")
    if "triage:default" not in tools:
        out.append("- The `default` preset (sentence embeddings): its screenings were not cached; rerun "
                   "`stopping_orders.py --presets default` and this benchmark with `--presets tfidf,default`.")
    if not any(" " in t for t in tools):
        out.append("- Stopping within an update round (#8) and under dual screening (#9): not simulated.")
    small, big = seeds_of([r for r in runs if " " in r.tool or r.tool.startswith("asreview")], big_reviews(runs))
    if small:
        out.append(f"- The update-round, dual-screening and ASReview screenings are fewer ({small} seeds, {big} over "
                   "2,000 records; ASReview's possibly on a subset of reviews: see the commands at the top).")
    thin = thin_groups(stops)
    if any(thin.values()):
        out.append("- Groups of under 40 runs (reported, marked, not held to the goal): " + "; ".join(
            f"{tool}: {', '.join(labels)}" for tool, labels in thin.items() if labels) + ".")
    elif thin:
        out.append("- Every group of every set of screenings holds at least 40 runs.")
    return out


def write_report(stops: list[Stop], runs: list[Run], missing: list[str], split: dict[str, str],
                 recommended: str, argv: Sequence[str], wall: float, primary_tool: str = PRIMARY,
                 name: str = "stopping") -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    csv_path = REPORTS / f"{name}.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["tool", "dataset", "half", "seed", "n", "relevant", "rule", "target", "confidence", "stopped_at",
                    "found", "recall", "reached", "work_saved"])
        for s in stops:
            w.writerow([s.tool, s.dataset, split.get(s.dataset, ""), s.seed, s.n, s.relevant, s.rule, s.target,
                        s.confidence, s.stopped_at, s.found, round(s.recall, 6), int(s.reached), round(s.work_saved, 6)])
    tools = list(dict.fromkeys(s.tool for s in stops))
    published = [name for name in RULES if name not in OURS]
    primary = select(stops, tool=primary_tool)
    report_stops = [s for s in primary if split.get(s.dataset) == "report"]
    lines = [
        "# Stopping rules: do they keep their promise, and what do they save?",
        "",
        (f"Generated by `nice .venv/bin/python evaluation/bench_stopping.py {' '.join(argv)}` on "
         f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} in {wall / 60:.1f} min, from screenings cached "
         "beforehand by:"),
        "",
        *sources(runs),
        "",
        "- Screenings: " + "; ".join(f"{t}: {len([r for r in runs if r.tool == t])} "
                                     f"({len({r.dataset for r in runs if r.tool == t})} reviews)" for t in tools) + ".",
        ("- Seeds 0-4 per review, 0-9 on the reviews over 2,000 records (for the other sets: the commands above); priors one "
         "include and one exclude (seeded, the same indices for triage and ASReview). triage's screenings are whole "
         "screenings with its real cycle, the model's inclusion probabilities kept at about 200 checkpoints."),
        (f"- Not run: {len(missing)} planned screenings were not cached ({', '.join(missing[:12])}"
         f"{' ...' if len(missing) > 12 else ''}).") if missing else "- Every planned screening is included.",
        f"- Machine: {platform.platform()}, Python {platform.python_version()}, 2 shared cores.",
        ("- `reached`: share of runs whose recall at the stop is at least the target (priors counted as found); "
         "95% CI: Clopper-Pearson (scipy). `work saved`: 1 - screened / records, with priors, the random sample "
         "(cmh_random) and the target set (target_qbcb) counted as screened. In the update round, records and "
         "recall are the update's; under dual screening the target is measured against the decisions in force."),
        "",
    ]
    lines += ["## Orders: retrained every n/200 records", "",
              *batching_check([r for r in runs if r.seed == 0 and r.tool == primary_tool]), ""]
    lines += [f"## The rule chosen on the tune half ({primary_tool})", ""]
    lines += [(f"Chosen on the tune half (the rule reaching 95% recall at 95% confidence in at least 95% of runs in "
              f"every group that saves the most work; else the most reliable): **{recommended}**."), ""]
    for label, subset in ((f"all {len({s.dataset for s in primary})} reviews", primary), ("the report half only", report_stops)):
        ok, why = meets_goals(select(subset, rule=recommended, target=0.95, confidence=0.95))
        lines.append(f"- {label}: {'meets' if ok else 'misses'} the issue's goals{'' if ok else ' (' + why + ')'}.")
    lines += ["", *goal_checks(stops, split, [recommended, "weighted_quasi"])]
    lines += ["", f"Rules of ours at target 95%, confidence 95%, {primary_tool}, report half (tuned on the other):", "",
              *table(report_stops, OURS, 0.95, 0.95), "",
              "and on all reviews (half of them those they were tuned on):", "",
              *table(primary, OURS, 0.95, 0.95), ""]
    lines += ["## Findings", "", *findings(primary, report_stops, recommended), ""]
    lines += ["## Every rule on every set of screenings, target 95%, confidence 95%", "",
              ("Rules that read the model's probabilities do not run on ASReview's orders (it gives none). "
               "`worst group`: the group of at least 40 runs (by size or share of includes) with the lowest share."),
              "", *across_tools(stops, [*published, *OURS]), ""]
    for tool in tools:
        tool_stops = select(stops, tool=tool)
        lines += [f"## {tool}: every rule, all reviews", "", *overview(tool_stops, [*published, *OURS]), ""]
        lines += [f"### {tool}: by group, target 95%, confidence 95%", "",
                  *table(tool_stops, [*published, *OURS], 0.95, 0.95), ""]
        if tool == primary_tool:
            lines += [f"### {tool}: the report half only, every rule", "", *overview(report_stops, [*OURS, *published]), ""]
    lines += [
        "## Not measured here", "",
        *not_measured(runs, tools, stops),
        "",
        "## Rules and their promises", "",
        "| rule | promise (as `triage status` words it, 95%/95%) | statistical |", "|---|---|---|",
        *(f"| {name} | {rule.promise(0.95, 0.95)} | {'yes' if rule.guaranteed else 'no'} |" for name, rule in RULES.items()),
        "",
        (f"`consecutive_irrelevant` is the rule `triage status` shows: {run_threshold(1000)} in a row at 1,000 "
         f"records, {run_threshold(5000)} at 5,000 (`triage.stopping.run_threshold`, max(50, 5%)); simulations "
         "and this benchmark measure the same function."),
        "",
        "Full table: `stopping.csv` (one row per screening, rule, target and confidence).",
    ]
    md = REPORTS / f"{name}.md"
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return md


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", default="tfidf,default", help="Presets whose cached screenings to use.")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--big-seeds", type=int, default=10)
    parser.add_argument("--asreview", action="store_true",
                        help="Also ASReview's screenings cached by compare_asreview.py (label-only rules).")
    parser.add_argument("--scenarios", default="",
                        help="Also these screenings of stopping_scenarios.py (update, dual), comma-separated.")
    parser.add_argument("--scenario-seeds", type=int, default=3)
    parser.add_argument("--scenario-big-seeds", type=int, default=6)
    parser.add_argument("--tune", choices=OURS, help="Print this rule's grid on the tune half and stop.")
    parser.add_argument("--primary", help="The preset whose tune half chooses the rule (default: tfidf if among "
                                          "--presets, else the first).")
    parser.add_argument("--report", default="stopping", help="Report name: reports/NAME.md and NAME.csv.")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    split = load_split()
    presets, scenarios = args.presets.split(","), [x for x in args.scenarios.split(",") if x]
    runs, missing = load_runs(presets, args.seeds, args.big_seeds, asreview=args.asreview)
    if scenarios:
        more, lacking = scenario_runs(presets, scenarios, args.scenario_seeds, args.scenario_big_seeds)
        runs, missing = runs + more, missing + lacking
    absent = uncached(runs, presets, scenarios, (args.seeds, args.big_seeds),
                      (args.scenario_seeds, args.scenario_big_seeds))
    if absent:
        print(absent, file=sys.stderr)
        return 2
    chosen_on = args.primary or ("tfidf" if "tfidf" in presets else presets[0])
    if chosen_on not in presets:
        parser.error(f"--primary {chosen_on} is not among --presets {args.presets}")
    primary = f"triage:{chosen_on}"
    if args.tune:
        tune(runs, split, args.tune, primary)
        return 0
    rules = dict(RULES)
    rules["cmh_ranked"] = RankedQuasiSampling(with_bound=False)
    stops = replay_all(runs, rules)
    tune_stops = [s for s in stops if split.get(s.dataset) == "tune" and s.tool == primary]
    if not tune_stops:
        print(f"bench_stopping: none of {primary}'s cached screenings is of a tune-half review "
              f"({SPLIT.name}), so no rule can be chosen; compute more with `nice .venv/bin/python "
              f"evaluation/stopping_orders.py --presets {chosen_on}`.", file=sys.stderr)
        return 2
    recommended = recommend(tune_stops)
    md = write_report(stops, runs, missing, split, recommended, sys.argv[1:] if argv is None else argv,
                      time.perf_counter() - start, primary, args.report)
    print(f"{len(runs)} screenings; recommended {recommended}; report written to {md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
