"""The process that builds a server's queue ends with the server (``triage.web.queue_build``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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
