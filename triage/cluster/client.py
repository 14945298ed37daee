"""Connecting to a Dask scheduler and running many calls on its workers, in order.

Only this module turns a missing Dask, an unreachable scheduler or a failing worker
into a :class:`~triage.errors.TriageError` the CLI prints as one line. (Parts of
``distributed`` carry no type hints: those calls are marked ``no-untyped-call``.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from triage.errors import TriageError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["INSTALL_HINT", "connect", "gather_in_order"]

INSTALL_HINT = 'install the cluster extra: pip install "triage-review[cluster]"'
#: Seconds to wait for the scheduler before giving up with a clear line.
CONNECT_TIMEOUT = 10.0

R = TypeVar("R")


def connect(address: str, *, timeout: float = CONNECT_TIMEOUT) -> Client:
    """A client of the Dask scheduler at ``address`` (``tcp://HOST:8786``).

    Start one with ``dask scheduler`` and ``dask worker tcp://HOST:8786`` on each machine
    (each with ``triage-review[cluster]`` installed), or hand over a ``LocalCluster``'s
    ``scheduler_address``. Close the client when done (it is a context manager).
    ``timeout``: seconds to wait for the scheduler to answer.
    """
    try:
        from distributed import Client
    except ImportError as exc:
        raise TriageError("--cluster needs Dask, which is not installed", hint=INSTALL_HINT) from exc
    # Knock first with Dask's own comm: a Client that fails to start leaves a half-made
    # object whose cleanup prints a traceback at exit; a failed knock leaves nothing.
    try:
        asyncio.run(_knock(address, timeout))
    except (OSError, ValueError) as exc:
        raise TriageError(
            f"cannot reach a Dask scheduler at {address} ({exc})",
            hint="start one with `dask scheduler` and workers with `dask worker ADDRESS`, or check the address",
        ) from exc
    client = Client(address, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
    if not client.nthreads():  # type: ignore[no-untyped-call]
        client.close()  # type: ignore[no-untyped-call]
        raise TriageError(f"the Dask scheduler at {address} has no workers",
                          hint="start workers with `dask worker ADDRESS`")
    return client


async def _knock(address: str, timeout: float) -> None:
    from distributed.comm.core import connect as open_comm

    comm = await open_comm(address, timeout=timeout)  # type: ignore[no-untyped-call]
    await comm.close()


def gather_in_order(
    client: Client,
    function: Callable[..., R],
    calls: Iterable[tuple[Any, ...]],
    *,
    window: int | None = None,
    on_result: Callable[[int, R], None] | None = None,
) -> list[R]:
    """``[function(*call) for call in calls]``, each call run on a worker of the cluster.

    The scheduler places the calls and moves their arguments and results. At most
    ``window`` calls are in flight (default: two per worker thread), so the arguments of
    a million-record run are built and shipped as workers free up rather than all held
    in this process at once; ``calls`` may be a generator for that reason.
    ``on_result(index, result)`` is told as each call finishes (for progress). A call
    that fails on a worker ends the run with one line naming the error.
    """
    from distributed import as_completed

    limit = window or 2 * max(1, sum(client.nthreads().values()))  # type: ignore[no-untyped-call]
    pending = iter(enumerate(calls))
    index: dict[object, int] = {}
    running = as_completed(loop=client.loop)  # type: ignore[no-untyped-call]

    def submit_next() -> None:
        for n, call in pending:
            future = client.submit(function, *call, pure=False)
            index[future] = n
            running.add(future)  # type: ignore[no-untyped-call]
            return

    for _ in range(limit):
        submit_next()
    results: dict[int, R] = {}
    for future in running:
        n = index.pop(future)
        try:
            results[n] = future.result()
        except Exception as exc:  # a worker re-raises whatever the call raised
            for other in list(running.futures):
                other.cancel()
            raise TriageError(
                f"a cluster worker failed: {type(exc).__name__}: {exc}",
                hint="every worker needs the same triage-review[cluster] install as this machine",
            ) from exc
        if on_result is not None:
            on_result(n, results[n])
        submit_next()
    return [results[n] for n in range(len(results))]
