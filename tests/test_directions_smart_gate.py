"""The smart gate's phases (Decision 865) have the effects their design implies.

Paired comparisons with common random numbers: the phases keep baseline_2024's dates,
streams and seeds, so replication r of two scenarios sees the same arrivals where their
streams are the same, and a difference comes from the change. Every tolerance is a 95%
interval over replications; no number is copied from a run.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import load_scenario, replicate, run_once
from sim.experiments.capacity import crossing_capacity
from sim.experiments.replications import estimate

REPS = 4
DAYS = 10
ROADS = ["road_1119_1120", "road_1088_1089"]


def scenario(name: str, **overrides):
    return load_scenario(name, overrides={"horizon_days": DAYS, **overrides})


def paired(a: list[dict], b: list[dict], key: str):
    """Estimate of b - a for ``key`` over paired replications."""
    return estimate(y[key] - x[key] for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def capacities():
    # Five replications: the pilot adds ~30 a day to road 1088/2-1089 against a spread of ~6 a
    # day between replications; with three the two 95% intervals (t = 4.3) nearly touch.
    names = ["baseline_2024", "smart_gate_pilot", "smart_gate_phase1", "smart_gate_full"]
    return {n: crossing_capacity(load_scenario(n), ROADS, replications=5, workers=2, days=8) for n in names}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("before", "after", "road", "why"),
    [
        (
            "baseline_2024",
            "smart_gate_pilot",
            "road_1088_1089",
            "the pilot adds the night AGV channel (F78, F80) beside the conventional lanes",
        ),
        (
            "smart_gate_pilot",
            "smart_gate_phase1",
            "road_1119_1120",
            "widening the road 4 -> 6 lanes (F60) adds Vietnamese control lanes where customs binds",
        ),
        (
            "smart_gate_phase1",
            "smart_gate_full",
            "road_1119_1120",
            "the full design adds a 24 h automated channel, 14 lanes and a doubled Chinese side "
            "(F60, F74, F75)",
        ),
        (
            "smart_gate_phase1",
            "smart_gate_full",
            "road_1088_1089",
            "the automated channel runs 24 h instead of 1.5 h and the Chinese side doubles (F74)",
        ),
    ],
)
def test_each_phase_raises_the_dedicated_roads_capacity(capacities, before, after, road, why):
    a, b = capacities[before][road].loaded_per_day, capacities[after][road].loaded_per_day
    assert b.low > a.high, (
        f"{after} should clear more loaded trucks a day on {road} than {before}: {why}; "
        f"got {b.mean:.0f} ± {b.half_width:.0f} against {a.mean:.0f} ± {a.half_width:.0f}"
    )


@pytest.mark.slow
def test_pilot_does_not_change_road_1119_1120_capacity(capacities):
    """The pilot runs on road 1088/2–1089 only: road 1119–1120's capacity stays within noise."""
    a, b = (
        capacities["baseline_2024"]["road_1119_1120"].loaded_per_day,
        capacities["smart_gate_pilot"]["road_1119_1120"].loaded_per_day,
    )
    assert abs(b.mean - a.mean) <= a.half_width + b.half_width, (
        "the pilot builds nothing on road 1119–1120, so its capacity should not move beyond the two "
        f"intervals: {b.mean:.0f} ± {b.half_width:.0f} against {a.mean:.0f} ± {a.half_width:.0f}"
    )


def _pilot_minus_base_hours(base, pilot, hours: tuple[float, float]) -> float:
    """Mean hours in the system of the pilot's equipped farm-produce exports on road 1088/2–1089
    that arrive within ``hours`` (local clock), minus the same trucks' hours in the baseline
    run (the stream's arrivals are the same in both runs: matched by arrival time)."""
    tp, tb = pilot.trucks, base.trucks
    x = pilot.crossings.index("road_1088_1089")
    per, exp = pilot.cargo.index("perishable"), pilot.directions.index("export")
    hour = (tp["t_arrive"] % 1440) / 60  # model time 0 is local midnight of the start date
    mine = (
        tp["equipped"]
        & (tp["crossing"] == x)
        & (tp["cargo"] == per)
        & (tp["direction"] == exp)
        & (hour >= hours[0])
        & (hour < hours[1])
        & (tp["t_arrive"] >= pilot.warmup_min)
        & (tp["outcome"] == 1)
    )
    lookup = {
        t: i for i, t in enumerate(tb["t_arrive"]) if tb["cargo"][i] == per and tb["direction"][i] == exp
    }
    diffs = []
    for i in np.flatnonzero(mine):
        j = lookup.get(tp["t_arrive"][i])
        if j is not None and tb["outcome"][j] == 1:
            diffs.append((tp["t_out"][i] - tp["t_arrive"][i]) - (tb["t_out"][j] - tb["t_arrive"][j]))
    assert diffs, f"no equipped farm-produce truck arrived {hours} and crossed: nothing to compare"
    return float(np.mean(diffs)) / 60


