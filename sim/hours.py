"""Opening hours: weekly local-time windows, a time zone, dated closures.

A scenario names its calendars once (``[hours.vn_extended]``) and stages refer
to them by name. Windows are local times in the calendar's own time zone: the
Chinese side keeps UTC+8 (Asia/Shanghai), one hour ahead of the model clock
(Asia/Ho_Chi_Minh). A lunch break is the gap between two windows.

The model clock counts minutes from ``start_date`` 00:00 in the scenario's
time zone; :func:`open_intervals` turns a calendar into the sorted, disjoint
``(open, close)`` minute intervals of a run.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from sim.limits import MAX_CLOSURES, MAX_WINDOWS
from sim.spec import Date, DateOrDateTime, Spec

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
MINUTES_PER_DAY = 1440.0


def parse_weekdays(text: str) -> frozenset[int]:
    """``"mon-fri"``, ``"sat,sun"``, ``"mon-sun"`` or ``"daily"`` -> weekday numbers (Mon = 0)."""
    text = text.strip().lower()
    if text == "daily":
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        ends = part.split("-")
        if len(ends) > 2 or any(e not in WEEKDAYS for e in ends):
            raise ValueError("expected weekdays like 'mon-fri', 'sat,sun' or 'daily'")
        first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        days.update(span)
    return frozenset(days)


def parse_clock(text: str) -> int:
    """``"HH:MM"`` (``"24:00"`` allowed) -> minutes after midnight."""
    m = _CLOCK.match(text)
    minutes = int(m.group(1)) * 60 + int(m.group(2)) if m else -1
    if not m or minutes > 1440:
        raise ValueError("expected a local time 'HH:MM' between 00:00 and 24:00")
    return minutes


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, UnicodeError):  # "Asia" is a folder of tzdata
        raise ValueError("expected an IANA time zone such as 'Asia/Ho_Chi_Minh' or 'Asia/Shanghai'") from None
    return name


class Window(Spec):
    """A daily opening window on some weekdays."""

    days: str = Field(
        "daily", description="Weekdays the window applies to: 'daily', 'mon-fri', 'sat,sun', ..."
    )
    open: str = Field(description="Local opening time, 'HH:MM'.")
    close: str = Field(
        description="Local closing time, 'HH:MM' ('24:00' for midnight); earlier than `open` "
        "means the window runs past midnight."
    )

    _validate_days = field_validator("days")(lambda v: (parse_weekdays(v), v)[1])
    _validate_open = field_validator("open", "close")(lambda v: (parse_clock(v), v)[1])

    @model_validator(mode="after")
    def _not_empty(self) -> Window:
        if parse_clock(self.open) % 1440 == parse_clock(self.close) % 1440 and self.close != "24:00":
            raise ValueError(f"window opens and closes at the same time ({self.open})")
        return self


class Closure(Spec):
    """A dated closure: a holiday, a storm, a policy pause."""

    start: DateOrDateTime = Field(
        description="First closed day (a date) or the moment closing starts (a local date-time; "
        "with a UTC offset such as 07:00+08:00, that offset is used instead of the calendar's zone)."
    )
    end: DateOrDateTime = Field(
        description="Last closed day, inclusive (a date), or the moment it reopens (a date-time)."
    )
    reason: str = Field("", description="Why it is closed, for the reader.")

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        aware = [isinstance(v, datetime) and v.utcoffset() is not None for v in (self.start, self.end)]
        if aware[0] != aware[1]:
            raise ValueError(
                f"closure start ({self.start}) and end ({self.end}): expected a UTC offset on both "
                "date-times or on neither"
            )
        if _as_start(self.start) >= _as_end(self.end):
            raise ValueError(f"closure ends ({self.end}) before it starts ({self.start})")
        return self


class Special(Spec):
    """Other windows on some dates: holiday hours, a restart after a closure, a cap."""

    start: Date = Field(description="First day the special windows apply (local date).")
    end: Date = Field(description="Last day, inclusive.")
    windows: list[Window] = Field(
        default_factory=list,
        max_length=MAX_WINDOWS,
        description="The windows on those days (empty: closed all day).",
    )
    reason: str = Field("", description="Why, for the reader.")

    @model_validator(mode="after")
    def _ordered(self) -> Special:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class Hours(Spec):
    """A named opening calendar."""

    description: str = Field("", description="What these hours are and where they come from.")
    timezone: str = Field(
        "Asia/Ho_Chi_Minh",
        description="IANA time zone of the windows: 'Asia/Ho_Chi_Minh' (UTC+7) on the Vietnamese "
        "side, 'Asia/Shanghai' (UTC+8) on the Chinese side.",
    )
    windows: list[Window] = Field(min_length=1, max_length=MAX_WINDOWS, description="Weekly opening windows.")
    closures: list[Closure] = Field(
        default_factory=list, max_length=MAX_CLOSURES, description="Dated closures."
    )
    special: list[Special] = Field(
        default_factory=list,
        max_length=MAX_CLOSURES,
        description="Dated windows that replace the weekly ones on their days (later entries win).",
    )

    _validate_tz = field_validator("timezone")(check_timezone)


def _as_start(value: datetime | date) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time())


def _as_end(value: datetime | date) -> datetime:
    # A closure's end date is inclusive: closed until the next midnight.
    if isinstance(value, datetime):
        return value
    return datetime.combine(value + timedelta(days=1), time())


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
    tz = ZoneInfo(hours.timezone)
    first_day = epoch.astimezone(tz).date() - timedelta(days=1)
    n_days = int(horizon_min // MINUTES_PER_DAY) + 3
    raw: list[tuple[float, float]] = []
    for k in range(n_days):
        day = first_day + timedelta(days=k)
        windows = hours.windows
        for special in hours.special:
            if special.start <= day <= special.end:
                windows = special.windows
        for w in windows:
            if day.weekday() not in parse_weekdays(w.days):
                continue
            opens, closes = parse_clock(w.open), parse_clock(w.close)
            length = (closes - opens) % 1440 or 1440
            start = datetime.combine(day, time()) + timedelta(minutes=opens)
            end = start + timedelta(minutes=length)
            raw.append((to_model_minutes(start, tz, epoch), to_model_minutes(end, tz, epoch)))
    closed = closed_intervals(hours.closures, hours.timezone, epoch) + list(also_closed)
    return _clip(_subtract(_merge(raw), _merge(closed)), 0.0, horizon_min)


def closed_intervals(closures: list[Closure], timezone: str, epoch: datetime) -> list[tuple[float, float]]:
    """Closures as model-minute intervals, their dates read in ``timezone``."""
    tz = ZoneInfo(timezone)
    return [
        (to_model_minutes(_as_start(c.start), tz, epoch), to_model_minutes(_as_end(c.end), tz, epoch))
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
