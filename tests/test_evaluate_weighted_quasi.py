"""``triage evaluate screening`` asks model-weighted quasi-sampling (what ``triage status``
recommends) during the simulation, at the stopping benchmark's checkpoints: the stop it
reports is the one the benchmark's replay of the same screening finds (one way to judge it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from triage import stopping
from triage.evaluation.checkpoints import checkpoint_every, decide_at_checkpoint, shown_probabilities
from triage.evaluation.labelled import load_labelled
from triage.evaluation.simulate import real_cycle_factory, simulate


class _Recorder:
    """The real cycle, passed through, keeping its probabilities as the benchmark does
    (evaluation/stopping_orders.py): after ``next``, every ``every`` decisions taught."""

    def __init__(self, inner: Any, every: int) -> None:
        self.inner, self.every, self.taught, self.mark = inner, every, 0, 0
        self.kept: list[tuple[int, np.ndarray]] = []
        self.model_name = inner.model_name

    def teach(self, index: int, label: int) -> None:
        self.inner.teach(index, label)
        self.taught += 1

    def next(self, k: int = 1) -> list[int]:
        picked: list[int] = self.inner.next(k)
        if self.taught >= self.mark and self.taught > 0:
            self.kept.append((self.taught, np.asarray(self.inner.inclusion_probabilities(), dtype=np.float32)))
            self.mark = self.taught + self.every
        return picked

    def scores(self) -> Any:
        return self.inner.scores()

    def inclusion_probabilities(self) -> Any:
        return self.inner.inclusion_probabilities()


def test_the_simulation_stops_where_the_benchmarks_replay_stops(shared_data: Path) -> None:
    data = load_labelled(shared_data / "screening" / "Cohen_2006_Antihistamines.csv")
    made: list[_Recorder] = []

    def factory(records: Any, **kwargs: Any) -> _Recorder:
        made.append(_Recorder(real_cycle_factory(records, **kwargs), checkpoint_every(data.n)))
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
