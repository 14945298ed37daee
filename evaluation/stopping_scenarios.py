"""Screenings for the stopping benchmark in two team settings: an update round and dual screening.

One command (from the repository root; minutes per preset with tfidf, resumable)::

    nice .venv/bin/python evaluation/stopping_scenarios.py --presets tfidf --seeds 3 --big-seeds 6

``update`` (issue 8): each review's records are split at random (seeded) into a first search
(70%) and an update (30%), each with at least one include. The first round's decisions are
in force: triage's real cycle is taught every first-round label before the update starts,
then screens the update's records only, as a reviewer's update round does. The rules see
the update round alone: its records (``n_total``), its decisions in screening order, and the
model's probabilities of its unscreened records; recall is the share of the update's
includes found.

``dual`` (issue 9): two reviewers screen every record independently; each misses an include
with probability ``MISS`` and includes an irrelevant record with probability
``FALSE_INCLUDE`` (about the single-reviewer error rates of Wang, Z. et al. (2020), "Error
rates of human reviewers during abstract screening in systematic reviews", PLoS ONE
15(1):e0227742); where they disagree a lead resolves the conflict correctly; where both err
alike the wrong decision stands. The decisions in force are what the model learns from
and what the rules see, and the target is measured against them (the rule promises the
includes the team would have included, not the errors both reviewers made).

Cached beside the ordinary screenings in ``evaluation/.cache/stopping/`` (same keys plus
``-update30`` or ``-dual``); ``bench_stopping.py --scenarios update,dual`` replays every rule
on them.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "evaluation"))

from stopping_orders import (
    BIG,
    CACHE,
    CHECKPOINTS,
    ProbabilityRecorder,
    Run,
    batch_size,
    dataset_paths,
    order_hash,
    seeds_for,
)

from triage.evaluation.labelled import LabelledSet, load_labelled

SCENARIOS = ("update", "dual")
#: Share of a review's records that arrive with the update search.
UPDATE_SHARE = 0.30
#: One reviewer's chance of excluding an include, and of including an irrelevant record.
MISS, FALSE_INCLUDE = 0.10, 0.03


def update_records(labels: NDArray[np.int64], seed: int, share: float = UPDATE_SHARE) -> NDArray[np.int64]:
    """Indices of the update round's records (sorted): a seeded random ``share`` of the
    review, redrawn until both rounds hold an include and the first an exclude."""
    rng = np.random.default_rng([seed, 8])
    n = labels.size
    size = max(1, round(share * n))
    for _ in range(1000):
        update = np.sort(rng.choice(n, size=size, replace=False))
        first = np.setdiff1d(np.arange(n), update)
        if labels[update].sum() >= 1 and labels[first].sum() >= 1 and (labels[first] == 0).any():
            return update.astype(np.int64)
    raise ValueError("no split puts an include in both rounds")


def decisions_in_force(labels: NDArray[np.int64], seed: int, miss: float = MISS,
                       false_include: float = FALSE_INCLUDE) -> NDArray[np.int64]:
    """The decisions in force after dual screening (see the module doc): a record's label
    flips only where both reviewers made the same error (the lead settles every conflict)."""
    rng = np.random.default_rng([seed, 9])
    err = np.where(labels == 1, miss, false_include)
    both_wrong = (rng.random(labels.size) < err) & (rng.random(labels.size) < err)
    return np.where(both_wrong, 1 - labels, labels).astype(np.int64)


def scenario_path(ds: LabelledSet, seed: int, preset: str, scenario: str, batches: int) -> Path:
    n = update_records(ds.labels, seed).size if scenario == "update" else ds.n
    tag = "-update30" if scenario == "update" else "-dual"
    return CACHE / f"{ds.name}-s{seed}-{scenario}-triage-{preset}-b{batch_size(n, batches)}{tag}-{order_hash(preset)}.npz"


def _cycle(ds: LabelledSet, preset: str, seed: int, every: int) -> ProbabilityRecorder:
    from dataset_embeddings import dataset_embeddings

    from triage.evaluation.simulate import real_cycle_factory
    from triage.ranking.presets import load_preset

    extra = {"embeddings": dataset_embeddings(ds)} if load_preset(preset).features.embeddings else {}
    return ProbabilityRecorder(real_cycle_factory(ds.records, preset=preset, criteria=None, random_state=seed, **extra),
                               every)


def screen_update(ds: LabelledSet, preset: str, seed: int, batches: int = CHECKPOINTS) -> Path:
    """The update round of ``ds`` screened to its end with the first round's decisions in
    force, the probabilities kept at checkpoints (every ``ceil(n_update / 200)`` decisions)."""
    path = scenario_path(ds, seed, preset, "update", batches)
    if path.exists():
        return path
    start = time.perf_counter()
    update = update_records(ds.labels, seed)
    first = np.setdiff1d(np.arange(ds.n), update)
    n_update = update.size
    cycle = _cycle(ds, preset, seed, max(1, math.ceil(n_update / CHECKPOINTS)))
    for i in first:
        cycle.inner.teach(int(i), int(ds.labels[i]))  # round one: in force, not counted as update decisions
    batch, tail = batch_size(n_update, batches), max(1, math.ceil(0.02 * n_update))
    total, found, order = int(ds.labels[update].sum()), 0, []
    while len(order) < n_update:
        picked = cycle.next(tail if found == total else min(batch, n_update - len(order)))
        if not picked:
            break
        for idx in (int(i) for i in picked):
            cycle.teach(idx, int(ds.labels[idx]))
            order.append(idx)
            found += int(ds.labels[idx])
    _save(path, order, cycle, time.perf_counter() - start, update=update)
    return path


def screen_dual(ds: LabelledSet, preset: str, seed: int, batches: int = CHECKPOINTS) -> Path:
    """The whole review screened with the decisions in force after dual screening."""
    from triage.evaluation.simulate import real_cycle_factory, simulate

    path = scenario_path(ds, seed, preset, "dual", batches)
    if path.exists():
        return path
    in_force = decisions_in_force(ds.labels, seed)
    recorders: list[ProbabilityRecorder] = []

    def factory(records: Any, **kwargs: Any) -> ProbabilityRecorder:
        recorders.append(ProbabilityRecorder(real_cycle_factory(records, **kwargs), max(1, math.ceil(ds.n / CHECKPOINTS))))
        return recorders[-1]

    from dataset_embeddings import dataset_embeddings

    from triage.ranking.presets import load_preset

    extra = {"embeddings": dataset_embeddings(ds)} if load_preset(preset).features.embeddings else None
    result = simulate(ds.records, in_force, dataset=ds.name, preset=preset, seed=seed, priors=(1, 1),
                      cycle_factory=factory, cycle_kwargs=extra, until_end=True, batch=batch_size(ds.n, batches))
    _save(path, list(result.order), recorders[0], result.seconds, n_priors=result.n_priors)
    return path


def _save(path: Path, order: list[int], recorder: ProbabilityRecorder, seconds: float, *,
          update: NDArray[np.int64] | None = None, n_priors: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    probabilities = np.stack([p for _, p in recorder.kept])
    extra = {} if update is None else {"update": update}
    np.savez_compressed(tmp, order=np.asarray(order, dtype=np.int32), n_priors=n_priors,
                        checkpoints=np.asarray([k for k, _ in recorder.kept], dtype=np.int32),
                        probabilities=probabilities, seconds=seconds, **extra)
    tmp.replace(path)


def load_scenario(ds: LabelledSet, preset: str, seed: int, scenario: str, batches: int = CHECKPOINTS) -> Run | None:
    """The cached scenario screening as a :class:`Run` the benchmark replays: for
    ``update`` the update round's records only (their own indices 0..n_update-1), for
    ``dual`` the whole review with the decisions in force as its labels."""
    path = scenario_path(ds, seed, preset, scenario, batches)
    if not path.exists():
        return None
    with np.load(path) as z:
        order, probabilities = z["order"].astype(np.int64), z["probabilities"]
        checkpoints, seconds, n_priors = z["checkpoints"].astype(np.int64), float(z["seconds"]), int(z["n_priors"])
        update = z["update"].astype(np.int64) if "update" in z else None
    tool = f"triage:{preset} {scenario}"
    if update is None:
        labels = decisions_in_force(ds.labels, seed)
        return Run(ds.name, seed, tool, labels, order, n_priors, checkpoints, probabilities, seconds)
    local = np.full(ds.n, -1, dtype=np.int64)
    local[update] = np.arange(update.size)
    return Run(ds.name, seed, tool, ds.labels[update], local[order], 0, checkpoints,
               np.ascontiguousarray(probabilities[:, update]), seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", default="tfidf")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--big-seeds", type=int, default=6, help=f"Seeds per review over {BIG} records.")
    parser.add_argument("--datasets", help="Comma-separated dataset names; default all shared reviews.")
    args = parser.parse_args(argv)
    paths = dataset_paths()
    if args.datasets:
        paths = [p for p in paths if p.stem in set(args.datasets.split(","))]
    sets = [load_labelled(p) for p in paths]
    screens = {"update": screen_update, "dual": screen_dual}
    for preset in args.presets.split(","):
        for scenario in args.scenarios.split(","):
            jobs = [(ds, s) for s in range(args.seeds) for ds in sets]
            jobs += [(ds, s) for s in range(args.seeds, args.big_seeds) for ds in sets if ds.n > BIG]
            for ds, seed in jobs:
                if scenario_path(ds, seed, preset, scenario, CHECKPOINTS).exists():
                    continue
                start = time.perf_counter()
                screens[scenario](ds, preset, seed)
                print(f"{preset} {scenario} {ds.name} seed {seed}: {time.perf_counter() - start:.0f} s "
                      f"({time.strftime('%H:%M:%S')})", flush=True)
    return 0


def scenario_runs(presets: list[str], scenarios: list[str], seeds: int, big_seeds: int) -> tuple[list[Run], list[str]]:
    """Every cached scenario screening, and the planned ones missing."""
    runs, missing = [], []
    for path in dataset_paths():
        ds = load_labelled(path)
        for preset in presets:
            for scenario in scenarios:
                for seed in seeds_for(ds, seeds, big_seeds):
                    run = load_scenario(ds, preset, seed, scenario)
                    if run is None:
                        missing.append(f"{preset} {scenario}:{ds.name}:{seed}")
                    else:
                        runs.append(run)
    return runs, missing


if __name__ == "__main__":
    raise SystemExit(main())
