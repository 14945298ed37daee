"""Stopping advice for a project: the rules of :mod:`triage.stopping` side by side.

Shown by ``triage status`` (and the web dashboard) so a team sees a guarantee-backed
test next to the model's point estimate and the common heuristics, and can tell when
they disagree. Each rule says what stopping on it promises, in a reviewer's words
(``promise``), and what it still costs to get there (``to_screen`` records, ``cost`` in
words); ``rule`` names it as :mod:`triage.stopping` and the benchmark do. Decisions made in the random-audit preset (``model`` starting with
``random``) after prioritised screening count as the random sample of the
Callaghan & Müller-Hansen test.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from triage import stopping
from triage.store.db import Project
from triage.store.decisions import current_decisions, decision_models, decision_probabilities, screened_by_two
from triage.store.records import screening_record_ids

__all__ = ["NO_PROBABILITY_REASON", "RECOMMENDED", "WEIGHTED", "model_estimate_ready", "model_rule", "screening_labels", "shown_probabilities", "stopping_advice"]

#: The rule ``triage status`` recommends where the weighted test cannot run (decisions made
#: before they recorded the probability shown): the statistical test, the published rule that
#: kept its promise in every group of evaluation/reports/stopping.md (reached 95% recall in
#: 100% of 160 simulated screenings; it saves 16.8% of the work, 27.1% over 2,000 records).
RECOMMENDED = "statistical (Callaghan & Müller-Hansen)"
#: The rule recommended instead wherever it can run (every decision recorded the probability
#: it was shown with, and enough decisions): on the report half of the shared reviews it
#: reached 95% recall in 100% of 80 runs (Clopper-Pearson 95.5-100%) saving 23.8% of the
#: work, 48.7% over 2,000 records (evaluation/reports/stopping.md); it promises recall under
#: an assumption (the model does not underrate the rest), which its row says.
WEIGHTED = "weighted quasi-sampling (ours, after Callaghan & Müller-Hansen)"
#: Why the statistical rule stays recommended on a dual-screened review, where the weighted
#: test would run: simulated with two reviewers who each miss 10% of includes and include 3%
#: of irrelevant records, it reached 95% recall in only 90.0% of 40 runs over 2,000 records
#: and 87.5% of 40 with under 3% includes, the statistical test in at least 97.5% of every
#: group (evaluation/reports/stopping.md, dual screening).
DUAL_REASON = ("two reviewers screened some records: the weighted test missed its target too often under "
               "dual screening in the benchmark, the statistical test did not")
#: Why the weighted test is not run where the model could run it: a reviewer reading the
#: table otherwise cannot tell why the rule the README describes is missing.
NO_PROBABILITY_REASON = ("some decisions were recorded without the probability the ranking showed (decided by id "
                         "without 'triage next', imported, or made before decisions kept it); the weighted test "
                         "needs it for every decision")

def screening_labels(project: Project, stage: str = "title_abstract") -> tuple[np.ndarray, np.ndarray, int]:
    """Labels of decided records in the order they were decided, a mask of the ones
    decided under the random-audit preset, and the number of records to screen.
    ``maybe`` counts as an include here: for stopping, unsure is not irrelevant."""
    with project.reading() as session:
        active = screening_record_ids(session)
        decisions = [d for d in current_decisions(session, stage=stage).values() if d.record_id in active]
        models = decision_models(session, [d.decision_id for d in decisions])
    decisions.sort(key=lambda d: d.decision_id)
    labels = np.array([0 if d.decision == "exclude" else 1 for d in decisions], dtype=np.int64)
    random_mask = np.array([models.get(d.decision_id, "").startswith("random") for d in decisions], dtype=bool)
    return labels, random_mask, len(active)


def shown_probabilities(project: Project, stage: str = "title_abstract") -> np.ndarray | None:
    """The inclusion probability each decided record had when shown, in the order of
    :func:`screening_labels`; None if any decision lacks one (made before decisions
    recorded it, or without a ranking shown)."""
    with project.reading() as session:
        active = screening_record_ids(session)
        decisions = [d for d in current_decisions(session, stage=stage).values() if d.record_id in active]
        shown = decision_probabilities(session, [d.decision_id for d in decisions])
    decisions.sort(key=lambda d: d.decision_id)
    values = [shown.get(d.decision_id) for d in decisions]
    if any(v is None for v in values):
        return None
    return np.asarray(values, dtype=float)


def unscreened_probabilities(project: Project, stage: str) -> np.ndarray:
    """The model's inclusion probabilities of the records still to screen: from the order
    the project kept if it is current, else from a queue built now (which keeps its order)."""
    from triage.screening.kept_queue import kept_queue

    kept = kept_queue(project, stage=stage)
    if kept is not None:
        return np.asarray(kept.order.probabilities)
    from triage.screening.queue import ScreeningQueue

    return np.asarray(ScreeningQueue(project, stage=stage).keep_order().probabilities)


def model_estimate_ready(screened: int, n_total: int) -> bool:
    """True once enough records are screened for the model's recall estimate to mean something."""
    return screened >= stopping.model_min_decisions(n_total)


