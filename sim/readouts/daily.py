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
gave_up                loaded trucks that gave up that day
backlog_midnight       loaded trucks at the border (in the system, not at their origin) at
                       the midnight ending the day
road_queue_peak        most trucks (empty returns too) waiting on the road at once during the day
time_in_system_h_mean  mean time from reaching the border to crossing of the trucks cleared that
                       day, h (on a metered route from the slot; the wait at the origin apart)
empty_cleared          empty returns (cargo ``loaded = false``) that crossed that day
=====================  ==========================================================

Warm-up days are kept (flagged ``measured = False``): plots show them, and
MSER needs them; averages of measured days only reproduce the run's KPIs
(``cleared`` summed over measured days / measured days = ``cleared_per_day``).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from sim.engine.calendar import MINUTES_PER_DAY
from sim.engine.records import PLACES
from sim.engine.run import RunResult
from sim.readouts.grouping import Groups, cached, split_by_crossing

ALL = "all"
CLEARED, GAVE_UP = 1, 2


def daily_table(result: RunResult) -> dict[str, np.ndarray]:
    """Daily counts and backlog by crossing (and for all crossings) of one run."""
    s = result.scenario
    t = result.trucks
    days = s.horizon_days
    edges = np.arange(days + 1) * MINUTES_PER_DAY
    road_start, road_leave = road_span(result)
    dates = np.array([(s.start_date + timedelta(days=k)).isoformat() for k in range(days)], dtype=object)

    # Counts by crossing group (group 0: trucks never routed to a crossing), each group's
    # trucks in table order; the counts for all crossings are their sums.
    split = {k: split_by_crossing(result, k) for k in ("t_arrive", "t_out", "outcome", "initial")}
    split["at_border"] = split_by_crossing(result, "at_border", border_arrival(result))
    split["loaded"] = split_by_crossing(result, "loaded", loaded_trucks(result))
    counts: dict[str, list[np.ndarray]] = {k: [] for k in ("arrived", "cleared", "gave_up", "empty_cleared")}
    tis_sums = []
    for g in range(len(split["t_out"])):
        t_out, loaded, outcome = split["t_out"][g], split["loaded"][g], split["outcome"][g]
        out_day = np.floor(np.nan_to_num(t_out, nan=-1.0) / MINUTES_PER_DAY)
        arrive_day = np.floor(split["t_arrive"][g] / MINUTES_PER_DAY)
        counts["empty_cleared"].append(_per_day(out_day[~loaded & (outcome == CLEARED)], days))
        cleared = loaded & (outcome == CLEARED)
        counts["arrived"].append(_per_day(arrive_day[loaded & ~split["initial"][g]], days))
        counts["cleared"].append(_per_day(out_day[cleared], days))
        counts["gave_up"].append(_per_day(out_day[loaded & (outcome == GAVE_UP)], days))
        tis_h = (t_out[cleared] - split["at_border"][g][cleared]) / 60.0
        tis_sums.append(_day_sums(out_day[cleared], tis_h, days))
    counts["backlog_midnight"] = list(midnight_backlog(result))
    # Hours in the system of all crossings' trucks added in table order, as for one crossing.
    cleared = loaded_trucks(result) & (t["outcome"] == CLEARED)
    out_day = np.floor(t["t_out"][cleared] / MINUTES_PER_DAY)
    all_sums = _day_sums(out_day, (t["t_out"][cleared] - border_arrival(result)[cleared]) / 60.0, days)
    # Road peaks: only the trucks that spent time on the road count.
    on_road = np.flatnonzero(road_leave > road_start)
    road_groups = Groups.of(t["crossing"][on_road].astype(np.int16) + 1, len(result.crossings) + 1, on_road)
    road = [(road_start[on_road], road_leave[on_road])]
    road += list(zip(road_groups.split(road_start)[1:], road_groups.split(road_leave)[1:], strict=True))

    columns: dict[str, list] = {k: [] for k in _COLUMNS}
    for i, name in enumerate([ALL, *result.crossings]):
        for k, per_group in counts.items():
            columns[k].append(np.sum(per_group, axis=0, dtype=np.int64) if name == ALL else per_group[i])
        columns["road_queue_peak"].append(_daily_peaks(*road[i], edges))
        sums, n = all_sums if name == ALL else tis_sums[i], columns["cleared"][-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            columns["time_in_system_h_mean"].append(np.where(n > 0, sums / n, np.nan))
        columns["day"].append(np.arange(days))
        columns["date"].append(dates)
        columns["crossing"].append(np.array([name] * days, dtype=object))
        columns["measured"].append(np.arange(days) >= s.warmup_days)
    return {k: np.concatenate(columns[k]) for k in _COLUMNS}


def loaded_trucks(result: RunResult) -> np.ndarray:
    """True for the trucks of a loaded cargo class (not empty returns); read-only."""

    def compute(r: RunResult) -> np.ndarray:
        loaded = np.array([r.scenario.cargo[c].loaded for c in r.cargo], bool)[r.trucks["cargo"]]
        loaded.flags.writeable = False
        return loaded

    return cached(result, "loaded", compute)


def border_arrival(result: RunResult) -> np.ndarray:
    """When each truck reached the border: its arrival, or on a metered route when it was
    dispatched with its slot (``t_slot``); NaN for a truck that never left its origin (it
    gave up there, or still waits at the end). The border's KPIs (time in system, backlog,
    perishables delayed, queueing cost) count from it; waiting at the origin is counted
    apart (``slot_wait_h``, ``unregistered_peak``). Read-only, computed once per run."""

    def compute(r: RunResult) -> np.ndarray:
        t = r.trucks
        slot = t["t_slot"]
        if np.isnan(slot).all():  # no metered route: arrival at the border
            at = t["t_arrive"].copy()
        else:
            at = np.where(np.isnan(slot), t["t_arrive"], slot)
            at[np.isnan(slot) & (t["place"] == PLACES.index("origin"))] = np.nan
        at.flags.writeable = False
        return at

    return cached(result, "border_arrival", compute)


def midnight_backlog(result: RunResult) -> np.ndarray:
    """Loaded trucks at the border (in the system, not at their origin) at the midnight ending
    each day, ``(crossing groups, days)``: row 0 the trucks never routed to a crossing, row
    ``xi + 1`` crossing ``xi``'s (their sum: all trucks). Computed once per run (read-only),
    for ``daily_table`` and ``kpis``."""

    def compute(r: RunResult) -> np.ndarray:
        midnights = np.arange(1, r.scenario.horizon_days + 1) * MINUTES_PER_DAY
        arrive, out = split_by_crossing(r, "at_border", border_arrival(r)), split_by_crossing(r, "t_out")
        at = border_arrival(r)
        loaded = split_by_crossing(r, "loaded_at_border", loaded_trucks(r) & ~np.isnan(at))
        backlog = np.array(
            [_in_system(a[m], o[m], midnights) for a, o, m in zip(arrive, out, loaded, strict=True)], np.int64
        ).reshape(len(loaded), midnights.size)
        backlog.flags.writeable = False
        return backlog

    return cached(result, "midnight_backlog", compute)


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


def _day_sums(day: np.ndarray, values: np.ndarray, days: int) -> np.ndarray:
    """``values`` added up by ``day`` (in their order), days ``0..days-1``."""
    return np.bincount(day.astype(np.int64), weights=values, minlength=days)[:days]


def _per_day(day_of_event: np.ndarray, days: int) -> np.ndarray:
    d = day_of_event[(day_of_event >= 0) & (day_of_event < days)].astype(np.int64)
    return np.bincount(d, minlength=days)[:days].astype(np.int64)


def _in_system(arrive: np.ndarray, out: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Trucks arrived and not yet out at each time (``out`` NaN: never out)."""
    arrive = np.sort(arrive)
    out = np.sort(out[~np.isnan(out)])
    return (np.searchsorted(arrive, times, "right") - np.searchsorted(out, times, "right")).astype(np.int64)


def road_span(result: RunResult) -> tuple[np.ndarray, np.ndarray]:
    """When each truck was on the road queue before its gate yard or staging area.

    From arrival (on a metered route: from getting its slot; trucks waiting at their origin
    for one are not on the border road) until it entered the staging area or the yard, or gave
    up; a truck still on the road when the run ends never leaves it (``inf``), so a sample
    taken at the last instant still counts it. A truck driving from a staging area to the gate
    is not queueing. Computed once per run and shared by the readouts: read-only.
    """
    return cached(result, "road_span", _road_span)


def _road_span(result: RunResult) -> tuple[np.ndarray, np.ndarray]:
    t = result.trucks
    start = np.where(np.isnan(t["t_slot"]), t["t_arrive"], t["t_slot"])
    # Still in the system at the end: not out at any time of the run, the horizon included
    # (ending the span at the horizon dropped them from the series' last sample, issue 24).
    end = np.where(np.isnan(t["t_out"]), np.inf, t["t_out"])
    leave = np.where(
        np.isnan(t["t_staged"]), np.where(np.isnan(t["t_yard"]), end, t["t_yard"]), t["t_staged"]
    )
    at_origin = (t["place"] == PLACES.index("origin")) & np.isnan(t["t_slot"])
    leave = np.where(at_origin, start, leave)
    start.flags.writeable = leave.flags.writeable = False
    return start, leave


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
