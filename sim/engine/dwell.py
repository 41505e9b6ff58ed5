"""Dwell: time at the border spent waiting for something other than a lane.

A scenario's ``[dwell.NAME]`` tables (:class:`sim.scenario.schema.Dwell`) hold trucks for their
papers, the importer's declaration, a quarantine booking or the consignee. Each applies, on
each crossing it names, at one position of the route (``at``): on arrival, before the Chinese
side accepts an export, or after the Chinese side releases an import. There it is a
:class:`~sim.engine.path.Hold`: a stage of unlimited capacity whose time runs on a calendar's
open hours (or always), with dated changes of its times. The truck keeps its yard place and
takes no lane, so a dwell delays only the truck it holds.

This module builds the holds of a route and says what a hold's times are (``versions``,
``mean_minutes``: the mean per class, for a chooser that counts dwell in its expected wait).
The per-truck part (starting and releasing a held truck) is in :mod:`sim.engine.path`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import simpy

from sim.engine.calendar import to_model_minutes
from sim.engine.path import Durations, Hold
from sim.scenario.distributions import Distribution
from sim.scenario.hours import as_start
from sim.scenario.schema import DEFAULT_SERVICE, Dwell, Scenario

POSITIONS = ("arrival", "before_cn", "after_cn")


@dataclass(frozen=True)
class DwellVersion:
    """A dwell's times from one dated change on."""

    start: float  # model minutes (-inf: the dwell's own times)
    time: dict[str, Distribution]  # class or 'default' -> distribution


def on_route(scenario: Scenario, crossing: str, direction: str) -> list[tuple[str, Dwell]]:
    """The dwells of one crossing's route in ``direction``, in the order of [dwell]."""
    return [
        (name, d)
        for name, d in scenario.dwell.items()
        if d.direction == direction and (d.crossings is None or crossing in d.crossings)
    ]


def versions(dwell: Dwell, scenario: Scenario, epoch: datetime) -> list[DwellVersion]:
    """The dwell's own times, then one version per dated change, in order."""
    tz = ZoneInfo(scenario.hours[dwell.hours].timezone if dwell.hours else scenario.timezone)
    out = [DwellVersion(float("-inf"), dict(dwell.time))]
    for change in dwell.changes:
        out.append(
            DwellVersion(to_model_minutes(as_start(change.start), tz, epoch), {**out[-1].time, **change.time})
        )
    return out


def distribution(version: DwellVersion, cargo: str) -> Distribution:
    """The time of ``cargo`` under ``version``."""
    return version.time.get(cargo, version.time.get(DEFAULT_SERVICE))  # type: ignore[return-value]


def mean_minutes(dwell_versions: list[DwellVersion], cargo: str, t: float) -> float:
    """Mean open-time minutes a truck of ``cargo`` starting the dwell at model minute ``t`` is held
    (a hold's versions: ``Model.hold_versions[stage id]``): what a chooser can add to its
    expected wait for a route's holds."""
    k = bisect_right([v.start for v in dwell_versions], t) - 1
    return float(distribution(dwell_versions[max(k, 0)], cargo).mean_min)


def build(
    env: simpy.Environment,
    sid: int,
    draws: list[list[Durations | None]],
    dwell_versions: list[DwellVersion],
    model,
    clock: list[tuple[float, float]] | None,
    horizon: float,
    at: Callable[[float], simpy.Event],
) -> Hold:
    """A hold for one route (``draws``: per version, per class, the durations or None), with a
    process that switches its times at each dated change within the run (``at(t)``: an event
    at model minute ``t``, before the trucks' own events of that instant)."""
    first = max(bisect_right([v.start for v in dwell_versions], 0.0) - 1, 0)
    hold = Hold(env, sid, draws[first], model, clock)
    later = [(v.start, k) for k, v in enumerate(dwell_versions) if 0.0 < v.start < horizon]
    if later:
        env.process(_switch(hold, draws, later, at))
    return hold


def _switch(hold: Hold, draws: list, later: list[tuple[float, int]], at: Callable[[float], simpy.Event]):
    for t, k in later:
        yield at(t)
        hold.draw = draws[k]
