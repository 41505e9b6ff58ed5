"""Demand: exact sampling of non-homogeneous Poisson arrivals.

The arrival rate of a stream is piecewise constant on the hours of the model
clock: base rate x hour-of-day x weekday x month x growth x dated windows.
On each hour the number of arrivals is Poisson with the integrated rate and
the arrival times are uniform within it, which is the exact law of the
process (no thinning bound to get wrong, no arrivals skipped at profile
boundaries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from sim.scenario.schema import Scenario, Stream

MINUTES_PER_HOUR = 60.0


def hourly_rates(scenario: Scenario, stream: Stream) -> np.ndarray:
    """Expected arrivals of ``stream`` in each hour of the horizon."""
    d = scenario.demand
    days = scenario.horizon_days
    hour = np.asarray(d.hour_of_day, float)
    hour = hour / hour.mean()
    weekday = np.asarray(d.weekday, float)
    weekday = weekday / weekday.mean()
    month = np.asarray(d.month, float)

    dates = [scenario.start_date + timedelta(days=k) for k in range(days)]
    day_factor = np.array([weekday[x.weekday()] * month[x.month - 1] for x in dates])
    since = ((d.growth_from or scenario.start_date) - scenario.start_date).days
    day_factor *= (1.0 + d.growth_per_year) ** ((np.arange(days) - since) / 365.25)
    for w in d.windows:
        if w.cargo is not None and stream.cargo not in w.cargo:
            continue
        if w.directions is not None and stream.direction not in w.directions:
            continue
        for k, x in enumerate(dates):
            if w.start <= x <= w.end:
                day_factor[k] *= w.factor
    per_hour = stream.trucks_per_day / 24.0
    return (per_hour * day_factor[:, None] * hour[None, :]).ravel()


def sample_arrivals(rates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival times in minutes, given the expected count in each hour."""
    counts = rng.poisson(rates)
    starts = np.repeat(np.arange(len(rates)) * MINUTES_PER_HOUR, counts)
    times = starts + rng.random(starts.size) * MINUTES_PER_HOUR
    times.sort()
    return times


@dataclass(frozen=True)
class Arrivals:
    """All arrivals of a run, merged in time order."""

    time: np.ndarray  # minutes
    stream: np.ndarray  # index into the scenario's streams, in file order


def sample_demand(scenario: Scenario, streams) -> Arrivals:
    """Arrivals of every stream, each from its own named random stream."""
    times, ids = [], []
    for i, (name, stream) in enumerate(scenario.demand.streams.items()):
        t = sample_arrivals(hourly_rates(scenario, stream), streams.get(f"arrivals/{name}"))
        times.append(t)
        ids.append(np.full(t.size, i, dtype=np.int32))
    time = np.concatenate(times) if times else np.empty(0)
    stream_id = np.concatenate(ids) if ids else np.empty(0, np.int32)
    order = np.argsort(time, kind="stable")
    return Arrivals(time=time[order], stream=stream_id[order])
