"""Replications of a scenario and their summary: mean and 95% confidence interval.

Replication ``r`` of a scenario always uses the random streams of
``(rng_seed, r)``, so results do not depend on how many worker processes ran
them, nor in what order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.kpis import kpis
from sim.run import run_once
from sim.scenario import Scenario


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with the half-width of its Student-t confidence interval."""

    mean: float
    half_width: float  # NaN with a single replication
    n: int

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width


def estimate(values: Iterable[float], confidence: float = 0.95) -> Estimate:
    x = np.asarray([v for v in values if not math.isnan(v)], float)
    if x.size == 0:
        return Estimate(math.nan, math.nan, 0)
    if x.size == 1:
        return Estimate(float(x[0]), math.nan, 1)
    t = stats.t.ppf(0.5 + confidence / 2, x.size - 1)
    return Estimate(float(x.mean()), float(t * x.std(ddof=1) / math.sqrt(x.size)), int(x.size))


def _kpis_of(args: tuple[Scenario, int]) -> dict[str, float]:
    scenario, replication = args
    return kpis(run_once(scenario, replication))


def replicate(
    scenario: Scenario,
    replications: int,
    workers: int = 1,
    on_done: Callable[[int], None] | None = None,
) -> list[dict[str, float]]:
    """KPIs of replications ``0..replications-1``, in replication order."""
    jobs = [(scenario, r) for r in range(replications)]
    if workers <= 1 or replications == 1:
        out = []
        for job in jobs:
            out.append(_kpis_of(job))
            if on_done:
                on_done(len(out))
        return out
    with ProcessPoolExecutor(max_workers=workers) as pool:
        out = []
        for result in pool.map(_kpis_of, jobs):
            out.append(result)
            if on_done:
                on_done(len(out))
        return out


def summarise(runs: list[dict[str, float]], confidence: float = 0.95) -> dict[str, Estimate]:
    """Each KPI over replications."""
    keys = list(runs[0]) if runs else []
    return {k: estimate((r[k] for r in runs), confidence) for k in keys}
