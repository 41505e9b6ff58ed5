"""How far the replication running in this context has got, for a face's progress bar.

A face that wants to hear of a replication while it runs (the workbench: a year takes seconds) sets
a hook with :func:`reporting_progress`; :func:`sim.engine.run.run_once` then adds one process that
wakes at each simulated midnight and calls it with the share of the horizon done. The process only
waits and calls: it touches no truck, lane or random stream, so the records are the same to the
bit (events keep their order: each one's place in the queue is its time, priority and sequence,
and the added wake-ups only take sequence numbers of their own). Without a hook nothing is added.
A context variable: each thread, and each worker process, has its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sim.engine.calendar import MINUTES_PER_DAY

Hook = Callable[[float], object]
_HOOK: ContextVar[Hook | None] = ContextVar("bordersim_replication_progress", default=None)


@contextmanager
def reporting_progress(hook: Hook | None) -> Iterator[None]:
    """Within the block, replications call ``hook(share_done)`` at each simulated midnight."""
    token = _HOOK.set(hook)
    try:
        yield
    finally:
        _HOOK.reset(token)


def current_hook() -> Hook | None:
    return _HOOK.get()


def midnights(env, horizon_min: float, hook: Hook):
    """A SimPy process: ``hook(now / horizon)`` at every midnight before the horizon."""
    while env.now + MINUTES_PER_DAY < horizon_min:
        yield env.timeout(MINUTES_PER_DAY)
        hook(env.now / horizon_min)
