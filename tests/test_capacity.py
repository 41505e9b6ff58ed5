"""Capacity limits each binding on its own: paced acceptance, daily quota, yard, patience."""

from __future__ import annotations

import numpy as np

from sim import conservation, kpis, parse_scenario, run_once
from sim.engine.records import PLACES

BASE = """
name = "capacity"
start_date = 2023-02-13
horizon_days = {days}
rng_seed = 11

[hours.always]
windows = [{{ open = "00:00", close = "24:00" }}]
[hours.cn]
timezone = "Asia/Shanghai"
windows = [{{ open = "08:00", close = "18:00" }}]

[cargo.general]
{cargo_extra}

[crossings.gate]
name = "Gate"
kind = "auxiliary_gate"
accepts = ["general"]
road_m_per_truck = 20
[crossings.gate.routes.export]
{yard}
[[crossings.gate.routes.export.stages]]
name = "vn_customs"
hours = "always"
lanes = 4
service.default = {{ kind = "deterministic", value_min = 1 }}
{extra_stage}

[demand.streams.flow]
direction = "export"
cargo = "general"
trucks_per_day = {per_day}
routing = {{ policy = "shares", shares = {{ gate = 1.0 }} }}

[[initial_backlog]]
crossing = "gate"
direction = "export"
cargo = "general"
trucks = {backlog}
"""


def scenario(days=1, backlog=0, per_day=0, yard="", extra_stage="", cargo_extra=""):
    text = BASE.format(
        days=days,
        backlog=backlog,
        per_day=per_day,
        yard=yard,
        extra_stage=extra_stage,
        cargo_extra=cargo_extra,
    )
    return parse_scenario(text, "capacity.toml")


CN_PACE = """
[[crossings.gate.routes.export.stages]]
name = "cn_acceptance"
side = "CN"
hours = "cn"
trucks_per_hour = 12
"""


def test_paced_chinese_acceptance_binds_with_its_own_hours():
    # 08:00–18:00 Beijing = 07:00–17:00 Hanoi: 10 h at 12 trucks/h = 120 trucks a day.
    result = run_once(scenario(days=2, backlog=500, extra_stage=CN_PACE))
    cleared = result.trucks["t_out"][result.trucks["outcome"] == 1]
    per_day = np.bincount((cleared // 1440).astype(int), minlength=2)
    assert list(per_day) == [120, 120]
    first = cleared.min() % 1440
    assert first == 7 * 60 + 5, "the first acceptance ends 5 min after 07:00 Hanoi (08:00 Beijing)"


def test_daily_quota_binds():
    quota = CN_PACE.replace("trucks_per_hour = 12", "trucks_per_hour = 12\nmax_per_day = 30")
    result = run_once(scenario(days=3, backlog=500, extra_stage=quota))
    cleared = result.trucks["t_out"][result.trucks["outcome"] == 1]
    assert list(np.bincount((cleared // 1440).astype(int), minlength=3)) == [30, 30, 30]


def test_full_yard_sends_trucks_to_the_road():
    result = run_once(scenario(backlog=25, yard="yard_capacity = 5", extra_stage=CN_PACE))
    k = kpis(result)
    # At time zero 5 trucks fit in the yard; 20 wait on the road, 20 m each.
    assert k["road_queue_peak.gate"] == 20
    assert k["road_queue_peak_km.gate"] == 20 * 20 / 1000
    t = result.trucks
    entered = np.sort(t["t_yard"][~np.isnan(t["t_yard"])])
    assert (entered[:5] == 0).all() and (entered[5:] > 0).all()
    # Every truck leaving the yard lets exactly one truck in from the road.
    left = np.sort(t["t_out"][t["outcome"] == 1])
    assert np.array_equal(entered[5 : 5 + left.size], left[: entered.size - 5])


def test_impatient_trucks_give_up_and_are_counted():
    patience = 'patience = { kind = "deterministic", value_min = 120 }'
    # The Chinese side opens at 07:00 Hanoi (420 min). Trucks 0-4 fill the yard (5), pass
    # Vietnamese customs (4 lanes, 1 min) within 2 min and wait for the Chinese acceptance:
    # not yet accepted, they turn back at 120 after customs (issue 22; before, a truck past its
    # first stage waited however long China took). Their timers run first (set in truck order
    # at time 0): each leaving lets a truck in from the road, and trucks 5-8 start customs at
    # 120, the very instant their own patience is up: in service, they turn back when it ends,
    # at 121, after customs. Truck 9 finds the four lanes busy and queues: it turns back at
    # 120 from the yard, letting truck 10 in, and so on to truck 39.
    result = run_once(
        scenario(backlog=40, yard="yard_capacity = 5", extra_stage=CN_PACE, cargo_extra=patience)
    )
    c = conservation(result)
    assert c["gave_up"] == 40, "nobody is accepted by the Chinese side before 420 min"
    assert c["initial_backlog"] == c["cleared"] + c["gave_up"] + c["in_system"]
    t = result.trucks
    assert np.array_equal(t["t_out"], [120] * 5 + [121] * 4 + [120] * 31)
    assert [PLACES[p] for p in t["place"]] == ["later_stage"] * 9 + ["yard"] * 31


def test_least_expected_wait_prefers_the_faster_crossing():
    text = BASE.format(days=2, backlog=0, per_day=600, yard="", extra_stage="", cargo_extra="")
    text = text.replace(
        'routing = { policy = "shares", shares = { gate = 1.0 } }',
        'routing = { policy = "least_expected_wait", crossings = ["gate", "slow"] }',
    )
    text += """
[crossings.slow]
name = "Slow"
kind = "auxiliary_gate"
accepts = ["general"]
[[crossings.slow.routes.export.stages]]
name = "vn_customs"
hours = "always"
lanes = 1
service.default = { kind = "deterministic", value_min = 10 }
"""
    result = run_once(parse_scenario(text, "lew.toml"))
    share_fast = (result.trucks["crossing"] == result.crossings.index("gate")).mean()
    assert share_fast > 0.9, f"only {share_fast:.0%} chose the crossing with 40x the capacity"
    c = conservation(result)
    assert c["arrived"] == c["cleared"] + c["in_system"]


def test_queue_length_over_time():
    # 30 trucks at 00:00; the Chinese stage opens at 07:00 Hanoi and takes one every 5 min.
    result = run_once(scenario(backlog=30, extra_stage=CN_PACE))
    times, waiting = result.queue_lengths(step_min=60)
    cn = result.stage_names.index("gate/export/cn_acceptance")
    at = {int(t // 60): int(w) for t, w in zip(times, waiting[cn], strict=True)}
    assert at[6] == 30, "all 30 wait for the Chinese side before it opens"
    assert at[8] == 30 - 13, "by 08:00, 12 accepted and one in service since 07:55"
    assert at[10] == 0
