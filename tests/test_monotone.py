"""Monotonicity: more capacity never makes things worse.

Each test runs the same small, loaded crossing under a sequence of settings
that only add capacity (lanes, opening hours, yard space), with common random
numbers: the same seed and replication give every setting the same arrivals
and, stage by stage, the same sequence of service times (the random streams
are named by source, see :mod:`sim.randomness`). For each step the paired
difference over replications must not be significantly in the wrong direction
(its 99% Student-t interval must reach the "no worse" side), and one step per
test must be significantly in the right direction, so the test can tell a
model that ignores the setting from one that honours it.
"""

from __future__ import annotations

import numpy as np
from conftest import t_interval

from sim.engine.run import RunResult, run_once
from sim.examples.scenarios import ALWAYS_OPEN, CROSSING, DIRECTION, single_stage_dict, validated
from sim.readouts.kpis import conservation, kpis
from sim.scenario.schema import Scenario

LEVEL = 0.99
REPLICATIONS = 10
DAYS, WARMUP_DAYS = 6, 1  # Monday to Saturday: weekdays and a weekend day

# Vietnamese customs risk channels (as in the baseline): mean 18.3 minutes.
CUSTOMS = {
    "kind": "mixture",
    "branches": [
        {"name": "green", "probability": 0.6, "duration": {"kind": "lognormal", "mean_min": 8, "sd_min": 4}},
        {
            "name": "yellow",
            "probability": 0.3,
            "duration": {"kind": "lognormal", "mean_min": 25, "sd_min": 10},
        },
        {"name": "red", "probability": 0.1, "duration": {"kind": "lognormal", "mean_min": 60, "sd_min": 25}},
    ],
}
EXTENDED = [{"days": "daily", "open": "07:00", "close": "23:00"}]
OFFICE = [
    {"days": "mon-fri", "open": "07:30", "close": "11:30"},
    {"days": "mon-fri", "open": "13:30", "close": "17:00"},
]


def crossing_scenario(
    *,
    customs_lanes: int = 3,
    customs_hours: list[dict[str, str]] = EXTENDED,
    yard_capacity: int | None = None,
    trucks_per_day: float = 150.0,
) -> Scenario:
    """A loaded crossing: customs (mixture of risk channels) then a border-guard check.

    Demand arrives round the clock (more by day); both stages keep ``customs_hours`` for
    customs and 07:00-23:00 for the guard; the yard holds ``yard_capacity`` trucks.
    """
    data = single_stage_dict(
        trucks_per_day=trucks_per_day,
        service=CUSTOMS,
        lanes=customs_lanes,
        days=DAYS,
        warmup_days=WARMUP_DAYS,
        rng_seed=20230213,
        windows=customs_hours,
        yard_capacity=yard_capacity,
        name="monotone",
    )
    data["hours"]["guard"] = {"windows": EXTENDED}
    data["crossings"][CROSSING]["routes"][DIRECTION]["stages"].append(
        {
            "name": "guard",
            "hours": "guard",
            "lanes": 2,
            "service": {"default": {"kind": "lognormal", "mean_min": 3, "sd_min": 1}},
        }
    )
    data["demand"]["hour_of_day"] = [0.5] * 6 + [1.3] * 12 + [0.9] * 6
    return validated(data)


def mean_wait(result: RunResult) -> float:
    """Mean minutes a truck arriving after the warm-up spends waiting: on the road for the
    yard plus in every stage queue (a wait still running at the end counts up to the end)."""
    t, rows, h = result.trucks, result.stages, result.horizon_min
    mine = t["t_arrive"] >= result.warmup_min
    road = np.where(np.isnan(t["t_yard"]), h, t["t_yard"]) - t["t_arrive"]
    queued = np.where(np.isnan(rows["t_start"]), h, rows["t_start"]) - rows["t_queue"]
    per_truck = road + np.bincount(rows["truck"], weights=queued, minlength=t["t_arrive"].size)
    return float(per_truck[mine].mean())


def mean_road_queue(result: RunResult, step_min: float = 5.0) -> float:
    """Time-average number of trucks waiting on the road after the warm-up."""
    t, h = result.trucks, result.horizon_min
    gave_up_on_road = np.isnan(t["t_yard"]) & ~np.isnan(t["t_out"])
    leave = np.where(np.isnan(t["t_yard"]), np.where(gave_up_on_road, t["t_out"], h), t["t_yard"])
    grid = np.arange(result.warmup_min + step_min / 2, h, step_min)
    arrived = np.searchsorted(np.sort(t["t_arrive"]), grid, "right")
    left = np.searchsorted(np.sort(leave), grid, "right")
    return float((arrived - left).mean())


