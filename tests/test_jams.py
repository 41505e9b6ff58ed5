"""When the border jams (issue 12): routing that sees hours, closures and quotas; backlog
that has already waited; where trucks give up; a yard of capacity 0; KPIs that stay honest
under overload (censoring, turned-back perishables, value at risk, queueing cost,
non-recovering runs). Exact event logs and hand computations, no pinned outputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import ScenarioError, kpis, parse_scenario, run_once
from sim.engine.records import PLACES
from sim.readouts.kpis import conservation
from sim.scenario.schema import PERISHABLE_VALUE_VND

HEAD = """
name = "jams"
start_date = 2024-02-05
horizon_days = {days}
rng_seed = 3

[hours.always]
windows = [{{ open = "00:00", close = "24:00" }}]
[hours.day]
windows = [{{ open = "08:00", close = "17:00" }}]

[cargo.fruit]
perishable = true
{fruit}
[cargo.general]
"""

GATE = """
[crossings.{cid}]
name = "{cid}"
kind = "auxiliary_gate"
accepts = ["fruit", "general"]
{closures}
[crossings.{cid}.routes.export]
{yard}
[[crossings.{cid}.routes.export.stages]]
name = "check"
hours = "{hours}"
lanes = 1
{quota}
service.default = {{ kind = "deterministic", value_min = {service} }}
"""


def gate(cid, hours="always", service=10, closures="", quota="", yard=""):
    return GATE.format(cid=cid, hours=hours, service=service, closures=closures, quota=quota, yard=yard)


def stream(per_day, routing, cargo="general"):
    return f"""
[demand.streams.s]
direction = "export"
cargo = "{cargo}"
trucks_per_day = {per_day}
routing = {routing}
"""


def backlog(cid, n, cargo="general", waited_h=0.0):
    return f"""
