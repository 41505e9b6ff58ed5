"""Direction tests of the seasonal scenarios (issue 16): the March 2023 harvest surge, its
office-hours variant, the green lane for fruit exports, the yard sizes, and Tết 2024 with and
without metering and staging.

Each test compares two scenarios over the same replications (rng_seed, r): common random
numbers give both the same arrivals and service draws where they share them, so the paired
difference comes from the change. Each assertion is the direction the scenario's question
expects, with the reason in its message; tolerances are the paired 95% confidence intervals
over the replications, never a number copied from the model's output. Horizons are
shortened where the effect shows sooner.
"""

from __future__ import annotations

import pytest

from sim import load_scenario, replicate
from sim.experiments.replications import estimate

REPS = 4
HN_PAIR = ("huu_nghi", "road_1119_1120")
OTHERS = ("road_1088_1089", "tan_thanh", "chi_ma", "coc_nam", "dong_dang")
# Tết runs: from 19 Jan 2024 to 19 Feb 2024, so the pause (9–12 Feb) and the week after it
# are in; the full file runs to 7 March.
TET_DAYS = 32


def runs(name: str, reps: int = REPS, **overrides) -> list[dict[str, float]]:
    return replicate(load_scenario(name, overrides=overrides or None), reps, workers=2)


def paired(a: list[dict], b: list[dict], key, sign: float = 1.0):
    """Estimate of b - a over paired replications; ``key`` a KPI name or a function of a row."""
    get = key if callable(key) else (lambda row: row[key])
    return estimate(sign * (get(y) - get(x)) for x, y in zip(a, b, strict=True))


def total(*keys: str):
    return lambda row: sum(row[k] for k in keys)


# ---------------------------------------------------------------------------------------
# Harvest surge (F05): +300 a day at the Hữu Nghị pair, mainly imports


@pytest.fixture(scope="module")
def before_and_surge():
    """The weeks before (baseline) and the surge, on the surge file's horizon."""
    days = load_scenario("harvest_surge").horizon_days
    return runs("baseline", horizon_days=days), runs("harvest_surge")


def test_surge_lands_at_the_huu_nghi_pair(before_and_surge):
    before, surge = before_and_surge
    hn = paired(before, surge, total(*(f"cleared_per_day.{c}" for c in HN_PAIR)))
    others = paired(before, surge, total(*(f"cleared_per_day.{c}" for c in OTHERS)))
    assert hn.low > 0, (
        f"F05 reports the March increase at Hữu Nghị: the pair should clear more a day "
        f"({hn.mean:+.0f} ± {hn.half_width:.0f})"
    )
    assert abs(others.mean) + others.half_width < 0.1 * hn.mean, (
        f"the surge is routed to the Hữu Nghị pair only (F05): the other crossings should clear "
        f"about as before ({others.mean:+.1f} ± {others.half_width:.1f} vs {hn.mean:+.0f} at the pair)"
    )


def test_surge_is_mainly_imports(before_and_surge):
    before, surge = before_and_surge
    d = paired(before, surge, lambda r: r["cleared_per_day.import"] - r["cleared_per_day.export"])
    assert d.low > 0, (
        f"F05: 430–450 of 620–630 a day were imports, so the increase should add more imports "
        f"than exports (imports minus exports {d.mean:+.0f} ± {d.half_width:.0f} a day)"
    )


def test_surge_lengthens_time_in_system(before_and_surge):
    before, surge = before_and_surge
    d = paired(before, surge, "time_in_system_h.mean")
    assert d.low > 0, (
        f"300 more trucks a day through Youyiguan, already the binding side, should lengthen "
        f"the time from arrival to crossing ({d.mean:+.2f} ± {d.half_width:.2f} h)"
    )


def test_office_hours_delay_more_fruit_in_the_surge():
    ext, office = runs("harvest_surge", horizon_days=14), runs("harvest_surge_office_hours", horizon_days=14)
    d = paired(ext, office, "perishable_delayed_share")
    assert d.low > 0, (
        f"office hours open the gates about 7 h a day instead of 12–16, so more fruit should "
        f"wait past the delay threshold ({d.mean:+.3f} ± {d.half_width:.3f})"
    )


# ---------------------------------------------------------------------------------------
# Green lane: fruit exports first on the two dedicated roads (004_, F62)


@pytest.fixture(scope="module")
def surge_and_green():
    # Eight replications: the surge keeps Youyiguan's export inspection near saturation, so
    # the fruit's gain varies a lot from one replication to the next.
    return runs("harvest_surge", reps=8), runs("green_lane", reps=8)