def paired(settings: list[Scenario], measure) -> np.ndarray:
    """``measure`` of each setting (rows) in each replication (columns), common random numbers."""
    return np.array([[measure(run_once(s, replication=r)) for r in range(REPLICATIONS)] for s in settings])


def _ci(diff: np.ndarray) -> str:
    mean, lo, hi = t_interval(diff, LEVEL)
    return f"{mean:+.2f} (99% CI {lo:+.2f} to {hi:+.2f})"


def test_more_lanes_never_lengthen_the_mean_wait() -> None:
    lanes = [1, 2, 3, 4, 6]
    waits = paired([crossing_scenario(customs_lanes=c) for c in lanes], mean_wait)
    for k in range(len(lanes) - 1):
        diff = waits[k + 1] - waits[k]
        _, lo, _ = t_interval(diff, LEVEL)
        assert lo <= 0.0, (
            f"Opening more customs lanes ({lanes[k]} -> {lanes[k + 1]}) should never make trucks wait "
            f"longer: with the same arrivals and service times the mean wait went from "
            f"{waits[k].mean():.1f} to {waits[k + 1].mean():.1f} min, a change of {_ci(diff)} min."
        )
    _, _, hi = t_interval(waits[2] - waits[1], LEVEL)
    assert hi < 0.0, (
        "A third customs lane at a crossing whose two lanes cannot keep up should cut the mean wait "
        f"({waits[1].mean():.1f} -> {waits[2].mean():.1f} min): the lanes setting seems to have no effect."
    )


def test_longer_hours_never_lower_throughput() -> None:
    hours = {"office hours": OFFICE, "07:00-23:00 daily": EXTENDED, "24 h": ALWAYS_OPEN}
    names = list(hours)

    def cleared(result: RunResult) -> float:
        return conservation(result)["cleared"]

    counts = paired([crossing_scenario(customs_hours=h) for h in hours.values()], cleared)
    for k in range(len(names) - 1):
        diff = counts[k + 1] - counts[k]
        _, _, hi = t_interval(diff, LEVEL)
        assert hi >= 0.0, (
            f"Customs open longer ({names[k]} -> {names[k + 1]}, each calendar containing the previous) "
            f"should never clear fewer trucks: with the same demand, {counts[k].mean():.0f} -> "
            f"{counts[k + 1].mean():.0f} trucks cleared in {DAYS} days, a change of {_ci(diff)}."
        )
    _, lo, _ = t_interval(counts[1] - counts[0], LEVEL)
    assert lo > 0.0, (
        "Customs open 07:00-23:00 every day instead of weekday office hours should clear more trucks "
        f"from a queue that never empties ({counts[0].mean():.0f} -> {counts[1].mean():.0f}): the "
        "opening hours seem to have no effect."
    )


def test_a_smaller_yard_never_shortens_the_road_queue() -> None:
    yards: list[int | None] = [None, 100, 30, 10, 3, 0]
    settings = [crossing_scenario(yard_capacity=y) for y in yards]
    road = paired(settings, mean_road_queue)
    peak = paired(settings, lambda result: kpis(result)[f"road_queue_peak.{CROSSING}"])

    def label(y: int | None) -> str:
        return "unlimited" if y is None else str(y)

    for k in range(len(yards) - 1):
        step = f"{label(yards[k])} -> {label(yards[k + 1])} trucks"
        for what, values in (("time-average road queue", road), ("road queue peak (KPI)", peak)):
            diff = values[k + 1] - values[k]
            _, _, hi = t_interval(diff, LEVEL)
            assert hi >= 0.0, (
                f"A smaller yard ({step}) holds fewer trucks, so at least as many must wait on the road: "
                f"the {what} went from {values[k].mean():.1f} to {values[k + 1].mean():.1f}, "
                f"a change of {_ci(diff)}."
            )
    assert np.all(road[0] == 0) and np.all(peak[0] == 0), "with an unlimited yard nobody waits on the road"
    _, lo, _ = t_interval(road[3] - road[2], LEVEL)
    assert lo > 0.0, (
        "Shrinking the yard from 30 to 10 trucks at a crossing with an overnight queue should put "
        f"more trucks on the road ({road[2].mean():.1f} -> {road[3].mean():.1f}): the yard capacity "
        "seems to have no effect."
    )
