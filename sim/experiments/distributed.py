"""Replications on a Dask distributed cluster: ``bordersim run ... --scheduler tcp://HOST:8786``.

An optional extra (``pip install 'bordersim[distributed]'``). Each replication
is one task; results come back to this process, which writes them, so the
workers need the package installed but no shared disk. A replication's random
streams depend only on ``(rng_seed, replication)``, so the results are
bit-identical to a serial run.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from sim.experiments.interrupts import Token, deferred_stop
from sim.scenario.schema import Scenario

T = TypeVar("T")
CONNECT_TIMEOUT_S = 30
POLL_S = 0.05  # how often a stop request (Ctrl-C, kill) is looked at while waiting


def _in_worker(work: Callable[..., T], *args: Any) -> T:
    """A task on a Dask worker: the worker keeps freed memory for its next replication, as the
    process pool's workers do (sim/experiments/memory.py; once per process, then a no-op)."""
    from sim.experiments.memory import keep_freed_memory

    keep_freed_memory()
    return work(*args)


class SchedulerError(Exception):
    """The cluster cannot be used; the message is one line."""


def dask_map(
    work: Callable[..., T],
    scenario: Scenario,
    replications: list[int],
    address: str,
    extra: tuple[Any, ...] = (),
    cancel: Token | None = None,
) -> Iterator[tuple[int, T]]:
    """``work(scenario, r, *extra)`` for each ``r`` on the cluster at ``address``, yielded as they finish;
    ``cancel``, a token, stops them as Ctrl-C does."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise SchedulerError(
            f"--scheduler {address}: Dask is not installed; install the extra: "
            "pip install 'bordersim[distributed]'"
        ) from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise SchedulerError(f"--scheduler {address}: cannot connect to a Dask scheduler ({err})") from None
    futures = {}
    with deferred_stop(cancel) as stop:
        try:
            shared = client.scatter(scenario, broadcast=True)
            run = uuid.uuid4().hex  # task keys unique on a cluster shared with other clients
            todo = list(reversed(replications))
            # A bounded window: twice the cluster's threads in flight, not every replication at once.
            window = max(2, 2 * sum(client.nthreads().values()))

            def submit() -> Any:
                r = todo.pop()
                key = f"bordersim-{run}-r{r}"
                future = client.submit(_in_worker, work, shared, r, *extra, pure=False, key=key)
                futures[future] = r
                return future

            done = as_completed([submit() for _ in range(min(window, len(todo)))], loop=client.loop)
            while not done.is_empty():
                stop.check()
                finished = done.next_batch(block=False)
                if not finished:
                    time.sleep(POLL_S)
                    continue
                for future in sorted(finished, key=futures.__getitem__):
                    r = futures.pop(future)
                    result = future.result()
                    future.release()
                    if todo:
                        done.add(submit())
                    yield r, result
            stop.check()
        finally:
            for future in futures:
                future.cancel()
            client.close()