[[initial_backlog]]
crossing = "{cid}"
direction = "export"
cargo = "{cargo}"
trucks = {n}
waited_h = {waited_h}
"""


LEW = '{ policy = "least_expected_wait", crossings = ["fast", "slow"] }'


# -- routing that sees hours, closures and quotas ------------------------------------------------
def test_least_expected_wait_routes_around_a_closed_crossing():
    # "fast" (1 min a truck) is closed on the first two days (5-6 Feb, model time zone);
    # "slow" (60 min a truck) is open. Without looking ahead, every truck would queue at the
    # closed fast gate (issue 12: 42 h waits beside an open crossing at 0.2 h).
    closed = 'closures = [{ start = 2024-02-05, end = 2024-02-06, reason = "test" }]'
    text = (
        HEAD.format(days=3, fruit="")
        + gate("fast", service=1, closures=closed)
        + gate("slow", service=60)
        + stream(12, LEW)
    )
    r = run_once(parse_scenario(text, "closed.toml"))
    t = r.trucks
    fast, slow = r.crossings.index("fast"), r.crossings.index("slow")
    first_two_days = t["t_arrive"] < 2 * 1440
    # The fast gate reopens at 2880 min: a truck arriving at time a expects 2880 - a there,
    # against (ahead + 1) x 60 min at the slow gate. Check each choice against that rule.
    for i in np.nonzero(first_two_days)[0]:
        a = t["t_arrive"][i]
        assert t["crossing"][i] in (fast, slow)
        if t["crossing"][i] == fast:
            assert 2880 - a < 24 * 60, f"truck {i} sent to the closed gate {2880 - a:.0f} min before it opens"
    early = first_two_days & (t["t_arrive"] < 1440)
    assert (t["crossing"][early] == slow).all(), "on day 1 the closed gate is a day or more away"
    assert (t["crossing"][t["t_arrive"] >= 2880] == fast).all(), "once open, the fast gate wins"


def test_least_expected_wait_knows_opening_hours():
    # 06:00: "fast" opens at 08:00 (120 min away), "slow" is open and empty (60 min).
    # 07:30: "fast" is 30 min from opening, "slow" has one truck ahead (120 min): fast.
    text = (
        HEAD.format(days=1, fruit="")
        + gate("fast", hours="day", service=1)
        + gate("slow", service=60)
        + stream(0, LEW)
    )
    s = parse_scenario(text, "hours.toml")
    from sim.engine.model import Model

    m = Model(s)
    m.env.run(until=6 * 60)
    assert m.chooser.choose(0, 0, 1, 0, m.env.now) == m.crossing_names.index("slow")
    m.yards[m.crossing_names.index("slow")][0].inside = 1
    m.env.run(until=7.5 * 60)
    assert m.chooser.choose(0, 0, 1, 0, m.env.now) == m.crossing_names.index("fast")


def test_least_expected_wait_skips_a_crossing_whose_quota_is_used_up():
    # "fast" takes 1 truck a day (quota) and it is used; its next start is at midnight.
    text = (
        HEAD.format(days=2, fruit="")
        + gate("fast", service=1, quota="max_per_day = 1")
        + gate("slow", service=60)
        + stream(0, LEW)
        + backlog("fast", 1)
    )
    from sim.engine.model import Model

    m = Model(parse_scenario(text, "quota.toml"))
    m.admit(0)
    m.env.run(until=600)
    fast, slow = m.crossing_names.index("fast"), m.crossing_names.index("slow")
    stage = m.routes[fast][0][2][0]
    assert stage.quota_left == 0 and stage.reopen_at == 1440
    assert m.chooser.choose(0, 0, 1, 0, m.env.now) == slow, "840 min to the quota's midnight > 60 min"


# -- turning back ---------------------------------------------------------------------------------
def test_initial_backlog_carries_its_age_into_patience():
    # Patience 10 h; the gate opens at 08:00 (480 min) behind a yard of 2. Trucks 0-1 (in the
    # yard) have waited 3 h and give up at 10 - 3 = 7 h (420 min); trucks 2-4 (on the road)
    # have waited 4 h and give up at 6 h (360 min), so none of them enters the yard first.
    text = (
        HEAD.format(days=1, fruit='patience = { kind = "deterministic", value_min = 600 }')
        + gate("fast", hours="day", service=10, yard="yard_capacity = 2")
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 2, cargo="fruit", waited_h=3)
        + backlog("fast", 3, cargo="fruit", waited_h=4)
    )
    r = run_once(parse_scenario(text, "age.toml"))
    t = r.trucks
    assert (t["outcome"] == 2).all(), "the gate opens at 480 min, after everyone's patience ran out"
    assert np.array_equal(t["t_out"], [420.0, 420.0, 360.0, 360.0, 360.0])
    # Where: two in the yard (a stage row with no start), three on the road (no yard entry).
    assert np.array_equal(np.isnan(t["t_yard"]), [False, False, True, True, True])
    k = kpis(r)
    assert k["gave_up_per_day.yard"] == 2 and k["gave_up_per_day.road"] == 3
    rows = r.stages
    assert sorted(rows["truck"].tolist()) == [0, 1] and np.isnan(rows["t_start"]).all()


def test_no_truck_gives_up_once_accepted_by_the_chinese_side():
    # Two stages: VN check 10 min, then the Chinese acceptance (side CN) 300 min, one lane each.
    # Patience 60 min, eight trucks at 0. Truck 0 starts the Chinese stage at 10: accepted,
    # it crosses at 310 however long that takes. Trucks 1-4 pass the VN check (ends 20 .. 50)
    # and queue for China: not yet accepted, they turn back at 60 after customs (issue 22).
    # Truck 5 is in the VN check at 60 (50-60): it turns back when it ends and must wait, at
    # 60. Trucks 6-7 still queue for the VN check: they turn back from the yard at 60.
    text = HEAD.format(days=1, fruit='patience = { kind = "deterministic", value_min = 60 }') + gate(
        "fast", service=10
    )
    text += """
