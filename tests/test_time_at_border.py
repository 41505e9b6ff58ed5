"""Time at the border (issue 21): dwell, days that differ, the restart after a pause.

Hand counts on deterministic cases (exact) and theory on random ones (Little's law, the
gamma-Poisson day factor, conservation of trucks), each with a tolerance from a confidence
interval over independent replications, never a number copied from the model's output.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import t_interval

from sim import kpis, parse_scenario, run_once
from sim.engine.demand import sample_demand
from sim.engine.model import Model
from sim.engine.path import GAVE_UP
from sim.engine.randomness import Streams
from sim.engine.records import PLACES
from sim.readouts.hourly import queue_series
from sim.readouts.kpis import time_split
from sim.scenario.files import ScenarioError

LEVEL = 0.99

HEAD = """
name = "{name}"
start_date = 2024-02-05   # a Monday
horizon_days = {days}
warmup_days = {warmup}
rng_seed = {seed}
[hours.always]
windows = [{{ open = "00:00", close = "24:00" }}]
[hours.office]
windows = [{{ open = "07:00", close = "19:00" }}]
{office_extra}
[cargo.general]
[cargo.fruit]
perishable = true
"""

GATE = """
[crossings.{cid}]
name = "{cid}"
kind = "auxiliary_gate"
accepts = ["general", "fruit"]
[crossings.{cid}.routes.export]
{yard}
[[crossings.{cid}.routes.export.stages]]
name = "check"
hours = "{hours}"
lanes = {lanes}
{stage_extra}
service.default = {service}
"""

STREAM = """
[demand.streams.{name}]
direction = "export"
cargo = "{cargo}"
trucks_per_day = {per_day}
routing = {{ policy = "shares", shares = {shares} }}
"""


def scenario(
    *,
    days=3,
    warmup=0,
    seed=7,
    lanes=200,
    hours="always",
    service='{ kind = "deterministic", value_min = 10 }',
    per_day=48,
    cargo="general",
    dwell="",
    office_extra="",
    stage_extra="",
    yard="",
    gates=("gate",),
    shares="{ gate = 1.0 }",
    extra="",
    backlog="",
):
    text = HEAD.format(name="t", days=days, warmup=warmup, seed=seed, office_extra=office_extra)
    for cid in gates:
        text += GATE.format(
            cid=cid, hours=hours, lanes=lanes, service=service, stage_extra=stage_extra, yard=yard
        )
    text += STREAM.format(name="flow", cargo=cargo, per_day=per_day, shares=shares)
    return parse_scenario(text + dwell + extra + backlog, "time_at_border.toml")


def dwell_table(time: str, *, at="arrival", hours=None, changes="", name="papers", extra="") -> str:
    clock = f'hours = "{hours}"' if hours else ""
    return f"""
