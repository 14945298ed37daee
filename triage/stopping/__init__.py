"""Stopping rules for prioritised screening: pure functions and small rule objects.

One rule per module, each citing its paper, all with the interface of
:mod:`triage.stopping.base` (a :class:`ScreeningHistory` in, a :class:`StopDecision` out,
and ``promise()``: what stopping on it means, in a reviewer's words). Nothing here prints
or touches a store.

==========================  ===================================================  ============
rule (``name``)             module / source                                      promise
==========================  ===================================================  ============
``cmh_random``              :mod:`.random_sampling`, Callaghan & Müller-Hansen     statistical
``cmh_ranked``              :mod:`.ranked_quasi`, the same paper                   statistical
``target_qbcb``             :mod:`.target`, Cormack & Grossman; Lewis et al.       statistical
``model_estimate``          :mod:`.model_estimate`                                 none
``quant_ci``                :mod:`.quant`, Yang, Lewis & Frieder 2021              none
``calibrated_model``        :mod:`.calibrated` (ours)                              none
``weighted_quasi``          :mod:`.weighted_quasi` (ours), after CMH 2020          if the model
``consecutive_irrelevant``  :mod:`.consecutive`                                    none
``knee``                    :mod:`.knee`, Cormack & Grossman 2016                  none
==========================  ===================================================  ============

The functions the rest of triage has always imported from ``triage.stopping`` are
re-exported here unchanged.
"""

from __future__ import annotations

from triage.stopping.base import RecallKind, ScreeningHistory, StopDecision, StoppingRule
from triage.stopping.calibrated import CalibratedModel
from triage.stopping.consecutive import ConsecutiveIrrelevant, consecutive_irrelevant, run_threshold
from triage.stopping.knee import Knee, knee_point, knee_stop
from triage.stopping.model_estimate import (
    MODEL_MIN_SCREENED,
    ModelEstimate,
    estimated_recall,
    model_min_decisions,
)
from triage.stopping.quant import QuantCI
from triage.stopping.random_sampling import (
    RandomSampling,
    hypergeometric_p,
    random_sample_size,
    sampling_p_values,
    target_missing,
)
from triage.stopping.ranked_quasi import RankedQuasiSampling, ranked_quasi_p
from triage.stopping.recall_bound import recall_lower_bound
from triage.stopping.target import TargetQBCB, qbcb_required, qbcb_sample_includes
from triage.stopping.weighted_quasi import WeightedQuasiSampling, weighted_quasi_p

__all__ = [
    "MODEL_MIN_SCREENED",
    "RULES",
    "CalibratedModel",
    "ConsecutiveIrrelevant",
    "Knee",
    "ModelEstimate",
    "QuantCI",
    "RandomSampling",
    "RankedQuasiSampling",
    "RecallKind",
    "ScreeningHistory",
    "StopDecision",
    "StoppingRule",
    "TargetQBCB",
    "WeightedQuasiSampling",
    "consecutive_irrelevant",
    "estimated_recall",
    "hypergeometric_p",
    "knee_point",
    "knee_stop",
    "model_min_decisions",
    "qbcb_required",
    "qbcb_sample_includes",
    "random_sample_size",
    "ranked_quasi_p",
    "recall_lower_bound",
    "run_threshold",
    "sampling_p_values",
    "target_missing",
    "weighted_quasi_p",
]

#: Every rule with its default parameters, by ``name`` (what the benchmark runs).
RULES: dict[str, StoppingRule] = {
    rule.name: rule
    for rule in (
        RandomSampling(),
        RankedQuasiSampling(),
        TargetQBCB(),
        ModelEstimate(),
        QuantCI(),
        CalibratedModel(),
        WeightedQuasiSampling(),
        ConsecutiveIrrelevant(),
        Knee(),
    )
}
