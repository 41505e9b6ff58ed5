"""Demand held back during a pause (a holiday) and returning over the days after it.

A scenario's ``demand.pauses``: on the days of a pause, of the trucks that would have arrived a
share ``keep`` still come; each other truck waits upstream and arrives on one of the days after
the pause, drawn from ``return_profile``, at an hour drawn from the hour-of-day profile. Trucks
are conserved: the same trucks arrive, some later (those whose new time falls after the run are
simply not in it, as any arrival after the horizon). This replaces hand-computed windows (a dip
of 0.3 in the pause, x1.4 on the week after) with one mechanism whose totals always balance.

The choices come from a random stream of the stream's own (``pause/<stream>``), so the
arrivals that are not moved keep their times and the other sources their draws.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from sim.engine.calendar import MINUTES_PER_DAY
from sim.scenario.schema import Demand, DemandPause, Stream


def applies(pause: DemandPause, stream: Stream) -> bool:
    """Does the pause hold back this stream's trucks?"""
    if pause.cargo is not None and stream.cargo not in pause.cargo:
        return False
    return pause.directions is None or stream.direction in pause.directions


def hold_back(
    times: np.ndarray, pauses: list[DemandPause], demand: Demand, start: date, rng: np.random.Generator
) -> np.ndarray:
    """``times`` (minutes, sorted) with the paused trucks moved to their return: sorted again."""
    hour = np.asarray(demand.hour_of_day, float)
    hour = hour / hour.sum()
    times = times.copy()
    for pause in pauses:
        a = (pause.start - start).days * MINUTES_PER_DAY
        b = ((pause.end - start).days + 1) * MINUTES_PER_DAY
        inside = np.flatnonzero((times >= a) & (times < b))
        if inside.size == 0:
            continue
        held = inside[rng.random(inside.size) >= pause.keep]
        profile = np.asarray(pause.return_profile, float)
        day = rng.choice(profile.size, size=held.size, p=profile / profile.sum())
        at_hour = rng.choice(24, size=held.size, p=hour)
        minute = rng.random(held.size) * 60.0
        times[held] = b + day * MINUTES_PER_DAY + at_hour * 60.0 + minute
    times.sort()
    return times
