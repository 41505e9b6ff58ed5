"""Flat memory across replications (issue 13): a finished run leaves no reference cycles.

Replications run back to back in one process; if a run's state were held by cycles it
would wait for a full garbage collection, and memory would grow with each replication.
These tests count objects freed by reference counting alone (the collector disabled),
never memory sizes or timings.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from sim.engine.model import Model
from sim.engine.run import run_once
from sim.scenario.files import load_scenario


@pytest.fixture
def no_gc():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.parametrize("name", ["baseline", "green_lane", "rail_shift"])
def test_a_finished_model_is_freed_without_the_collector(no_gc, name):
    scenario = load_scenario(name, overrides={"horizon_days": 3, "warmup_days": 0})
    model = Model(scenario, replication=0)
    # (SimPy's Environment keeps a small cycle of its own, its bound event classes: not checked.)
    refs = [weakref.ref(model), weakref.ref(model.records), *(weakref.ref(s.queue) for s in model.stages)]
    model.run()
    del model
    alive = [r() for r in refs if r() is not None]
    assert not alive, f"{len(alive)} objects of a finished run kept alive by reference cycles: {alive[:3]}"


def test_run_once_leaves_no_cycles_behind(no_gc):
    scenario = load_scenario("baseline", overrides={"horizon_days": 2, "warmup_days": 0})
    before = len(gc.get_objects())
    for r in range(3):
        result = run_once(scenario, r)
        del result
    # Uncollectable garbage would be thousands of objects per run (the stages, their queues,
    # the pending events); a few stray caches are allowed.
    assert len(gc.get_objects()) - before < 500
