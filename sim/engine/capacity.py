"""A stage's capacity over time: lanes by hour and weekday, dated changes, ramps after closures.

A stage's capacity is piecewise constant in time. :func:`stage_timeline` turns
its scenario data into the sorted segments of a run, each
``(start, lanes, fraction, version)``:

* ``lanes`` — lanes open from ``start`` until the next segment: 0 while the
  stage's calendar is closed; otherwise the lanes of its ``staffing`` window at
  that hour and weekday (local time of the calendar, so UTC+8 on the Chinese
  side; a dated window, around a holiday, before a weekly one), or its
  ``lanes`` outside the windows;
* ``fraction`` — the share of normal speed after a dated closure
  (``ramp_after_closure`` with ``of = "capacity"``: ``fractions = [0.25]`` means
  the first 24 h after the stage first reopens run at a quarter of normal
  capacity); service times are divided by it. A ramp ``of = "normal_day"`` (at
  most a share of a normal day's clearances) is a quota, not a capacity: the
  model applies it (:mod:`sim.engine.ramp`) from :func:`reopenings`;
* ``version`` — which dated ``changes`` are in effect (0: none yet), so that
  the model can switch the service-time samplers at the instant of a change.

:func:`capacity_at` reads the capacity at any instant, and
:func:`capacity_per_hour` converts it to trucks per hour for a cargo class.
This module is pure: no files, no randomness.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from sim.engine.calendar import closed_intervals, merge, open_intervals, to_model_minutes, window_spans
from sim.scenario.hours import Ramp, as_start
from sim.scenario.schema import DEFAULT_SERVICE, Scenario, Stage

Segment = tuple[float, int, float, int]  # start (model min), lanes, speed fraction, version


@dataclass(frozen=True)
class Version:
    """A stage's settings from one dated change on."""

    start: float  # model minutes (-inf for the stage's own settings)
    lanes: int
    trucks_per_hour: float | None
    service: dict  # class or 'default' -> Distribution
    staffing: list


def versions(stage: Stage, epoch: datetime, timezone: str) -> list[Version]:
    """The stage's own settings, then one :class:`Version` per dated change, in order."""
    tz = ZoneInfo(timezone)
    out = [Version(-np.inf, stage.lanes, stage.trucks_per_hour, dict(stage.service), list(stage.staffing))]
    for change in stage.changes:
        last = out[-1]
        out.append(
            Version(
                start=to_model_minutes(as_start(change.start), tz, epoch),
                lanes=change.lanes if change.lanes is not None else last.lanes,
                trucks_per_hour=change.trucks_per_hour or last.trucks_per_hour,
                service={**last.service, **change.service},
                staffing=last.staffing if change.staffing is None else list(change.staffing),
            )
        )
    return out


def service_mean_min(version: Version, cargo: str) -> float:
    """Mean time one lane takes per truck of ``cargo`` under ``version``."""
    if version.trucks_per_hour is not None:
        return 60.0 * version.lanes / version.trucks_per_hour
    dist = version.service.get(cargo, version.service.get(DEFAULT_SERVICE))
    return float(dist.mean_min)


