"""Flat memory across replications (issue 13): a finished run leaves no reference cycles.

Replications run back to back in one process; if a run's state were held by cycles it
would wait for a full garbage collection, and memory would grow with each replication.
These tests count objects freed by reference counting alone (the collector disabled), or
the memory Python holds (``tracemalloc``, exact whatever the machine's load) between
replications; never timings.
"""

from __future__ import annotations

import gc
import platform
import subprocess
import sys
import tracemalloc
import weakref

import pytest

from sim.engine.model import Model
from sim.engine.run import run_once
from sim.readouts.replication import replication_output
from sim.scenario.files import load_scenario


@pytest.fixture
def no_gc():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.parametrize("name", ["baseline", "green_lane", "rail_shift", "pre_tet_staging"])
def test_a_finished_model_is_freed_without_the_collector(no_gc, name):
    scenario = load_scenario(name, overrides={"horizon_days": 3, "warmup_days": 0})
    model = Model(scenario, replication=0)
    # (SimPy's Environment keeps a small cycle of its own, its bound event classes: not checked.)
    refs = [weakref.ref(model), weakref.ref(model.records), *(weakref.ref(s.queue) for s in model.stages)]
    refs += [weakref.ref(area.road) for area in model.staging_areas]  # (slotted: its queue)
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


@pytest.mark.slow
def test_memory_held_between_replications_does_not_grow_in_a_jam():
    """Issue 13, item 1, on a jam: pre-Tết with the Viettel park staging (some 850 trucks waiting
    by the third week). After each replication (what a worker keeps between two), Python holds
    what it held after the first, give or take a little: a run's state, records or queues kept
    by anything would be a large part of the run's own peak (several MB here)."""
    scenario = load_scenario("pre_tet_staging", overrides={"horizon_days": 20, "warmup_days": 1})
    tracemalloc.start()
    try:
        held = []
        for r in range(4):
            tracemalloc.reset_peak()
            output = replication_output(scenario, r, records=False)
            del output
            gc.collect()
            current, peak = tracemalloc.get_traced_memory()
            held.append(current)
    finally:
        tracemalloc.stop()
    # Replication 0 fills the caches (time zones, calendars); the next three must add almost nothing:
    # less than 1% of one replication's peak in all (measured ~0.2%; keeping only the hourly series
    # of each replication, a small part of its output, would add ~1.8%).
    assert held[3] - held[1] < 0.01 * peak, (held, peak)


def test_the_daily_summary_read_one_replication_at_a_time_is_the_whole_tables(tmp_path):
    """The parent's summaries at the end of a run read the daily parts one replication at a time
    (the whole table of 1,000 replication-years took ~1 GB): the same bytes as from the whole table."""
    from sim.cli import main
    from sim.experiments.results_folder import ResultsFolder, daily_summary_csv

    out = tmp_path / "r"
    assert main(["run", "pre_tet_staging", "--days", "5", "--replications", "3", "--workers", "1",
                 "--out", str(out)]) == 0  # fmt: skip
    folder = ResultsFolder.open(out)
    text = folder.daily_summary_text()
    assert text == daily_summary_csv(folder.read_table("daily"))
    assert text == (out / "daily_summary.csv").read_text(encoding="utf-8")
    assert len(text.splitlines()) > 5 * 2  # a header, and each day by crossing and in all


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only"
)
def test_replication_processes_keep_freed_memory_for_the_next_replication():
    """Worker processes ask glibc to keep freed blocks (sim/experiments/memory.py): every value
    asked for must be one glibc accepts (mallopt returns 0 for an out-of-range one, e.g. an
    mmap threshold over its 32 MiB maximum), in a fresh process, as a worker does."""
    code = "from sim.experiments.memory import keep_freed_memory as k; import sys; sys.exit(0 if k() else 1)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
