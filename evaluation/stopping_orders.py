"""Screening orders for the stopping benchmark, with the model's probabilities along the way.

One command (from the repository root; hours on a 2-core machine, resumable)::

    nice .venv/bin/python evaluation/stopping_orders.py --presets tfidf,default

Every stopping rule is judged on the *same* simulated screenings. A rule that reads only
the labels needs only the order; a model-based rule also needs the classifier's inclusion
probabilities of the records not yet screened, at the moment it is asked. So each run
screens every record (``simulate(..., until_end=True)``: the real ``ScreeningCycle``, one
retrain per decision until the last include, then batches of 2% of the records) and, at
checkpoints every ``ceil(n / 200)`` decisions, keeps the probabilities the cycle gives at
that point. Rules are then replayed at the checkpoints (a stop up to 0.5% of the records
later than one asked after every decision; never earlier).

To fit a 2-core machine shared with other work, the cycle retrains after every
``ceil(n / 200)`` decisions (``--batches 200``, one retrain per checkpoint) instead of after
each one (``--batches 0``, what a reviewer gets): ten times fewer retrains on a review of
2,000 records, for a slightly worse order (measured against per-decision runs in
``reports/stopping.md``).

Runs: seeds 0..4 on every shared review, 0..9 on the reviews over 2,000 records (too few
runs there otherwise for a group of 40), priors one include and one exclude drawn by
``draw_priors`` as in ``compare_asreview.py`` (the same prior indices for the same seed).
Cached one file per run in ``evaluation/.cache/stopping/`` (``.npz``: ``order``,
``n_priors``, ``checkpoints``, ``probabilities`` (checkpoints x n, float32), ``seconds``),
keyed by a hash of the ranking code and the preset: the orders do not depend on the
stopping code, so changing a rule never reruns a screening.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "evaluation"))

from triage.evaluation.checkpoints import CHECKPOINTS, checkpoint_every
from triage.evaluation.labelled import LabelledSet, load_labelled

DATA = REPO.parent / "shared" / "data" / "screening"
CACHE = REPO / "evaluation" / ".cache" / "stopping"
#: Where ``compare_asreview.py`` keeps ASReview's screening orders.
COMPARE_CACHE = REPO / "evaluation" / ".cache" / "compare"
#: Reviews over this many records get ``big_seeds`` seeds instead of ``seeds``.
BIG = 2000


@dataclass
class Run:
    """One cached screening: ``order`` (every record, priors first), the probabilities the
    cycle gave after ``checkpoints[j]`` decisions (row ``j``, shape (n,)); the labels are
    the dataset's."""

    dataset: str
    seed: int
    tool: str
    labels: NDArray[np.int64]
    order: NDArray[np.int64]
    n_priors: int
    checkpoints: NDArray[np.int64]
    probabilities: NDArray[np.float32]
    seconds: float

    @property
    def n(self) -> int:
        return int(self.labels.size)


class ProbabilityRecorder:
    """The real cycle, passed through, keeping its inclusion probabilities at checkpoints.

    They are taken when the simulation asks for the next record, i.e. after the cycle
    retrained on every decision so far (the same probabilities ``triage status`` would
    read at that moment).
    """

    def __init__(self, inner: Any, every: int) -> None:
        self.inner = inner
        self.every = every
        self.taught = 0
        self.next_mark = 0
        self.kept: list[tuple[int, NDArray[np.float32]]] = []

    @property
    def model_name(self) -> str:
        return str(self.inner.model_name)

    def teach(self, index: int, label: int) -> None:
        self.inner.teach(index, label)
        self.taught += 1

    def next(self, k: int = 1) -> list[int]:
        picked: list[int] = self.inner.next(k)
        if self.taught >= self.next_mark and self.taught > 0:
            self.kept.append((self.taught, np.asarray(self.inner.inclusion_probabilities(), dtype=np.float32)))
            self.next_mark = self.taught + self.every
        return picked

    def scores(self) -> Any:
        return self.inner.scores()

    def inclusion_probabilities(self) -> Any:
        return self.inner.inclusion_probabilities()


def order_hash(preset: str) -> str:
    """Hash of what a screening order depends on: the ranking code and the preset."""
    digest = hashlib.sha256()
    for path in [*sorted((REPO / "triage" / "ranking").glob("*.py")), REPO / "models" / f"{preset}.toml"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def batch_size(n: int, batches: int) -> int:
    """Records per retrain: 1 when ``batches`` is 0 (a retrain after every decision, as
    reviewers get), else about ``n / batches``."""
    return 1 if batches <= 0 else max(1, math.ceil(n / batches))


def cache_path(dataset: str, seed: int, preset: str, batch: int = 1) -> Path:
    tag = "" if batch == 1 else f"-b{batch}"
    return CACHE / f"{dataset}-s{seed}-p1_1-triage-{preset}{tag}-{order_hash(preset)}.npz"


def screen(ds: LabelledSet, preset: str, seed: int, batches: int = CHECKPOINTS) -> Path:
    """Simulate one screening to the end and cache it; returns the cache file."""
    from dataset_embeddings import dataset_embeddings

    from triage.evaluation.simulate import real_cycle_factory, simulate
    from triage.ranking.presets import load_preset

    batch = batch_size(ds.n, batches)
    path = cache_path(ds.name, seed, preset, batch)
    if path.exists():
        return path
    every = checkpoint_every(ds.n)
    recorders: list[ProbabilityRecorder] = []

    def factory(records: Any, **kwargs: Any) -> ProbabilityRecorder:
        recorder = ProbabilityRecorder(real_cycle_factory(records, **kwargs), every)
        recorders.append(recorder)
        return recorder

    extra = {"embeddings": dataset_embeddings(ds)} if load_preset(preset).features.embeddings else None
    result = simulate(ds.records, ds.labels, dataset=ds.name, preset=preset, seed=seed, priors=(1, 1),
                      cycle_factory=factory, cycle_kwargs=extra, until_end=True, batch=batch)
    kept = recorders[0].kept
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, order=np.asarray(result.order, dtype=np.int32), n_priors=result.n_priors,
                        checkpoints=np.asarray([k for k, _ in kept], dtype=np.int32),
                        probabilities=np.stack([p for _, p in kept]), seconds=result.seconds,
                        model=result.model_name)
    tmp.replace(path)  # a run interrupted mid-write leaves no half file behind
    return path


