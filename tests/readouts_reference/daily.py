"""Daily KPIs of one run, by crossing: the table behind throughput plots and day-level analysis.

:func:`daily_table` returns one row per simulated day and crossing, plus a row
per day for all crossings together (``crossing = "all"``), as a dict of NumPy
columns of equal length:

=====================  ==========================================================
day                    day index, 0 = ``start_date`` (model clock, local midnight)
date                   the calendar date, ISO ``YYYY-MM-DD``
crossing               crossing id, or ``all``
measured               True after the warm-up (``day >= warmup_days``)
arrived                loaded trucks that arrived that day (the initial backlog not counted)
cleared                loaded trucks that crossed the border that day
gave_up                trucks that gave up that day
backlog_midnight       trucks in the system at the midnight ending the day
road_queue_peak        most trucks (empty returns too) waiting on the road at once during the day
time_in_system_h_mean  mean arrival-to-crossing time of the trucks cleared that day, h
empty_cleared          empty returns (cargo ``loaded = false``) that crossed that day
=====================  ==========================================================

Warm-up days are kept (flagged ``measured = False``): plots show them, and
MSER needs them; averages of measured days only reproduce the run's KPIs
(``cleared`` summed over measured days / measured days = ``cleared_per_day``).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from readouts_reference import border
from sim.engine.calendar import MINUTES_PER_DAY
from sim.engine.records import PLACES
from sim.engine.run import RunResult

ALL = "all"
CLEARED, GAVE_UP = 1, 2


def daily_table(result: RunResult) -> dict[str, np.ndarray]:
    """Daily counts and backlog by crossing (and for all crossings) of one run."""
    s = result.scenario
    t = result.trucks
    days = s.horizon_days
    edges = np.arange(days + 1) * MINUTES_PER_DAY
    out_day = np.floor(np.nan_to_num(t["t_out"], nan=-1.0) / MINUTES_PER_DAY)
    arrive_day = np.floor(t["t_arrive"] / MINUTES_PER_DAY)
    tis_h = (t["t_out"] - border(t)) / 60.0
    road_start, road_leave = road_span(result)

    columns: dict[str, list] = {k: [] for k in _COLUMNS}
    dates = [(s.start_date + timedelta(days=k)).isoformat() for k in range(days)]
    # Loaded trucks only (the Vietnamese count); empty returns in their own column.
    loaded = np.array([s.cargo[c].loaded for c in result.cargo], bool)[t["cargo"]]
    groups = [(ALL, np.ones(t["t_arrive"].size, bool))]
    groups += [(x, t["crossing"] == xi) for xi, x in enumerate(result.crossings)]
    for name, every in groups:
        mine = every & loaded
        columns["empty_cleared"].append(_per_day(out_day[every & ~loaded & (t["outcome"] == CLEARED)], days))
        cleared = mine & (t["outcome"] == CLEARED)
        columns["arrived"].append(_per_day(arrive_day[mine & ~t["initial"]], days))
        columns["cleared"].append(_per_day(out_day[cleared], days))
        columns["gave_up"].append(_per_day(out_day[mine & (t["outcome"] == GAVE_UP)], days))
        columns["backlog_midnight"].append(_in_system(t, mine, edges[1:]))
        columns["road_queue_peak"].append(_daily_peaks(road_start[every], road_leave[every], edges))
        sums = np.bincount(out_day[cleared].astype(np.int64), weights=tis_h[cleared], minlength=days)[:days]
        counts = columns["cleared"][-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            columns["time_in_system_h_mean"].append(np.where(counts > 0, sums / counts, np.nan))
        columns["day"].append(np.arange(days))
        columns["date"].append(np.array(dates, dtype=object))
        columns["crossing"].append(np.array([name] * days, dtype=object))
        columns["measured"].append(np.arange(days) >= s.warmup_days)
    return {k: np.concatenate(v) for k, v in columns.items()}


_COLUMNS = (
    "day",
    "date",
    "crossing",
    "measured",
    "arrived",
    "cleared",
    "gave_up",
    "backlog_midnight",
    "road_queue_peak",
    "time_in_system_h_mean",
    "empty_cleared",
)


def _per_day(day_of_event: np.ndarray, days: int) -> np.ndarray:
    d = day_of_event[(day_of_event >= 0) & (day_of_event < days)].astype(np.int64)
    return np.bincount(d, minlength=days)[:days].astype(np.int64)


def _in_system(t: dict[str, np.ndarray], mine: np.ndarray, times: np.ndarray) -> np.ndarray:
    at = border(t)
    mine = mine & ~np.isnan(at)
    arrive = np.sort(at[mine])
    out = t["t_out"][mine]
    out = np.sort(out[~np.isnan(out)])
    return (np.searchsorted(arrive, times, "right") - np.searchsorted(out, times, "right")).astype(np.int64)


def road_span(result: RunResult) -> tuple[np.ndarray, np.ndarray]:
    """When each truck was on the road queue before its gate yard or staging area.

    From arrival (on a metered route: from getting its slot; trucks waiting outside for one
    are not on the border road) until it entered the staging area or the yard, gave up, or
    the horizon. A truck driving from a staging area to the gate is not queueing.
    """
    t = result.trucks
    start = np.where(np.isnan(t["t_slot"]), t["t_arrive"], t["t_slot"])
    # Issue 24 fixed this in sim/readouts/daily.py too: a truck still on the road at the end
    # never leaves it (it left at the horizon, and the series' last sample dropped it).
    end = np.where(np.isnan(t["t_out"]), np.inf, t["t_out"])
    leave = np.where(
        np.isnan(t["t_staged"]), np.where(np.isnan(t["t_yard"]), end, t["t_yard"]), t["t_staged"]
    )
    outside = (t["place"] == PLACES.index("origin")) & np.isnan(t["t_slot"])
    return start, np.where(outside, start, leave)


def _daily_peaks(arrive: np.ndarray, leave: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Most trucks on the road at once in each day ``[edges[k], edges[k+1])``."""
    days = edges.size - 1
    on_road = leave > arrive
    if not on_road.any():
        return np.zeros(days, np.int64)
    times = np.concatenate([arrive[on_road], leave[on_road]])
    step = np.concatenate([np.ones(on_road.sum(), np.int64), -np.ones(on_road.sum(), np.int64)])
    order = np.lexsort((step, times))  # leaving before arriving at the same instant
    times, count = times[order], np.cumsum(step[order])
    # Trucks on the road as a day starts, then the highest count reached within it.
    first = np.searchsorted(times, edges[:-1], "left")
    at_start = np.where(first > 0, count[np.maximum(first - 1, 0)], 0)
    peaks = at_start.copy()
    day_of = np.searchsorted(edges, times, "right") - 1
    inside = (day_of >= 0) & (day_of < days)
    np.maximum.at(peaks, day_of[inside], count[inside])
    return peaks.astype(np.int64)
