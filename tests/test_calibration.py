"""The baseline against the source figures (seeds/figures.toml).

Named after the source documents they reproduce.
"""

from __future__ import annotations

import pytest

from sim import load_scenario, replicate, summarise
from sim.scenario.figures import load_figures

REPLICATIONS = 10


@pytest.fixture(scope="module")
def baseline_runs():
    return replicate(load_scenario("baseline"), REPLICATIONS, workers=2)


@pytest.fixture(scope="module")
def office_runs():
    return replicate(load_scenario("office_hours"), REPLICATIONS, workers=2)


def test_001_vehicles_cleared_per_day_q1_2023(baseline_runs):
    """001_752b9a1426d99b73.txt: 1,000–1,100 vehicles cleared per day on average, Q1 2023."""
    low, high = load_figures()["vehicles_cleared_per_day_q1_2023"].bounds
    e = summarise(baseline_runs)["cleared_per_day"]
    assert low <= e.low and e.high <= high, (
        f"the baseline clears {e.mean:.1f} ± {e.half_width:.1f} vehicles/day (95% CI over "
        f"{REPLICATIONS} replications); the source reports {low:g}–{high:g} on average"
    )


def test_001_extended_hours_keep_up_with_demand(baseline_runs):
    """001_: clearance extended to 23:00 so that goods clear the same day: no growing backlog."""
    s = summarise(baseline_runs)
    growth = s["backlog_growth_per_day"]
    assert growth.low <= 1.0, (
        f"with hours extended to 23:00 the midnight backlog grows by {growth.mean:.1f} ± "
        f"{growth.half_width:.1f} trucks/day; the sources describe a system that keeps up"
    )
    same_day = s["same_day_share"].mean
    assert same_day > 0.8, f"only {same_day:.0%} of trucks clear on their arrival day with extended hours"


def test_001_same_demand_under_office_hours_builds_a_backlog(baseline_runs, office_runs):
    """001_: the capacity was reached by extending hours, not by demand alone.

    Office hours only (lunch break, weekdays) with the baseline's demand must leave a
    backlog that grows from day to day, and clear fewer trucks per day.
    """
    office, base = summarise(office_runs), summarise(baseline_runs)
    growth = office["backlog_growth_per_day"]
    assert growth.low > 0, (
        f"under office hours the midnight backlog should grow every day, but its slope is "
        f"{growth.mean:.1f} ± {growth.half_width:.1f} trucks/day"
    )
    assert office["cleared_per_day"].high < base["cleared_per_day"].low, (
        f"office hours clear {office['cleared_per_day'].mean:.0f}/day, extended hours "
        f"{base['cleared_per_day'].mean:.0f}/day: office hours should clear clearly fewer"
    )


def test_huu_nghi_pair_near_reported_daily_flow(baseline_runs):
    """VNA 30 Mar 2023 (public figure): Hữu Nghị alone 500–600 vehicles/day in Feb–Mar 2023.

    The Hữu Nghị pair is the gate and its dedicated road 1119–1120 together.
    """
    low, high = load_figures()["huu_nghi_vehicles_per_day_feb_mar_2023"].bounds
    s = summarise(baseline_runs)
    pair = s["cleared_per_day.huu_nghi"].mean + s["cleared_per_day.road_1119_1120"].mean
    assert low <= pair <= high, f"Hữu Nghị pair clears {pair:.0f}/day; VNA reports {low:g}–{high:g}"