[[crossings.fast.routes.export.stages]]
name = "cn"
side = "CN"
hours = "always"
lanes = 1
service.default = { kind = "deterministic", value_min = 300 }
"""
    text += stream(0, '{ policy = "shares", shares = { fast = 1.0 } }') + backlog("fast", 8, cargo="fruit")
    r = run_once(parse_scenario(text, "cn.toml"))
    t = r.trucks
    assert t["outcome"].tolist() == [1, 2, 2, 2, 2, 2, 2, 2]
    assert t["t_out"][0] == 310 and (t["t_out"][1:] == 60).all()
    assert [PLACES[p] for p in t["place"]] == ["none"] + ["later_stage"] * 5 + ["yard"] * 2
    assert t["reimported"].tolist() == [False] + [True] * 5 + [False] * 2, "declared at VN customs"


# -- a yard of capacity 0 ---------------------------------------------------------------------------
def test_yard_capacity_zero_is_rejected_with_a_one_line_message():
    text = (
        HEAD.format(days=1, fruit="")
        + gate("fast", yard="yard_capacity = 0")
        + stream(1, '{ policy = "shares", shares = { fast = 1.0 } }')
    )
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "zero.toml")
    message = str(err.value)
    assert "zero.toml" in message and "crossings.fast.routes.export.yard_capacity" in message
    assert "\n" not in message.strip()


# -- honest KPIs on a hand-computed case ------------------------------------------------------------
def test_kpis_under_censoring_on_a_hand_computed_case():
    # 6 fruit trucks at 00:00; the gate opens 08:00-17:00 and serves one every 180 min:
    # starts 480, 660, 840 (the third ends 1020 = 17:00); day 2 starts 1920, 2100, 2280.
    # Horizon 2 days (2880 min). Patience 30 h (1800 min): trucks 3, 4, 5 are still
    # waiting at 1800 and give up then.
    text = (
        HEAD.format(days=2, fruit='patience = { kind = "deterministic", value_min = 1800 }')
        + gate("fast", hours="day", service=180)
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 6, cargo="fruit")
    )
    r = run_once(parse_scenario(text, "kpi.toml"))
    t = r.trucks
    assert t["outcome"].tolist() == [1, 1, 1, 2, 2, 2]
    assert np.array_equal(t["t_out"], [660.0, 840.0, 1020.0, 1800.0, 1800.0, 1800.0])
    k = kpis(r)
    # Backlog trucks are not arrivals of the measured days: time-in-system KPIs have none.
    assert k["time_in_system_h.trucks"] == 0 and math.isnan(k["time_in_system_h.mean"])
    # Truck-hours in the system: 11 + 14 + 17 + 3 x 30 = 132 h, at VND 0.3 M, over 2 days.
    assert k["queue_cost_vnd_per_day"] == pytest.approx(132 * 300_000 / 2)
    assert k["gave_up_per_day"] == 1.5


def test_kpis_count_censored_trucks_and_turned_back_perishables():
    # Arrivals (not backlog): one fruit truck a day at a crossing open 08:00-17:00 serving
    # in 600 min (more than a day's opening: each truck waits days). Deterministic arrivals
    # are not available, so check the identities the KPIs must satisfy.
    text = (
        HEAD.format(days=10, fruit='patience = { kind = "deterministic", value_min = 2000 }')
        + gate("fast", hours="day", service=600)
        + stream(6, '{ policy = "shares", shares = { fast = 1.0 } }', cargo="fruit")
    )
    r = run_once(parse_scenario(text, "censor.toml"))
    t, k = r.trucks, kpis(r)
    h = 10 * 1440
    arrived = ~t["initial"]
    done = arrived & (t["outcome"] == 1)
    waiting = arrived & (t["outcome"] == 0)
    gave_up = arrived & (t["outcome"] == 2)
    assert gave_up.any() and waiting.any(), "the case must have both censored and turned-back trucks"
    assert k["in_system_share_end"] == pytest.approx(waiting.sum() / arrived.sum())
    tis = (t["t_out"][done] - t["t_arrive"][done]) / 60
    lower = np.concatenate([tis, (h - t["t_arrive"][waiting]) / 60]).mean()
    assert k["time_in_system_h.lower_bound"] == pytest.approx(lower)
    assert k["time_in_system_h.trucks"] == done.sum()
    # Every turned-back perishable counts as delayed, however soon it turned back.
    end = np.where(np.isnan(t["t_out"]), h, t["t_out"])
    late = arrived & ((end - t["t_arrive"] > 24 * 60) | (t["outcome"] == 2))
    assert k["perishable_delayed_share"] == pytest.approx(late.sum() / arrived.sum())
    assert k["value_at_risk_vnd_per_day"] == pytest.approx(late.sum() * PERISHABLE_VALUE_VND / 10)
    c = conservation(r)
    assert c["arrived"] == c["cleared"] + c["gave_up"] + c["in_system"]


def test_value_per_truck_is_a_scenario_parameter():
    text = (
        HEAD.format(days=2, fruit="value_vnd = 1e9")
        + gate("fast", hours="day", service=180)
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
    )
    s = parse_scenario(text, "value.toml")
    assert s.cargo["fruit"].value_per_truck_vnd() == 1e9
    assert s.cargo["general"].value_per_truck_vnd() == 0.0
    assert PERISHABLE_VALUE_VND == 2.5e9, "F88: a durian truckload is worth VND 2-3 bn"


def test_non_recovering_run_is_reported_not_dropped():
    # Arrivals outrun a gate open 9 h a day: the backlog grows to the end, never recovers.
    text = (
        HEAD.format(days=12, fruit="")
        + gate("fast", hours="day", service=30)
        + stream(40, '{ policy = "shares", shares = { fast = 1.0 } }')
    )
    k = kpis(run_once(parse_scenario(text, "grow.toml")))
    assert math.isnan(k["days_to_recover"])
    assert k["days_to_recover.not_recovered"] == 1.0
    assert k["days_to_recover.lower_bound"] == 0.0, "the peak is the last midnight"
    assert k["unstable"] == 1.0, "22 trucks a day more than the gate serves: a steady trend"
    assert k["in_system_share_end"] > 0.3
    assert k["time_in_system_h.lower_bound"] > k["time_in_system_h.mean"]


# -- staging and call-forward ---------------------------------------------------------------------
STAGING = """
[staging.park]
name = "Park"
km_from_gate = 5
capacity = {capacity}
speed_kmh = 20
"""


def test_call_forward_order_and_timing_from_a_staging_area():
    # Park 5 km away at 20 km/h: 15 min to the gate. Gate yard of 2, one lane of 60 min,
    # park of 3. Six trucks at 00:00: 0 and 1 are called at once; 2, 3, 4 wait in the park;
    # 5 waits on the road before the park. Each truck leaving the gate calls the next one.
    text = (
        HEAD.format(days=1, fruit="")
        + gate("fast", service=60, yard='yard_capacity = 2\nstaging = "park"')
        + STAGING.format(capacity=3)
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 6)
    )
    r = run_once(parse_scenario(text, "staging.toml"))
    t = r.trucks
    assert np.array_equal(t["t_staged"], [0, 0, 0, 0, 0, 75])
    assert np.array_equal(t["t_called"], [0, 0, 75, 135, 195, 255])
    assert np.array_equal(t["t_yard"], t["t_called"] + 15)
    assert np.array_equal(t["t_out"], [75, 135, 195, 255, 315, 375])
    k = kpis(r)
    assert k["staging_peak.park"] == 3 and k["road_queue_peak.fast"] == 1 and k["yard_peak.fast"] == 2
    assert k["called_per_day"] == 6


def test_giving_up_in_the_staging_area_in_transit_and_in_the_yard():
    # As in the call-forward case, with patience 100 min. Truck 2, called at 75, is in the gate
    # yard from 90 and gives up there at 100; its place lets truck 3 be called at 100, and
    # truck 3's own patience runs out while it drives: it is not taken off the road, but at
    # the gate (115) it must wait behind truck 1 (in service to 135), so it turns back there.
    # Truck 1, in service at 100, is not taken out of it. Trucks 4 and 5 give up in the park.
    text = (
        HEAD.format(days=1, fruit='patience = { kind = "deterministic", value_min = 100 }')
        + gate("fast", service=60, yard='yard_capacity = 2\nstaging = "park"')
        + STAGING.format(capacity=3)
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 6, cargo="fruit")
    )
    r = run_once(parse_scenario(text, "patience.toml"))
    t = r.trucks
    assert t["outcome"].tolist() == [1, 1, 2, 2, 2, 2]
    assert np.array_equal(t["t_called"][:4], [0, 0, 75, 100])
    assert np.array_equal(t["t_out"], [75, 135, 100, 115, 100, 100])
    assert [PLACES[p] for p in t["place"]] == ["none", "none", "yard", "yard", "staging", "staging"]
    k = kpis(r)
    assert k["gave_up_per_day.staging"] == 2 and k["gave_up_per_day.yard"] == 2


def test_giving_up_on_the_road_before_a_full_staging_area():
    # Park of 1: at 0 trucks 0 and 1 are called, truck 2 fills the park, trucks 3-5 wait on
    # the road. 3-5 have already waited 30 min (patience 100): they give up on the road at 70.
    text = (
        HEAD.format(days=1, fruit='patience = { kind = "deterministic", value_min = 100 }')
        + gate("fast", service=60, yard='yard_capacity = 2\nstaging = "park"')
        + STAGING.format(capacity=1)
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 3, cargo="fruit")
        + backlog("fast", 3, cargo="fruit", waited_h=0.5)
    )
    r = run_once(parse_scenario(text, "road.toml"))
    t = r.trucks
    assert np.array_equal(t["t_out"], [75, 135, 100, 70, 70, 70])
    assert [PLACES[p] for p in t["place"]] == ["none", "none", "yard", "road", "road", "road"]
    assert np.isnan(t["t_staged"][3:]).all()
    k = kpis(r)
    assert k["gave_up_per_day.road"] == 3 and k["road_queue_peak.fast"] == 3


# -- registration slots (metering) ------------------------------------------------------------------
SLOTS = """
[[crossings.fast.routes.export.slots]]
start = 2024-02-05
end = 2024-02-06
per_day = 1
timezone = "{tz}"
reason = "test"
"""


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        # Slot days at Hanoi midnights: 0, 1440; the rule ends at 2880 (no slot needed after).
        ("Asia/Ho_Chi_Minh", [0.0, 1440.0, 2880.0]),
        # Beijing midnight is 23:00 in Hanoi: days begin at -60, 1380; the rule ends at 2820.
        ("Asia/Shanghai", [0.0, 1380.0, 2820.0]),
    ],
)
def test_slot_quota_day_boundary_in_the_time_zone_of_the_slots(tz, expected):
    text = (
        HEAD.format(days=3, fruit="")
        + gate("fast", service=10)
        + SLOTS.format(tz=tz)
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 3)
    )
    r = run_once(parse_scenario(text, "slots.toml"))
    t = r.trucks
    assert np.array_equal(t["t_slot"], expected)
    assert np.array_equal(t["t_yard"], expected), "no staging: a registered truck goes to the gate"
    assert np.array_equal(t["t_out"], np.array(expected) + 10)
    k = kpis(r)
    assert k["unregistered_peak.fast"] == 2, "two trucks wait outside, off the border road"
    assert k["road_queue_peak.fast"] == 0


def test_giving_up_at_the_origin_while_waiting_for_a_slot():
    # One slot a day: trucks 1 and 2 wait at their origin. Their origin patience (600 min)
    # runs out there; the border patience (also 600 here) would start only with a slot.
    fruit = (
        'patience = { kind = "deterministic", value_min = 600 }\n'
        'origin_patience = { kind = "deterministic", value_min = 600 }'
    )
    text = (
        HEAD.format(days=3, fruit=fruit)
        + gate("fast", service=10)
        + SLOTS.format(tz="Asia/Ho_Chi_Minh")
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 3, cargo="fruit")
    )
    r = run_once(parse_scenario(text, "outside.toml"))
    t = r.trucks
    assert t["outcome"].tolist() == [1, 2, 2]
    assert np.array_equal(t["t_out"], [10, 600, 600])
    assert [PLACES[p] for p in t["place"]] == ["none", "origin", "origin"]
    assert kpis(r)["gave_up_per_day.origin"] == pytest.approx(2 / 3)
    # Without an origin patience they wait for their slots (1440, then 2880 when the rule
    # ends), and their border patience starts then: all three cross.
    r = run_once(parse_scenario(text.replace(fruit, fruit.split("\n")[0]), "origin.toml"))
    assert r.trucks["outcome"].tolist() == [1, 1, 1]
    assert np.array_equal(r.trucks["t_slot"], [0, 1440, 2880])


def test_slot_rules_must_not_overlap():
    text = (
        HEAD.format(days=3, fruit="")
        + gate("fast", service=10)
        + SLOTS.format(tz="Asia/Ho_Chi_Minh")
        + SLOTS.format(tz="Asia/Ho_Chi_Minh")
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
    )
    with pytest.raises(ScenarioError, match="slots"):
        parse_scenario(text, "overlap.toml")


# -- eligibility by date and re-routing ---------------------------------------------------------------
ELIGIBILITY = """
[[crossings.fast.eligibility]]
start = 2024-02-05T03:00:00
accepts = ["general"]
reroute_to = {to}
reroute_min = 30
reason = "test: fruit no longer accepted"
"""


def test_dated_eligibility_change_reroutes_waiting_trucks():
    # "fast" opens at 08:00; at 03:00 it stops accepting fruit. The three fruit trucks waiting
    # in its yard leave at 180 in arrival order, drive 30 min to "slow" (60 min a truck):
    # served 210-270, 270-330, 330-390. The general truck stays and is served at 480-490.
    text = (
        HEAD.format(days=1, fruit="")
        + gate("fast", hours="day", service=10)
        + gate("slow", service=60)
        + ELIGIBILITY.format(to='["slow"]')
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 3, cargo="fruit")
        + backlog("fast", 1, cargo="general")
    )
    r = run_once(parse_scenario(text, "eligibility.toml"))
    t = r.trucks
    slow, fast = r.crossings.index("slow"), r.crossings.index("fast")
    assert t["crossing"].tolist() == [slow, slow, slow, fast]
    assert t["rerouted"].tolist() == [True, True, True, False]
    assert np.array_equal(t["t_yard"], [210, 210, 210, 0])
    assert np.array_equal(t["t_out"], [270, 330, 390, 490])
    c = conservation(r)
    assert c["cleared"] == 4


def test_rerouting_out_of_a_full_staging_area_leaves_it_within_its_capacity():
    # Found by test_properties (a park of 1 held 2). "fast" (yard 1, park of 1, 15 min away)
    # opens at 08:00. At 00:00 truck 0 is called (yard at 15), truck 1 fills the park, truck 2
    # waits on the road before it. At 03:00 fast stops taking fruit: truck 0 leaves the yard,
    # truck 1 the park, which lets truck 2 in, and truck 2 is sent on too. A truck sent on keeps
    # no staging or call time: its row describes "slow", where it goes, which has no park (and
    # a slot there would come after them). All three drive 30 min to "slow" (60 min a truck):
    # out at 270, 330, 390.
    text = (
        HEAD.format(days=1, fruit="")
        + gate("fast", hours="day", service=10, yard='yard_capacity = 1\nstaging = "park"')
        + gate("slow", service=60)
        + STAGING.format(capacity=1)
        + ELIGIBILITY.format(to='["slow"]')
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 3, cargo="fruit")
    )
    r = run_once(parse_scenario(text, "reroute_staged.toml"))
    t = r.trucks
    assert t["rerouted"].tolist() == [True, True, True]
    assert np.isnan(t["t_staged"]).all() and np.isnan(t["t_called"]).all()
    assert np.array_equal(t["t_yard"], [210, 210, 210])
    assert np.array_equal(t["t_out"], [270, 330, 390])
    assert kpis(r)["staging_peak.park"] <= 1


def test_a_truck_called_forward_before_its_class_is_dropped_is_sent_on_from_the_gate():
    # Called at 00:00 from the park 15 min away; at 00:10, while it drives, "fast" stops
    # taking fruit. It reaches the gate at 15 and is sent on: 30 min to "slow", 60 min there.
    text = (
        HEAD.format(days=1, fruit="")
        + gate("fast", service=10, yard='yard_capacity = 1\nstaging = "park"')
        + gate("slow", service=60)
        + STAGING.format(capacity=1)
        + ELIGIBILITY.format(to='["slow"]').replace("T03:00:00", "T00:10:00")
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 1, cargo="fruit")
    )
    t = run_once(parse_scenario(text, "reroute_transit.toml")).trucks
    assert t["rerouted"].tolist() == [True]
    assert np.isnan(t["t_called"][0])  # its row describes "slow", which has no park
    assert (t["t_yard"][0], t["t_out"][0]) == (45, 105)


def test_dated_eligibility_change_without_a_rule_turns_trucks_back():
    text = (
        HEAD.format(days=1, fruit="")
        + gate("fast", hours="day", service=10)
        + gate("slow", service=60)
        + ELIGIBILITY.format(to="[]")
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 2, cargo="fruit")
    )
    r = run_once(parse_scenario(text, "turn_back.toml"))
    t = r.trucks
    assert t["outcome"].tolist() == [2, 2] and (t["t_out"] == 180).all()
    assert [PLACES[p] for p in t["place"]] == ["rerouted", "rerouted"]


def test_least_expected_wait_skips_a_crossing_that_does_not_accept_the_class_now():
    # After 03:00 "fast" takes no fruit: fruit arrivals all go to "slow", however long its queue.
    text = (
        HEAD.format(days=2, fruit="")
        + gate("fast", service=1)
        + gate("slow", service=60)
        + ELIGIBILITY.format(to='["slow"]')
        + stream(30, LEW, cargo="fruit")
    )
    r = run_once(parse_scenario(text, "lew_eligible.toml"))
    t = r.trucks
    late = t["t_arrive"] > 180
    assert late.any()
    assert (t["crossing"][late] == r.crossings.index("slow")).all()
    assert not t["rerouted"][late].any(), "chosen directly, not sent on"


# -- diversion by date and turning back on the expected wait ------------------------------------------
def test_dated_diversion_share_counts_trucks_where_and_when():
    # On 6 Feb every truck arriving at "fast" leaves for elsewhere (share 1); no other day.
    text = (
        HEAD.format(days=3, fruit="")
        + gate("fast", service=1)
        + """
