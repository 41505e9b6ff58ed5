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
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, field_validator, model_validator

from sim.scenario.limits import MAX_CLOSURES, MAX_FACTOR, MAX_HORIZON_DAYS, MAX_WINDOWS
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
        short = re.match(r"^(\d):([0-5]\d)$", text.strip()) if isinstance(text, str) else None
        hint = f"; did you mean '0{short.group(1)}:{short.group(2)}'?" if short else ""
        raise ValueError(f"expected a local time 'HH:MM' between 00:00 and 24:00{hint}")
    return minutes


# What planners type for the two zones of the border (a hint only; any IANA zone is accepted).
_ZONE_WORDS = {
    "vietnam": "Asia/Ho_Chi_Minh", "hanoi": "Asia/Ho_Chi_Minh", "utc+7": "Asia/Ho_Chi_Minh",
    "ict": "Asia/Ho_Chi_Minh", "china": "Asia/Shanghai", "beijing": "Asia/Shanghai",
    "utc+8": "Asia/Shanghai", "cst": "Asia/Shanghai",
}  # fmt: skip


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, UnicodeError):  # "Asia" is a folder of tzdata
        raise ValueError(
            "expected an IANA time zone such as 'Asia/Ho_Chi_Minh' or 'Asia/Shanghai'" + _zone_hint(name)
        ) from None
    return name


def _zone_hint(name: object) -> str:
    """``; did you mean 'Asia/Shanghai'?`` for Beijing, Asia/Beijing, asia/shanghai, UTC+8."""
    from difflib import get_close_matches
    from zoneinfo import available_timezones

    if not isinstance(name, str):
        return ""
    word = name.strip().lower()
    guess = _ZONE_WORDS.get(word) or _ZONE_WORDS.get(word.rsplit("/", 1)[-1])
    if guess is None:
        zones = {z.lower(): z for z in available_timezones()}
        close = get_close_matches(word, list(zones), n=1, cutoff=0.8)
        guess = zones[close[0]] if close else None
    return f"; did you mean '{guess}'?" if guess else ""


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


def ramp_table(value: object) -> object:
    """The list form of issue 11 meant 'fractions of capacity'; say how to write it now."""
    if isinstance(value, list | tuple):
        raise ValueError(
            "expected a table naming what the fractions are of: "
            f'{{ of = "capacity", fractions = {list(value)} }} (service times divided by the '
            f'fraction) or {{ of = "normal_day", fractions = {list(value)} }} (at most that share of '
            "a normal day's clearances)"
        )
    return value


class Ramp(Spec):
    """The days back after a dated closure, in one of two meanings named by ``of``."""

    of: Literal["capacity", "normal_day"] = Field(
        description="'capacity': each fraction scales the stage's capacity (its service times are "
        "divided by it), so 0.25 serves a quarter of what its open lanes could; 'normal_day': each "
        "fraction caps the trucks the stage starts in that day at that share of a normal day's "
        "(the mean per day over `normal_days` days before the closure), so 0.25 clears a quarter "
        "of a normal day whatever the capacity. No default: a reader must see which is meant."
    )
    fractions: list[Annotated[float, Field(gt=0, le=MAX_FACTOR)]] = Field(
        min_length=1,
        max_length=MAX_CLOSURES,
        description="One fraction per 24 h after the stage reopens: [0.25, 0.5] = a quarter in "
        "the first 24 h, half in the next.",
    )
    normal_days: int = Field(
        7,
        ge=1,
        le=MAX_HORIZON_DAYS,
        description="With of = 'normal_day': the days before the closure whose mean clearances "
        "make a normal day (those within the run; with none, no ramp: `validate` warns). "
        "ASSUMPTION: a week, so that weekdays even out.",
    )

    @model_validator(mode="after")
    def _capacity_at_most_one(self) -> Ramp:
        if self.of == "capacity" and any(f > 1 for f in self.fractions):
            raise ValueError("fractions of capacity must be at most 1")
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
        check_dated_window(self.start, self.end)
        return self


def check_dated_window(start: date | None, end: date | None) -> None:
    """A window dated by ``start`` and ``end`` (both or neither; in order)."""
    if (start is None) != (end is None):
        raise ValueError("a dated window needs both `start` and `end`")
    if start is not None and end < start:  # type: ignore[operator]
        raise ValueError(f"end ({end}) is before start ({start})")


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
    ramp_after_closure: Annotated[Ramp | None, BeforeValidator(ramp_table)] = Field(
        None,
        description="The days back after a dated closure, for every stage on this calendar that "
        "sets none of its own (an agency's restart after a holiday; a stage with a daily quota "
        "keeps its quota instead of a normal-day share); see Ramp for `of`.",
    )
    staff_share: list[StaffShare] = Field(
        default_factory=list,
        max_length=MAX_CLOSURES,
        description="Windows in which only a share of every stage's lanes is staffed (extended "
        "hours worked by a rota; dated ones around holidays win over weekly ones).",
    )

    _validate_tz = field_validator("timezone")(check_timezone)
