"""The fast readouts (issue 13) give the same KPIs and tables as the straightforward ones.

The reference is tests/readouts_reference: frozen copies of sim/readouts/{kpis,daily,hourly}.py
and of ``RunResult.queue_lengths`` from before the readouts were grouped and vectorised.
Each scenario below runs once, over a short horizon that still reaches the feature it
exercises (closures, dated changes, staging and slots, trains, smart gates, empty returns,
surges), and every KPI and every column of the daily, queue-series and utilisation tables
must be equal: the new code adds up the same numbers in the same order, so equality is exact
(NaN where the reference has NaN).
"""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest
from readouts_reference import daily as ref_daily
from readouts_reference import hourly as ref_hourly
from readouts_reference import kpis as ref_kpis
from readouts_reference import queue_lengths as ref_queue_lengths

from sim.engine.run import run_once
from sim.readouts.daily import daily_table
from sim.readouts.hourly import queue_series, utilisation_by_hour
from sim.readouts.kpis import in_system_at, kpis
from sim.readouts.replication import replication_output
from sim.scenario.files import load_scenario

# Scenario and horizon (days): each file's own dates, cut short where the feature comes early.
SCENARIOS = {
    "baseline": 10,  # the 40 stages of the seven crossings
    "baseline_2024": 10,
    "pre_tet_staging": None,  # staging areas, call-forward
    "pre_tet_metered": None,  # registration slots, trucks waiting outside
    "green_lane": None,  # priority for perishable exports within the harvest surge
    "harvest_surge": None,  # a surge: backlog growth, trucks giving up
    "rail_shift": 10,  # a timetabled train stage
    "smart_gate_full": 10,  # equipped trucks, automated lanes
    "disruption_closure": None,  # a dated closure and its ramp after reopening
    "disruption_cn_cap": None,  # a dated capacity change on the Chinese side
    "baseline+jams": 10,  # the places trucks give up at: diverted, rerouted, balked
}
# Added to the baseline for "baseline+jams": a dated diversion share, a dated eligibility
# change sending perishables on to another crossing, and trucks turning back on arrival.
JAMS = {
    "crossings": {
        "chi_ma": {"diversions": [{"start": "2023-02-16", "end": "2023-02-17", "share": 0.4}]},
        "tan_thanh": {
            "eligibility": [
                {"start": "2023-02-18T06:00:00", "accepts": ["general"], "reroute_to": ["coc_nam"]}
            ]
        },
        "coc_nam": {"eligibility": [{"start": "2023-02-20T00:00:00", "accepts": ["general"]}]},
    },
    "cargo": {"perishable": {"turn_back_over_h": 3.0}},
}


@pytest.fixture(scope="module", params=list(SCENARIOS))
def result(request):
    name, _, extra = request.param.partition("+")
    days = SCENARIOS[request.param]
    overrides = {} if days is None else {"horizon_days": days}
    if extra == "jams":
        overrides |= JAMS
    return run_once(load_scenario(name, overrides=overrides), replication=1)


def assert_same(new, ref, what: str) -> None:
    new, ref = np.asarray(new), np.asarray(ref)
    assert new.shape == ref.shape, f"{what}: shape {new.shape} != {ref.shape}"
    if ref.dtype.kind in "fc":
        np.testing.assert_array_equal(new, ref, err_msg=what)  # NaN matches NaN
    else:
        assert (new == ref).all(), what


def assert_same_table(new: dict, ref: dict, what: str) -> None:
    assert list(new) == list(ref), f"{what}: columns {list(new)} != {list(ref)}"
    for column in ref:
        assert new[column].dtype == ref[column].dtype, f"{what}.{column}: {new[column].dtype}"
        assert_same(new[column], ref[column], f"{what}.{column}")


# What issue 21 added to the readouts on purpose, beyond the frozen reference: time in system by
# direction, KPIs of time held by dwells (only in runs with a dwell), the `dwelling` column of
# the queue series, and no
# utilisation for a hold (it has no lanes; the reference reads its empty timeline as NaN).
DWELL_KPIS = ("dwell_h.", "queue_h.", "service_h.")
BY_DIRECTION = ("time_in_system_h.mean.export", "time_in_system_h.mean.import")


def _holds(result) -> set[str]:
    return {n for sid, n in enumerate(result.stage_names) if result.kind(sid) == "hold"}


def assert_same_kpis(new: dict, ref: dict, result) -> None:
    holds = {f"utilisation.{n}" for n in _holds(result)}
    ref = {k: v for k, v in ref.items() if k not in holds}
    assert not holds & set(new), "no utilisation for a hold"
    added = [k for k in new if k not in ref and k not in BY_DIRECTION]
    assert all(k.startswith(DWELL_KPIS) for k in added), added
    assert bool(added) == bool(holds), "dwell KPIs exactly when the run has a dwell"
    assert all(k in new for k in BY_DIRECTION), "time in system by direction, always"
    assert [k for k in new if k in ref] == list(ref)
    for key in ref:
        assert_same(new[key], ref[key], key)


def assert_same_series(new: dict, ref: dict, result, what: str) -> None:
    dwelling = new.pop("dwelling")
    assert dwelling.dtype == np.int64
    if not _holds(result):
        assert not dwelling.any()
    assert_same_table(new, ref, what)


