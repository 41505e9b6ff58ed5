"""The Chinese side as real stages: shared facilities, capacity over time, empty returns.

Exact, deterministic cases (deterministic service times, an initial backlog) whose
answers can be counted by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import conservation, kpis, parse_scenario, run_once
from sim.engine.capacity import capacity_at
from sim.scenario.files import ScenarioError

HEAD = """
name = "chinese_side"
start_date = 2023-02-13   # a Monday
horizon_days = {days}
rng_seed = 5

[hours.always]
windows = [{{ open = "00:00", close = "24:00" }}]
[hours.cn]
timezone = "Asia/Shanghai"
windows = [{{ open = "08:00", close = "20:00" }}]   # F43: 08:00-20:00 Beijing = 07:00-19:00 Hanoi
{cn_extra}

[cargo.general]
[cargo.empty]
loaded = false
"""

ROAD = """
[crossings.{cid}]
name = "{cid}"
kind = "dedicated_road"
accepts = ["general", "empty"]
[crossings.{cid}.routes.export]
facility = "youyiguan"
[[crossings.{cid}.routes.export.stages]]
name = "vn_customs"
hours = "always"
lanes = 10
service.default = {{ kind = "deterministic", value_min = 1 }}
"""

FACILITY = """
[facilities.youyiguan]
name = "Youyiguan"
{facility_extra}
[[facilities.youyiguan.routes.export.stages]]
name = "cn_check"
side = "CN"
hours = "cn"
lanes = {lanes}
service.default = {{ kind = "deterministic", value_min = 6 }}
{stage_extra}
"""

STREAM = """
[demand.streams.flow]
direction = "export"
cargo = "general"
trucks_per_day = 0
routing = {{ policy = "shares", shares = {{ {first} = 1.0 }} }}
"""


def backlog(cid: str, trucks: int, cargo: str = "general") -> str:
    return f"""
