"""SimPy's clock driven to the horizon: ``Environment.run(until=horizon)``, with its loop inlined.

About half of a replication is the loop that takes the next event off SimPy's queue and calls
its callbacks (``Environment.run`` calling ``Environment.step`` once per event). :func:`run_until`
does the same work in the same order — the stop event scheduled exactly as ``run`` schedules
it (URGENT, the environment's next id), events popped in the queue's order, the clock set from
each, callbacks called in turn, a failed event that is not defused raised as SimPy raises it —
without a method call, a ``try`` block and three attribute lookups per event, and leaves the
queue as ``run`` leaves it (the stop event back on it). The records are
the same to the bit (issue 23: SHA-256 of every record column of the packaged scenarios, compiled
and plain, before and after).
"""

from __future__ import annotations

from heapq import heappop

import simpy
from simpy.events import URGENT, EventPriority


def run_until(env: simpy.Environment, until: float) -> None:
    """``env.run(until=until)`` for a number ``until`` later than ``env.now``."""
    at = until if isinstance(until, int) else float(until)
    if at <= env.now:
        raise ValueError(f"until ({at}) must be greater than the current simulation time")
    stop = simpy.Event(env)
    stop._ok = True
    stop._value = None
    env.schedule(stop, URGENT, at - env.now)
    queue = env._queue
    while queue:
        now, _, _, event = heappop(queue)
        env._now = now
        if event is stop:
            # SimPy's stop callback raises StopSimulation, and step() puts the stop event back on
            # the queue (priority -1, the next id) with the callbacks after it: none.
            stop.callbacks = []
            env.schedule(stop, EventPriority(-1))
            return
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc
    raise RuntimeError(f'No scheduled events left but "until" event was not triggered: {stop}')