def same_utilisation(ref: dict, result) -> dict:
    keep = ~np.isin(ref["stage"], list(_holds(result)))
    return {k: v[keep] for k, v in ref.items()}


def test_kpis_equal_the_reference(result):
    assert_same_kpis(kpis(result), ref_kpis.kpis(result), result)


def test_daily_table_equals_the_reference(result):
    assert_same_table(daily_table(result), ref_daily.daily_table(result), "daily")


def test_queue_series_and_lengths_equal_the_reference(result):
    assert_same_series(queue_series(result), ref_hourly.queue_series(result), result, "series")
    for step in (None, 17.5):
        times, waiting = result.queue_lengths(step)
        ref_times, ref_waiting = ref_queue_lengths(result, step)
        assert_same(times, ref_times, f"queue_lengths({step}) times")
        assert_same(waiting, ref_waiting, f"queue_lengths({step}) waiting")
        assert waiting.dtype == ref_waiting.dtype


def test_utilisation_by_hour_equals_the_reference(result):
    ref = same_utilisation(ref_hourly.utilisation_by_hour(result), result)
    assert_same_table(utilisation_by_hour(result), ref, "utilisation")


def test_in_system_at_equals_the_reference(result):
    t = result.trucks
    times = np.linspace(0.0, result.horizon_min, 97)
    assert_same(in_system_at(result, times), ref_kpis.in_system_at(result, times), "all trucks")
    mine = t["crossing"] == t["crossing"].max()
    assert_same(in_system_at(result, times, mine), ref_kpis.in_system_at(result, times, mine), "one crossing")


def test_replication_output_uses_the_same_readouts():
    """The worker's unit (records off) reads the same tables as the functions one by one."""
    scenario = load_scenario("pre_tet_metered", overrides={"horizon_days": 6, "warmup_days": 1})
    out = replication_output(scenario, 2, records=False)
    result = run_once(scenario, 2)
    ref = ref_kpis.kpis(result)
    assert_same_kpis({k: v for k, v in out.kpis.items() if k in kpis(result)}, ref, result)
    for name, table, ref_table in (
        ("daily", out.daily, ref_daily.daily_table(result)),
        ("series", out.series, ref_hourly.queue_series(result)),
        ("utilisation", out.utilisation, same_utilisation(ref_hourly.utilisation_by_hour(result), result)),
    ):
        assert (table["replication"] == 2).all()
        rest = {k: v for k, v in table.items() if k != "replication"}
        if name == "series":
            assert_same_series(rest, ref_table, result, name)
        else:
            assert_same_table(rest, ref_table, name)


def test_trucks_never_routed_to_a_crossing_count_in_all_only():
    """Trucks with crossing -1 (none could serve them) are in the "all" rows only, as before.

    No packaged scenario leaves a truck unrouted over a short run, so the records of one are
    edited: every 37th truck loses its crossing (the readouts read the records as they are).
    """
    result = run_once(load_scenario("pre_tet_metered", overrides={"horizon_days": 6, "warmup_days": 1}))
    crossing = result.trucks["crossing"].copy()
    crossing[::37] = -1
    edited = dataclasses.replace(result, trucks={**result.trucks, "crossing": crossing})
    assert_same_kpis(kpis(edited), ref_kpis.kpis(edited), edited)
    assert_same_table(daily_table(edited), ref_daily.daily_table(edited), "daily")
    assert_same_series(queue_series(edited), ref_hourly.queue_series(edited), edited, "series")
    ref = same_utilisation(ref_hourly.utilisation_by_hour(edited), edited)
    assert_same_table(utilisation_by_hour(edited), ref, "utilisation")


@pytest.mark.parametrize("seed", range(20))
def test_peaks_equal_the_event_by_event_count(seed):
    """Most trucks at once per group, from sorted starts and leaves (with blocks of starts
    skipped when they cannot hold the peak), equal the reference's count event by event
    (ties of times in plenty: whole minutes; empty spans; groups with no truck)."""
    from readouts_reference.kpis import _peaks as ref_peaks

    from sim.readouts.grouping import Groups
    from sim.readouts.kpis import _peaks

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    start = rng.integers(0, 2000, n).astype(float)
    leave = start + rng.integers(0, 300, n) * rng.integers(0, 2, n)  # a third or so empty
    group = rng.integers(-1, 4, n)
    result = types.SimpleNamespace(warmup_min=float(rng.integers(0, 1000)))
    new = _peaks(result, start, leave, Groups.of(group, 5))
    assert_same(new, ref_peaks(result, start, leave, group, 5), f"seed {seed}")


@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 64])
def test_most_trucks_after_a_start_skips_only_blocks_that_cannot_hold_it(block):
    from sim.readouts.kpis import _most_after_starts

    rng = np.random.default_rng(block)
    for _ in range(200):
        n = int(rng.integers(1, 200))
        a = np.sort(rng.integers(0, 100, n).astype(float))
        b = np.sort(a + rng.integers(0, 30, n))
        first = int(rng.integers(0, n + 1))
        counts = np.arange(1, n + 1) - np.searchsorted(b, a, "right")  # after each start
        expected = int(counts[first:].max()) if first < n else 0
        assert _most_after_starts(a, b, first, block) == expected, (a, b, first)
