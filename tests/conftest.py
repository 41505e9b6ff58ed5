"""Shared builders and statistics helpers for the model tests.

Scenarios are built here as plain dicts and validated through the schema
(:class:`sim.scenario.Scenario`), exactly as a scenario file would be, and
checked for broken cross-references, so a test can never run on a scenario
that a planner could not write.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from sim.scenario import Scenario, reference_problems

START_DATE = "2023-02-13"  # a Monday
ALWAYS_OPEN = [{"days": "daily", "open": "00:00", "close": "24:00"}]
CROSSING = "gate"
DIRECTION = "export"
CARGO = "general"


def build_scenario(data: dict[str, Any]) -> Scenario:
    """Validate a scenario dict and insist that it has no broken cross-references."""
    scenario = Scenario.model_validate(data)
    problems = reference_problems(scenario)
    assert problems == [], f"test scenario has broken references: {problems}"
    return scenario


def single_stage_dict(
    *,
    trucks_per_day: float,
    service: dict[str, Any],
    lanes: int,
    days: int,
    warmup_days: int,
    rng_seed: int,
    windows: Sequence[dict[str, str]] = ALWAYS_OPEN,
    yard_capacity: int | None = None,
    name: str = "single_stage",
) -> dict[str, Any]:
    """One crossing, one export route, one stage, one stream with flat profiles, nothing else."""
    route: dict[str, Any] = {
        "stages": [{"name": "service", "hours": "open", "lanes": lanes, "service": {"default": service}}]
    }
    if yard_capacity is not None:
        route["yard_capacity"] = yard_capacity
    return {
        "name": name,
        "rng_seed": rng_seed,
        "start_date": START_DATE,
        "horizon_days": days,
        "warmup_days": warmup_days,
        "hours": {"open": {"windows": list(windows)}},
        "cargo": {CARGO: {}},
        "crossings": {
            CROSSING: {
                "name": "Test gate",
                "kind": "international_road_gate",
                "accepts": [CARGO],
                "routes": {DIRECTION: route},
            }
        },
        "demand": {
            "streams": {
                "flow": {
                    "direction": DIRECTION,
                    "cargo": CARGO,
                    "trucks_per_day": trucks_per_day,
                    "routing": {"policy": "shares", "shares": {CROSSING: 1.0}},
                }
            }
        },
    }


def mmc_scenario(
    lam_per_h: float, mean_service_min: float, lanes: int, days: int, warmup_days: int, rng_seed: int
) -> Scenario:
    """An M/M/c queue: Poisson arrivals at ``lam_per_h`` per hour, exponential service, open 24 h.

    One crossing, one export route, one stage with ``lanes`` lanes, one stream with
    flat hour/weekday/month profiles (``trucks_per_day = 24 * lam_per_h``), unlimited
    yard, no patience, no backlog, no quota.
    """
    return build_scenario(
        single_stage_dict(
            trucks_per_day=24.0 * lam_per_h,
            service={"kind": "exponential", "mean_min": mean_service_min},
            lanes=lanes,
            days=days,
            warmup_days=warmup_days,
            rng_seed=rng_seed,
            name=f"mm{lanes}",
        )
    )


def erlang_c_wait(lam_per_min: float, mean_service_min: float, lanes: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C), in minutes, from the textbook formula.

    With offered load ``a = lambda / mu`` and ``rho = a / c``::

        P(wait) = (a^c / c!) / (1 - rho) / (sum_{k<c} a^k / k! + (a^c / c!) / (1 - rho))
        Wq      = P(wait) / (c mu - lambda)
    """
    mu = 1.0 / mean_service_min
    a = lam_per_min / mu
    rho = a / lanes
    assert rho < 1, "Erlang C needs a stable queue"
    top = a**lanes / math.factorial(lanes) / (1.0 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(lanes)) + top)
    return p_wait / (lanes * mu - lam_per_min)


def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """``(mean, lower, upper)``: Student-t confidence interval of the mean of iid values."""
    x = np.asarray(values, float)
    n = x.size
    assert n >= 2, "a confidence interval needs at least two replications"
    mean = float(x.mean())
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def stage_waits(result, stage: int, t0: float, t1: float) -> np.ndarray:
    """Waits in queue (``t_start - t_queue``) at ``stage`` of the rows that joined in ``[t0, t1)``.

    A row still waiting at the end of the horizon counts the wait it has had so far
    (a lower bound); a row whose truck gave up in the queue is left out.
    """
    rows = result.stages
    mine = (rows["stage"] == stage) & (rows["t_queue"] >= t0) & (rows["t_queue"] < t1)
    gave_up = result.trucks["outcome"][rows["truck"]] == 2
    mine &= ~(np.isnan(rows["t_start"]) & gave_up)
    start = np.where(np.isnan(rows["t_start"][mine]), result.horizon_min, rows["t_start"][mine])
    return start - rows["t_queue"][mine]
