"""The project's screening queue built in a process of its own and taken over by the server.

Built in the server's process the queue held the interpreter for seconds (reading 50,000
records into objects, ranking them) while the requests' threads waited for it between their
database round trips: after a restart, with the kept order served meanwhile, that was the
slowest stretch of a team's key presses (``evaluation/reports/team_load.md``). Taking it over
is unpickling it in small pieces; a process that cannot start (or dies) leaves the build to
the caller's thread, as before.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from triage.screening.queue import ScreeningQueue, build_pickled_queue, unpickled_queue
from triage.store.db import Project

__all__ = ["build_queue_elsewhere"]


def build_queue_elsewhere(project: Project, stage: str,
                          build_here: Callable[[Project], ScreeningQueue]) -> ScreeningQueue:
    """``project``'s queue for ``stage`` built in another process (:func:`build_pickled_queue`),
    or by ``build_here`` in this thread when that process cannot start or dies."""
    context = multiprocessing.get_context("spawn")  # never fork a server's threads and connections
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            pickled = pool.submit(build_pickled_queue, str(project.directory), project.database, stage).result()
    except (BrokenProcessPool, OSError):
        return build_here(project)
    return unpickled_queue(pickled, project)