def model_rule(
    found: int, screened: int, n_total: int, unseen_probabilities: np.ndarray | None, recall_target: float = 0.95
) -> dict[str, Any]:
    """The "model estimate" row: the recall estimate from the inclusion probabilities of
    the unscreened records, or "not yet" before :func:`model_estimate_ready`."""
    if unseen_probabilities is None or not model_estimate_ready(screened, n_total):
        need = stopping.model_min_decisions(n_total)
        return {
            **_described(stopping.ModelEstimate(), None, "unknown until the model has seen enough decisions",
                       recall_target),
            "estimate": f"not yet: shown from {need} decisions ({stopping.MODEL_MIN_SCREENED:.0%} of the records)",
            "recall": None,
            "safe_to_stop": None,
            "advice": "a point estimate with no guarantee; too few decisions for the model to judge the rest",
        }
    estimate = stopping.estimated_recall(found, unseen_probabilities)
    return {
        **_described(stopping.ModelEstimate(), None, "unknown: screen on in ranked order until the estimate reaches the target",
                   recall_target),
        "estimate": f"recall ~ {estimate:.1%} (expected {float(np.sum(unseen_probabilities)):.1f} includes unscreened)",
        "recall": estimate,
        "safe_to_stop": None,
        "advice": "a point estimate with no guarantee; as good as the model's calibration",
    }


def _described(rule: stopping.StoppingRule, to_screen: int | None, cost: str, target: float = 0.95,
               confidence: float = 0.95) -> dict[str, Any]:
    """The keys every rule's entry shares: its name, promise and cost."""
    return {"rule": rule.name, "promise": rule.promise(target, confidence), "to_screen": to_screen, "cost": cost}