[[crossings.fast.diversions]]
start = 2024-02-06
end = 2024-02-06
share = 1.0
reason = "test"
"""
        + stream(48, '{ policy = "shares", shares = { fast = 1.0 } }')
    )
    r = run_once(parse_scenario(text, "divert.toml"))
    t = r.trucks
    day2 = (t["t_arrive"] >= 1440) & (t["t_arrive"] < 2880)
    assert day2.any()
    assert (t["outcome"][day2] == 2).all() and np.array_equal(t["t_out"][day2], t["t_arrive"][day2])
    assert all(PLACES[p] == "diverted" for p in t["place"][day2])
    assert not (t["outcome"][~day2] == 2).any()
    assert kpis(r)["gave_up_per_day.diverted"] == pytest.approx(day2.sum() / 3)


def test_trucks_turn_back_on_arrival_when_the_expected_wait_is_too_long():
    # The gate opens at 08:00: a fruit truck arriving at time a expects 480 - a (+ trucks
    # ahead x 10 min). With turn_back_over_h = 2 every fruit truck arriving before 06:00
    # (nobody ahead then, the first ones) turns back at once.
    text = (
        HEAD.format(days=1, fruit="turn_back_over_h = 2")
        + gate("fast", hours="day", service=10)
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 3, cargo="fruit")
        + backlog("fast", 2, cargo="general")
    )
    r = run_once(parse_scenario(text, "balk.toml"))
    t = r.trucks
    assert t["outcome"].tolist() == [2, 2, 2, 1, 1]
    assert np.array_equal(t["t_out"], [0, 0, 0, 490, 500])
    assert [PLACES[p] for p in t["place"][:3]] == ["balked"] * 3


def test_slots_for_one_class_leave_the_others_free():
    # One fruit slot a day (Hanoi days) on 5-6 Feb; general goods need none.
    text = (
        HEAD.format(days=3, fruit="")
        + gate("fast", service=10)
        + SLOTS.format(tz="Asia/Ho_Chi_Minh").replace('reason = "test"', 'cargo = ["fruit"]')
        + stream(0, '{ policy = "shares", shares = { fast = 1.0 } }')
        + backlog("fast", 2, cargo="fruit")
        + backlog("fast", 1, cargo="general")
    )
    r = run_once(parse_scenario(text, "class_slots.toml"))
    t = r.trucks
    assert np.array_equal(t["t_yard"], [0.0, 1440.0, 0.0])
    assert np.array_equal(t["t_out"], [10.0, 1450.0, 20.0])
