"""Key performance indicators of one run, computed from its records.

Every KPI is a number under a dotted name, so replications can be averaged
key by key. Daily KPIs count the measured days only (after ``warmup_days``);
``time_in_system`` and ``same_day_share`` concern trucks that arrived in the
measured days (not the initial backlog).

=====================================  =============================================
cleared_per_day                        loaded trucks that crossed the border, per day (the
                                       Vietnamese "vehicles cleared"; empty returns apart)
cleared_per_day.<direction>            ... by direction
cleared_per_day.<crossing>             ... by crossing
arrived_per_day                        trucks that arrived, per day
gave_up_per_day                        loaded trucks that gave up and returned inland, per day
gave_up_per_day.<place>                ... where they gave up: road, yard (queueing for a stage;
                                       never once a stage served them, so never after the
                                       Chinese side accepted them); with staging or slots also
                                       outside (waiting for a slot) and staging; rerouted (turned
                                       back by a dated eligibility change), diverted (dated
                                       diversion share), balked (turn_back_over_h on arrival)
empty_cleared_per_day[.<crossing>]     empty returns (cargo classes with loaded = false) that
                                       crossed, per day; only when the scenario has such a class
backlog_midnight.mean / .max           loaded trucks in the system at each midnight
backlog_growth_per_day                 slope of the midnight backlog (trucks/day)
backlog_growth_per_day.<crossing>      ... of the trucks bound for one crossing
days_to_recover                        days from the peak midnight backlog until it is back
                                       under recovery_factor x its median over the first
                                       normal_days measured days (NaN: not within horizon)
days_to_recover.not_recovered          1 when the backlog did not recover within the horizon
                                       (summed over replications: how many never recovered)
days_to_recover.lower_bound            days_to_recover, or, when not recovered, the days from
                                       the peak to the end of the run (a lower bound)
unstable                               1 when the midnight backlog grows steadily: its slope
                                       over the second half of the measured days exceeds
                                       reporting.unstable_growth_share x arrivals per day
in_system_share_end                    share of the measured days' loaded arrivals still in the
                                       system at the end of the run (censored: their time in
                                       system is not known)
time_in_system_h.mean/.p50/.p95/.max   arrival to crossing, hours, computed over the loaded
                                       trucks that arrived in the measured days AND cleared
                                       (trucks still waiting, or that gave up, are left out)
time_in_system_h.trucks                how many trucks those figures are computed over
time_in_system_h.lower_bound           mean hours over the measured days' loaded arrivals that
                                       cleared or are still in the system, counting the latter
                                       until the end of the run: a lower bound of the true mean
time_in_system_h.mean.<crossing>       ... by crossing
time_in_system_h.mean.<cargo class>    ... by cargo class (empty returns too)
time_in_system_h.mean.equipped/.conventional   ... by smart-gate equipment (when any is)
same_day_share                         share of arrivals cleared on their arrival day
perishable_delayed_share               perishable arrivals longer than the threshold in the
                                       system (still waiting at the end: until the end), or
                                       that gave up and turned back
value_at_risk_vnd_per_day              value of those delayed perishable loads (cargo class
                                       value_vnd; default F88), per measured day, VND
queue_cost_vnd_per_day                 loaded truck-hours in the system over the measured days
                                       x reporting.queue_cost_vnd_per_truck_hour, per day, VND
utilisation.<stage>                    busy lane-time while open / lane-minutes offered (the
                                       stage's capacity timeline, sim.engine.capacity; <= 1;
                                       service running on past closing is not counted);
                                       for a timetabled stage, loads carried / wagons offered
road_queue_peak.<crossing>             most trucks waiting on the road at once
road_queue_peak_km.<crossing>          ... as road length in km
yard_peak.<crossing>                   most trucks in the crossing's gate yards at once (both
                                       directions), from entering the yard until crossing
staging_peak.<area>                    most trucks in a staging area at once (with staging)
unregistered_peak.<crossing>           most trucks waiting outside (off the border road) for a
                                       registration slot at once (metered crossings)
slot_wait_h.mean                       mean wait for a slot of the measured days' arrivals on
                                       metered routes (with staging or slots)
called_per_day                         trucks called forward from staging areas, per day
=====================================  =============================================
"""