def load_run(ds: LabelledSet, preset: str, seed: int, batches: int = CHECKPOINTS) -> Run | None:
    """The cached run, or None if it was not simulated (yet)."""
    path = cache_path(ds.name, seed, preset, batch_size(ds.n, batches))
    if not path.exists():
        return None
    with np.load(path) as z:
        return Run(dataset=ds.name, seed=seed, tool=f"triage:{preset}", labels=ds.labels,
                   order=z["order"].astype(np.int64), n_priors=int(z["n_priors"]),
                   checkpoints=z["checkpoints"].astype(np.int64), probabilities=z["probabilities"],
                   seconds=float(z["seconds"]))


def load_asreview_run(ds: LabelledSet, seed: int) -> Run | None:
    """ASReview LAB's screening of ``ds`` (ELAS u4, the same priors as triage's for the
    seed), as ``compare_asreview.py`` cached its order, or None if it was not run. ASReview
    gives no probabilities, so only the rules that read labels alone replay on it (at the
    same checkpoints, every ``ceil(n / 200)`` records); its order stops at the last include
    and the rest follows in file order, as ASReview pads it."""
    path = COMPARE_CACHE / f"{ds.name}-s{seed}-p1_1-asreview-order.json"
    if not path.exists():
        return None
    cached = json.loads(path.read_text())
    order = [int(i) for i in cached["order"]]
    n = int(ds.labels.size)
    seen = set(order)
    order += [i for i in range(n) if i not in seen]
    every = checkpoint_every(n)
    return Run(dataset=ds.name, seed=seed, tool="asreview:elas_u4", labels=ds.labels,
               order=np.asarray(order, dtype=np.int64), n_priors=int(cached["n_priors"]),
               checkpoints=np.arange(every, n + 1, every, dtype=np.int64),
               probabilities=np.zeros((0, n), dtype=np.float32), seconds=float(cached["seconds"]))


def dataset_paths() -> list[Path]:
    return sorted(p for p in DATA.glob("*.csv") if p.name != "INDEX.csv")


def seeds_for(ds: LabelledSet, seeds: int, big_seeds: int) -> range:
    return range(big_seeds if ds.n > BIG else seeds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", default="tfidf,default", help="Comma-separated presets, run in this order.")
    parser.add_argument("--seeds", type=int, default=5, help="Seeds per review (default 5).")
    parser.add_argument("--big-seeds", type=int, default=10, help=f"Seeds per review over {BIG} records (default 10).")
    parser.add_argument("--datasets", help="Comma-separated dataset names; default all shared reviews.")
    parser.add_argument("--by-review", action="store_true",
                        help="Smallest review first, all its seeds before the next (default: every review's "
                             "first seeds first). For the default preset, whose first screening of a review "
                             "embeds it: an interrupted job leaves whole reviews, the small ones first.")
    parser.add_argument("--batches", type=int, default=CHECKPOINTS,
                        help=f"Retrain after every n/BATCHES records (default {CHECKPOINTS}); 0: after every decision.")
    args = parser.parse_args(argv)
    paths = dataset_paths()
    if args.datasets:
        wanted = set(args.datasets.split(","))
        paths = [p for p in paths if p.stem in wanted]
    sets = [load_labelled(p) for p in paths]
    for preset in args.presets.split(","):
        # every review's first seeds before the big reviews' extra seeds: an interrupted
        # job leaves the widest coverage
        jobs = [(ds, s) for s in range(args.seeds) for ds in sets]
        jobs += [(ds, s) for s in range(args.seeds, args.big_seeds) for ds in sets if ds.n > BIG]
        if args.by_review:
            jobs = [(ds, s) for ds in sorted(sets, key=lambda d: d.n) for s in seeds_for(ds, args.seeds, args.big_seeds)]
        for ds, seed in jobs:
            start = time.perf_counter()
            existed = cache_path(ds.name, seed, preset, batch_size(ds.n, args.batches)).exists()
            screen(ds, preset, seed, args.batches)
            if not existed:
                print(f"{preset} {ds.name} seed {seed}: {time.perf_counter() - start:.0f} s "
                      f"({time.strftime('%H:%M:%S')})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
