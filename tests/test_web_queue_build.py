"""The process that builds a server's queue ends with the server (``triage.web.queue_build``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from triage.screening.queue import ScreeningQueue
from triage.store.db import Project

#: A stand-in server: starts a builder process, prints its pid, and waits in a long task.
SERVER = """
import os, sys, time
from triage.web.queue_build import builder_pool

with builder_pool() as pool:
    print(pool.submit(os.getpid).result(), flush=True)
    pool.submit(time.sleep, 120)
    time.sleep(120)
"""


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        state = next(line for line in status.read_text().splitlines() if line.startswith("State:"))
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "Z" not in state.split()[1]  # a zombie has ended; only its parent's wait is left


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")
def test_the_builder_process_ends_when_its_server_is_killed() -> None:
    with subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True) as server:
        try:
            assert server.stdout is not None
            builder = int(server.stdout.readline())
            assert builder != server.pid and _alive(builder)
            os.kill(server.pid, signal.SIGKILL)  # as a crash or `kill -9` does: no clean-up runs
            server.wait(timeout=10)
            deadline = time.monotonic() + 10
            while _alive(builder) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not _alive(builder), "the builder outlived its server"
        finally:
            if server.poll() is None:
                server.kill()


def test_a_cancelled_build_ends_its_process_at_once() -> None:
    """A server stopping cleanly closes the pipe it gave its builder: the builder exits now
    instead of the server waiting at exit for a build nobody will serve."""
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    from triage.web.queue_build import builder_pool

    reader, writer = multiprocessing.get_context("spawn").Pipe(duplex=False)
    with builder_pool(reader) as pool:
        builder = pool.submit(os.getpid).result()
        long_build = pool.submit(time.sleep, 120)
        started = time.monotonic()
        writer.close()
        with pytest.raises(BrokenProcessPool):
            long_build.result(timeout=60)
    assert time.monotonic() - started < 60
    assert not _alive(builder)


def test_a_builder_cancelled_before_it_starts_builds_nothing(project: Project) -> None:
    from triage.web.queue_build import QueueBuilder

    builder = QueueBuilder()
    builder.cancel()

    def build_here(_: Project) -> ScreeningQueue:
        raise AssertionError("a cancelled build fell back to building in the server")

    assert builder.build(project, "title_abstract", build_here) is None