[dwell.{name}]
direction = "export"
at = "{at}"
{clock}
time.default = {time}
{changes}
{extra}
"""


def waiting(trucks: int) -> str:
    """An initial backlog of general exports at the gate (time zero)."""
    return (
        '[[initial_backlog]]\ncrossing = "gate"\ndirection = "export"\ncargo = "general"\n'
        f"trucks = {trucks}\n"
    )


def fixed(minutes: float) -> str:
    return f'{{ kind = "deterministic", value_min = {minutes} }}'


# -- dwell ----------------------------------------------------------------------------------------
def test_a_fixed_dwell_shifts_every_exit_by_its_length_at_zero_load():
    """With lanes to spare (no truck ever queues) and the clock always running, a dwell of d
    minutes moves each truck's exit by exactly d: the arrivals (their own random stream) and
    service times are the same with and without it."""
    d = 137.0
    without = run_once(scenario())
    with_dwell = run_once(scenario(dwell=dwell_table(fixed(d))))
    a, b = without.trucks, with_dwell.trucks
    assert np.array_equal(a["t_arrive"], b["t_arrive"]) and a["t_arrive"].size > 100
    done = b["t_out"] < with_dwell.horizon_min - d - 60  # released and served within the run
    np.testing.assert_allclose(b["t_out"][done] - a["t_out"][done], d, rtol=0, atol=1e-9)
    # The hold is a stage of its own: on arrival, started at once, for d.
    sid = with_dwell.stage_names.index("gate/export/papers")
    assert with_dwell.stage_kinds[sid] == "hold"
    rows = with_dwell.stages
    held = (rows["stage"] == sid) & ~np.isnan(rows["t_end"])
    np.testing.assert_array_equal(rows["t_queue"][held], rows["t_start"][held])
    np.testing.assert_allclose(rows["t_end"][held] - rows["t_start"][held], d, atol=1e-9)


@pytest.mark.parametrize("at", ["arrival", "before_cn"])
def test_the_dwell_sits_where_it_is_said_to(at):
    """'arrival' holds before the first stage; 'before_cn' after the Vietnamese stages."""
    r = run_once(scenario(dwell=dwell_table(fixed(30), at=at)))
    names = [r.stage_names[s] for s in r.stages["stage"][r.stages["truck"] == 0]]
    assert names == (["gate/export/papers", "gate/export/check"] if at == "arrival" else
                     ["gate/export/check", "gate/export/papers"])  # fmt: skip


def test_the_dwell_clock_runs_on_its_calendar_only():
    """Papers that need 6 working hours on a 07:00-19:00 calendar: a truck arriving at 18:00 is
    released at 12:00 the next day (1 h today, 5 h tomorrow); one arriving at 02:00 at 13:00;
    and a closure of the calendar stops the clock for the closed day."""
    r = run_once(
        scenario(
            per_day=0,
            dwell=dwell_table(fixed(360), hours="office"),
            office_extra='closures = [{ start = 2024-02-07, end = 2024-02-07, reason = "test" }]',
            backlog=waiting(1),
            days=4,
        )
    )
    m = Model(r.scenario)
    hold = next(s for s in m.stages if type(s).__name__ == "Hold")
    day = 1440.0
    assert hold.release_at(18 * 60.0, 360.0) == day + 12 * 60.0
    assert hold.release_at(2 * 60.0, 360.0) == 13 * 60.0
    # Tuesday 18:00 -> 1 h Tuesday, Wednesday closed, 5 h from Thursday 07:00.
    assert hold.release_at(day + 18 * 60.0, 360.0) == 3 * day + 12 * 60.0
    # The backlog truck (time 0, 00:00 Monday) is released at 13:00 and crosses 10 min later.
    assert r.trucks["t_out"][0] == 13 * 60.0 + 10.0


def test_a_dated_change_of_the_dwell_applies_to_trucks_that_start_it_afterwards():
    changes = f"changes = [{{ start = 2024-02-06T12:00:00, time.default = {fixed(20)}, reason = 'test' }}]"
    r = run_once(scenario(dwell=dwell_table(fixed(200), changes=changes.replace("'", '"'))))
    sid = r.stage_names.index("gate/export/papers")
    rows = r.stages
    mine = (rows["stage"] == sid) & ~np.isnan(rows["t_end"])
    spent = rows["t_end"][mine] - rows["t_start"][mine]
    change = 1440.0 + 720.0
    before, after = rows["t_start"][mine] < change, rows["t_start"][mine] >= change
    assert before.sum() > 10 and after.sum() > 10
    np.testing.assert_allclose(spent[before], 200.0)
    np.testing.assert_allclose(spent[after], 20.0)


def test_a_dwell_holds_only_the_classes_it_names():
    r = run_once(
        scenario(dwell=dwell_table(fixed(60)).replace("time.default", "time.fruit"), cargo="general")
    )
    assert "gate/export/papers" in r.stage_names
    sid = r.stage_names.index("gate/export/papers")
    assert not (r.stages["stage"] == sid).any(), "general goods are not held by a fruit dwell"


def test_a_held_truck_keeps_its_yard_place_but_no_lane():
    """Yard of 1, a 100-min dwell, 1 lane of 10 min: the second truck waits on the road until
    the first has crossed (its yard place was held through the dwell), though the lane was free."""
    backlog = waiting(2)
    r = run_once(
        scenario(per_day=0, lanes=1, yard="yard_capacity = 1", dwell=dwell_table(fixed(100)), backlog=backlog)
    )
    t = r.trucks
    assert t["t_yard"].tolist() == [0.0, 110.0]
    assert t["t_out"].tolist() == [110.0, 220.0]


def test_many_trucks_held_at_once_none_waits_for_another():
    backlog = waiting(500)
    r = run_once(scenario(per_day=0, lanes=500, dwell=dwell_table(fixed(45)), backlog=backlog))
    assert (r.trucks["t_out"] == 55.0).all()


def test_a_truck_taken_out_of_a_hold_is_released_by_nobody():
    """The contract with issue 22 (patience, suspensions): ``Hold.drop`` does the hold's
    bookkeeping and the truck's release event does nothing once its outcome is not in-system."""
    backlog = waiting(3)
    m = Model(scenario(per_day=0, dwell=dwell_table(fixed(100)), backlog=backlog))
    hold = next(s for s in m.stages if type(s).__name__ == "Hold")

    def take_out():
        yield m.env.timeout(50.0)
        assert hold.busy == 3
        m.outcome[1] = GAVE_UP
        m.t_out[1] = m.env.now
        hold.drop(1)

    m.env.process(take_out())
    records = m.run()
    assert hold.busy == 0
    assert records.trucks["outcome"].tolist() == [1, GAVE_UP, 1]
    assert records.trucks["t_out"].tolist() == [110.0, 50.0, 110.0]