def stopping_advice(
    project: Project, *, stage: str = "title_abstract", with_model: bool = True, probabilities_left: np.ndarray | None = None,
) -> dict[str, Any]:
    """Each rule's estimate and advice, or ``{}`` before any decision.

    ``probabilities_left``: the model's inclusion probabilities of the records still to screen where
    the caller has them (the web app's own ranking), instead of reading the kept order or
    building a queue; the model's rules then run as in ``triage status``.
    """
    labels, random_mask, n_total = screening_labels(project, stage)
    if labels.size == 0:
        return {}
    target = float(str(project.get_setting("recall_target", 0.95) or 0.95))
    confidence = float(str(project.get_setting("stopping_confidence", 0.95) or 0.95))
    alpha = 1 - confidence
    found, screened = int(labels.sum()), int(labels.size)
    unscreened = n_total - screened
    rules: dict[str, dict[str, Any]] = {}

    # Callaghan & Müller-Hansen: a real random sample if the team drew one, else ranked quasi-sampling.
    tail = 0
    while tail < random_mask.size and random_mask[random_mask.size - 1 - tail]:
        tail += 1
    if tail:
        sample = labels[labels.size - tail:]
        p = stopping.hypergeometric_p(unscreened + tail, tail, int(sample.sum()), found - int(sample.sum()),
                                      recall_target=target)
        source = f"random sample of {tail}"
    else:
        p = stopping.ranked_quasi_p(labels, n_total, recall_target=target)
        source = "ranked quasi-sampling"
    more = stopping.random_sample_size(unscreened, found, recall_target=target, confidence=confidence)
    bound = stopping.recall_lower_bound(labels, n_total, confidence=confidence, random_tail=tail)
    statistical: stopping.StoppingRule = stopping.RandomSampling() if tail else stopping.RankedQuasiSampling()
    to_screen = 0 if p < alpha else more
    rules["statistical (Callaghan & Müller-Hansen)"] = {
        **_described(statistical, to_screen, "none: safe to stop" if p < alpha else f"screen {more} random unscreened "
                     "records (if none of them is relevant)", target, confidence),
        "estimate": (
            f"p = {p:.3g} for recall < {target:.0%} ({source}); "
            f"recall so far >= {bound:.1%} at {confidence:.0%} confidence"
        ),
        "p_value": p,
        "recall_lower_bound": bound,  # an exact value of the 0.001 grid (recall_lower_bound)
        "safe_to_stop": bool(p < alpha),
        "advice": (
            f"safe to stop: recall >= {target:.0%} at {confidence:.0%} confidence" if p < alpha
            else f"not yet; screen {more} random unscreened records (preset 'random') to test it"
        ),
    }
    recommended = RECOMMENDED
    recommended_reason: str | None = None
    with project.reading() as session:
        dual_screened = screened_by_two(session, stage=stage)
    if with_model and unscreened > 0 and 0 < found < screened:
        probabilities = None
        if model_estimate_ready(screened, n_total):
            probabilities = (probabilities_left if probabilities_left is not None
                             else unscreened_probabilities(project, stage))
        rules["model estimate"] = model_rule(found, screened, n_total, probabilities, target)
        shown = shown_probabilities(project, stage) if probabilities is not None else None
        if shown is not None and shown.size == labels.size:
            weighted = stopping.WeightedQuasiSampling()
            history = stopping.ScreeningHistory.of(labels, n_total, unscreened_probabilities=probabilities,
                                                   shown_probabilities=shown)
            verdict = weighted.decide(history, recall_target=target, confidence=confidence)
            rules[WEIGHTED] = {
                **_described(weighted, 0 if verdict.stop else None, "none: safe to stop" if verdict.stop else
                             "unknown: screen on in ranked order and ask again", target, confidence),
                "estimate": verdict.detail,
                "p_value": verdict.p_value,  # None before the test runs ("not yet: tested from N decisions")
                "safe_to_stop": verdict.stop,
                "advice": (f"stop: recall >= {target:.0%} at {confidence:.0%} confidence if the model does not "
                           "underrate the rest" if verdict.stop else "not yet; screen on in ranked order"),
            }
            if dual_screened:
                recommended_reason = DUAL_REASON
            else:
                recommended = WEIGHTED  # it runs here: every decision kept the probability it was shown with
        elif probabilities is not None:
            recommended_reason = NO_PROBABILITY_REASON
    run = stopping.consecutive_irrelevant(labels)
    threshold = stopping.run_threshold(n_total)
    left = max(0, min(threshold - run, unscreened))
    rules["consecutive irrelevant"] = {
        **_described(stopping.ConsecutiveIrrelevant(), left,
                     f"none: the run reached the threshold ({threshold})" if run >= threshold else
                     f"{left} more irrelevant records in a row" if left else "none: every record is screened",
                     target, confidence),
        "estimate": f"{run} irrelevant in a row (heuristic threshold {threshold})",
        "run": run,
        "safe_to_stop": run >= threshold,
        "advice": "heuristic only" + (": threshold reached" if run >= threshold else ""),
    }
    knee = stopping.knee_stop(labels)
    rules["knee method"] = {
        **_described(stopping.Knee(), 0 if knee else None, "none: stop" if knee else "unknown: until the gain curve "
                     "flattens", target, confidence),
        "estimate": f"knee at {stopping.knee_point(labels)} of {screened} screened",
        "safe_to_stop": knee,
        "advice": "heuristic (Cormack & Grossman 2016)" + (": stop" if knee else ": continue"),
    }
    # ``recommended`` is the rule's display name (its key in ``rules``); ``recommended_rule`` its
    # stable id (cmh_ranked, weighted_quasi ...), which scripts can rely on across wordings.
    return {"screened": screened, "found": found, "records": n_total, "recall_target": target,
            "confidence": confidence, "rules": rules, "recommended": recommended,
            "recommended_rule": rules[recommended]["rule"],
            **({"recommended_reason": recommended_reason} if recommended_reason else {})}