@pytest.fixture(scope="module")
def pilot_pairs():
    base, pilot = load_scenario("baseline_2024"), load_scenario("smart_gate_pilot")
    return [(run_once(base, r), run_once(pilot, r)) for r in range(REPS)]


@pytest.mark.slow
def test_pilot_goods_arriving_after_the_chinese_close_cross_the_same_evening(pilot_pairs):
    d = estimate(_pilot_minus_base_hours(b, p, (18.5, 19.75)) for b, p in pilot_pairs)
    assert d.high < 0, (
        "farm produce arriving 18:30–19:45 misses the Chinese side's 20:00 Beijing (19:00 Hanoi) "
        "close (F43) and waits for the morning in baseline_2024; in the pilot it crosses in the "
        f"18:30–20:00 window (F78): expected shorter, got {d.mean:+.2f} h ± {d.half_width:.2f}"
    )


@pytest.mark.slow
def test_pilot_goods_arriving_in_the_day_wait_for_the_evening_window(pilot_pairs):
    d = estimate(_pilot_minus_base_hours(b, p, (8.0, 16.0)) for b, p in pilot_pairs)
    assert d.low > 0, (
        "the automated channel opens only 18:30–20:00 (F78) and equipped trucks have no other "
        "channel, so pilot farm produce arriving in the working day waits for the evening where "
        "the conventional lanes would have cleared it: expected longer, "
        f"got {d.mean:+.2f} h ± {d.half_width:.2f}"
    )


def test_conventional_trucks_are_not_worse_off_in_the_pilot():
    base = replicate(scenario("baseline_2024"), REPS, workers=2)
    pilot = replicate(scenario("smart_gate_pilot"), REPS, workers=2)
    d = paired(base, pilot, "time_in_system_h.mean.road_1119_1120")
    assert d.low <= 0, (
        "the pilot takes pilot goods out of the conventional queues and adds none to road "
        f"1119–1120, so its trucks should not be slower beyond noise: {d.mean:+.2f} h ± {d.half_width:.2f}"
    )


def test_full_design_shortens_the_time_through_road_1119_1120():
    phase1 = replicate(scenario("smart_gate_phase1"), REPS, workers=2)
    full = replicate(scenario("smart_gate_full"), REPS, workers=2)
    d = paired(phase1, full, "time_in_system_h.mean.road_1119_1120")
    assert d.high < 0, (
        "14 lanes and a doubled Chinese side (F60, F74) cut the queues on road 1119–1120 at the "
        f"same demand: expected shorter times, got {d.mean:+.2f} h ± {d.half_width:.2f}"
    )


@pytest.mark.slow
def test_at_2027_demand_the_full_design_keeps_road_1119_1120_up_but_not_road_1088_1089():
    runs = replicate(
        load_scenario("demand_growth_2027_smart_gate", overrides={"horizon_days": 14}), 3, workers=2
    )
    wide = estimate(r["backlog_growth_per_day.road_1119_1120"] for r in runs)
    assert wide.low <= 0, (
        "at 2027 demand (2024 trucks x 1.64, +18% a year) road 1119–1120's conventional channel "
        "alone (14 lanes, Chinese side doubled) has more capacity than its demand, so its backlog "
        "should not grow: "
        f"{wide.mean:+.1f} ± {wide.half_width:.1f} trucks/day"
    )
    narrow = estimate(r["backlog_growth_per_day.road_1088_1089"] for r in runs)
    assert narrow.low > 0, (
        "road 1088/2–1089's capacity counts its AGV channel full, but the phases equip only 5% of "
        "farm-produce exports and 10 electronics imports a day: its conventional channel (5 customs "
        "lanes) cannot take 2027 demand, so the backlog should grow: "
        f"{narrow.mean:+.1f} ± {narrow.half_width:.1f} trucks/day"
    )
