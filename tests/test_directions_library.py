"""Direction tests for the library's hours, growth, rail and disruption scenarios (issue 16).

Each test compares a scenario with the scenario it extends (or a one-field variant of it),
replication by replication with the same seeds (common random numbers, CRN), and asserts
the direction the scenario's question expects, with the reason in the message. The
intervals are paired 95% Student-t intervals over REPS replications; horizons are
shortened for CI (the effects tested are large against their noise).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import load_scenario, replicate, run_once
from sim.experiments.replications import estimate
from sim.readouts.kpis import in_system_at

REPS = 4


def runs(name: str, rng_seed: int, **overrides) -> list[dict[str, float]]:
    """KPIs of REPS replications, every scenario of a comparison with one rng_seed (CRN)."""
    scenario = load_scenario(name, overrides={"rng_seed": rng_seed, **overrides})
    return replicate(scenario, REPS, workers=2)


def paired(a: list[dict], b: list[dict], key: str):
    """Estimate of b - a for ``key`` over paired replications."""
    return estimate(y[key] - x[key] for x, y in zip(a, b, strict=True))


Q1_2023, AUG_2024 = 20230101, 20240801  # the two baselines' seeds


def test_office_hours_clear_less_than_extended_hours_at_the_same_demand():
    base = runs("baseline", Q1_2023, horizon_days=14)
    office = runs("office_hours", Q1_2023, horizon_days=14)
    d = paired(base, office, "cleared_per_day")
    assert d.high < 0, (
        "Vietnamese office hours (37.5 open hours a week against the extension's 112) should clear "
        f"fewer trucks a day at the same demand; difference {d.mean:.0f} ± {d.half_width:.0f}"
    )
    g = paired(base, office, "backlog_growth_per_day")
    assert g.low > 0, (
        "below the demand of 1,060 a day the office-hours backlog should grow day after day "
        f"(the extension to 23:00 is what kept the crossings below capacity); growth {g.mean:.0f}/day"
    )


def test_office_hours_move_the_binding_constraint_to_vietnamese_customs():
    base = runs("baseline", Q1_2023, horizon_days=10)
    office = runs("office_hours", Q1_2023, horizon_days=10)
    # Exports pass Vietnamese customs first, then the Chinese inspection at Youyiguan.
    vn = paired(base, office, "utilisation.road_1119_1120/export/vn_customs")
    cn = paired(base, office, "utilisation.youyiguan/export/cn_inspection")
    assert vn.low > 0 and cn.high < 0, (
        "with fewer Vietnamese hours the Vietnamese export customs lanes should be busier and the "
        "Chinese inspection after them (which binds in the baseline) less busy, starved of trucks; "
        f"differences {vn.mean:+.2f} (VN) and {cn.mean:+.2f} (CN)"
    )


def test_round_the_clock_needs_the_chinese_side_open_too():
    base = runs("baseline", Q1_2023, horizon_days=10)
    both = runs("round_the_clock", Q1_2023, horizon_days=10)
    vn_only = runs(
        "baseline", Q1_2023, horizon_days=10,
        hours={"vn": {"windows": [{"days": "daily", "open": "00:00", "close": "24:00"}]}},
    )  # fmt: skip
    d_both = paired(base, both, "time_in_system_h.mean")
    assert d_both.high < 0, f"24 h on both sides should shorten the time in system; {d_both.mean:.2f} h"
    d_extra = paired(vn_only, both, "time_in_system_h.mean")
    d_vn = paired(base, vn_only, "time_in_system_h.mean")
    assert d_extra.high < 0 and abs(d_vn.mean) < abs(d_both.mean) / 2, (
        "the Chinese hours bind in the baseline: opening only the Vietnamese side 24 h should buy "
        f"less than half of what both sides buy ({d_vn.mean:+.2f} h against {d_both.mean:+.2f} h)"
    )


def test_growth_raises_the_backlog_year_on_year():
    y2024 = runs("baseline_2024", AUG_2024, horizon_days=14)
    y2025 = runs("demand_growth_2025", AUG_2024, horizon_days=14)
    y2026 = runs("demand_growth_2026", AUG_2024, horizon_days=14)
    up1 = paired(y2024, y2025, "backlog_midnight.mean")
    up2 = paired(y2025, y2026, "backlog_midnight.mean")
    assert up1.low > 0 and up2.low > 0, (
        "18% more trucks a year at 2024's hours and lanes should raise the midnight backlog each "
        f"year; differences {up1.mean:+.0f} (2025 vs 2024) and {up2.mean:+.0f} (2026 vs 2025)"
    )


def test_growth_saturates_the_dedicated_roads_in_2025():
    y2024 = runs("baseline_2024", AUG_2024, horizon_days=14)
    y2025 = runs("demand_growth_2025", AUG_2024, horizon_days=14)
    for road in ("road_1119_1120", "road_1088_1089"):
        g = paired(y2024, y2025, f"backlog_growth_per_day.{road}")
        assert g.low > 0, (
            f"{road}'s import side ran at over 90% of its capacity in 2024 (`bordersim capacity "
            f"baseline_2024`): +18% should make its backlog grow every day in 2025; {g.mean:+.1f}/day"
        )


def test_rail_shift_relieves_road_1119_1120():
    base = runs("baseline_2024", AUG_2024, horizon_days=10)
    rail = runs("rail_shift", AUG_2024, horizon_days=10)
    d = paired(base, rail, "cleared_per_day.road_1119_1120")
    assert d.high < 0, f"moving containers to rail should take trucks off road 1119–1120; {d.mean:+.0f}/day"
    t = paired(base, rail, "time_in_system_h.mean.road_1119_1120")
    assert t.high < 0, (
        f"with fewer trucks, the time through road 1119–1120 should shorten; difference {t.mean:+.2f} h"
    )
    road = paired(base, rail, "cleared_per_day.road_1119_1120")
    railway = paired(base, rail, "cleared_per_day.dong_dang")
    assert abs(railway.mean + road.mean) < 0.05 * railway.mean, (
        "five trains of 30 wagons a day, handed over inside the Chinese hours, should carry what "
        f"left the road: the railway gained {railway.mean:+.0f}/day, the road lost {road.mean:+.0f}/day"
    )


def _every_truck_bound(name: str) -> dict:
    """Overrides giving every logit stream of ``name`` its shares as fixed shares."""
    s = load_scenario(name)
    streams = {
        k: {"routing": {"policy": "shares", "shares": dict(x.routing.shares)}}
        for k, x in s.demand.streams.items()
        if x.routing.policy == "logit"
    }
    return {"demand": {"streams": streams}} if streams else {}


@pytest.mark.parametrize("name", ["disruption_closure", "disruption_cn_cap"])
def test_closure_creates_a_backlog_that_drains_after_reopening(name):
    # With every truck keeping its crossing (disruption_closure's trucks choose theirs since
    # issue 22: compared below), the disruption builds a backlog that drains after it.
    result = run_once(load_scenario(name, overrides=_every_truck_bound(name)))
    midnights = np.arange(1, result.scenario.horizon_days + 1) * 1440.0
    backlog = in_system_at(result, midnights)
    # Disruption 20–24 Feb; the run starts 13 Feb: day 7 is the first disrupted day.
    before, peak, end = backlog[3:7].mean(), backlog[7:14].max(), backlog[-5:].mean()
    assert peak > 5 * before, f"{name}: the disruption should build a backlog ({before:.0f} -> {peak:.0f})"
    assert end < 2 * before, (
        f"{name}: the backlog should drain after reopening, the Chinese side having spare capacity "
        f"outside the disruption (end {end:.0f} vs {before:.0f})"
    )
    if _every_truck_bound(name):  # trucks free to choose go round the closed road: less backlog
        chosen = in_system_at(run_once(load_scenario(name)), midnights)
        assert chosen[7:14].max() < peak


@pytest.mark.parametrize("name", ["disruption_closure", "disruption_cn_cap"])
def test_disruption_makes_fruit_trucks_give_up(name):
    base = runs("baseline", Q1_2023, horizon_days=14)
    hit = runs(name, Q1_2023, horizon_days=14)
    d = paired(base, hit, "gave_up_per_day")
    assert d.low > 0, (
        f"{name}: fruit trucks held for days past their patience (72 h ± 36 h) should give up; "
        f"difference {d.mean:+.1f}/day"
    )


def test_rail_shift_trains_reach_pingxiang_while_the_chinese_side_is_open():
    """Consistency with the Chinese stages: an export train handed over at Pingxiang on
    arrival must arrive (departure + its mean transfer time) inside the Chinese hours, on
    the Hanoi clock (Beijing is one hour ahead); otherwise its loads wait for the morning."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    s = load_scenario("rail_shift")
    cn = s.hours["cn"]
    day = datetime(2024, 8, 1)

    def hanoi(clock: str, tz: str) -> datetime:
        h, m = map(int, clock.split(":"))
        local = day.replace(tzinfo=ZoneInfo(tz)) + timedelta(hours=h, minutes=m)
        return local.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None)

    windows = [(hanoi(w.open, cn.timezone), hanoi(w.close, cn.timezone)) for w in cn.windows]
    (train,) = [st for st in s.crossings["dong_dang"].routes["export"].stages if st.departures]
    transfer = timedelta(minutes=train.service["default"].mean_min)
    for clock in train.departures:
        arrival = hanoi(clock, "Asia/Ho_Chi_Minh") + transfer
        assert any(a <= arrival <= b for a, b in windows), (
            f"the {clock} train reaches Pingxiang at {arrival:%H:%M} Hanoi time, outside the Chinese "
            f"hours {[(f'{a:%H:%M}', f'{b:%H:%M}') for a, b in windows]}: its handover would wait"
        )