def test_time_in_system_is_dwell_plus_queueing_plus_service():
    r = run_once(
        scenario(
            lanes=1,
            per_day=100,
            service='{ kind = "exponential", mean_min = 12 }',
            dwell=dwell_table('{ kind = "exponential", mean_min = 90 }', hours="office"),
        )
    )
    t = r.trucks
    dwell, service = time_split(r)
    done = t["outcome"] == 1
    queue = t["t_out"] - t["t_arrive"] - dwell - service
    assert (queue[done] >= -1e-9).all() and queue[done].max() > 0, "some trucks queue, none negatively"
    k = kpis(r)
    assert k["dwell_h.mean"] + k["queue_h.mean"] + k["service_h.mean"] == pytest.approx(
        k["time_in_system_h.mean"], rel=1e-12
    )
    assert "utilisation.gate/export/papers" not in k and "utilisation.gate/export/check" in k
    assert k["dwell_h.mean.gate"] == pytest.approx(k["dwell_h.mean"])


def test_trucks_held_at_the_end_are_placed_in_dwell_and_counted_by_the_series():
    r = run_once(scenario(dwell=dwell_table(fixed(600))))
    t = r.trucks
    h = r.horizon_min
    held_end = (t["t_arrive"] > h - 600) & (t["outcome"] == 0)
    assert held_end.sum() > 5
    assert (t["place"][held_end] == PLACES.index("dwell")).all()
    series = queue_series(r)
    mine = series["crossing"] == "all"
    times = series["t_h"][mine] * 60.0
    expected = [((t["t_arrive"] <= x) & (t["t_arrive"] + 600 > x)).sum() for x in times]
    assert series["dwelling"][mine].tolist() == expected
    assert series["stage_queue"][mine].sum() == 0, "a hold is not a queue"


