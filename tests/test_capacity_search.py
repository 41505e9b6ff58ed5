"""``bordersim capacity`` against theory and hand-countable cases."""

from __future__ import annotations

import json
import subprocess
import sys

from sim.examples.scenarios import mmc_scenario, tandem_dict, validated
from sim.experiments.capacity import capacity, saturating_scenario
from tests.test_chinese_side import build


def test_one_stage_mmc_open_24h_has_capacity_c_mu_within_its_ci():
    """An M/M/c crossing open 24 h can clear at most c·μ a day: 3 lanes × 1440/10 = 432."""
    scenario = mmc_scenario(lam_per_h=1.0, mean_service_min=10.0, lanes=3, days=8, warmup_days=1)
    (route,) = capacity(scenario, replications=10, together=False)
    c_mu = 3 * 1440 / 10.0
    e = route.trucks_per_day
    assert e.low <= c_mu <= e.high, f"capacity {e.mean:.1f} ± {e.half_width:.1f}/day; theory c·μ = {c_mu:g}"
    assert e.half_width < 0.03 * c_mu, "the interval is narrow enough to mean something"
    assert route.binding_stage == "gate/export/service"


def test_saturating_scenario_keeps_capacity_settings_and_replaces_demand():
    scenario = mmc_scenario(lam_per_h=1.0, mean_service_min=10.0, lanes=3, days=8, warmup_days=1)
    saturated = saturating_scenario(scenario, "gate", overload=2.0)
    assert saturated.crossings == scenario.crossings and saturated.hours == scenario.hours
    (stream,) = saturated.demand.streams.values()
    assert stream.trucks_per_day == 2 * 432, "twice the upper bound (3 lanes, 10 min, 24 h)"
    assert saturated.initial_backlog[0].trucks == 432, "one day of the bound waits at time zero"


def test_binding_stage_is_the_slower_of_two_in_line():
    data = tandem_dict([("fast", 2, 5.0), ("slow", 1, 6.0), ("after", 2, 4.0)], days=6, warmup_days=1)
    (route,) = capacity(validated(data), replications=5, together=False)
    assert route.binding_stage == "gate/export/slow", route.queue_growth_per_day
    assert route.trucks_per_day.low <= 240 <= route.trucks_per_day.high, "1 lane × 1440/6 = 240 a day"


def test_shared_facility_capacity_is_the_facilitys_and_is_divided_when_all_saturate():
    """Two roads into one Chinese facility of 240 a day (12 h, 2 lanes, 6 min).

    Each road alone can use the whole facility; saturated together they share it: the
    province total is 240, not 480.
    """
    scenario = build(days=4, backlogs=())
    rows = capacity(scenario, replications=3)
    routes = {r.crossing: r for r in rows if r.direction == "export"}
    for road in ("road_a", "road_b"):
        e = routes[road].loaded_per_day
        assert abs(e.mean - 240) <= 1, f"{road} alone clears {e.mean:.1f}/day; the facility takes 240"
        assert routes[road].binding_stage == "youyiguan/export/cn_check"
    together = next(r for r in rows if r.crossing == "all crossings" and r.direction == "both")
    assert abs(together.loaded_per_day.mean - 240) <= 1, "saturated together, the roads share the 240"


def test_cli_capacity_json_and_bad_overload(tmp_path):
    out = tmp_path / "cap.json"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "capacity", "baseline", "--replications", "2", "--days", "4"]
        + ["--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())
    assert {r["crossing"] for r in rows} >= {"road_1119_1120", "huu_nghi", "dong_dang", "all crossings"}
    routes = [r for r in rows if r["crossing"] != "all crossings"]
    assert all(r["binding_stage"] for r in routes), "every route of the baseline saturates"
    assert "binding stage" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "sim", "capacity", "baseline", "--overload", "0.5"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == "--overload 0.5: expected a number above 1 and at most 10"
