"""Opening hours as a scenario states them: weekly local-time windows, a time zone, dated closures.

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
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from sim.scenario.limits import MAX_CLOSURES, MAX_WINDOWS
from sim.scenario.spec import Date, DateOrDateTime, Spec

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


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


def as_start(value: datetime | date) -> datetime:
    """A closure's start: a date means from its midnight."""
    return value if isinstance(value, datetime) else datetime.combine(value, time())


def as_end(value: datetime | date) -> datetime:
    # A closure's end date is inclusive: closed until the next midnight.
    if isinstance(value, datetime):
        return value
    return datetime.combine(value + timedelta(days=1), time())


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
        if as_start(self.start) >= as_end(self.end):
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


class StaffShare(Window):
    """A share of the lanes of every stage on a calendar, staffed in a daily window: the cost in
    staff of extended hours (a rota works the evening), or a thin first day back after a holiday."""

    share: float = Field(
        ge=0,
        le=1,
        description="Share of each stage's lanes staffed in the window, rounded up (0.5 of 3 lanes "
        "is 2; 0 closes it); a stage's own `staffing` windows take precedence.",
    )
    start: Date | None = Field(None, description="First local day the window applies; omitted = every week.")
    end: Date | None = Field(None, description="Last local day, inclusive (with `start`).")
    reason: str = Field("", description="Why, with its source (fact id) or ASSUMPTION.")

    @model_validator(mode="after")
    def _dated(self) -> StaffShare:
        if (self.start is None) != (self.end is None):
            raise ValueError("a dated window needs both `start` and `end`")
        if self.start is not None and self.end < self.start:  # type: ignore[operator]
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
    staff_share: list[StaffShare] = Field(
        default_factory=list,
        max_length=MAX_CLOSURES,
        description="Windows in which only a share of every stage's lanes is staffed (extended "
        "hours worked by a rota; dated ones around holidays win over weekly ones).",
    )

    _validate_tz = field_validator("timezone")(check_timezone)