def stage_timeline(
    stage: Stage,
    scenario: Scenario,
    epoch: datetime,
    horizon_min: float,
    also_closed: list[tuple[float, float]] = (),
    intervals: list[tuple[float, float]] | None = None,
) -> list[Segment]:
    """The stage's capacity segments over ``[0, horizon_min]`` (see the module docstring).

    ``also_closed`` are further closures in model minutes (the crossing's or the facility's);
    a ramp follows the end of each of them and of the calendar's own dated closures.
    ``intervals``: the stage's open intervals with them, if already computed (see
    :func:`~sim.engine.calendar.open_intervals`).
    """
    hours = scenario.hours[stage.hours]
    if intervals is None:
        intervals = open_intervals(hours, epoch, horizon_min, also_closed)
    vs = versions(stage, epoch, hours.timezone)
    starts = [v.start for v in vs]
    # Per version: its dated staffing windows (around holidays) and its weekly ones, each as
    # (sorted starts, spans); a dated window wins where both cover an instant.
    # The calendar's shares of lanes (a rota for extended hours), dated ones first: after the
    # stage's own windows.
    shares = [
        _layer([w for w in hours.staff_share if w.start is not None], hours.timezone, epoch, horizon_min)
    ]
    shares.append(
        _layer([w for w in hours.staff_share if w.start is None], hours.timezone, epoch, horizon_min)
    )
    staffing = []
    for v in vs:
        dated = [w for w in v.staffing if w.start is not None]
        weekly = [w for w in v.staffing if w.start is None]
        layers = [
            _layer(dated, hours.timezone, epoch, horizon_min),
            _layer(weekly, hours.timezone, epoch, horizon_min),
        ]
        staffing.append(layers + shares)

    ramps: list[tuple[float, float, float]] = []
    ramp = ramp_of(stage, scenario)
    if ramp is not None and ramp.of == "capacity":
        for _, reopen in reopenings(stage, scenario, epoch, also_closed, intervals):
            for day, fraction in enumerate(ramp.fractions):
                ramps.append((reopen + 1440.0 * day, reopen + 1440.0 * (day + 1), fraction))

    points = {0.0, horizon_min}
    points.update(x for iv in intervals for x in iv)
    points.update(v.start for v in vs[1:])
    for layers in staffing:
        for _, spans in layers:
            points.update(x for a, b, _ in spans for x in (a, b))
    points.update(x for a, b, _ in ramps for x in (a, b))
    grid = sorted(p for p in points if 0.0 <= p <= horizon_min)
    open_starts = [a for a, _ in intervals]

    segments: list[Segment] = []
    for a, b in zip(grid, grid[1:], strict=False):
        mid = 0.5 * (a + b)
        k = bisect_right(open_starts, mid) - 1
        is_open = k >= 0 and intervals[k][1] > mid
        vi = bisect_right(starts, mid) - 1
        lanes = 0
        if is_open:
            lanes = vs[vi].lanes
            for span_starts, spans in staffing[vi]:  # dated windows first, then weekly ones
                covering = _covering(span_starts, spans, mid)
                if covering is not None:
                    # A stage's window gives lanes; a calendar's share, a share of its lanes.
                    lanes = (
                        covering.lanes
                        if hasattr(covering, "lanes")
                        else math.ceil(covering.share * lanes - 1e-9)
                    )
                    break
        fraction = min([f for r0, r1, f in ramps if r0 <= mid < r1], default=1.0)
        seg = (a, lanes, fraction, vi)
        if segments and segments[-1][1:] == seg[1:]:
            continue
        segments.append(seg)
    return segments


def _layer(windows: list, timezone: str, epoch: datetime, horizon_min: float) -> tuple[list[float], list]:
    """``(sorted starts, spans)`` of staffing windows over the run (dated ones on their days only)."""
    spans = sorted(window_spans(windows, timezone, epoch, horizon_min)) if windows else []
    spans = [sp for sp in spans if sp[2].start is None or _on_its_days(sp, timezone, epoch)]
    return [a for a, _, _ in spans], spans


def _covering(span_starts: list[float], spans: list, mid: float):
    """The window of the latest-starting staffing span that covers ``mid`` (None: none does)."""
    j = bisect_right(span_starts, mid) - 1
    while j >= 0 and spans[j][0] > mid - 1440.0 * 2:  # windows are at most a day long
        if spans[j][1] > mid:
            return spans[j][2]
        j -= 1
    return None


def _on_its_days(span: tuple, timezone: str, epoch: datetime) -> bool:
    """Does a dated staffing window's span start on one of its local days?"""
    window = span[2]
    day = (epoch + timedelta(minutes=span[0])).astimezone(ZoneInfo(timezone)).date()
    return window.start <= day <= window.end


def ramp_of(stage: Stage, scenario: Scenario) -> Ramp | None:
    """The stage's ramp after closures: its own, else its calendar's (None: none)."""
    if stage.ramp_after_closure is not None:
        return stage.ramp_after_closure
    return scenario.hours[stage.hours].ramp_after_closure


