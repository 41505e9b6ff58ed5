"""What a run says about calibration targets: its KPIs, day-level peaks, and a target's value.

Reported figures are often peaks ("some days 800", "peaks of 1,500"), so besides the
run's KPIs (:func:`sim.readouts.kpis.kpis`) the targets can name the busiest measured
day, ``cleared_day_max.<crossings>``, and the 90th percentile of measured days,
``cleared_day_p90.<crossings>``, where ``<crossings>`` is ``all``, one crossing, or
several joined by ``+`` (their trucks added day by day before the peak is taken: the
busiest day of a pair is not the sum of each one's busiest day). Counts by cargo class
("new cars 50–91 a day") are ``cleared_per_day_cargo.<class>``: loaded or empty trucks of
that class cleared per measured day. Counts by crossing and direction ("road 1088/2–1089
cleared 302 imports", F08) are ``cleared_per_day_route.<crossing>.<direction>``: loaded
trucks of that route cleared per measured day.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

from sim.engine.run import RunResult
from sim.readouts.daily import daily_table
from sim.readouts.kpis import CLEARED, kpis, loaded_trucks
from sim.scenario.targets import Target

DAY_STATISTICS = {"cleared_day_max": np.max, "cleared_day_p90": lambda days: np.percentile(days, 90)}


def target_kpis(result: RunResult, keys: Iterable[str] = ()) -> dict[str, float]:
    """The run's KPIs, and the day-level statistics among ``keys`` (see the module docstring).

    Raises
    ------
    KeyError
        For a day-level key naming a crossing the run does not have.
    """
    out = kpis(result)
    t = result.trucks
    cleared = (t["outcome"] == CLEARED) & (t["t_out"] >= result.warmup_min)
    days = result.scenario.horizon_days - result.scenario.warmup_days
    for ci, c in enumerate(result.cargo):
        out[f"cleared_per_day_cargo.{c}"] = float((cleared & (t["cargo"] == ci)).sum() / days)
    loaded = loaded_trucks(result)
    for xi, x in enumerate(result.crossings):
        for di, d in enumerate(result.directions):
            mine = cleared & loaded & (t["crossing"] == xi) & (t["direction"] == di)
            out[f"cleared_per_day_route.{x}.{d}"] = float(mine.sum() / days)
    wanted = [k for k in keys if k.partition(".")[0] in DAY_STATISTICS]
    if not wanted:
        return out
    daily = daily_table(result)
    measured = daily["measured"]
    for key in wanted:
        statistic, _, group = key.partition(".")
        members = group.split("+")
        unknown = [m for m in members if m not in set(daily["crossing"].tolist())]
        if unknown:
            raise KeyError(f"{key}: no crossing {unknown[0]!r} in the run")
        rows = [daily["cleared"][measured & (daily["crossing"] == m)] for m in members]
        days = np.sum(rows, axis=0)
        out[key] = float(DAY_STATISTICS[statistic](days)) if days.size else math.nan
    return out


def target_value(values: Mapping[str, float], target: Target, name: str = "target") -> float:
    """The target's quantity in one replication: the named KPIs summed, divided if asked.

    Raises
    ------
    KeyError
        Naming the target and the KPI the run does not have.
    """
    missing = [k for k in (*target.keys, *target.divisors) if k not in values]
    if missing:
        raise KeyError(f"{name}: the run has no KPI {missing[0]!r}")
    total = sum(values[k] for k in target.keys)
    if not target.divisors:
        return float(total)
    base = sum(values[k] for k in target.divisors)
    return float(total / base) if base else math.nan
