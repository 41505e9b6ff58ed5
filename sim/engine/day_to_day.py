"""Days that differ: a random factor of mean 1 on each day's arrivals (gamma-Poisson).

A scenario's ``demand.day_to_day`` gives the factor's coefficient of variation ``cv`` and which
arrivals share a day's factor (``shared_by``: the province, a direction, a stream, or a
crossing). The factor of a day is gamma with shape ``1/cv²`` and scale ``cv²`` (mean 1,
standard deviation ``cv``); given it, a stream's arrivals that day are Poisson as before, so a
day's count ``N`` of expected size ``λ`` has ``E[N] = λ`` and ``Var[N] = λ + λ²·cv²``.

Each group's factors come from a random stream of its own (``day_to_day/<group>``), so turning
the feature on leaves every other source of randomness where it was, and a scenario without it
draws nothing here.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import DayToDay, Stream


def group_of(setting: DayToDay, stream_name: str, stream: Stream, crossing: str | None = None) -> str:
    """The name of the group whose factor a stream's arrivals (at ``crossing``) share."""
    if setting.shared_by == "all":
        return "all"
    if setting.shared_by == "direction":
        return stream.direction
    if setting.shared_by == "crossing" and crossing is not None:
        return f"crossing/{crossing}"
    return f"stream/{stream_name}"  # per stream; and a crossing-shared stream that chooses on arrival


def factors(setting: DayToDay, days: int, rng: np.random.Generator) -> np.ndarray:
    """``days`` daily factors, gamma with mean 1 and coefficient of variation ``setting.cv``."""
    shape = 1.0 / setting.cv**2
    return rng.gamma(shape, 1.0 / shape, days)


def per_hour(day_factors: np.ndarray) -> np.ndarray:
    """The factors repeated for each hour of their day (the rates are hourly)."""
    return np.repeat(day_factors, 24)