def reopenings(
    stage: Stage,
    scenario: Scenario,
    epoch: datetime,
    also_closed: list[tuple[float, float]] = (),
    intervals: list[tuple[float, float]] | None = None,
    horizon_min: float | None = None,
) -> list[tuple[float, float]]:
    """``(closure start, reopening)`` in model minutes of each dated closure of the stage (its
    calendar's, and ``also_closed``: its crossing's or facility's) after which it opens again:
    where a ramp after a closure begins."""
    hours = scenario.hours[stage.hours]
    if intervals is None:
        horizon = horizon_min if horizon_min is not None else scenario.horizon_days * 1440.0
        intervals = open_intervals(hours, epoch, horizon, also_closed)
    closed = merge(closed_intervals(hours.closures, hours.timezone, epoch) + list(also_closed))
    opens = [a for a, _ in intervals]
    out = []
    for start, end in closed:
        k = bisect_right(opens, end) - 1
        if k >= 0 and intervals[k][1] > end:
            out.append((start, end))  # open again at the instant the closure ends
        elif k + 1 < len(opens):
            out.append((start, opens[k + 1]))  # at the next opening of the calendar
    return out


def capacity_at(timeline: list[Segment], t: float) -> tuple[int, float]:
    """``(lanes open, speed fraction)`` of a stage at model minute ``t``."""
    k = bisect_right([s[0] for s in timeline], t) - 1
    if k < 0:
        return 0, 1.0
    return timeline[k][1], timeline[k][2]


def capacity_per_hour(
    timeline: list[Segment], stage_versions: list[Version], cargo: str, times: np.ndarray
) -> np.ndarray:
    """Trucks of ``cargo`` per hour the stage can serve at each of ``times`` (model minutes)."""
    starts = np.array([s[0] for s in timeline])
    k = np.searchsorted(starts, np.asarray(times, float), "right") - 1
    out = np.zeros(len(k))
    for i, ki in enumerate(k):
        if ki < 0:
            continue
        _, lanes, fraction, vi = timeline[ki]
        out[i] = lanes * fraction * 60.0 / service_mean_min(stage_versions[vi], cargo)
    return out


def lane_minutes_function(timeline: list[Segment], w0: float, h: float):
    """``F(t)``: lane-minutes the stage offered in ``[w0, t]`` (piecewise linear, vectorised)."""
    starts = np.array([s[0] for s in timeline] + [h])
    lanes = np.array([s[1] for s in timeline], float)
    a, b = np.clip(starts[:-1], w0, h), np.clip(starts[1:], w0, h)
    xs = np.concatenate([[w0], b])
    ys = np.concatenate([[0.0], np.cumsum((b - a) * lanes)])
    return lambda t: np.interp(t, xs, ys)


StageTimeline = tuple[str, Stage, list[Segment], list[Version], list[str]]


def scenario_timelines(scenario: Scenario) -> list[StageTimeline]:
    """Every stage of a scenario with its capacity timeline, without running it.

    Returns ``(name as in RunResult.stage_names, stage, timeline, versions, classes served)``,
    shared facilities' stages once; timetabled (train) stages are left out.
    """
    from sim.engine.calendar import MINUTES_PER_DAY, model_epoch

    s = scenario
    epoch = model_epoch(s.start_date, s.timezone)
    horizon = s.horizon_days * MINUTES_PER_DAY
    out = []

    def add(name: str, st: Stage, closed: list[tuple[float, float]], accepts: list[str]) -> None:
        if st.departures is not None:
            return
        tz = s.hours[st.hours].timezone
        served = [c for c in accepts if st.applies_to is None or c in st.applies_to]
        out.append((name, st, stage_timeline(st, s, epoch, horizon, closed), versions(st, epoch, tz), served))

    enabled = {c: x for c, x in s.crossings.items() if x.enabled}
    for fid, facility in s.facilities.items():
        for direction, froute in facility.routes.items():
            feeders = [x for x in enabled.values() if (r := x.routes.get(direction)) and r.facility == fid]
            if not feeders:
                continue
            accepts = sorted({c for x in feeders for c in x.accepts})
            for st in froute.stages:
                closed = closed_intervals(facility.closures, s.hours[st.hours].timezone, epoch)
                add(f"{fid}/{direction}/{st.name}", st, closed, accepts)
    for cid, crossing in enabled.items():
        closed = closed_intervals(crossing.closures, s.timezone, epoch)
        for direction, route in crossing.routes.items():
            for st in route.stages:
                add(f"{cid}/{direction}/{st.name}", st, closed, crossing.accepts)
    return out
