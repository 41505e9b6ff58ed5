"""How much one command may ask for: replications, design points, Morris levels, overload.

Each check raises :class:`~sim.scenario.files.ScenarioError` with one line naming the option,
the value and the limit (:mod:`sim.scenario.limits`, listed in the README), before any work
starts. The functions that do the work call them (a results folder, a sweep plan, a Morris
design, a capacity measurement), so every face — the command line, a notebook, a web form —
gets the same refusals.
"""

from __future__ import annotations

import math
from numbers import Real

from sim.scenario import limits as L
from sim.scenario.files import ScenarioError


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_replications(n: object, option: str = "--replications") -> int:
    """At least 1 and at most :data:`~sim.scenario.limits.MAX_REPLICATIONS` replications."""
    if not _whole(n) or not 1 <= n <= L.MAX_REPLICATIONS:
        raise ScenarioError(
            [f"{option} {_show(n)}: expected a whole number from 1 to {L.MAX_REPLICATIONS:,}"]
        )
    return n


def check_replication_index(r: object, option: str = "--replication") -> int:
    """A replication number: 0 to :data:`~sim.scenario.limits.MAX_REPLICATIONS` - 1."""
    if not _whole(r) or not 0 <= r < L.MAX_REPLICATIONS:
        raise ScenarioError(
            [f"{option} {_show(r)}: expected a whole number from 0 to {L.MAX_REPLICATIONS - 1:,}"]
        )
    return r


def check_points(n: int, what: str) -> int:
    """A design of at most :data:`~sim.scenario.limits.MAX_POINTS` points (``what`` names it)."""
    if n > L.MAX_POINTS:
        raise ScenarioError([f"{what}: {_count(n)} points: expected at most {L.MAX_POINTS:,}"])
    if n < 1:
        raise ScenarioError([f"{what}: no points: expected at least 1"])
    return n


def check_point_runs(points: int, replications: int, what: str) -> None:
    """Points x replications of a sweep or sensitivity analysis within "
      ":data:`~sim.scenario.limits.MAX_POINT_RUNS`."""
    check_replications(replications)
    if points * replications > L.MAX_POINT_RUNS:
        raise ScenarioError(
            [f"{what}: {points:,} points x {replications:,} replications = {points * replications:,} runs: "
             f"expected at most {L.MAX_POINT_RUNS:,}"]
        )  # fmt: skip


def check_levels(levels: object) -> int:
    """Morris grid levels: 2 to :data:`~sim.scenario.limits.MAX_LEVELS`."""
    if not _whole(levels) or not 2 <= levels <= L.MAX_LEVELS:
        raise ScenarioError([f"--levels {_show(levels)}: expected a whole number from 2 to {L.MAX_LEVELS}"])
    return levels


def check_overload(x: object) -> float:
    """``capacity --overload``: a finite multiple above 1 and at most "
      ":data:`~sim.scenario.limits.MAX_OVERLOAD`."""
    if not isinstance(x, Real) or isinstance(x, bool) or not math.isfinite(x) or not 1 < x <= L.MAX_OVERLOAD:
        raise ScenarioError(
            [f"--overload {_show(x)}: expected a number above 1 and at most {L.MAX_OVERLOAD:g}"]
        )
    return float(x)


def _count(n: int) -> str:
    return f"{n:,}" if n < 10**15 else f"{float(n):.3g}"


def _show(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
