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
gave_up_per_day                        trucks that gave up and returned inland
empty_cleared_per_day[.<crossing>]     empty returns (cargo classes with loaded = false) that
                                       crossed, per day; only when the scenario has such a class
backlog_midnight.mean / .max           loaded trucks in the system at each midnight
backlog_growth_per_day                 slope of the midnight backlog (trucks/day)
backlog_growth_per_day.<crossing>      ... of the trucks bound for one crossing
days_to_recover                        days from the peak midnight backlog until it is back
                                       under recovery_factor x its median over the first
                                       normal_days measured days (NaN: not within horizon)
time_in_system_h.mean/.p50/.p95/.max   arrival to crossing, cleared loaded trucks, hours
time_in_system_h.mean.<crossing>       ... by crossing
time_in_system_h.mean.<cargo class>    ... by cargo class (empty returns too)
time_in_system_h.mean.equipped/.conventional   ... by smart-gate equipment (when any is)
same_day_share                         share of arrivals cleared on their arrival day
perishable_delayed_share               perishable arrivals longer than the threshold
utilisation.<stage>                    busy lane-time while open / lane-minutes offered (the
                                       stage's capacity timeline, sim.engine.capacity; <= 1;
                                       service running on past closing is not counted);
                                       for a timetabled stage, loads carried / wagons offered
road_queue_peak.<crossing>             most trucks waiting on the road at once
road_queue_peak_km.<crossing>          ... as road length in km
=====================================  =============================================
"""

from __future__ import annotations

import numpy as np

from sim.engine.calendar import MINUTES_PER_DAY
from sim.engine.capacity import lane_minutes_function
from sim.engine.run import RunResult

CLEARED, GAVE_UP = 1, 2


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
    out["gave_up_per_day"] = ((t["outcome"] == GAVE_UP) & (t["t_out"] >= w0) & loaded).sum() / days
    if not loaded.all():
        out["empty_cleared_per_day"] = empty_cleared.sum() / days
        for xi, x in enumerate(result.crossings):
            out[f"empty_cleared_per_day.{x}"] = (empty_cleared & (t["crossing"] == xi)).sum() / days

    midnights = np.arange(s.warmup_days + 1, s.horizon_days + 1) * MINUTES_PER_DAY
    backlog = in_system_at(result, midnights, loaded)
    out["backlog_midnight.mean"] = float(backlog.mean())
    out["backlog_midnight.max"] = float(backlog.max())
    out["backlog_growth_per_day"] = _slope(backlog)
    for xi, x in enumerate(result.crossings):
        mine = loaded & (t["crossing"] == xi)
        out[f"backlog_growth_per_day.{x}"] = _slope(in_system_at(result, midnights, mine))
    out["days_to_recover"] = _days_to_recover(backlog, s.reporting.recovery_factor, s.reporting.normal_days)

    done = arrived & (t["outcome"] == CLEARED)
    tis = (t["t_out"][done] - t["t_arrive"][done]) / 60.0
    for name, value in _summary(tis).items():
        out[f"time_in_system_h.{name}"] = value
    hours_in_system = (t["t_out"] - t["t_arrive"]) / 60.0
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
    same_day = done & (np.floor(t["t_out"] / MINUTES_PER_DAY) == np.floor(t["t_arrive"] / MINUTES_PER_DAY))
    out["same_day_share"] = same_day.sum() / arrived.sum() if arrived.any() else np.nan

    perishable = np.array([s.cargo[c].perishable for c in result.cargo], bool)[t["cargo"]] & arrived
    end = np.where(np.isnan(t["t_out"]), h, t["t_out"])
    late = perishable & ((end - t["t_arrive"]) > s.reporting.perishable_delay_h * 60.0)
    out["perishable_delayed_share"] = late.sum() / perishable.sum() if perishable.any() else np.nan

    for sid, name in enumerate(result.stage_names):
        out[f"utilisation.{name}"] = _utilisation(result, sid, w0, h)
    m_per_truck = [s.crossings[x].road_m_per_truck for x in result.crossings]
    peaks = road_queue_peaks(result)
    for xi, x in enumerate(result.crossings):
        out[f"road_queue_peak.{x}"] = float(peaks[xi])
        out[f"road_queue_peak_km.{x}"] = peaks[xi] * m_per_truck[xi] / 1000.0
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
    """Most trucks on the road at once, per crossing, over the measured days."""
    t = result.trucks
    w0, h = result.warmup_min, result.horizon_min
    # A truck is on the road from arrival until it enters the yard (or gives up).
    leave = np.where(np.isnan(t["t_yard"]), np.where(np.isnan(t["t_out"]), h, t["t_out"]), t["t_yard"])
    peaks = np.zeros(len(result.crossings))
    for xi in range(len(result.crossings)):
        mine = (t["crossing"] == xi) & (leave > t["t_arrive"])
        if not mine.any():
            continue
        times = np.concatenate([t["t_arrive"][mine], leave[mine]])
        step = np.concatenate([np.ones(mine.sum()), -np.ones(mine.sum())])
        order = np.lexsort((step, times))  # leaving before arriving at the same instant
        count = np.cumsum(step[order])
        in_window = times[order] >= w0
        before = count[~in_window][-1] if (~in_window).any() else 0
        peaks[xi] = max(before, count[in_window].max() if in_window.any() else 0)
    return peaks


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
