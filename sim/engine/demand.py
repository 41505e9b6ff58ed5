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

from sim.engine import day_to_day, pause_return
from sim.scenario.schema import ClassShares, Scenario, Stream

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
    # Index into the crossings named by the scenario (file order) where the split among a
    # stream's crossings was drawn with the arrivals (day factors shared by crossing); -1
    # elsewhere. None: no stream was split here.
    crossing: np.ndarray | None = None


def sample_demand(scenario: Scenario, streams) -> Arrivals:
    """Arrivals of every stream, each from its own named random stream.

    With day-to-day factors or pauses (:mod:`sim.engine.day_to_day`,
    :mod:`sim.engine.pause_return`) the rates or times are changed as they say; without them
    nothing else is drawn, and the arrivals are those of plain Poisson streams.
    """
    d = scenario.demand
    if (d.day_to_day is None or d.day_to_day.cv == 0) and not d.pauses:
        times, ids = [], []
        for i, (name, stream) in enumerate(d.streams.items()):
            t = sample_arrivals(hourly_rates(scenario, stream), streams.get(f"arrivals/{name}"))
            times.append(t)
            ids.append(np.full(t.size, i, dtype=np.int32))
        time = np.concatenate(times) if times else np.empty(0)
        stream_id = np.concatenate(ids) if ids else np.empty(0, np.int32)
        order = np.argsort(time, kind="stable")
        return Arrivals(time=time[order], stream=stream_id[order])
    return _sample_shaped(scenario, streams)


def _sample_shaped(scenario: Scenario, streams) -> Arrivals:
    """Arrivals with day-to-day factors and/or pauses (see :func:`sample_demand`)."""
    d = scenario.demand
    setting = d.day_to_day if d.day_to_day is not None and d.day_to_day.cv > 0 else None
    x_index = {c: i for i, c in enumerate(scenario.crossings)}
    factors: dict[str, np.ndarray] = {}

    def factor(group: str) -> np.ndarray:
        if group not in factors:
            rng = streams.get(f"day_to_day/{group}")
            factors[group] = day_to_day.per_hour(day_to_day.factors(setting, scenario.horizon_days, rng))
        return factors[group]

    times, ids, crossings = [], [], []
    for i, (name, stream) in enumerate(d.streams.items()):
        rates = hourly_rates(scenario, stream)
        pauses = [p for p in d.pauses if pause_return.applies(p, stream)]
        split = (
            setting is not None
            and setting.shared_by == "crossing"
            and isinstance(stream.routing, ClassShares)
        )
        # (rates, random-stream suffix, crossing index) of each part sampled on its own
        parts = [(rates, "", -1)]
        if split:
            shares = {c: p for c, p in stream.routing.shares.items() if p > 0}
            parts = [
                (rates * p * factor(day_to_day.group_of(setting, name, stream, c)), f"/{c}", x_index[c])
                for c, p in shares.items()
            ]
        elif setting is not None:
            parts = [(rates * factor(day_to_day.group_of(setting, name, stream)), "", -1)]
        for part_rates, suffix, xi in parts:
            t = sample_arrivals(part_rates, streams.get(f"arrivals/{name}{suffix}"))
            if pauses:
                rng = streams.get(f"pause/{name}{suffix}")
                t = pause_return.hold_back(t, pauses, d, scenario.start_date, rng)
            times.append(t)
            ids.append(np.full(t.size, i, dtype=np.int32))
            crossings.append(np.full(t.size, xi, dtype=np.int32))
    time = np.concatenate(times) if times else np.empty(0)
    order = np.argsort(time, kind="stable")
    stream_id = (np.concatenate(ids) if ids else np.empty(0, np.int32))[order]
    crossing = (np.concatenate(crossings) if crossings else np.empty(0, np.int32))[order]
    return Arrivals(time=time[order], stream=stream_id, crossing=crossing if (crossing >= 0).any() else None)
