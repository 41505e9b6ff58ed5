"""Replications of a scenario and their summary: mean and 95% confidence interval.

Replication ``r`` of a scenario always uses the random streams of
``(rng_seed, r)``, so results do not depend on where they ran (this process,
worker processes or a Dask cluster), how many workers there were, nor in what
order they finished.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from sim.engine.progress import reporting_progress
from sim.engine.run import run_once
from sim.experiments.control import current
from sim.experiments.interrupts import deferred_stop
from sim.experiments.workers import map_in_workers
from sim.readouts.kpis import kpis
from sim.scenario.limits import MAX_POINT_RUNS
from sim.scenario.schema import Scenario


@functools.lru_cache(maxsize=256)
def _t_quantile(p: float, dof: int) -> float:
    """The ``p`` quantile of Student's t with ``dof`` degrees of freedom: ``scipy.stats.t.ppf(p, dof)``,
    which is ``scipy.special.stdtrit(dof, p)`` (the same function, so the same bits).

    ``scipy.special`` is imported when first needed, not ``scipy.stats``: the latter takes most of a
    second, which the command line's start-up and the serial end of a run (the summaries, written
    by the parent process after the workers are done) cannot afford (issue 13). Cached: a results
    folder's daily summary asks for the same quantile thousands of times.
    """
    from scipy.special import stdtrit

    return float(stdtrit(dof, p))


T = TypeVar("T")


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
    t = _t_quantile(0.5 + confidence / 2, int(x.size) - 1)
    return Estimate(float(x.mean()), float(t * x.std(ddof=1) / math.sqrt(x.size)), int(x.size))


def _kpis_of(scenario: Scenario, replication: int) -> dict[str, float]:
    return kpis(run_once(scenario, replication))


def run_replications(
    work: Callable[..., T],
    scenario: Scenario,
    replications: Sequence[int],
    workers: int = 1,
    scheduler: str | None = None,
    extra: tuple[Any, ...] = (),
) -> Iterator[tuple[int, T]]:
    """``work(scenario, r, *extra)`` for each replication ``r``, yielded as ``(r, result)`` when done.

    Parameters
    ----------
    work
        A module-level function (it is sent to other processes by reference).
    workers
        1 runs in this process, in order; more runs in that many worker processes
        (:mod:`sim.experiments.workers`: one replication each at a time, none outliving
        this process), yielding in order of completion.
    scheduler
        Address of a Dask distributed scheduler (``tcp://host:8786``): the replications
        run on its cluster instead (:mod:`sim.experiments.distributed`); ``workers`` is then ignored.
    """
    reps = list(replications)
    if len(reps) > MAX_POINT_RUNS:  # the last guard of every study's size (sim.experiments.bounds)
        from sim.scenario.files import ScenarioError

        raise ScenarioError([f"{len(reps):,} replication runs asked at once: expected at most "
                             f"{MAX_POINT_RUNS:,}"])
    control = current()  # a face's cancel token, progress and processes (sim.experiments.control)
    if control is not None:
        control.check()
    for r, result in _dispatch(work, scenario, reps, workers, scheduler, extra, control):
        if control is not None and control.on_replication is not None:
            control.on_replication(r)
        yield r, result


def _dispatch(work, scenario, reps, workers, scheduler, extra, control) -> Iterator[tuple[int, Any]]:
    """Where the replications run: on Dask, in this process, or in worker processes."""
    cancel = control.cancel if control is not None else None
    if scheduler is not None:
        from sim.experiments.distributed import dask_map

        yield from dask_map(work, scenario, reps, scheduler, extra, cancel)
        return
    on_share = control.on_share if control is not None else None
    if (workers <= 1 or len(reps) <= 1) and not (control is not None and control.processes):
        for r in reps:
            if control is not None:
                control.check()
            hook = None if on_share is None else functools.partial(on_share, r)
            with reporting_progress(hook):
                result = work(scenario, r, *extra)
            yield r, result
        return
    with deferred_stop(cancel) as stop:
        tasks = [(r, (scenario, r, *extra)) for r in reps]
        yield from map_in_workers(work, tasks, max(1, workers), stop, on_share)


def replicate(
    scenario: Scenario,
    replications: int,
    workers: int = 1,
    on_done: Callable[[int], None] | None = None,
    scheduler: str | None = None,
) -> list[dict[str, float]]:
    """KPIs of replications ``0..replications-1``, in replication order."""
    out: dict[int, dict[str, float]] = {}
    for r, k in run_replications(_kpis_of, scenario, range(replications), workers, scheduler):
        out[r] = k
        if on_done:
            on_done(len(out))
    return [out[r] for r in range(replications)]


def summarise(runs: list[dict[str, float]], confidence: float = 0.95) -> dict[str, Estimate]:
    """Each KPI over replications."""
    keys = list(runs[0]) if runs else []
    return {k: estimate((r[k] for r in runs), confidence) for k in keys}