[[initial_backlog]]
crossing = "{cid}"
direction = "export"
cargo = "{cargo}"
trucks = {trucks}
"""


def build(
    *,
    days=1,
    roads=("road_a", "road_b"),
    backlogs=(("road_a", 300), ("road_b", 300)),
    lanes=2,
    cn_extra="",
    facility_extra="",
    stage_extra="",
):
    text = HEAD.format(days=days, cn_extra=cn_extra)
    text += "".join(ROAD.format(cid=c) for c in roads)
    text += FACILITY.format(lanes=lanes, facility_extra=facility_extra, stage_extra=stage_extra)
    text += STREAM.format(first=roads[0])
    text += "".join(backlog(c, n, *rest) for c, n, *rest in backlogs)
    return parse_scenario(text, "chinese_side.toml")


def cleared_by_day(result, crossing=None):
    t = result.trucks
    mine = t["outcome"] == 1
    if crossing is not None:
        mine &= t["crossing"] == result.crossings.index(crossing)
    days = result.scenario.horizon_days
    return np.bincount((t["t_out"][mine] // 1440).astype(int), minlength=days).tolist()


def test_shared_facility_is_one_queue_and_one_pool_of_lanes():
    """Two roads feed Youyiguan: one stage object, capacity conserved between them."""
    result = run_once(build())
    shared = [n for n in result.stage_names if n.startswith("youyiguan/")]
    assert shared == ["youyiguan/export/cn_check"], "the facility is simulated once, not per road"
    # 12 h a day (07:00-19:00 Hanoi), 2 lanes, 6 min: 240 trucks a day between both roads.
    assert cleared_by_day(result) == [240]
    a, b = cleared_by_day(result, "road_a")[0], cleared_by_day(result, "road_b")[0]
    assert a + b == 240 and a > 0 and b > 0, f"both roads share the 240 ({a} + {b})"
    # One queue: service starts at the facility are in order of arrival at it, whichever road.
    rows = result.stages
    sid = result.stage_names.index("youyiguan/export/cn_check")
    mine = (rows["stage"] == sid) & ~np.isnan(rows["t_start"])
    order = np.lexsort((rows["t_start"][mine], rows["t_queue"][mine]))
    assert np.all(np.diff(rows["t_start"][mine][order]) >= 0), "FIFO over both roads"
    # Never more than 2 in service at once, over both roads.
    starts, ends = rows["t_start"][mine], rows["t_end"][mine]
    times = np.concatenate([starts, ends])
    step = np.concatenate([np.ones(starts.size), -np.ones(ends.size)])
    assert np.cumsum(step[np.lexsort((step, times))]).max() <= 2


def test_one_road_alone_gets_the_whole_facility():
    result = run_once(build(roads=("road_a",), backlogs=(("road_a", 600),)))
    assert cleared_by_day(result) == [240], "capacity is the facility's, not a road's share"


def test_chinese_closure_stops_every_route_through_the_facility():
    closure = 'closures = [{ start = 2023-02-14T00:00:00, end = 2023-02-15T00:00:00, reason = "test" }]'
    result = run_once(build(days=3, facility_extra=closure))
    assert cleared_by_day(result, "road_a")[1] == 0 and cleared_by_day(result, "road_b")[1] == 0
    assert cleared_by_day(result) == [240, 0, 240]


def test_closure_of_the_chinese_calendar_stops_the_facility_too():
    cn = 'closures = [{ start = 2023-02-14, end = 2023-02-14, reason = "Tết-like pause" }]'
    result = run_once(build(days=3, cn_extra=cn))
    assert cleared_by_day(result) == [240, 0, 240]


def test_staffing_by_hour_changes_capacity_at_the_right_instants_both_time_zones():
    # Beijing 12:00-14:00: 1 lane instead of 2 (= 11:00-13:00 Hanoi on the model clock).
    staffing = 'staffing = [{ days = "daily", open = "12:00", close = "14:00", lanes = 1 }]'
    result = run_once(build(stage_extra=staffing))
    sid = result.stage_names.index("youyiguan/export/cn_check")
    timeline = result.stage_timelines[sid]
    assert capacity_at(timeline, 6 * 60 + 59)[0] == 0, "closed before 07:00 Hanoi (08:00 Beijing)"
    assert capacity_at(timeline, 7 * 60)[0] == 2
    assert capacity_at(timeline, 10 * 60 + 59)[0] == 2
    assert capacity_at(timeline, 11 * 60)[0] == 1, "12:00 Beijing is 11:00 on the Hanoi clock"
    assert capacity_at(timeline, 12 * 60 + 59)[0] == 1
    assert capacity_at(timeline, 13 * 60)[0] == 2
    assert capacity_at(timeline, 19 * 60)[0] == 0
    # 10 h at 2 lanes + 2 h at 1 lane, 6 min each: 200 + 20.
    assert cleared_by_day(result) == [220]
    rows = result.stages
    starts = rows["t_start"][(rows["stage"] == sid) & ~np.isnan(rows["t_start"])]
    in_window = starts[(starts >= 11 * 60) & (starts < 13 * 60)]
    assert in_window.size == 20 and np.all(np.diff(in_window) == 6), "one lane: one start every 6 min"


def test_weekday_staffing_in_the_vietnamese_time_zone():
    text = """
