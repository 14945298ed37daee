"""The project's screening queue built in a process of its own and taken over by the server.

Built in the server's process the queue held the interpreter for seconds (reading 50,000
records into objects, ranking them) while the requests' threads waited for it between their
database round trips: after a restart, with the kept order served meanwhile, that was the
slowest stretch of a team's key presses (``evaluation/reports/team_load.md``). Taking it over
is unpickling it in small pieces; a process that cannot start (or dies) leaves the build to
the caller's thread, as before.

A builder ends with its server: at once when the server is killed (it watches its parent),
and when the server stops cleanly (:meth:`QueueBuilder.cancel`) instead of the server waiting
at exit for a build of minutes (at 1,000,000 records) whose queue nobody will serve.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection, wait

from triage.screening.queue import ScreeningQueue, build_pickled_queue, unpickled_queue
from triage.store.db import Project

__all__ = ["QueueBuilder", "builder_pool"]


def _exit_with_parent(cancelled: Connection | None = None) -> None:
    """Runs first in each builder process: end it as soon as the server that started it is
    gone, or as soon as ``cancelled`` (the reading end of a pipe whose writing end the server
    holds) is closed or written to.

    A server killed (``kill -9``, as a team's restart test does) left the builder behind,
    holding the project's records (3.6 GB at 1,000,000 records) while the restarted server
    started another. A spawned process holds its parent's sentinel
    (:func:`multiprocessing.parent_process`), ready when the parent ends: a daemon thread waits
    on it and on the pipe."""
    parent = multiprocessing.parent_process()
    watched: list[Connection | int] = [] if parent is None else [parent.sentinel]
    if cancelled is not None:
        watched.append(cancelled)
    if not watched:
        return

    def watch() -> None:
        wait(watched)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-server", daemon=True).start()


def builder_pool(cancelled: Connection | None = None) -> ProcessPoolExecutor:
    """One spawned process (never fork a server's threads and connections) that ends with the
    server that started it, or when ``cancelled`` fires (see :func:`_exit_with_parent`)."""
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_exit_with_parent,
                               initargs=(cancelled,))


class QueueBuilder:
    """Builds a project's queue in another process; :meth:`cancel` ends a running build at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._cancel_ends: list[Connection] = []  # the writing ends of the running builds' pipes

    def build(self, project: Project, stage: str,
              build_here: Callable[[Project], ScreeningQueue]) -> ScreeningQueue | None:
        """``project``'s queue for ``stage`` built in another process (:func:`build_pickled_queue`),
        or by ``build_here`` in this thread when that process cannot start or dies; ``None`` when
        the build was cancelled."""
        reader, writer = multiprocessing.get_context("spawn").Pipe(duplex=False)
        with self._lock:
            if self._cancelled:
                reader.close()
                writer.close()
                return None
            self._cancel_ends.append(writer)
        try:
            with builder_pool(reader) as pool:
                pickled = pool.submit(build_pickled_queue, str(project.directory), project.database,
                                      stage).result()
        except (BrokenProcessPool, OSError):
            if self.cancelled:
                return None
            return build_here(project)
        finally:
            reader.close()
            with self._lock:
                if writer in self._cancel_ends:
                    self._cancel_ends.remove(writer)
                    writer.close()
        return unpickled_queue(pickled, project)

    @property
    def cancelled(self) -> bool:
        with self._lock:
            return self._cancelled

    def cancel(self) -> None:
        """End every running build's process now (the server is stopping); later builds don't start."""
        with self._lock:
            self._cancelled = True
            ends, self._cancel_ends = self._cancel_ends, []
        for end in ends:
            end.close()  # the builder's watcher sees the pipe's end of file and exits
