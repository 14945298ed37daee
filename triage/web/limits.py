"""Failed logins counted per user name and per client address, over a sliding window.

Limits: 5 failed logins per user name and 20 per client address in any 15 minutes;
beyond that a login is refused (HTTP 429, ``Retry-After``) until the oldest failure
leaves the window, without checking the password. Why these numbers: argon2id with
argon2-cffi's defaults (64 MiB, 3 passes) costs 0.4-0.7 s of CPU per check on a busy
2-core machine, so unchecked guessing would also tie up the server; with 5 tries per 15
minutes, guessing one account online gets 480 tries a day, far below what an 8-character password needs (NIST SP 800-63B 5.2.2
asks for at most 100 consecutive failures per account; OWASP's authentication cheat
sheet suggests a lockout of minutes after a handful). The per-address limit is higher
because a team often shares one office address or sits behind one proxy, and it stops
one machine from trying a few passwords on every name. A success clears the name's
count, not the address's. The cost: someone who knows a name can lock that person out
for 15 minutes; they can still log in from the other side of the window.

Written by hand: none of the project's libraries limits rates, and one server process
needs only a few counters in memory (slowapi/limits would add two dependencies for
this). Counts die with the server, which an attacker cannot arrange from outside.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["LoginLimiter"]


class LoginLimiter:
    """Remembers recent failed logins; says how long a name or address must wait.

    ``clock`` returns seconds (monotonic); tests pass their own to step time forward.
    """

    def __init__(
        self,
        per_user: int = 5,
        per_address: int = 20,
        window_s: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_user = per_user
        self.per_address = per_address
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # login requests run in FastAPI's thread pool

    @staticmethod
    def _keys(name: str, address: str) -> tuple[str, str]:
        return "user:" + " ".join(name.split()).casefold(), "address:" + address

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def retry_after(self, name: str, address: str) -> int | None:
        """Seconds until a login for ``name`` from ``address`` is checked again; None: now."""
        now = self.clock()
        user_key, address_key = self._keys(name, address)
        waits = []
        with self._lock:
            for key, limit in ((user_key, self.per_user), (address_key, self.per_address)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append(times[len(times) - limit] + self.window_s - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, name: str, address: str) -> None:
        """Count one failed login against the name and the address."""
        now = self.clock()
        with self._lock:
            for key in self._keys(name, address):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, name: str) -> None:
        """A right password: the name's earlier failures no longer count."""
        with self._lock:
            self._failures.pop(self._keys(name, "")[0], None)
