"""Plausible mistakes in a valid scenario: warnings, not errors, one line each naming the field.

A scenario can be valid and still not say what its author meant. These checks
look for the usual slips; ``bordersim validate`` and ``bordersim run`` print
them on standard error and go on.

==============================  ============================================================
dated entries outside the run   a demand window or pause, a closure, special hours, a slot rule or
                                an eligibility change that does not overlap the simulated
                                days (start_date .. + horizon_days); dates with a UTC offset
                                are compared as instants, local ones in their calendar's zone
no slots for the whole run      a slot rule with ``per_day = 0`` (or ``per_hour = 0``) over
                                every day of the run: its trucks never leave the holding area
factors out of range            a demand window ``factor`` above ``MAX_WINDOW_FACTOR`` (10),
                                a ``month`` multiplier above ``MAX_MONTH_FACTOR`` (5), a
                                ``growth_per_year`` above ``MAX_GROWTH_PER_YEAR`` (1 = +100%):
                                a percentage written where a factor is expected
short patience                  a cargo class's mean patience shorter than the mean service
                                time of the first stage it waits for (hours written as minutes?)
open after close                a window whose ``open`` is after its ``close``: it runs past
                                midnight; two windows (to 24:00, from 00:00) say so plainly
short normal day                a calendar's ramp of a normal day's clearances after a closure
                                that comes before ``normal_days`` days of the run
==============================  ============================================================
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sim.scenario.hours import as_end, as_start, parse_clock
from sim.scenario.schema import Scenario

MAX_WINDOW_FACTOR = 10.0
MAX_MONTH_FACTOR = 5.0
MAX_GROWTH_PER_YEAR = 1.0


def scenario_warnings(s: Scenario) -> list[str]:
    """Lines ``field = value: what looks wrong`` for a valid scenario (empty when nothing does)."""
    out: list[str] = []
    zone = ZoneInfo(s.timezone)
    local_first = datetime.combine(s.start_date, datetime.min.time())
    first = local_first.replace(tzinfo=zone)
    end = (local_first + timedelta(days=s.horizon_days)).replace(tzinfo=zone)
    span = f"the run covers {s.start_date} to {s.start_date + timedelta(days=s.horizon_days - 1)}"

    def instant(value: datetime, tz: str | None) -> datetime:
        """A local date-time (in ``tz``, default the scenario's) or one with an offset, as an instant."""
        return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(tz or s.timezone))

    def outside(path: str, start: date | datetime, stop: date | datetime, tz: str | None = None) -> None:
        if instant(as_end(stop), tz) <= first or instant(as_start(start), tz) >= end:
            out.append(f"{path} = {start} to {stop}: outside the run ({span}); it has no effect")

    for i, w in enumerate(s.demand.windows):
        outside(f"demand.windows[{i}]", w.start, w.end)
        if w.factor > MAX_WINDOW_FACTOR:
            out.append(
                f"demand.windows[{i}].factor = {w.factor:g}: above {MAX_WINDOW_FACTOR:g} times the usual "
                f"arrivals; a factor is a multiplier (1.5 = +50%), not a percentage"
            )
    for i, m in enumerate(s.demand.month):
        if m > MAX_MONTH_FACTOR:
            out.append(
                f"demand.month[{i}] = {m:g}: above {MAX_MONTH_FACTOR:g}; month values multiply the "
                "arrival rate (1 = usual), they are not percentages"
            )
    if s.demand.growth_per_year > MAX_GROWTH_PER_YEAR:
        out.append(
            f"demand.growth_per_year = {s.demand.growth_per_year:g}: above {MAX_GROWTH_PER_YEAR:g} "
            "(+100% a year); write 0.24 for +24%"
        )
    for name, h in s.hours.items():
        for i, c in enumerate(h.closures):
            outside(f"hours.{name}.closures[{i}]", c.start, c.end, h.timezone)
        for i, sp in enumerate(h.special):
            outside(f"hours.{name}.special[{i}]", sp.start, sp.end, h.timezone)
        for i, w in enumerate(h.windows):
            if w.close != "24:00" and parse_clock(w.open) > parse_clock(w.close):
                out.append(
                    f"hours.{name}.windows[{i}] = {w.open} to {w.close}: opens after it closes, so it runs "
                    "past midnight; if meant, write two windows (to 24:00 and from 00:00), else swap them"
                )
    for cid, crossing in s.crossings.items():
        for i, c in enumerate(crossing.closures):
            outside(f"crossings.{cid}.closures[{i}]", c.start, c.end)
        for i, change in enumerate(crossing.eligibility):
            path = f"crossings.{cid}.eligibility[{i}].start = {change.start}"
            when = instant(as_start(change.start), None)
            if when >= end:
                out.append(f"{path}: after the run ({span}); it has no effect")
            elif when <= first:
                out.append(
                    f"{path}: at or before the run's start ({span}): not a change within the run; the "
                    "last such change holds from the first day"
                )
        for direction, route in crossing.routes.items():
            for i, rule in enumerate(route.slots):
                where = f"crossings.{cid}.routes.{direction}.slots[{i}]"
                outside(where, rule.start, rule.end, rule.timezone)
                whole = (
                    instant(as_start(rule.start), rule.timezone) <= first
                    and instant(as_end(rule.end), rule.timezone) >= end
                )
                if whole and 0 in (rule.per_day, rule.per_hour):
                    field = "per_day" if rule.per_day == 0 else "per_hour"
                    who = ", ".join(rule.cargo) if rule.cargo else "every class"
                    out.append(
                        f"{where}.{field} = 0 over the whole run ({span}): no truck of {who} ever gets a "
                        f"slot at {cid} {direction}; they all wait outside to the end"
                    )
    for i, p in enumerate(s.demand.pauses):
        outside(f"demand.pauses[{i}]", p.start, p.end)
    out += _normal_day_ramps(s, local_first)
    out += _patience(s)
    return out


def _normal_day_ramps(s: Scenario, first: datetime) -> list[str]:
    """A ramp of a normal day's clearances needs normal days before its closure in the run."""
    out = []
    for name, h in s.hours.items():
        ramp = h.ramp_after_closure
        if ramp is None or ramp.of != "normal_day":
            continue
        for i, c in enumerate(h.closures):
            days = (as_start(c.start) - first).days
            if 0 <= days < ramp.normal_days:
                out.append(
                    f"hours.{name}.closures[{i}] = {c.start}: {days} day(s) of the run before it, fewer "
                    f"than the ramp's normal_days ({ramp.normal_days}): a normal day is measured on "
                    "those (none: no ramp)"
                )
    return out


def _patience(s: Scenario) -> list[str]:
    """Patience (waiting for the first stage) against the mean service of that first stage."""
    out = []
    for cls, cargo in s.cargo.items():
        if cargo.patience is None:
            continue
        patience = cargo.patience.mean_min
        for cid, crossing in s.crossings.items():
            if not crossing.enabled or cls not in crossing.accepts:
                continue
            for direction, route in crossing.routes.items():
                stage = next(
                    (st for st in route.stages if st.applies_to is None or cls in st.applies_to), None
                )
                if stage is None:
                    continue
                dist = stage.service.get(cls) or stage.service.get("default")
                if dist is not None:
                    service = dist.mean_min
                elif stage.trucks_per_hour:
                    service = 60.0 * stage.lanes / stage.trucks_per_hour
                else:
                    continue
                if patience < service:
                    out.append(
                        f"cargo.{cls}.patience mean = {patience:g} min: shorter than the mean service "
                        f"({service:g} min) of {cid}.{direction} {stage.name}, the stage it waits for; "
                        "hours written as minutes?"
                    )
    return out
