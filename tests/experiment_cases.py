"""Small scenarios with known answers for the experiment tests (M/M/c queues), and their theory.

Built as plain dicts and validated through the schema, exactly as a scenario file would be.
"""

from __future__ import annotations

import math
from typing import Any

from sim.scenario import Scenario, reference_problems

START_DATE = "2023-02-13"


def mmc_dict(
    lam_per_h: float,
    mean_service_min: float,
    lanes: int,
    days: int,
    warmup_days: int,
    rng_seed: int = 1,
    name: str = "mmc",
) -> dict[str, Any]:
    """An M/M/c queue: Poisson arrivals, exponential service, one stage open 24 h, unlimited yard."""
    stage = {
        "name": "service",
        "hours": "open",
        "lanes": lanes,
        "service": {"default": {"kind": "exponential", "mean_min": mean_service_min}},
    }
    return {
        "name": name,
        "rng_seed": rng_seed,
        "start_date": START_DATE,
        "horizon_days": days,
        "warmup_days": warmup_days,
        "hours": {"open": {"windows": [{"days": "daily", "open": "00:00", "close": "24:00"}]}},
        "cargo": {"general": {}},
        "crossings": {
            "gate": {
                "name": "Test gate",
                "kind": "international_road_gate",
                "accepts": ["general"],
                "routes": {"export": {"stages": [stage]}},
            }
        },
        "demand": {
            "streams": {
                "flow": {
                    "direction": "export",
                    "cargo": "general",
                    "trucks_per_day": 24.0 * lam_per_h,
                    "routing": {"policy": "shares", "shares": {"gate": 1.0}},
                }
            }
        },
    }


def build(data: dict[str, Any]) -> Scenario:
    scenario = Scenario.model_validate(data)
    assert reference_problems(scenario) == []
    return scenario


def erlang_c(lam_per_min: float, mean_service_min: float, lanes: int) -> tuple[float, float]:
    """``(Wq, L)`` of an M/M/c queue: mean wait in queue (minutes) and mean number in the system.

    With ``a = lambda / mu`` and ``rho = a / c``: ``C = (a^c/c!)/(1-rho) / (sum_{k<c} a^k/k! +
    (a^c/c!)/(1-rho))``, ``Wq = C / (c mu - lambda)``, ``L = lambda (Wq + 1/mu)`` (Little).
    """
    mu = 1.0 / mean_service_min
    a = lam_per_min / mu
    rho = a / lanes
    assert rho < 1
    top = a**lanes / math.factorial(lanes) / (1.0 - rho)
    c = top / (sum(a**k / math.factorial(k) for k in range(lanes)) + top)
    wq = c / (lanes * mu - lam_per_min)
    return wq, lam_per_min * (wq + mean_service_min)