from __future__ import annotations

import numpy as np

from readouts_reference import border
from readouts_reference.daily import _in_system as at_border_at
from readouts_reference.daily import road_span
from sim.engine.calendar import MINUTES_PER_DAY
from sim.engine.capacity import lane_minutes_function
from sim.engine.records import PLACES
from sim.engine.run import RunResult

IN_SYSTEM, CLEARED, GAVE_UP = 0, 1, 2


def kpis(result: RunResult) -> dict[str, float]:
    """All KPIs of one run, in a stable order."""
    s = result.scenario
    t = result.trucks
    w0, h = result.warmup_min, result.horizon_min
    days = s.horizon_days - s.warmup_days
    out: dict[str, float] = {}

    loaded = np.array([s.cargo[c].loaded for c in result.cargo], bool)[t["cargo"]]
    cleared = (t["outcome"] == CLEARED) & (t["t_out"] >= w0)
    empty_cleared = cleared & ~loaded
    cleared &= loaded
    out["cleared_per_day"] = cleared.sum() / days
    for di, d in enumerate(result.directions):
        out[f"cleared_per_day.{d}"] = (cleared & (t["direction"] == di)).sum() / days
    for xi, x in enumerate(result.crossings):
        out[f"cleared_per_day.{x}"] = (cleared & (t["crossing"] == xi)).sum() / days
    arrived = ~t["initial"] & (t["t_arrive"] >= w0) & loaded
    out["arrived_per_day"] = arrived.sum() / days
    gave_up = (t["outcome"] == GAVE_UP) & (t["t_out"] >= w0) & loaded
    out["gave_up_per_day"] = gave_up.sum() / days
    staged = bool(s.staging) or any(r.slots for x in s.crossings.values() for r in x.routes.values())
    places = ["origin", "road", "staging", "yard"] if staged else ["road", "yard"]
    if any(c.patience is not None for c in s.cargo.values()):
        places.append("later_stage")
    if any(x.eligibility for x in s.crossings.values()):
        places.append("rerouted")
    if any(x.diversions for x in s.crossings.values()):
        places.append("diverted")
    if any(c.turn_back_over_h is not None for c in s.cargo.values()):
        places.append("balked")
    for place in places:
        out[f"gave_up_per_day.{place}"] = (gave_up & (t["place"] == PLACES.index(place))).sum() / days
    if any(c.reimport_h > 0 for c in s.cargo.values()):
        hours = np.array([s.cargo[c].reimport_h for c in result.cargo], float)[t["cargo"]]
        late = t["reimported"] & loaded & ~(t["t_out"] < w0)
        out["turn_back_cost_h_per_day"] = float(hours[late].sum()) / days
    if not loaded.all():
        out["empty_cleared_per_day"] = empty_cleared.sum() / days
        for xi, x in enumerate(result.crossings):
            out[f"empty_cleared_per_day.{x}"] = (empty_cleared & (t["crossing"] == xi)).sum() / days

    midnights = np.arange(s.warmup_days + 1, s.horizon_days + 1) * MINUTES_PER_DAY
    backlog = at_border_at(t, loaded, midnights)
    out["backlog_midnight.mean"] = float(backlog.mean())
    out["backlog_midnight.max"] = float(backlog.max())
    out["backlog_growth_per_day"] = _slope(backlog)
    for xi, x in enumerate(result.crossings):
        mine = loaded & (t["crossing"] == xi)
        out[f"backlog_growth_per_day.{x}"] = _slope(at_border_at(t, mine, midnights))
    recover = _days_to_recover(backlog, s.reporting.recovery_factor, s.reporting.normal_days)
    out["days_to_recover"] = recover
    out["days_to_recover.not_recovered"] = float(np.isnan(recover))
    out["days_to_recover.lower_bound"] = (
        float(backlog.size - 1 - int(np.argmax(backlog))) if np.isnan(recover) else recover
    )
    second_half = backlog[backlog.size // 2 :]
    arrivals_per_day = arrived.sum() / days
    out["unstable"] = float(_slope(second_half) > s.reporting.unstable_growth_share * arrivals_per_day)

    at = border(t)
    done = arrived & (t["outcome"] == CLEARED)
    waiting = arrived & (t["outcome"] == IN_SYSTEM)
    out["in_system_share_end"] = waiting.sum() / arrived.sum() if arrived.any() else np.nan
    tis = (t["t_out"][done] - at[done]) / 60.0
    for name, value in _summary(tis).items():
        out[f"time_in_system_h.{name}"] = value
    out["time_in_system_h.trucks"] = float(done.sum())
    censored = np.concatenate([tis, (h - at[waiting & ~np.isnan(at)]) / 60.0])
    out["time_in_system_h.lower_bound"] = float(censored.mean()) if censored.size else np.nan
    hours_in_system = (t["t_out"] - at) / 60.0
    for xi, x in enumerate(result.crossings):
        mine = done & (t["crossing"] == xi)
        out[f"time_in_system_h.mean.{x}"] = hours_in_system[mine].mean() if mine.any() else np.nan
    done_any = ~t["initial"] & (t["t_arrive"] >= w0) & (t["outcome"] == CLEARED)  # empties too
    for ci, c in enumerate(result.cargo):
        mine = done_any & (t["cargo"] == ci)
        out[f"time_in_system_h.mean.{c}"] = hours_in_system[mine].mean() if mine.any() else np.nan
    if any(x.equipped_share > 0 for x in s.demand.streams.values()):
        for label, flag in (("equipped", True), ("conventional", False)):
            mine = done & (t["equipped"] == flag)
            out[f"time_in_system_h.mean.{label}"] = hours_in_system[mine].mean() if mine.any() else np.nan
    same_day = done & (np.floor(t["t_out"] / MINUTES_PER_DAY) == np.floor(at / MINUTES_PER_DAY))
    out["same_day_share"] = same_day.sum() / arrived.sum() if arrived.any() else np.nan

    perishable = np.array([s.cargo[c].perishable for c in result.cargo], bool)[t["cargo"]] & arrived
    end = np.where(np.isnan(t["t_out"]), h, t["t_out"])
    at_or_end = np.where(np.isnan(at), end, at)
    late = perishable & (
        ((end - at_or_end) > s.reporting.perishable_delay_h * 60.0) | (t["outcome"] == GAVE_UP)
    )
    out["perishable_delayed_share"] = late.sum() / perishable.sum() if perishable.any() else np.nan
    if staged:
        late_all = perishable & (
            ((end - t["t_arrive"]) > s.reporting.perishable_delay_h * 60.0) | (t["outcome"] == GAVE_UP)
        )
        out["perishable_delayed_share.with_origin"] = (
            late_all.sum() / perishable.sum() if perishable.any() else np.nan
        )
    value = np.array([s.cargo[c].value_per_truck_vnd() for c in result.cargo], float)[t["cargo"]]
    out["value_at_risk_vnd_per_day"] = float(value[late].sum()) / days
    # Loaded truck-hours in the system within the measured days [w0, h].
    inside = np.clip(end, w0, h) - np.clip(at_or_end, w0, h)
    truck_hours = float(inside[loaded].sum()) / 60.0
    out["queue_cost_vnd_per_day"] = truck_hours * s.reporting.queue_cost_vnd_per_truck_hour / days

    for sid, name in enumerate(result.stage_names):
        out[f"utilisation.{name}"] = _utilisation(result, sid, w0, h)
    m_per_truck = [s.crossings[x].road_m_per_truck for x in result.crossings]
    peaks = road_queue_peaks(result)
    for xi, x in enumerate(result.crossings):
        out[f"road_queue_peak.{x}"] = float(peaks[xi])
        out[f"road_queue_peak_km.{x}"] = peaks[xi] * m_per_truck[xi] / 1000.0
    end = np.where(np.isnan(t["t_out"]), h, t["t_out"])
    in_yard = np.where(np.isnan(t["t_yard"]), end, t["t_yard"])
    yard_peaks = _peaks(result, in_yard, end, t["crossing"], len(result.crossings))
    for xi, x in enumerate(result.crossings):
        out[f"yard_peak.{x}"] = float(yard_peaks[xi])
    if staged:
        _staging_kpis(result, out, end)
    return {k: float(v) for k, v in out.items()}


def conservation(result: RunResult) -> dict[str, int]:
    """arrived + initial backlog = cleared + gave up + still in system."""
    t = result.trucks
    return {
        "arrived": int((~t["initial"]).sum()),
        "initial_backlog": int(t["initial"].sum()),
        "cleared": int((t["outcome"] == CLEARED).sum()),
        "gave_up": int((t["outcome"] == GAVE_UP).sum()),
        "in_system": int((t["outcome"] == 0).sum()),
    }


def in_system_at(result: RunResult, times: np.ndarray, which: np.ndarray | None = None) -> np.ndarray:
    """Trucks in the system (arrived, not yet out) at each time; ``which`` selects trucks."""
    t = result.trucks
    keep = np.ones(t["t_arrive"].size, bool) if which is None else which
    arrive = np.sort(t["t_arrive"][keep])
    out = np.sort(t["t_out"][keep & ~np.isnan(t["t_out"])])
    return np.searchsorted(arrive, times, "right") - np.searchsorted(out, times, "right")


def road_queue_peaks(result: RunResult) -> np.ndarray:
    """Most trucks on the road at once, per crossing, over the measured days (road_span)."""
    start, leave = road_span(result)
    return _peaks(result, start, leave, result.trucks["crossing"], len(result.crossings))


def _peaks(result: RunResult, start: np.ndarray, leave: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Most trucks at once in ``[start, leave)``, per group 0..n-1, over the measured days."""
    w0 = result.warmup_min
    peaks = np.zeros(n)
    for xi in range(n):
        mine = (group == xi) & (leave > start)
        if not mine.any():
            continue
        times = np.concatenate([start[mine], leave[mine]])
        step = np.concatenate([np.ones(mine.sum()), -np.ones(mine.sum())])
        order = np.lexsort((step, times))  # leaving before arriving at the same instant
        count = np.cumsum(step[order])
        in_window = times[order] >= w0
        before = count[~in_window][-1] if (~in_window).any() else 0
        peaks[xi] = max(before, count[in_window].max() if in_window.any() else 0)
    return peaks


def _staging_kpis(result: RunResult, out: dict[str, float], end: np.ndarray) -> None:
    """Peaks of the staging areas and of the trucks waiting outside for a slot."""
    s, t = result.scenario, result.trucks
    areas = list(s.staging)
    area_of = np.full(t["t_arrive"].size, -1)
    for xi, x in enumerate(result.crossings):
        for di, d in enumerate(result.directions):
            route = s.crossings[x].routes.get(d)
            if route is not None and route.staging is not None:
                area_of[(t["crossing"] == xi) & (t["direction"] == di)] = areas.index(route.staging)
    left = np.where(np.isnan(t["t_called"]), end, t["t_called"])
    staged = ~np.isnan(t["t_staged"])
    start = np.where(staged, t["t_staged"], left)
    peaks = _peaks(result, start, left, np.where(staged, area_of, -1), len(areas))
    for ai, a in enumerate(areas):
        out[f"staging_peak.{a}"] = float(peaks[ai])
    # Waiting outside: from arrival until a slot (or giving up, or the end) on metered routes.
    metered = [any(r.slots for r in s.crossings[x].routes.values()) for x in result.crossings]
    on_metered = np.asarray(metered, bool)[t["crossing"]]
    got = np.where(np.isnan(t["t_slot"]), end, t["t_slot"])
    outside = on_metered & ((t["place"] == PLACES.index("origin")) | ~np.isnan(t["t_slot"]))
    peaks = _peaks(
        result, t["t_arrive"], np.where(outside, got, t["t_arrive"]), t["crossing"], len(result.crossings)
    )
    for xi, x in enumerate(result.crossings):
        if metered[xi]:
            out[f"unregistered_peak.{x}"] = float(peaks[xi])
    w0 = result.warmup_min
    days = s.horizon_days - s.warmup_days
    slot_wait = on_metered & ~np.isnan(t["t_slot"]) & (t["t_arrive"] >= w0) & ~t["initial"]
    out["slot_wait_h.mean"] = (
        float((t["t_slot"][slot_wait] - t["t_arrive"][slot_wait]).mean() / 60.0)
        if slot_wait.any()
        else np.nan
    )
    waits = (t["t_slot"][slot_wait] - t["t_arrive"][slot_wait]) / 60.0
    out["slot_wait_h.p95"] = float(np.percentile(waits, 95)) if waits.size else np.nan
    out["called_per_day"] = float((t["t_called"] >= w0).sum()) / days


def _summary(values: np.ndarray) -> dict[str, float]:
    if values.size == 0:
        return {"mean": np.nan, "p50": np.nan, "p95": np.nan, "max": np.nan}
    return {
        "mean": float(values.mean()),
        "p50": float(np.percentile(values, 50)),
        "p95": float(np.percentile(values, 95)),
        "max": float(values.max()),
    }


def _slope(values: np.ndarray) -> float:
    return float(np.polyfit(np.arange(values.size), values, 1)[0]) if values.size > 1 else 0.0


def _days_to_recover(backlog: np.ndarray, factor: float, normal_days: int) -> float:
    """Days from the peak until the backlog is back under ``factor`` x its normal level.

    The normal level is the median over the first ``normal_days`` measured midnights
    (those before the peak, if it comes sooner).
    """
    peak = int(np.argmax(backlog))
    if peak == 0:
        return 0.0
    threshold = factor * float(np.median(backlog[: min(peak, normal_days)]))
    after = np.nonzero(backlog[peak:] <= threshold)[0]
    return float(after[0]) if after.size else np.nan


def _utilisation(result: RunResult, sid: int, w0: float, h: float) -> float:
    rows = result.stages
    departures = result.stage_departures[sid]
    if departures is not None:  # a timetable: loads carried / wagons offered
        offered = sum(w0 <= d < h for d in departures) * result.stage_lanes[sid]
        starts = rows["t_start"][rows["stage"] == sid]
        carried = int(((starts >= w0) & (starts < h)).sum())
        return carried / offered if offered else np.nan
    mine = (rows["stage"] == sid) & ~np.isnan(rows["t_start"])
    start = rows["t_start"][mine]
    end = np.where(np.isnan(rows["t_end"][mine]), h, rows["t_end"][mine])
    # Busy time counts only while the stage is open (service that runs on past closing is
    # finished work, not capacity used), so utilisation never exceeds 1.
    opened = _open_time_function(result.stage_intervals[sid], w0, h)
    busy = float((opened(end) - opened(start)).sum())
    lane_min = float(lane_minutes_function(result.stage_timelines[sid], w0, h)(np.array([h]))[0])
    return busy / lane_min if lane_min > 0 else np.nan


def _open_time_function(intervals: list[tuple[float, float]], w0: float, h: float):
    """``F(t)``: minutes the stage was open in ``[w0, t]`` (piecewise linear, vectorised)."""
    iv = np.clip(np.asarray(intervals, float).reshape(-1, 2), w0, h)
    if iv.size == 0:  # never open in the run
        return lambda t: np.zeros_like(t, dtype=float)
    lengths = iv[:, 1] - iv[:, 0]
    before = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
    xs = iv.ravel()
    ys = np.column_stack([before, before + lengths]).ravel()
    return lambda t: np.interp(t, xs, ys)
