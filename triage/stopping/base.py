"""The interface every stopping rule shares: a screening history in, a decision out.

A rule is a small object (parameters in ``__init__``, like an sklearn estimator) with a
short ``name``, the ``needs`` it has beyond the labels, and two methods:

- ``decide(history, recall_target=..., confidence=...)`` -> :class:`StopDecision`: stop or
  continue, the recall it estimates or vouches for, and what it still costs;
- ``promise(recall_target, confidence)`` -> the reviewer's words for what stopping on it
  means ("with 95% confidence at least 95% of the relevant records are found").

The benchmark (``evaluation/bench_stopping.py``), ``triage status`` and the simulations
call rules through this interface only, so a rule measured is the rule shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from triage.errors import EvaluationError

__all__ = ["RecallKind", "ScreeningHistory", "StopDecision", "StoppingRule", "check_confidence", "check_target"]

#: What ``StopDecision.recall`` is: a bound that holds with the stated confidence, a
#: point estimate without one, or nothing (heuristics that estimate no recall).
RecallKind = Literal["lower bound", "estimate", "none"]


def check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise EvaluationError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")


def check_target(recall_target: float, confidence: float) -> None:
    if not 0 < recall_target < 1:
        raise EvaluationError(f"recall target must be between 0 and 1 (exclusive), got {recall_target}")
    check_confidence(confidence)


@dataclass(frozen=True)
class ScreeningHistory:
    """What a rule may look at: the screening so far.

    ``labels``: 1 include / 0 exclude of the screened records in screening order, shape
    ``(k,)``. ``n_total``: records in the review. ``unscreened_probabilities``: the
    classifier's inclusion probabilities of the ``n_total - k`` unscreened records (any
    order), for rules that use the model; ``screened_probabilities`` the same model's
    probabilities of the screened records, in screening order (``None`` when not given).
    ``shown_probabilities``: each screened record's probability when it was shown, before
    its label was known (in screening order), for rules that check the model's calibration.
    ``random_tail``: how many of the last labels were drawn uniformly at random from the
    records unscreened when the drawing began (the Callaghan & Müller-Hansen sample).
    ``target_sample``: for the target method, ``(includes in the random target sample,
    how many of them screening has reached, records in the sample)``.
    """

    labels: NDArray[np.int64]
    n_total: int
    unscreened_probabilities: NDArray[np.float64] | None = None
    screened_probabilities: NDArray[np.float64] | None = None
    shown_probabilities: NDArray[np.float64] | None = None
    random_tail: int = 0
    target_sample: tuple[int, int, int] | None = None

    @classmethod
    def of(
        cls,
        labels: ArrayLike,
        n_total: int,
        *,
        unscreened_probabilities: ArrayLike | None = None,
        screened_probabilities: ArrayLike | None = None,
        shown_probabilities: ArrayLike | None = None,
        random_tail: int = 0,
        target_sample: tuple[int, int, int] | None = None,
    ) -> ScreeningHistory:
        """Build a history from plain sequences (converted and checked)."""
        arr = np.asarray(labels, dtype=np.int64).reshape(-1)
        if arr.size > n_total:
            raise EvaluationError(f"{arr.size} labels but only {n_total} records")
        unseen = None if unscreened_probabilities is None else np.asarray(unscreened_probabilities, dtype=float)
        seen = None if screened_probabilities is None else np.asarray(screened_probabilities, dtype=float)
        shown = None if shown_probabilities is None else np.asarray(shown_probabilities, dtype=float)
        return cls(arr, int(n_total), unseen, seen, shown, int(random_tail), target_sample)

    @property
    def screened(self) -> int:
        return int(self.labels.size)

    @property
    def found(self) -> int:
        return int(self.labels.sum())

    @property
    def unscreened(self) -> int:
        return self.n_total - self.screened


@dataclass(frozen=True)
class StopDecision:
    """A rule's answer. ``recall``: what it estimates or vouches for (see ``recall_kind``);
    ``to_screen``: what it still costs before it can say stop, in records (``None`` when the
    rule cannot tell); ``detail``: one line for a reviewer; ``p_value``: a test's p-value for
    "recall below the target" where the rule ran one (``status --json`` gives it to scripts)."""

    stop: bool
    recall: float | None
    recall_kind: RecallKind
    to_screen: int | None
    detail: str
    p_value: float | None = None


class StoppingRule(Protocol):
    """What every rule in :mod:`triage.stopping` provides (see the module doc)."""

    name: ClassVar[str]
    #: "probabilities" (model), "random_sample" (a uniform sample at the end), "target_sample"
    needs: ClassVar[frozenset[str]]
    #: True when the promise is statistical (holds with the stated confidence by design).
    guaranteed: ClassVar[bool]

    def decide(self, history: ScreeningHistory, *, recall_target: float = 0.95, confidence: float = 0.95) -> StopDecision: ...

    def promise(self, recall_target: float = 0.95, confidence: float = 0.95) -> str: ...
