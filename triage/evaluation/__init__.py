"""Evaluation harness: simulated screening, held-out decisions, plots and reports.

``labelled`` loads labelled datasets, ``simulate`` replays a reviewer who answers with
the labels through the real :class:`triage.ranking.cycle.ScreeningCycle`, ``heldout``
cross-validates a project's own decisions, ``plots`` and ``report`` present results.
Metrics and stopping rules themselves are in :mod:`triage.metrics` and
:mod:`triage.stopping`.
"""
