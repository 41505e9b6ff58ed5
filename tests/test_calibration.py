"""The baseline against the source figures (seeds/figures.toml).

Named after the source documents they reproduce.
"""

from __future__ import annotations

import pytest

from sim import load_scenario, replicate, summarise
from sim.experiments.capacity import ALL, capacity
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
    # The Chinese side closes at 20:00 Beijing = 19:00 Hanoi (F43): a truck that arrives
    # later cannot cross the same day, however late the Vietnamese side works.
    profile = load_scenario("baseline").demand.hour_of_day
    before_cn_close = sum(profile[:19]) / sum(profile)
    same_day = s["same_day_share"]
    assert same_day.high <= before_cn_close, (
        f"{same_day.mean:.0%} clear on their arrival day, more than the {before_cn_close:.0%} that arrive "
        "before the Chinese side closes at 19:00 Hanoi time"
    )
    # "So that goods clear the same day" (001_): most of them do. Not all: the papers and the
    # Chinese importer's declaration (dwells, F54, F56) run on office clocks, and a fruit
    # export of Q1 2023 (before F54's smart quarantine) often finishes them the next morning.
    assert same_day.mean > 0.5, f"only {same_day.mean:.0%} of trucks clear on their arrival day"


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


# --- Where capacity binds (F20, F38, F39, F43: every throttle in the record was Chinese) ---

CAPACITY_REPLICATIONS = 5


def _province(rows):
    return {(r.crossing, r.direction): r for r in rows}


@pytest.fixture(scope="module")
def baseline_capacity():
    return _province(
        capacity(load_scenario("baseline"), CAPACITY_REPLICATIONS, workers=2, per_crossing=False)
    )


def test_f20_f43_chinese_side_binds_at_the_main_ports(baseline_capacity):
    """F20, F38, F39, F43: the public record sets every throttle on the Chinese side.

    With every crossing saturated, the stage that binds on the two dedicated roads and
    the Hữu Nghị gate is a Chinese one (Youyiguan or Puzhai).
    """
    for crossing in ("road_1119_1120", "huu_nghi", "road_1088_1089"):
        for direction in ("export", "import"):
            binding = baseline_capacity[(crossing, direction)].binding_when_all
            assert binding is not None and binding.split("/")[0] in ("youyiguan", "puzhai"), (
                f"{crossing} {direction}: {binding} binds; the sources put the limit on the Chinese side"
            )


def test_f20_throughput_comes_from_demand_within_capacity(baseline_runs, baseline_capacity):
    """001_ with F20: the baseline clears its demand (1,000–1,100) with headroom.

    The Chinese pace is anchored on F20 (about 1,200 containers a day in 9–10 open hours
    before Covid), so the province's loaded capacity with 12 Chinese hours (F43) must lie
    above the Q1 2023 figure; and below the April 2025 record (F15: 1,906 a day), reached
    with an hour more on both sides (F44) and Youyiguan's lanes doubled (F59).
    """
    cap = baseline_capacity[(ALL, "both")].loaded_per_day
    cleared = summarise(baseline_runs)["cleared_per_day"]
    low, high = load_figures()["vehicles_cleared_per_day_q1_2023"].bounds
    record = load_figures()["record_vehicles_cleared_per_day_apr_2025"].bounds[0]
    assert cap.low > high, (
        f"capacity {cap.mean:.0f} ± {cap.half_width:.0f}/day leaves no headroom above {high:g}"
    )
    assert cleared.high < cap.low, "the baseline clears its demand, not its capacity"
    assert cap.high < record, (
        f"Q1 2023 capacity {cap.mean:.0f} ± {cap.half_width:.0f}/day reaches the 2025 record {record:g}, "
        "which took longer hours and twice Youyiguan's lanes"
    )


@pytest.mark.parametrize("close", ["19:00", "22:00"])
def test_f42_f43_chinese_hours_set_the_provinces_capacity(baseline_capacity, close):
    """F42 (08:00–19:00 Beijing from 2015) and F43 (08:00–20:00 from Dec 2020); F62's
    'peak-time extended clearance' of 2023 has no stated length (22:00: an illustration).

    The finding, kept as a test: with the Chinese side binding, each Chinese hour moves the
    province's capacity by roughly one twelfth; the Q1 2023 demand fits even in the 2015
    hours, so the 1,000–1,100 figure does not need the Chinese extension.
    """
    scenario = load_scenario(
        "baseline", overrides={"hours": {"cn": {"windows": [{"open": "08:00", "close": close}]}}}
    )
    rows = _province(capacity(scenario, CAPACITY_REPLICATIONS, workers=2, per_crossing=False))
    cap = rows[(ALL, "both")].loaded_per_day
    base = baseline_capacity[(ALL, "both")].loaded_per_day
    if close == "19:00":
        assert cap.high < base.low, f"an hour less on the Chinese side: {cap.mean:.0f} vs {base.mean:.0f}/day"
        assert cap.low > load_figures()["vehicles_cleared_per_day_q1_2023"].bounds[1], "2015 hours still fit"
    else:
        assert cap.low > base.high, (
            f"two hours more on the Chinese side: {cap.mean:.0f} vs {base.mean:.0f}/day"
        )


def _closing_at(name: str, close: str):
    scenario = load_scenario(
        name, overrides={"hours": {"cn": {"windows": [{"open": "08:00", "close": close}]}}}
    )
    return _province(capacity(scenario, CAPACITY_REPLICATIONS, workers=2, per_crossing=False))


@pytest.mark.slow
def test_f43_f59_later_chinese_hours_add_less_in_2024(baseline_capacity):
    """The README's finding holds for 2023, not for 2024: with Youyiguan's lanes doubled (F59) and
    faster inspection (F55), Vietnamese customs at the Hữu Nghị gate binds beside the Chinese side,
    so two more Chinese hours (20:00 -> 22:00 Beijing) add clearly less to the province's capacity
    than they did in Q1 2023."""
    gain_2023 = (
        _closing_at("baseline", "22:00")[(ALL, "both")].loaded_per_day,
        baseline_capacity[(ALL, "both")].loaded_per_day,
    )
    now_2024 = _closing_at("baseline_2024", "20:00")
    gain_2024 = (
        _closing_at("baseline_2024", "22:00")[(ALL, "both")].loaded_per_day,
        now_2024[(ALL, "both")].loaded_per_day,
    )
    most_2024 = gain_2024[0].high - gain_2024[1].low
    least_2023 = gain_2023[0].low - gain_2023[1].high
    assert most_2024 < least_2023, f"2024 gains up to {most_2024:.0f}/day, 2023 at least {least_2023:.0f}/day"
    binding = {r.binding_when_all for r in now_2024.values() if r.binding_when_all}
    assert any(b.startswith("huu_nghi/") and b.endswith("/vn_customs") for b in binding), binding
