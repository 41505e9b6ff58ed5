"""Plausible mistakes in a valid scenario: warnings, not errors, one line each naming the field.

A scenario can be valid and still not say what its author meant. These checks
look for the usual slips; ``bordersim validate`` and ``bordersim run`` print
them on standard error and go on.

==============================  ============================================================
dated entries outside the run   a demand window or pause, a closure or special hours that do not
                                overlap the simulated days (start_date .. + horizon_days)
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

from sim.scenario.hours import as_end, as_start, parse_clock
from sim.scenario.schema import Scenario

MAX_WINDOW_FACTOR = 10.0
MAX_MONTH_FACTOR = 5.0
MAX_GROWTH_PER_YEAR = 1.0


def scenario_warnings(s: Scenario) -> list[str]:
    """Lines ``field = value: what looks wrong`` for a valid scenario (empty when nothing does)."""
    out: list[str] = []
    first = datetime.combine(s.start_date, datetime.min.time())
    end = first + timedelta(days=s.horizon_days)
    span = f"the run covers {s.start_date} to {(end - timedelta(days=1)).date()}"

    def outside(path: str, start: date | datetime, stop: date | datetime) -> None:
        if as_end(stop) <= first or as_start(start) >= end:
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
            outside(f"hours.{name}.closures[{i}]", c.start, c.end)
        for i, sp in enumerate(h.special):
            outside(f"hours.{name}.special[{i}]", sp.start, sp.end)
        for i, w in enumerate(h.windows):
            if w.close != "24:00" and parse_clock(w.open) > parse_clock(w.close):
                out.append(
                    f"hours.{name}.windows[{i}] = {w.open} to {w.close}: opens after it closes, so it runs "
                    "past midnight; if meant, write two windows (to 24:00 and from 00:00), else swap them"
                )
    for cid, crossing in s.crossings.items():
        for i, c in enumerate(crossing.closures):
            outside(f"crossings.{cid}.closures[{i}]", c.start, c.end)
    for i, p in enumerate(s.demand.pauses):
        outside(f"demand.pauses[{i}]", p.start, p.end)
    out += _normal_day_ramps(s, first)
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
