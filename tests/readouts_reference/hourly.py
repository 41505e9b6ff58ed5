"""Hour-level views of one run: backlog and queues over time, and utilisation by hour of day.

Two tables, each a dict of NumPy columns of equal length.

:func:`queue_series` — the state sampled every ``reporting.queue_sample_min``
minutes, one row per sample time and crossing (and ``all``):

============  ==================================================================
t_h           sample time, hours from the start
crossing      crossing id, or ``all``
in_system     trucks arrived and not yet out (the backlog)
road_queue    trucks waiting on the road (not yet in the yard)
stage_queue   trucks waiting in the queues of the crossing's clearance stages
============  ==================================================================

:func:`utilisation_by_hour` — lane-time of each stage by hour of day
(model clock, the scenario's time zone), over the measured days only:

============  ==================================================================
stage         stage name ``crossing/direction/stage``
hour          hour of day, 0..23
busy_min      lane-minutes spent serving while open
open_min      lane-minutes open (lanes x open minutes)
============  ==================================================================

``busy_min`` counts service time only while the stage is open (as :mod:`sim.kpis` does), so
``busy_min / open_min`` summed over hours is the run's ``utilisation.<stage>``.
Timetabled stages (trains), whose utilisation counts loads rather than time, are left out.
"""

from __future__ import annotations

import numpy as np

from readouts_reference import border, queue_lengths
from readouts_reference.daily import ALL, road_span
from sim.engine.capacity import lane_minutes_function
from sim.engine.run import RunResult

HOURS_PER_DAY = 24


def queue_series(result: RunResult) -> dict[str, np.ndarray]:
    """Backlog, road queue and stage queues over time, by crossing and for all crossings."""
    t = result.trucks
    times, waiting = queue_lengths(result)
    road_start, road_leave = road_span(result)
    out_time = np.where(np.isnan(t["t_out"]), np.inf, t["t_out"])
    stage_crossing = np.asarray(result.stage_crossing, np.int64)

    groups = [(ALL, np.ones(t["t_arrive"].size, bool), np.ones(stage_crossing.size, bool))]
    groups += [(x, t["crossing"] == xi, stage_crossing == xi) for xi, x in enumerate(result.crossings)]
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("t_h", "crossing", "in_system", "road_queue")}
    cols["stage_queue"] = []
    for name, trucks, stages in groups:
        cols["t_h"].append(times / 60.0)
        cols["crossing"].append(np.array([name] * times.size, dtype=object))
        at_border = trucks & ~np.isnan(border(t))
        cols["in_system"].append(_count_between(border(t)[at_border], out_time[at_border], times))
        cols["road_queue"].append(_count_between(road_start[trucks], road_leave[trucks], times))
        cols["stage_queue"].append(waiting[stages].sum(axis=0).astype(np.int64))
    return {k: np.concatenate(v) for k, v in cols.items()}


def _count_between(start: np.ndarray, end: np.ndarray, times: np.ndarray) -> np.ndarray:
    """How many intervals ``[start, end)`` contain each time."""
    return (
        np.searchsorted(np.sort(start), times, "right") - np.searchsorted(np.sort(end), times, "right")
    ).astype(np.int64)


def utilisation_by_hour(result: RunResult) -> dict[str, np.ndarray]:
    """Busy and open lane-minutes of every stage by hour of day, measured days only."""
    rows = result.stages
    h, w0 = result.horizon_min, result.warmup_min
    edges = np.arange(0.0, h + 1.0, 60.0)  # hour boundaries of the horizon
    measured = edges[:-1] >= w0
    hour_of_day = (np.arange(edges.size - 1) % HOURS_PER_DAY)[measured]
    departures = getattr(result, "stage_departures", None) or [None] * len(result.stage_names)
    cols: dict[str, list] = {"stage": [], "hour": [], "busy_min": [], "open_min": []}
    for sid, name in enumerate(result.stage_names):
        if departures[sid] is not None:
            continue
        mine = (rows["stage"] == sid) & ~np.isnan(rows["t_start"])
        start = rows["t_start"][mine]
        end = np.where(np.isnan(rows["t_end"][mine]), h, rows["t_end"][mine])
        # Busy time counts only while the stage is open, as in sim.kpis: measured on the clock
        # of open time F (F(t) = minutes open before t), where an interval [a, b) lasts F(b) - F(a).
        opened = _open_time(result.stage_intervals[sid], h)
        busy = np.diff(_covered(opened(start), opened(end), opened(edges)))[measured]
        open_ = np.diff(lane_minutes_function(result.stage_timelines[sid], 0.0, h)(edges))[measured]
        cols["stage"].append(np.array([name] * HOURS_PER_DAY, dtype=object))
        cols["hour"].append(np.arange(HOURS_PER_DAY))
        cols["busy_min"].append(np.bincount(hour_of_day, weights=busy, minlength=HOURS_PER_DAY))
        cols["open_min"].append(np.bincount(hour_of_day, weights=open_, minlength=HOURS_PER_DAY))
    if not cols["stage"]:
        return {
            "stage": np.array([], dtype=object),
            "hour": np.array([], np.int64),
            "busy_min": np.array([]),
            "open_min": np.array([]),
        }
    return {k: np.concatenate(v) for k, v in cols.items()}


def _open_time(intervals: list[tuple[float, float]], h: float):
    """``F(t)``: minutes the stage was open before ``t`` (piecewise linear, vectorised)."""
    iv = np.clip(np.asarray(intervals, float).reshape(-1, 2), 0.0, h)
    if iv.size == 0:
        return lambda t: np.zeros_like(np.asarray(t, float))
    lengths = iv[:, 1] - iv[:, 0]
    before = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
    xs = iv.ravel()
    ys = np.column_stack([before, before + lengths]).ravel()
    return lambda t: np.interp(np.asarray(t, float), xs, ys)


def _covered(start: np.ndarray, end: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Total length of the intervals ``[start, end)`` that lies before each time.

    ``C(T) = sum_{s_i < T} (T - s_i) - sum_{e_i < T} (T - e_i)``, from sorted ends and prefix sums.
    """
    s, e = np.sort(start), np.sort(end)
    cs, ce = np.concatenate([[0.0], np.cumsum(s)]), np.concatenate([[0.0], np.cumsum(e)])
    ns, ne = np.searchsorted(s, times, "left"), np.searchsorted(e, times, "left")
    return (ns * times - cs[ns]) - (ne * times - ce[ne])