name = "weekday"
start_date = 2023-02-17   # a Friday
horizon_days = 3
[hours.vn]
windows = [{ open = "07:00", close = "17:00" }]
[cargo.general]
[crossings.gate]
name = "Gate"
kind = "auxiliary_gate"
accepts = ["general"]
[[crossings.gate.routes.export.stages]]
name = "vn_customs"
hours = "vn"
lanes = 3
staffing = [{ days = "sat,sun", open = "07:00", close = "17:00", lanes = 1 }]
service.default = { kind = "deterministic", value_min = 10 }
[demand.streams.flow]
direction = "export"
cargo = "general"
trucks_per_day = 0
routing = { policy = "shares", shares = { gate = 1.0 } }
[[initial_backlog]]
crossing = "gate"
direction = "export"
cargo = "general"
trucks = 1000
"""
    result = run_once(parse_scenario(text, "weekday.toml"))
    assert cleared_by_day(result) == [180, 60, 60], "3 lanes on Friday, 1 lane at the weekend"


def test_dated_lane_change_and_slower_check():
    # F59: Youyiguan lanes 6 -> 12 on 30 Apr 2024; here 2 -> 4 from the second day (Beijing
    # midnight = 23:00 Hanoi, before the 07:00 opening), and a check twice as slow (F38) on day 3.
    slower = '{ default = { kind = "deterministic", value_min = 12 } }'
    changes = f"""changes = [
  {{ start = 2023-02-14, lanes = 4, reason = "more lanes (as F59)" }},
  {{ start = 2023-02-15, reason = "slower check (as F38)", service = {slower} }},
]"""
    result = run_once(build(days=3, backlogs=(("road_a", 2000),), stage_extra=changes))
    assert cleared_by_day(result) == [240, 480, 240]


def test_ramp_after_a_closure_clears_the_stated_fraction():
    cn = 'closures = [{ start = 2023-02-14, end = 2023-02-14, reason = "pause" }]'
    result = run_once(
        build(
            days=4,
            backlogs=(("road_a", 2000),),
            cn_extra=cn,
            stage_extra='ramp_after_closure = { of = "capacity", fractions = [0.25, 0.5] }',
        )
    )
    # Reopens 00:00 Beijing 15 Feb; the stage opens at 07:00 Hanoi: a quarter of 240, then half.
    assert cleared_by_day(result) == [240, 0, 60, 120]


def test_a_ramp_must_say_what_its_fractions_are_of():
    with pytest.raises(ScenarioError) as err:
        build(stage_extra="ramp_after_closure = [0.25, 0.5]")
    message = str(err.value)
    assert "ramp_after_closure" in message and 'of = "capacity"' in message and 'of = "normal_day"' in message
    assert len(message.splitlines()) == 1


def test_empty_returns_never_count_as_cleared_loaded_trucks():
    result = run_once(build(backlogs=(("road_a", 100), ("road_b", 100, "empty"))))
    k = kpis(result)
    t = result.trucks
    empty = result.cargo.index("empty")
    crossed_empty = int(((t["outcome"] == 1) & (t["cargo"] == empty)).sum())
    crossed_loaded = int(((t["outcome"] == 1) & (t["cargo"] != empty)).sum())
    assert crossed_empty == 100 and crossed_loaded == 100, "both flows cross (the facility takes 240)"
    assert k["cleared_per_day"] == 100, "the Vietnamese count is of loaded trucks only"
    assert k["empty_cleared_per_day"] == 100
    assert k["empty_cleared_per_day.road_b"] == 100 and k["cleared_per_day.road_b"] == 0
    c = conservation(result)
    assert c["initial_backlog"] == c["cleared"] + c["gave_up"] + c["in_system"]


def test_empty_returns_take_chinese_capacity_from_loaded_trucks():
    alone = run_once(build(backlogs=(("road_a", 300),)))
    shared = run_once(build(backlogs=(("road_a", 300), ("road_b", 300, "empty"))))
    assert kpis(alone)["cleared_per_day"] == 240
    assert kpis(shared)["cleared_per_day"] < 200, "empties queue at the same Chinese lanes"


def test_unknown_facility_is_named_in_one_line():
    text = HEAD.format(days=1, cn_extra="") + ROAD.format(cid="road_a").replace("youyiguan", "puzhai")
    text += FACILITY.format(lanes=1, facility_extra="", stage_extra="") + STREAM.format(first="road_a")
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "bad.toml")
    assert (
        "bad.toml: crossings.road_a.routes.export.facility = 'puzhai': expected one of the facilities "
        "in [facilities]: youyiguan"
    ) in str(err.value)
