"""Small scenarios with known answers: one crossing with a single stage, the M/M/c queue.

For tests, teaching and quick experiments. Built as plain dicts and validated through
the schema exactly as a scenario file would be (:func:`validated`), so what runs here is
always something a planner could write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.scenario.files import ScenarioError
from sim.scenario.schema import Scenario, reference_problems

START_DATE = "2023-02-13"  # a Monday
ALWAYS_OPEN = [{"days": "daily", "open": "00:00", "close": "24:00"}]
CROSSING = "gate"
DIRECTION = "export"
CARGO = "general"


def validated(data: dict[str, Any], name: str = "<example>") -> Scenario:
    """Validate a scenario dict, cross-references included.

    Raises
    ------
    ScenarioError
        With one line per broken reference (schema errors raise pydantic's error).
    """
    scenario = Scenario.model_validate(data)
    problems = reference_problems(scenario)
    if problems:
        raise ScenarioError([f"{name}: {'.'.join(map(str, p))} = {v!r}: {what}" for p, v, what in problems])
    return scenario


def single_stage_dict(
    *,
    trucks_per_day: float,
    service: dict[str, Any],
    lanes: int,
    days: int,
    warmup_days: int,
    rng_seed: int = 1,
    windows: Sequence[dict[str, str]] = ALWAYS_OPEN,
    yard_capacity: int | None = None,
    name: str = "single_stage",
) -> dict[str, Any]:
    """One crossing, one export route, one stage ``service``, one stream with flat profiles."""
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


def tandem_dict(
    stages: Sequence[tuple[str, int, float]],
    days: int,
    warmup_days: int,
    trucks_per_day: float = 10.0,
    name: str = "tandem",
) -> dict[str, Any]:
    """Exponential stages in line at one crossing, open 24 h: ``(name, lanes, mean_min)`` each
    (a lane clears ``1440 / mean_min`` trucks a day; the slowest stage bounds the crossing)."""

    def exponential(mean_min: float) -> dict[str, Any]:
        return {"kind": "exponential", "mean_min": mean_min}

    data = single_stage_dict(
        trucks_per_day=trucks_per_day,
        service={},
        lanes=1,
        days=days,
        warmup_days=warmup_days,
        name=name,
    )
    data["crossings"][CROSSING]["routes"][DIRECTION]["stages"] = [
        {"name": s, "hours": "open", "lanes": lanes, "service": {"default": exponential(m)}}
        for s, lanes, m in stages
    ]
    return data


def mmc_dict(
    lam_per_h: float,
    mean_service_min: float,
    lanes: int,
    days: int,
    warmup_days: int,
    rng_seed: int = 1,
    name: str | None = None,
) -> dict[str, Any]:
    """An M/M/c queue: Poisson arrivals at ``lam_per_h``, exponential service, open 24 h,
    unlimited yard, no patience, backlog or quota (compare with :func:`sim.theory.erlang_c`)."""
    return single_stage_dict(
        trucks_per_day=24.0 * lam_per_h,
        service={"kind": "exponential", "mean_min": mean_service_min},
        lanes=lanes,
        days=days,
        warmup_days=warmup_days,
        rng_seed=rng_seed,
        name=name or f"mm{lanes}",
    )


def mmc_scenario(
    lam_per_h: float, mean_service_min: float, lanes: int, days: int, warmup_days: int, rng_seed: int = 1
) -> Scenario:
    """:func:`mmc_dict`, validated."""
    return validated(mmc_dict(lam_per_h, mean_service_min, lanes, days, warmup_days, rng_seed))
