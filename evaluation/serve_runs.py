"""What the web benchmarks share: a ``triage serve`` process on a free port of this machine,
HTTP clients that log in (a team project) or name their reviewer (one person's), and the
key press timed as the screening page makes it (bench_scale, bench_team_load, bench_web).

A key press on the screening page is one ``POST /screen/decide`` with ``Accept:
application/json``; its answer carries the next card. :func:`time_decisions` makes those
requests one after another and times each from sending to the next card's JSON received.
"""

from __future__ import annotations

import re
import socket
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cli_runs import TRIAGE

__all__ = ["CardError", "Decisions", "choose_reviewer", "free_port", "login", "percentiles", "server_memory_mb",
           "start_server", "time_decisions", "wait_until_idle"]

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
REQUEST = re.compile(r'name="request_id" value="([^"]+)"')
JSON = {"Accept": "application/json"}


class CardError(RuntimeError):
    """The server answered a key press without a next card (or with an error)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(project: Path, port: int, env: dict[str, str], log: Path,
                 wait_s: float = 300) -> subprocess.Popen[bytes]:
    """``triage serve`` on ``port`` (stdout and stderr appended to ``log``), once it answers."""
    with log.open("ab") as out:  # the server writes to its own copy of the file
        server = subprocess.Popen([TRIAGE, "serve", "-p", str(project), "--port", str(port)], stdout=out,
                                  stderr=out, env=env)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server ended with {server.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit(f"the server did not answer in {wait_s:g} s: {log.read_text()[-2000:]}")


def login(client: httpx.Client, name: str, password: str) -> str:
    """Log ``name`` in (a team project); returns the CSRF token its requests send."""
    page = client.get("/login")
    token = _TOKEN.search(page.text)
    assert token, "no CSRF token on the login page"
    answer = client.post("/login", data={"name": name, "password": password},
                         headers={"X-CSRF-Token": token.group(1), **JSON})
    answer.raise_for_status()
    return str(answer.json()["csrf_token"])


def choose_reviewer(client: httpx.Client, name: str) -> str:
    """Name the reviewer on a one-person project (the form at ``/reviewer``, kept in a
    cookie); returns the CSRF token its requests send."""
    page = client.get("/reviewer")
    page.raise_for_status()
    token = _TOKEN.search(page.text)
    assert token, "no CSRF token on the reviewer page"
    answer = client.post("/reviewer", data={"name": name, "next": "/screen", "csrf_token": token.group(1)},
                         follow_redirects=False)
    if answer.status_code != 303:
        raise CardError(f"choosing the reviewer answered {answer.status_code}: {answer.text[:300]}")
    return token.group(1)


def server_memory_mb(pid: int) -> tuple[float, float]:
    """The server process's resident memory now and its peak (``VmRSS``, ``VmHWM``), MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def wait_until_idle(pid: int, *, quiet_s: float = 3.0, busy_share: float = 0.05, limit_s: float = 1800) -> float:
    """Wait until process ``pid`` used under ``busy_share`` of a core for ``quiet_s`` seconds
    (a server's background work, e.g. building its ranking, is done); returns the seconds waited."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        before = _cpu_ticks(pid)
        time.sleep(quiet_s)
        if (_cpu_ticks(pid) - before) / ticks < busy_share * quiet_s:
            break
    return time.monotonic() - started


@dataclass
class Decisions:
    """Timed key presses: seconds from sending each decision to its next card received."""

    latencies: list[float] = field(default_factory=list)
    last_card: dict[str, object] | None = None


def time_decisions(client: httpx.Client, csrf: str, card: dict[str, object], count: int, *,
                   think: float = 0.0, include_every: int = 8) -> Decisions:
    """Decide ``count`` cards one after another, starting from ``card`` (the JSON of
    ``/screen/card``): every ``include_every``-th an include, the others excludes, each
    after ``think`` seconds of reading."""
    timed = Decisions()
    for n in range(count):
        record, html = card.get("record_id"), str(card.get("html", ""))
        found = REQUEST.search(html)
        if record is None or found is None:
            raise CardError(f"no card to decide after {n} decisions: {str(card)[:300]}")
        if think:
            time.sleep(think)
        started = time.perf_counter()
        answer = client.post("/screen/decide", data={
            "record_id": str(record), "decision": "include" if n % include_every == 0 else "exclude",
            "request_id": found.group(1),
        }, headers={"X-CSRF-Token": csrf, **JSON})
        elapsed = time.perf_counter() - started
        if answer.status_code != 200 or not answer.headers.get("X-Decision-Id"):
            raise CardError(f"decision {n} answered {answer.status_code}: {answer.text[:300]}")
        timed.latencies.append(elapsed)
        card = answer.json()
    timed.last_card = card
    return timed


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds (NaN without any)."""
    ordered = sorted(latencies)
    if not ordered:
        return float("nan"), float("nan")
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000