@pytest.mark.slow
def test_green_lane_speeds_fruit(surge_and_green):
    surge, green = surge_and_green
    d = paired(surge, green, "time_in_system_h.mean.perishable")
    assert d.high < 0, (
        f"fruit exports served first where the surge queues (Youyiguan's export inspection) "
        f"should spend less time in the system ({d.mean:+.2f} ± {d.half_width:.2f} h)"
    )


@pytest.mark.slow
def test_green_lane_costs_the_goods_it_overtakes(surge_and_green):
    surge, green = surge_and_green
    d = paired(surge, green, "time_in_system_h.mean.general")
    assert d.mean > 0, (
        f"priority only reorders the same lanes: the general goods the fruit overtakes should "
        f"wait longer, not shorter ({d.mean:+.3f} ± {d.half_width:.3f} h)"
    )


# ---------------------------------------------------------------------------------------
# Yards


def test_smaller_yards_push_the_queue_onto_the_road():
    small, large = runs("yard_small", horizon_days=14), runs("yard_large", horizon_days=14)
    d = paired(large, small, "road_queue_peak_km.road_1119_1120")
    assert d.low > 0, (
        f"the export yard of road 1119–1120 holds the trucks Youyiguan has not yet taken; a "
        f"smaller yard should put more of them on the road ({d.mean:+.2f} ± {d.half_width:.2f} km)"
    )


# ---------------------------------------------------------------------------------------
# Tết 2024: closure, metering, staging


@pytest.fixture(scope="module")
def tet():
    return runs("pre_tet", horizon_days=TET_DAYS)


@pytest.mark.slow
def test_tet_pause_builds_a_backlog(tet):
    no_pause = runs(
        "pre_tet",
        horizon_days=TET_DAYS,
        hours={"vn": {"closures": []}, "cn": {"closures": [], "special": []}},
    )
    d = paired(no_pause, tet, "backlog_midnight.max")
    assert d.low > 0, (
        f"four days with the gates paused while trucks keep coming should raise the peak "
        f"midnight backlog ({d.mean:+.0f} ± {d.half_width:.0f} trucks)"
    )


@pytest.fixture(scope="module")
def metered():
    return runs("pre_tet_metered", horizon_days=TET_DAYS)


@pytest.mark.slow
def test_metering_keeps_the_queue_off_the_border_roads(tet, metered):
    road = paired(
        tet, metered, total("road_queue_peak_km.road_1119_1120", "road_queue_peak_km.road_1088_1089")
    )
    assert road.high < 0, (
        f"with no slots in the pause and paced slots after it, the export trucks of the two "
        f"metered roads should wait inland, not on the border road ({road.mean:+.2f} ± "
        f"{road.half_width:.2f} km of peak queue)"
    )
    outside = estimate(r["unregistered_peak.road_1119_1120"] for r in metered)
    assert outside.low > 0, (
        f"metering moves the queue, it does not remove it: trucks should be waiting outside "
        f"for a slot at the peak ({outside.mean:.0f} ± {outside.half_width:.0f})"
    )


@pytest.mark.slow
def test_staging_moves_the_queue_into_the_staging_area(tet):
    staged = runs("pre_tet_staging", horizon_days=TET_DAYS)
    hn = paired(tet, staged, total("road_queue_peak_km.road_1119_1120", "road_queue_peak_km.huu_nghi"))
    assert hn.high < 0, (
        f"export trucks of the Hữu Nghị pair wait in the duty-free zone until the yard has room, "
        f"so the pair's road queue should shrink ({hn.mean:+.2f} ± {hn.half_width:.2f} km)"
    )
    tt = paired(tet, staged, "road_queue_peak_km.road_1088_1089")
    assert abs(tt.mean) <= tt.half_width + 0.1 * abs(hn.mean), (
        f"road 1088/2–1089 has no staging area (F61b is for the Hữu Nghị pair): its queue should "
        f"not change much ({tt.mean:+.2f} ± {tt.half_width:.2f} km vs {hn.mean:+.2f} at the pair)"
    )
    parked = estimate(r["staging_peak.duty_free_zone"] for r in staged)
    assert parked.low > 0, f"trucks should be waiting in the staging area at the peak ({parked.mean:.0f})"


@pytest.mark.slow
def test_staging_adds_what_metering_leaves_on_the_road(metered):
    both = runs("pre_tet_metered_staging", horizon_days=TET_DAYS)
    d = paired(metered, both, "road_queue_peak_km.huu_nghi")
    assert d.high < 0, (
        f"the Hữu Nghị gate is not metered but is staged (F61b): with both measures its export "
        f"queue should leave the road too ({d.mean:+.2f} ± {d.half_width:.2f} km)"
    )
