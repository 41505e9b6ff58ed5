"""The scenario library: every file validates and runs, and each effect has the
direction the question expects.

Comparisons are paired: the same replications (rng_seed, r) give both scenarios the
same arrivals and the same service draws where they share them (common random numbers),
so differences come from the change, not from noise. Horizons are shortened for CI.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import conservation, load_scenario, replicate, run_once
from sim.experiments.replications import estimate
from sim.readouts.kpis import in_system_at
from sim.scenario.files import packaged_dir

REPS = 4


def runs(name: str, **overrides) -> list[dict[str, float]]:
    return replicate(load_scenario(name, overrides=overrides or None), REPS, workers=2)


def paired(a: list[dict], b: list[dict], key: str):
    """Estimate of b - a for ``key`` over paired replications."""
    return estimate(y[key] - x[key] for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("path", sorted(packaged_dir().glob("*.toml")), ids=lambda p: p.stem)
def test_every_scenario_runs_and_conserves_trucks(path):
    scenario = load_scenario(path, overrides={"horizon_days": 4, "warmup_days": 1})
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# "), f"{path.name} must open with a comment stating its question"
    text = path.read_text(encoding="utf-8")
    assert "ASSUMPTION" in text or path.stem == "office_hours", f"{path.name} must mark its assumptions"
    result = run_once(scenario)
    c, t = conservation(result), result.trucks
    assert c["initial_backlog"] == sum(b.trucks for b in scenario.initial_backlog)
    # Outcome codes against times: trucks still in the system by their timestamps.
    assert in_system_at(result, np.array([result.horizon_min]))[0] == c["in_system"]
    left = t["outcome"] > 0
    assert np.all(t["t_out"][left] >= t["t_arrive"][left])


def test_office_hours_clear_less_than_extended_hours():
    base, office = runs("baseline", horizon_days=14), runs("office_hours", horizon_days=14)
    d = paired(base, office, "cleared_per_day")
    assert d.high < 0, (
        f"office hours should clear fewer trucks a day; difference {d.mean:.0f} ± {d.half_width:.0f}"
    )


def test_round_the_clock_shortens_time_in_system():
    base, always = runs("baseline", horizon_days=10), runs("round_the_clock", horizon_days=10)
    d = paired(base, always, "time_in_system_h.mean")
    assert d.high < 0, f"24 h clearance should shorten the time in system; difference {d.mean:.2f} h"


def test_rail_shift_relieves_road_1119_1120():
    base, rail = runs("baseline", horizon_days=10), runs("rail_shift", horizon_days=10)
    d = paired(base, rail, "cleared_per_day.road_1119_1120")
    assert d.high < 0, "moving containers to rail should take trucks off road 1119–1120"
    util = paired(base, rail, "utilisation.road_1119_1120/import/vn_customs")
    assert util.high < 0, f"its import customs should be less busy; difference {util.mean:.3f}"


@pytest.mark.parametrize("name", ["disruption_closure", "disruption_cn_cap"])
def test_closure_creates_a_backlog_that_drains_after_reopening(name):
    result = run_once(load_scenario(name))
    midnights = np.arange(1, result.scenario.horizon_days + 1) * 1440.0
    backlog = in_system_at(result, midnights)
    # Disruption 20–24 Feb; the run starts 13 Feb: day 7 is the first disrupted day.
    before, peak, end = backlog[3:7].mean(), backlog[7:14].max(), backlog[-5:].mean()
    assert peak > 5 * before, f"{name}: the disruption should build a backlog ({before:.0f} -> {peak:.0f})"
    assert end < 2 * before, (
        f"{name}: the backlog should drain after reopening (end {end:.0f} vs {before:.0f})"
    )