@pytest.mark.slow
def test_littles_law_for_a_dwell_and_for_the_stage_after_it():
    """L = λW, twice: the time-average number held equals the arrival rate times the mean time
    held, and the time-average queue at the lane stage after it its rate times the mean wait.

    A dwell with an exponential time of mean 120 min on a 07:00-19:00 clock (released trucks
    arrive at the stage in a morning burst), then 3 lanes of 10 min, 10 trucks an hour. Each
    replication gives L (the number held, or queueing, sampled every 10 min over the measured
    days) minus λ·W (λ: trucks entering per minute, W: their mean time there, both measured on
    the trucks that enter); the differences' 99% interval over replications contains 0."""
    days, warmup, step = 30, 2, 10.0
    diffs_hold, diffs_queue, scale = [], [], []
    for rep in range(12):
        s = scenario(
            days=days,
            warmup=warmup,
            seed=101,
            lanes=3,
            per_day=240,
            service='{ kind = "exponential", mean_min = 10 }',
            dwell=dwell_table('{ kind = "exponential", mean_min = 120 }', hours="office"),
            extra=f"[reporting]\nqueue_sample_min = {step}\n",
        )
        r = run_once(s, replication=rep)
        rows = r.stages
        t0, t1 = warmup * 1440.0, r.horizon_min
        times = np.arange(t0, t1, step) + step / 2
        for kind, diffs in (("hold", diffs_hold), ("lanes", diffs_queue)):
            sid = r.stage_kinds.index(kind)
            mine = rows["stage"] == sid
            a = rows["t_queue"][mine] if kind == "lanes" else rows["t_start"][mine]
            b = rows["t_start"][mine] if kind == "lanes" else rows["t_end"][mine]
            b = np.where(np.isnan(b), np.inf, b)
            count = (a[:, None] <= times) & (b[:, None] > times)
            L = count.sum(axis=0).mean()  # time-average number, sampled
            entered = (a >= t0) & (a < t1 - 1440.0)  # those that enter, with a day to finish
            lam = entered.sum() / (t1 - 1440.0 - t0)  # per minute
            W = (b[entered] - a[entered]).mean()  # their mean time there, minutes
            diffs.append(L - lam * W)
            if kind == "hold":
                scale.append(L)
    for diffs in (diffs_hold, diffs_queue):
        mean, lo, hi = t_interval(diffs, LEVEL)
        assert lo <= 0 <= hi, (mean, lo, hi)
    # Not vague: the interval is a small fraction of the number held (λ E[D] = 10/h x 2 h = 20
    # on the open-time clock, more in wall time).
    _, lo, hi = t_interval(diffs_hold, LEVEL)
    assert hi - lo < 0.05 * np.mean(scale)


@pytest.mark.slow
def test_littles_law_held_trucks_equal_arrivals_times_mean_dwell_on_an_always_running_clock():
    """With the clock always running, the mean number held is λ·E[D] exactly in expectation:
    10 trucks an hour, E[D] = 3 h (gamma, sd 2 h), so 30 trucks held on average."""
    means = []
    for rep in range(10):
        s = scenario(days=20, warmup=2, per_day=240,
                     dwell=dwell_table('{ kind = "gamma", mean_min = 180, sd_min = 120 }'))  # fmt: skip
        r = run_once(s, replication=rep)
        series = queue_series(r)
        mine = (series["crossing"] == "all") & (series["t_h"] >= 48)
        means.append(series["dwelling"][mine].mean())
    mean, lo, hi = t_interval(means, LEVEL)
    assert lo <= 30.0 <= hi, (mean, lo, hi)
    assert hi - lo < 3.0


