"""Model features behind the scenario library: priority, trains, smart-gate equipment,
special hours, demand growth, recovery after a closure."""

from __future__ import annotations

import numpy as np
import pytest

from sim import ScenarioError, kpis, load_scenario, parse_scenario, run_once
from sim.engine.demand import hourly_rates

HEAD = """
name = "features"
start_date = 2023-02-13
horizon_days = {days}
rng_seed = 5

[hours.always]
windows = [{{ open = "00:00", close = "24:00" }}]
[hours.day]
windows = [{{ open = "07:00", close = "19:00" }}]

[cargo.perishable]
perishable = true
[cargo.general]

[crossings.gate]
name = "Gate"
kind = "auxiliary_gate"
accepts = ["perishable", "general"]
"""

BACKLOG = """
[[initial_backlog]]
crossing = "gate"
direction = "export"
cargo = "{cargo}"
trucks = {n}
"""

NO_DEMAND = """
[demand.streams.none]
direction = "export"
cargo = "general"
trucks_per_day = 0
routing = { policy = "shares", shares = { gate = 1.0 } }
"""


def test_priority_serves_perishables_first_and_fifo_within():
    text = (
        HEAD.format(days=1)
        + """
[[crossings.gate.routes.export.stages]]
name = "check"
hours = "day"
lanes = 1
priority = ["perishable"]
service.default = { kind = "deterministic", value_min = 10 }
"""
        + NO_DEMAND
        + BACKLOG.format(cargo="general", n=5)
        + BACKLOG.format(cargo="perishable", n=5)
    )
    r = run_once(parse_scenario(text, "prio.toml"))
    rows = r.stages
    order = np.argsort(rows["t_start"])
    served = [r.cargo[c] for c in r.trucks["cargo"][rows["truck"][order]]]
    assert served == ["perishable"] * 5 + ["general"] * 5, "the green lane serves all perishables first"
    perishable_trucks = rows["truck"][order][:5]
    assert list(perishable_trucks) == sorted(perishable_trucks), "first come, first served within a class"


def test_train_timetable_takes_wagons_per_departure():
    text = (
        HEAD.format(days=2)
        + """
[[crossings.gate.routes.export.stages]]
name = "rail"
hours = "day"
departures = ["06:00", "09:00", "15:00"]
wagons_per_train = 20
service.default = { kind = "deterministic", value_min = 90 }
"""
        + NO_DEMAND
        + BACKLOG.format(cargo="general", n=70)
    )
    r = run_once(parse_scenario(text, "rail.toml"))
    starts = r.stages["t_start"][~np.isnan(r.stages["t_start"])]
    # 06:00 is outside the calendar's 07:00–19:00: only 09:00 and 15:00 run each day.
    departures, counts = np.unique(starts, return_counts=True)
    assert list(departures) == [540, 900, 1440 + 540, 1440 + 900]
    assert list(counts) == [20, 20, 20, 10]
    ends = r.trucks["t_out"][r.trucks["outcome"] == 1]
    assert set(ends) == {630, 990, 1440 + 630, 1440 + 990}, "handover 90 min after departure"
    assert kpis(r)["utilisation.gate/export/rail"] == pytest.approx(70 / 80)


def test_equipped_trucks_take_the_automated_lane():
    text = (
        HEAD.format(days=3)
        + """
[[crossings.gate.routes.export.stages]]
name = "manual"
hours = "always"
lanes = 1
serves = "conventional"
service.default = { kind = "exponential", mean_min = 10 }
[[crossings.gate.routes.export.stages]]
name = "smart"
hours = "always"
lanes = 1
serves = "equipped"
service.default = { kind = "deterministic", value_min = 0.5 }

[demand.streams.flow]
direction = "export"
cargo = "general"
trucks_per_day = 100
equipped_share = 0.3
routing = { policy = "shares", shares = { gate = 1.0 } }
"""
    )
    r = run_once(parse_scenario(text, "smart.toml"))
    t, rows = r.trucks, r.stages
    equipped_rows = t["equipped"][rows["truck"]]
    smart = r.stage_names.index("gate/export/smart")
    assert np.array_equal(rows["stage"] == smart, equipped_rows), "equipped trucks, and only they, go smart"
    share = t["equipped"].mean()
    se = np.sqrt(0.3 * 0.7 / t["equipped"].size)
    assert abs(share - 0.3) < 4 * se
    k = kpis(r)
    assert k["time_in_system_h.mean.equipped"] < k["time_in_system_h.mean.conventional"]


