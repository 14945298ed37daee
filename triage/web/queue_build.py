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
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait

from triage.screening.queue import ScreeningQueue, build_pickled_queue, unpickled_queue
from triage.store.db import Project

__all__ = ["build_queue_elsewhere", "builder_pool"]


def _exit_with_parent() -> None:
    """Runs first in each builder process: end it as soon as the server that started it is gone.

    A server killed (``kill -9``, as a team's restart test does) or stopped while its build ran
    left the builder behind, holding the project's records (3.6 GB at 1,000,000 records) while
    the restarted server started another. A spawned process holds its parent's sentinel
    (:func:`multiprocessing.parent_process`), ready when the parent ends: a daemon thread waits
    on it."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def builder_pool() -> ProcessPoolExecutor:
    """One spawned process (never fork a server's threads and connections) that ends with the
    server that started it."""
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_exit_with_parent)


def build_queue_elsewhere(project: Project, stage: str,
                          build_here: Callable[[Project], ScreeningQueue]) -> ScreeningQueue:
    """``project``'s queue for ``stage`` built in another process (:func:`build_pickled_queue`),
    or by ``build_here`` in this thread when that process cannot start or dies."""
    try:
        with builder_pool() as pool:
            pickled = pool.submit(build_pickled_queue, str(project.directory), project.database, stage).result()
    except (BrokenProcessPool, OSError):
        return build_here(project)
    return unpickled_queue(pickled, project)
