"""The days back after a closure as a share of a normal day's clearances.

A stage's ``ramp_after_closure`` with ``of = "normal_day"`` caps the trucks it starts in each
24 h after it reopens at ``fraction x`` a normal day's: the mean starts per day over the
``normal_days`` days before the closure (those within the run), counted from the records as
the run has written them so far. 0.25 then clears a quarter of a normal day on day 1 whatever
the stage's capacity, the meaning of "the first day back clears a fraction of a normal day".
The other meaning, a fraction of capacity (``of = "capacity"``), is a capacity timeline
(:func:`sim.engine.capacity.stage_timeline`).

The cap is a daily quota on the stage (its hops are quota hops): a stage without such a ramp
pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from sim.engine.calendar import MINUTES_PER_DAY
from sim.engine.path import INF, Stage
from sim.scenario.schema import Ramp


def normal_per_day(model, stage: Stage, before: float, days: int) -> float:
    """Mean trucks a day that started ``stage`` over the ``days`` days before model minute
    ``before`` (those within the run; NaN if none is)."""
    span = min(days * MINUTES_PER_DAY, before)
    if span <= 0:
        return float("nan")
    n, w = model.admitted, model.width
    starts = np.frombuffer(model.t_start, float)[: n * w].reshape(n, w)
    nv = 2 * len(model.class_names)
    crossing = np.frombuffer(model.crossing, np.int16)[:n].astype(np.int64)
    direction = np.frombuffer(model.direction, np.int8)[:n].astype(np.int64)
    variant = np.frombuffer(model.variant, np.int16)[:n].astype(np.int64)
    route = np.where(crossing >= 0, (2 * crossing + direction) * nv + variant, 0)
    here = (model._route_ids()[route] == stage.id) & (crossing >= 0)[:, None]
    t = starts[here]
    return float(((t >= before - span) & (t < before)).sum()) * MINUTES_PER_DAY / span


def run(
    model,
    stage: Stage,
    ramp: Ramp,
    reopenings: list[tuple[float, float]],
    horizon: float,
    at: Callable[[float], simpy.Event],
):
    """The process that sets the stage's quota on the days back after each closure (``at(t)``:
    an event at ``t`` before the stage's own opening at that instant)."""
    for closed_at, reopen in reopenings:
        if reopen >= horizon:
            return
        yield at(reopen)
        normal = normal_per_day(model, stage, closed_at, ramp.normal_days)
        if normal != normal:  # no day of the run before the closure: no normal day to share
            continue
        for day, fraction in enumerate(ramp.fractions):
            stage.quota_left = float(round(fraction * normal))
            stage.reopen_at = reopen + MINUTES_PER_DAY * (day + 1)
            stage.set_open_lanes(stage.open_lanes)
            yield at(stage.reopen_at)
        stage.quota_left = INF
        stage.set_open_lanes(stage.open_lanes)
