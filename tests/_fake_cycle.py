"""A stand-in for ScreeningCycle used only to test the simulation loop's logic.

It ranks by a fixed score per record (given), so tests know the exact screening
order; the real CLI and the evaluation scripts always use the real ScreeningCycle.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class FixedOrderCycle:
    model_name = "fixed-order"

    def __init__(self, records: Any, scores: Any, **_: Any) -> None:
        self._scores = np.asarray(scores, dtype=float)
        self.labelled: dict[int, int] = {}
        self.calls: list[tuple[str, int]] = []

    def teach(self, index: int, label: int) -> None:
        self.labelled[index] = label
        self.calls.append(("teach", index))

    def forget(self, index: int) -> None:
        self.labelled.pop(index, None)

    def next(self, k: int = 1) -> list[int]:
        self.calls.append(("next", k))
        free = [i for i in np.argsort(-self._scores, kind="stable") if int(i) not in self.labelled]
        return [int(i) for i in free[:k]]

    def scores(self) -> np.ndarray:
        return self._scores.copy()

    def inclusion_probabilities(self) -> np.ndarray:
        return self.scores()


def fixed_factory(scores: Any) -> Any:
    def factory(records: Any, **kwargs: Any) -> FixedOrderCycle:
        return FixedOrderCycle(records, scores, **kwargs)

    return factory
