"""sim/engine/clock.py: ``run_until`` is ``Environment.run(until=...)`` with its loop inlined.

The same events in the same order, the same clock at the end, the same records to the bit on
packaged scenarios (SHA-256 of every record column, against SimPy's own ``run``)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import simpy

import sim.engine.model as model
from sim import load_scenario, run_once
from sim.engine.clock import run_until


def _trace(drive) -> list:
    env = simpy.Environment()
    seen = []

    def proc(name, delays):
        for d in delays:
            yield env.timeout(d)
            seen.append((env.now, name))

    for k in range(5):
        env.process(proc(k, [1.5, 0.0, 2.25, 0.5 * k, 3.0]))
    drive(env, 6.0)
    return [*seen, ("now", env.now), ("left", len(env._queue))]


def test_same_events_same_order_same_clock():
    assert _trace(run_until) == _trace(lambda env, until: env.run(until=until))


def test_an_until_not_after_now_is_refused():
    env = simpy.Environment(initial_time=3.0)
    with pytest.raises(ValueError, match="greater than the current simulation time"):
        run_until(env, 3.0)


def _records_sha(name: str) -> str:
    r = run_once(load_scenario(name), 0)
    h = hashlib.sha256()
    for table in (r.trucks, r.stages):
        for k in sorted(table):
            h.update(k.encode() + np.ascontiguousarray(table[k]).tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("name", ["baseline", "pre_tet_metered_staging", "smart_gate_full"])
def test_records_identical_to_simpys_run(name, monkeypatch):
    ours = _records_sha(name)
    monkeypatch.setattr(model, "run_until", lambda env, until: env.run(until=until))
    assert _records_sha(name) == ours