def test_route_without_stage_for_equipped_trucks_is_rejected():
    text = (
        HEAD.format(days=1)
        + """
[[crossings.gate.routes.export.stages]]
name = "manual"
hours = "always"
serves = "conventional"
service.default = { kind = "exponential", mean_min = 10 }
"""
        + NO_DEMAND
    )
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "x.toml")
    assert err.value.problems[0] == (
        'x.toml: crossings.gate.routes.export.stages = ["manual"]: '
        "expected at least one stage for equipped 'perishable' trucks"
    )


def test_special_hours_replace_the_weekly_windows_on_their_days():
    text = (
        HEAD.format(days=3).replace(
            '[hours.day]\nwindows = [{ open = "07:00", close = "19:00" }]',
            '[hours.day]\nwindows = [{ open = "07:00", close = "19:00" }]\n'
            "[[hours.day.special]]\nstart = 2023-02-14\nend = 2023-02-14\n"
            'windows = [{ open = "09:00", close = "10:00" }]\nreason = "first day back"\n',
        )
        + """
[[crossings.gate.routes.export.stages]]
name = "check"
hours = "day"
service.default = { kind = "deterministic", value_min = 30 }
"""
        + NO_DEMAND
    )
    r = run_once(parse_scenario(text, "special.toml"))
    check = r.stage_names.index("gate/export/check")
    assert r.stage_intervals[check] == [(420, 1140), (1440 + 540, 1440 + 600), (2880 + 420, 2880 + 1140)]


def test_growth_from_an_earlier_date_compounds():
    base = load_scenario("baseline")
    later = load_scenario(
        "baseline",
        overrides={
            "start_date": "2025-02-13",
            "demand": {"growth_per_year": 0.3, "growth_from": "2023-02-13"},
        },
    )
    stream = base.demand.streams["import_general"]
    ratio = hourly_rates(later, stream)[:24].sum() / hourly_rates(base, stream)[:24].sum()
    assert ratio == pytest.approx(1.3 ** (731 / 365.25))


def test_recovery_rule_on_exact_series():
    from sim.readouts.kpis import _days_to_recover

    # Normal level: the median before the peak (within the first week) is 10; recovered
    # at <= 12, three days after the peak.
    assert _days_to_recover(np.array([10, 9, 11, 80, 40, 20, 12, 11]), 1.2, 7) == 3
    # Only the first week counts as normal, even when the peak comes later.
    series = np.array([10] * 7 + [30, 50, 200, 100, 40, 14, 11])
    assert _days_to_recover(series, 1.2, 7) == 4
    assert np.isnan(_days_to_recover(np.array([10, 10, 80, 40, 30]), 1.2, 7))
    assert _days_to_recover(np.array([50, 40, 30]), 1.2, 7) == 0


def test_days_to_recover_after_a_closure():
    closed = load_scenario(
        "baseline",
        overrides={
            "horizon_days": 45,
            "warmup_days": 2,
            "hours": {"cn": {"closures": [{"start": "2023-02-20", "end": "2023-02-22"}]}},
        },
    )
    k = kpis(run_once(closed))
    assert 0 < k["days_to_recover"] < 30, "a three-day Chinese closure drains within a month"
    assert k["backlog_midnight.max"] > 3 * k["backlog_midnight.mean"] / 2
