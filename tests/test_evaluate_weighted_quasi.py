"""``triage evaluate screening`` asks model-weighted quasi-sampling (what ``triage status``
recommends) during the simulation, at the stopping benchmark's checkpoints: the stop it
reports is the one the benchmark's replay of the same screening finds (one way to judge it)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _evaluation_support import load_evaluation_script

from triage import stopping
from triage.evaluation.checkpoints import checkpoint_every, decide_at_checkpoint, shown_probabilities
from triage.evaluation.labelled import load_labelled
from triage.evaluation.simulate import real_cycle_factory, simulate


def test_the_simulation_stops_where_the_benchmarks_replay_stops(repo_root: Path, shared_data: Path) -> None:
    recorder = load_evaluation_script(repo_root, "stopping_orders").ProbabilityRecorder  # the benchmark's own
    data = load_labelled(shared_data / "screening" / "Cohen_2006_Antihistamines.csv")
    made: list[Any] = []

    def factory(records: Any, **kwargs: Any) -> Any:
        made.append(recorder(real_cycle_factory(records, **kwargs), checkpoint_every(data.n)))
        return made[0]

    result = simulate(data.records, data.labels, dataset=data.name, preset="tfidf", seed=0, cycle_factory=factory,
                      until_end=True)
    order = np.asarray(result.order, dtype=np.int64)
    checkpoints = np.asarray([k for k, _ in made[0].kept])
    probabilities = np.stack([p for _, p in made[0].kept])
    shown = shown_probabilities(order, checkpoints, probabilities)
    replayed = next((int(k) for j, k in enumerate(checkpoints)
                     if decide_at_checkpoint(stopping.RULES["weighted_quasi"], data.labels, order, int(k),
                                             probabilities[j], shown, recall_target=0.95, confidence=0.95)), data.n)
    reported = result.stopping["weighted_quasi"]
    assert reported.stopped_at == replayed < data.n  # it fired, where the replay fires
    assert reported.recall == round(int(data.labels[order[:replayed]].sum()) / data.relevant, 6)
    assert "not a guarantee" in reported.promise