# -- days that differ -----------------------------------------------------------------------------
def daily_counts(s, stream_crossing=None, reps=40):
    """Daily arrival counts of the scenario's stream (at one crossing), replications stacked."""
    out = []
    for rep in range(reps):
        arrivals = sample_demand(s, Streams(s.rng_seed, rep))
        t = arrivals.time
        if stream_crossing is not None:
            names = list(s.crossings)
            t = t[arrivals.crossing == names.index(stream_crossing)]
        out.append(np.bincount((t // 1440).astype(int), minlength=s.horizon_days)[: s.horizon_days])
    return np.array(out)


@pytest.mark.parametrize(("shared_by", "cv"), [("stream", 0.3), ("all", 0.15), ("crossing", 0.25)])
def test_day_factor_gives_counts_of_mean_lambda_and_variance_lambda_plus_lambda2_cv2(shared_by, cv):
    """Gamma-Poisson: a day's count has mean λ and variance λ + λ²·cv² (Poisson alone: λ).
    Per replication, the mean and variance of a year of daily counts; their 99% intervals over
    replications contain the theory (and exclude the Poisson variance)."""
    lam, days = 400.0, 365
    setting = f'[demand.day_to_day]\ncv = {cv}\nshared_by = "{shared_by}"\n'
    gates, shares, at, share = ("gate",), "{ gate = 1.0 }", None, 1.0
    if shared_by == "crossing":
        gates, shares, at, share = ("gate", "other"), "{ gate = 0.7, other = 0.3 }", "gate", 0.7
    s = scenario(days=days, per_day=lam, extra=setting, gates=gates, shares=shares)
    counts = daily_counts(s, at)
    lam *= share
    mean, lo, hi = t_interval(counts.mean(axis=1), LEVEL)
    assert lo <= lam <= hi, (mean, lo, hi)
    theory = lam + lam**2 * cv**2
    mean, lo, hi = t_interval(counts.var(axis=1, ddof=1), LEVEL)
    assert lo <= theory <= hi, (mean, lo, hi, theory)
    assert lo > lam, "the swings are more than Poisson noise"


def test_without_the_day_factor_counts_are_poisson():
    counts = daily_counts(scenario(days=365, per_day=400.0), reps=30)
    mean, lo, hi = t_interval(counts.var(axis=1, ddof=1), LEVEL)
    assert lo <= 400.0 <= hi


def test_a_crossing_shared_factor_moves_each_crossings_days_apart():
    setting = '[demand.day_to_day]\ncv = 0.4\nshared_by = "crossing"\n'
    two = {"gates": ("gate", "other"), "shares": "{ gate = 0.5, other = 0.5 }"}
    s = scenario(days=200, per_day=500.0, extra=setting, **two)
    a, b = daily_counts(s, "gate", reps=1)[0], daily_counts(s, "other", reps=1)[0]
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.25, "independent factors per crossing"
    r = run_once(s)
    assert set(np.unique(r.trucks["crossing"])) == {0, 1}


# -- the restart ----------------------------------------------------------------------------------
PAUSE = """
[[demand.pauses]]
name = "Tết"
start = 2024-02-09
end = 2024-02-12
keep = {keep}
return_profile = {profile}
"""


def test_a_pause_conserves_trucks_and_returns_them_on_the_days_after():
    """Trucks held in the pause come back, none lost or added: the same number arrive over the
    run, the pause keeps `keep` of its own (binomial), and the return days get the rest on top."""
    base = scenario(days=21, per_day=300.0)
    paused = scenario(days=21, per_day=300.0, extra=PAUSE.format(keep=0.3, profile="[3, 2, 1]"))
    for rep in range(5):
        a = Model(base, replication=rep).t_arr
        b = Model(paused, replication=rep).t_arr
        assert len(a) == len(b), "every truck comes, some later"
        a, b = np.asarray(a), np.asarray(b)
        day_a = np.bincount((a // 1440).astype(int), minlength=21)
        day_b = np.bincount((b // 1440).astype(int), minlength=21)
        pause = slice(4, 8)  # 9-12 Feb
        assert (day_a[:4] == day_b[:4]).all() and (day_a[11:] == day_b[11:]).all()
        in_pause = day_a[pause].sum()
        kept = day_b[pause].sum()
        # Binomial(in_pause, 0.3): within 4 sd.
        assert abs(kept - 0.3 * in_pause) < 4 * np.sqrt(in_pause * 0.21)
        held = in_pause - kept
        extra = day_b[8:11] - day_a[8:11]
        assert extra.sum() == held
        assert extra[0] > extra[2], "returns weighted 3:2:1"


def ramp_scenario(of: str) -> object:
    """One stage, 4 lanes of 6 min, 07:00-19:00 (480 trucks a day of capacity), 200 arrivals a
    day, closed on Wednesday 14 Feb (day 9, after a week of normal days): a quarter back on the
    Thursday."""
    stage_extra = f'ramp_after_closure = {{ of = "{of}", fractions = [0.25] }}'
    return scenario(
        days=14,
        lanes=4,
        hours="office",
        per_day=200.0,
        service=fixed(6),
        office_extra='closures = [{ start = 2024-02-14, end = 2024-02-14, reason = "pause" }]',
        stage_extra=stage_extra,
    )


def cleared_per_day(r):
    t = r.trucks
    done = t["outcome"] == 1
    return np.bincount((t["t_out"][done] // 1440).astype(int), minlength=r.scenario.horizon_days)


def test_a_ramp_of_a_quarter_of_capacity_serves_a_quarter_of_the_lanes_time():
    """of = "capacity": after the closing day the backlog (a day and more of arrivals) exceeds a
    quarter of capacity, so day 1 back clears exactly a quarter of 480 = 120."""
    for rep in range(3):
        r = run_once(ramp_scenario("capacity"), replication=rep)
        assert cleared_per_day(r)[10] == 120


def test_a_ramp_of_a_quarter_of_a_normal_day_clears_a_quarter_of_a_normal_day():
    """of = "normal_day": day 1 back clears a quarter of the mean clearances of the seven days
    before the closure (hand count from the records), whatever the capacity; over
    replications that is a quarter of the 200 a day that arrive."""
    firsts = []
    for rep in range(12):
        r = run_once(ramp_scenario("normal_day"), replication=rep)
        per_day = cleared_per_day(r)
        t = r.trucks
        starts = r.stages["t_start"]
        normal = ((starts >= 2 * 1440) & (starts < 9 * 1440)).sum() / 7.0  # the week before
        assert per_day[10] == round(0.25 * normal)
        assert per_day[11] > 250, "the cap ends after its day: the backlog clears at capacity"
        assert (t["outcome"] == 1).sum() > 0
        firsts.append(per_day[10])
    mean, lo, hi = t_interval(firsts, LEVEL)
    assert lo <= 50.0 <= hi, (mean, lo, hi)


def test_dated_staffing_replaces_the_weekly_windows_on_its_days():
    """4 lanes of 6 min, 07:00-19:00; weekly staffing of 2 lanes from 17:00; on Tuesday 6 Feb a
    dated window of 1 lane all day. A large backlog: Monday 10 h x 40 + 2 h x 20 = 440,
    Tuesday 12 h x 10 = 120, Wednesday 440 again."""
    staffing = (
        'staffing = [{ days = "daily", open = "17:00", close = "19:00", lanes = 2 },'
        ' { days = "daily", open = "07:00", close = "19:00", lanes = 1,'
        " start = 2024-02-06, end = 2024-02-06 }]"
    )
    backlog = waiting(3000)
    office = {"lanes": 4, "hours": "office", "service": fixed(6)}
    r = run_once(scenario(days=3, per_day=0, stage_extra=staffing, backlog=backlog, **office))
    assert cleared_per_day(r).tolist() == [440, 120, 440]


# -- one-line errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("dwell", "expected"),
    [
        (dwell_table(fixed(5), at="after_cn"), "dwell.papers: at = 'after_cn' is for imports"),
        (dwell_table(fixed(5), extra='crossings = ["gaet"]'), "did you mean 'gate'?"),
        (dwell_table(fixed(5), hours="nights"), "dwell.papers.hours = 'nights'"),
        (dwell_table(fixed(5), name="check"), "expected a name that is not a stage of gate's route"),
        (dwell_table(fixed(5)).replace("time.default", "time.fruitt"), "did you mean 'fruit'?"),
    ],
)
def test_bad_dwell_is_one_line_naming_the_field(dwell, expected):
    with pytest.raises(ScenarioError) as err:
        scenario(dwell=dwell)
    message = str(err.value)
    assert expected in message, message
    assert len(message.splitlines()) == 1


def test_a_calendar_share_of_lanes_staffs_every_stage_on_it_rounded_up():
    """The same day as above from the calendar: evenings at half the lanes (2 of 4), a dated
    quarter (1 of 4) on Tuesday; a stage's own window still wins over the calendar's share."""
    shares = (
        'staff_share = [{ open = "17:00", close = "19:00", share = 0.5 },'
        ' { open = "07:00", close = "19:00", share = 0.25, start = 2024-02-06, end = 2024-02-06 }]'
    )
    office = {"lanes": 4, "hours": "office", "service": fixed(6)}
    r = run_once(scenario(days=3, per_day=0, office_extra=shares, backlog=waiting(3000), **office))
    assert cleared_per_day(r).tolist() == [440, 120, 440]
    own = 'staffing = [{ open = "17:00", close = "19:00", lanes = 4 }]'
    r = run_once(
        scenario(days=1, per_day=0, office_extra=shares, stage_extra=own, backlog=waiting(3000), **office)
    )
    assert cleared_per_day(r).tolist() == [480]
    odd = shares.replace("share = 0.5", "share = 0.3")  # 0.3 x 4 = 1.2 -> 2 lanes
    r = run_once(scenario(days=1, per_day=0, office_extra=odd, backlog=waiting(3000), **office))
    assert cleared_per_day(r).tolist() == [440]


def test_a_calendars_ramp_applies_to_its_stages_and_a_stages_own_ramp_wins():
    """The ramp of the tests above set on the calendar instead of the stage: the same day back."""
    calendar = (
        'closures = [{ start = 2024-02-14, end = 2024-02-14, reason = "pause" }]\n'
        'ramp_after_closure = { of = "capacity", fractions = [0.25] }'
    )
    s = ramp_scenario("capacity")
    plain = scenario(days=14, lanes=4, hours="office", per_day=200.0, service=fixed(6), office_extra=calendar)
    assert cleared_per_day(run_once(plain)).tolist() == cleared_per_day(run_once(s)).tolist()
    own = 'ramp_after_closure = { of = "capacity", fractions = [0.5] }'
    both = scenario(
        days=14,
        lanes=4,
        hours="office",
        per_day=200.0,
        service=fixed(6),
        office_extra=calendar,
        stage_extra=own,
    )
    assert cleared_per_day(run_once(both))[10] == 240


def test_a_day_factor_of_cv_zero_is_no_factor():
    on = '[demand.day_to_day]\ncv = 0\nshared_by = "crossing"\n'
    a, b = run_once(scenario(days=5)), run_once(scenario(days=5, extra=on))
    for name in a.trucks:
        np.testing.assert_array_equal(a.trucks[name], b.trucks[name])


def test_a_holds_mean_time_by_class_and_date_for_a_chooser():
    """What issue 22's chooser may add to a route's expected wait: the mean of the time in force."""
    from sim.engine import dwell

    changes = f'changes = [{{ start = 2024-02-06, time.fruit = {fixed(20)}, reason = "test" }}]'
    m = Model(scenario(dwell=dwell_table(fixed(200), changes=changes)))
    sid = m.stage_names.index("gate/export/papers")
    versions = m.hold_versions[sid]
    assert dwell.mean_minutes(versions, "fruit", 0.0) == 200.0
    assert dwell.mean_minutes(versions, "fruit", 1440.0) == 20.0
    assert dwell.mean_minutes(versions, "general", 1440.0) == 200.0
