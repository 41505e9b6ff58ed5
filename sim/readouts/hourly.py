"""Hour-level views of one run: backlog and queues over time, and utilisation by hour of day.

Two tables, each a dict of NumPy columns of equal length.

:func:`queue_series` — the state sampled every ``reporting.queue_sample_min``
minutes, one row per sample time and crossing (and ``all``):

============  ==================================================================
t_h           sample time, hours from the start
crossing      crossing id, or ``all``
in_system     trucks at the border and not yet out (the backlog; on a metered route from
              the slot: those waiting at their origin are not counted)
road_queue    trucks waiting on the road (not yet in the yard)
stage_queue   trucks waiting in the queues of the crossing's clearance stages
dwelling      trucks held by the crossing's dwells (papers, declarations: no lane,
              no queue; sim.engine.dwell), 0 without dwells
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
Timetabled stages (trains), whose utilisation counts loads rather than time, and holds
(dwells, which have no lanes) are left out.
"""

from __future__ import annotations

import numpy as np

from sim.engine.capacity import lane_minutes_function
from sim.engine.run import RunResult
from sim.readouts.daily import ALL, border_arrival, road_span
from sim.readouts.grouping import Groups, rows_by_stage, served_by_stage, split_by_crossing

HOURS_PER_DAY = 24


def queue_series(result: RunResult) -> dict[str, np.ndarray]:
    """Backlog, road queue and stage queues over time, by crossing and for all crossings."""
    t = result.trucks
    by_stage = rows_by_stage(result)
    times, waiting = result.queue_lengths(by_stage=(by_stage.order, by_stage.bounds))
    road_start, road_leave = road_span(result)
    stage_crossing = np.asarray(result.stage_crossing, np.int64)
    # Counts by crossing group (group 0: trucks never routed to a crossing), each group's trucks
    # in table order; the counts for all crossings are their sums. A truck whose road span is
    # empty (start = leave) adds nothing to any count of the road queue. A truck still in the
    # system (t_out NaN) is never counted out: NaN sorts last, after every sample time.
    on_road = np.flatnonzero(road_leave != road_start)
    road_groups = Groups.of(t["crossing"][on_road].astype(np.int16) + 1, len(result.crossings) + 1, on_road)
    # In the system at the border: from reaching it (a metered route's slot) to leaving; a truck
    # that never left its origin (NaN) is never counted.
    at = border_arrival(result)
    arrive = split_by_crossing(result, "at_border", at)
    if np.isnan(at).any():
        out = split_by_crossing(result, "t_out_at_border", np.where(np.isnan(at), np.nan, t["t_out"]))
    else:
        out = split_by_crossing(result, "t_out")
    in_system = [_count_between(a, b, times) for a, b in zip(arrive, out, strict=True)]
    road = zip(road_groups.split(road_start), road_groups.split(road_leave), strict=True)
    road_queue = [_count_between(a, b, times) for a, b in road]
    # "all", then the crossings (the trucks never routed to one count in "all" only).
    in_system = [np.sum(in_system, axis=0, dtype=np.int64), *in_system[1:]]
    road_queue = [np.sum(road_queue, axis=0, dtype=np.int64), *road_queue[1:]]
    stages = [np.ones(stage_crossing.size, bool)] + [
        stage_crossing == xi for xi in range(len(result.crossings))
    ]

    holds = np.array([result.kind(sid) == "hold" for sid in range(stage_crossing.size)], bool)
    held = _held(result, holds, times)  # per stage: trucks held at each time (holds only)

    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("t_h", "crossing", "in_system", "road_queue")}
    cols["stage_queue"] = []
    cols["dwelling"] = []
    names = [ALL, *result.crossings]
    for name, trucks, on_the_road, mine in zip(names, in_system, road_queue, stages, strict=True):
        cols["t_h"].append(times / 60.0)
        cols["crossing"].append(np.array([name] * times.size, dtype=object))
        cols["in_system"].append(trucks)
        cols["road_queue"].append(on_the_road)
        cols["stage_queue"].append(waiting[mine & ~holds].sum(axis=0).astype(np.int64))
        cols["dwelling"].append(held[mine].sum(axis=0).astype(np.int64))
    return {k: np.concatenate(v) for k, v in cols.items()}


def _held(result: RunResult, holds: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Trucks held at each time, per stage: ``(stages, times)``, zero for stages not holds."""
    out = np.zeros((holds.size, times.size), np.int64)
    if not holds.any():
        return out
    by_stage = rows_by_stage(result)
    start, end = result.stages["t_start"], result.stages["t_end"]
    for sid in np.flatnonzero(holds):
        rows = by_stage.order[by_stage.bounds[sid] : by_stage.bounds[sid + 1]]
        a = start[rows][~np.isnan(start[rows])]
        b = end[rows][~np.isnan(end[rows])]  # a truck still held: never counted out
        out[sid] = np.searchsorted(np.sort(a), times, "right") - np.searchsorted(np.sort(b), times, "right")
    return out


def _count_between(start: np.ndarray, end: np.ndarray, times: np.ndarray) -> np.ndarray:
    """How many intervals ``[start, end)`` contain each time."""
    return (
        np.searchsorted(np.sort(start), times, "right") - np.searchsorted(np.sort(end), times, "right")
    ).astype(np.int64)


def utilisation_by_hour(result: RunResult) -> dict[str, np.ndarray]:
    """Busy and open lane-minutes of every stage by hour of day, measured days only."""
    served = served_by_stage(result)
    h, w0 = result.horizon_min, result.warmup_min
    edges = np.arange(0.0, h + 1.0, 60.0)  # hour boundaries of the horizon
    measured = edges[:-1] >= w0
    hour_of_day = (np.arange(edges.size - 1) % HOURS_PER_DAY)[measured]
    departures = getattr(result, "stage_departures", None) or [None] * len(result.stage_names)
    cols: dict[str, list] = {"stage": [], "hour": [], "busy_min": [], "open_min": []}
    for sid, name in enumerate(result.stage_names):
        if departures[sid] is not None or result.kind(sid) == "hold":
            continue
        start, end = served.of(sid)  # the rows whose service started; end NaN -> h
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
    cs, ce = np.zeros(s.size + 1), np.zeros(e.size + 1)  # 0, then the prefix sums
    np.cumsum(s, out=cs[1:])
    np.cumsum(e, out=ce[1:])
    ns, ne = np.searchsorted(s, times, "left"), np.searchsorted(e, times, "left")
    return (ns * times - cs[ns]) - (ne * times - ce[ne])
