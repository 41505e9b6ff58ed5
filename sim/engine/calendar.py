"""Opening calendars on the model clock: a scenario's hours turned into open intervals.

The model clock counts minutes from ``start_date`` 00:00 in the scenario's time
zone; :func:`open_intervals` turns a calendar (``sim.scenario.hours.Hours``,
local times in its own time zone) into the sorted, disjoint ``(open, close)``
minute intervals of a run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from simpy.events import NORMAL, URGENT

from sim.scenario.hours import Closure, Hours, Special, as_end, as_start, parse_clock, parse_weekdays

MINUTES_PER_DAY = 1440.0

# Order of events at the same instant (SimPy breaks ties by priority, then by creation):
# a stage closes, then a new quota or slot period begins, then stages open and trains leave,
# and only then do the trucks' own events run. So no service starts at the instant a stage
# closes, and a truck started at an opening on a quota's midnight counts against the new day.
CLOSING, QUOTA_RESET, OPENING = URGENT - 2, URGENT - 1, URGENT
assert OPENING < NORMAL


def model_epoch(start_date: date, timezone: str) -> datetime:
    """Time zero of the model clock, in UTC."""
    return datetime.combine(start_date, time(), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def to_model_minutes(local: datetime, tz: ZoneInfo, epoch: datetime) -> float:
    """Minutes from ``epoch`` of a local date-time in ``tz`` (or at its own UTC offset, if it has one)."""
    moment = local if local.utcoffset() is not None else local.replace(tzinfo=tz)
    return (moment.astimezone(UTC) - epoch).total_seconds() / 60.0


def open_intervals(
    hours: Hours, epoch: datetime, horizon_min: float, also_closed: list[tuple[float, float]] = ()
) -> list[tuple[float, float]]:
    """Sorted, disjoint ``(open, close)`` intervals in model minutes within ``[0, horizon_min]``.

    ``also_closed`` are further closed intervals in model minutes (see :func:`closed_intervals`).
    """
    spans = window_spans(hours.windows, hours.timezone, epoch, horizon_min, hours.special)
    raw = [(a, b) for a, b, _ in spans]
    closed = closed_intervals(hours.closures, hours.timezone, epoch) + list(also_closed)
    return _clip(_subtract(_merge(raw), _merge(closed)), 0.0, horizon_min)


def window_spans(
    windows: list, timezone: str, epoch: datetime, horizon_min: float, special: list[Special] = ()
) -> list[tuple[float, float, object]]:
    """Every day's ``(start, end, window)`` in model minutes for weekly local ``windows``
    (anything with ``days``, ``open`` and ``close``), with ``special`` dated windows replacing
    them on their days. Unsorted; spans may reach outside ``[0, horizon_min]``."""
    tz = ZoneInfo(timezone)
    first_day = epoch.astimezone(tz).date() - timedelta(days=1)
    n_days = int(horizon_min // MINUTES_PER_DAY) + 3
    spans: list[tuple[float, float, object]] = []
    for k in range(n_days):
        day = first_day + timedelta(days=k)
        todays = windows
        for sp in special:
            if sp.start <= day <= sp.end:
                todays = sp.windows
        for w in todays:
            if day.weekday() not in parse_weekdays(w.days):
                continue
            opens, closes = parse_clock(w.open), parse_clock(w.close)
            length = (closes - opens) % 1440 or 1440
            start = datetime.combine(day, time()) + timedelta(minutes=opens)
            end = start + timedelta(minutes=length)
            spans.append((to_model_minutes(start, tz, epoch), to_model_minutes(end, tz, epoch), w))
    return spans


def closed_intervals(closures: list[Closure], timezone: str, epoch: datetime) -> list[tuple[float, float]]:
    """Closures as model-minute intervals, their dates read in ``timezone``."""
    tz = ZoneInfo(timezone)
    return [
        (to_model_minutes(as_start(c.start), tz, epoch), to_model_minutes(as_end(c.end), tz, epoch))
        for c in closures
    ]


def departure_times(
    clocks: list[str],
    timezone: str,
    intervals: list[tuple[float, float]],
    epoch: datetime,
    horizon_min: float,
) -> list[float]:
    """Model minutes of a daily timetable's departures (local ``clocks`` in ``timezone``) that
    fall inside the open ``intervals``."""
    tz = ZoneInfo(timezone)
    first_day = epoch.astimezone(tz).date()
    times = []
    for k in range(int(horizon_min // MINUTES_PER_DAY) + 2):
        day = first_day + timedelta(days=k)
        for clock in clocks:
            local = datetime.combine(day, time()) + timedelta(minutes=parse_clock(clock))
            t = to_model_minutes(local, tz, epoch)
            if 0 <= t < horizon_min and any(s <= t < e for s, e in intervals):
                times.append(t)
    return sorted(times)


def merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted union of intervals."""
    return _merge(intervals)


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(
    intervals: list[tuple[float, float]], holes: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    out = []
    for start, end in intervals:
        pieces = [(start, end)]
        for h0, h1 in holes:
            pieces = [
                piece
                for s, e in pieces
                for piece in ((s, min(e, h0)), (max(s, h1), e))
                if piece[1] > piece[0]
            ]
        out.extend(pieces)
    return out


def _clip(intervals: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    return [(max(s, lo), min(e, hi)) for s, e in intervals if e > lo and s < hi]
