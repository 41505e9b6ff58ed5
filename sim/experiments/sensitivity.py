"""Which assumed parameters drive the results? Morris screening with SALib.

Each factor multiplies every number of the scenario whose path matches a
pattern (``demand.streams.*.trucks_per_day``: all demand at once) by a value in
its range (default 0.75 to 1.25, i.e. ±25%). SALib draws Morris trajectories
over the factors, the sweep machinery (:mod:`sim.experiments.sweep`) runs every
point with replications and common random numbers, and SALib's Morris analysis
gives, per headline KPI and factor, ``mu_star`` — the mean absolute elementary
effect, in the KPI's unit, of moving the factor by the Morris step (2/3 of its
range with 4 levels) — with a 95% bootstrap interval, and ``sigma``, which is
large when the effect depends on the other factors (interactions, nonlinearity).

Why Morris and SALib: Morris needs only ``trajectories * (factors + 1)`` points
(here 6 × 7 = 42) where Sobol indices need thousands, enough to rank a handful
of assumptions with a stochastic model; SALib is the maintained reference
implementation of the sampling and of the bootstrap intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.experiments.results_folder import _csv, _num
from sim.experiments.sweep import Dimension, Point
from sim.scenario.files import ScenarioError

DEFAULT_RANGE = (0.75, 1.25)

# The baseline's assumed parameters (the ASSUMPTION notes of scenarios/baseline.toml), as patterns.
DEFAULT_FACTORS: tuple[tuple[str, str], ...] = (
    ("demand.streams.*.trucks_per_day", "demand (trucks/day, every stream)"),
    ("crossings.*.routes.export.stages[*].trucks_per_hour", "CN acceptance rate (export)"),
    ("crossings.*.routes.import.stages[*].trucks_per_hour", "CN release rate (import)"),
    ("crossings.*.routes.*.stages[*].service.*.branches[*].duration.mean_min", "VN customs time"),
    ("crossings.*.routes.*.stages[*].service.*.mean_min", "other stage times"),
    ("crossings.*.routes.*.yard_capacity", "yard capacity"),
)

SENSITIVITY_KPIS = (
    "cleared_per_day",
    "backlog_midnight.mean",
    "time_in_system_h.mean",
    "perishable_delayed_share",
    "road_queue_peak_km.max",
)


def label_of(name: str) -> str:
    return dict(DEFAULT_FACTORS).get(name, name)


def _salib():
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise ScenarioError(
            ["bordersim sensitivity needs SALib: pip install 'bordersim[analysis]'"]
        ) from None


def problem(dims: Sequence[Dimension]) -> dict[str, Any]:
    return {"num_vars": len(dims), "names": [d.name for d in dims], "bounds": [[d.low, d.high] for d in dims]}


def morris_design(dims: Sequence[Dimension], trajectories: int, levels: int, seed: int) -> list[Point]:
    """SALib's Morris trajectories (seeded): ``trajectories * (len(dims) + 1)`` points."""
    from sim.experiments.bounds import check_levels, check_points

    check_levels(levels)
    if trajectories < 1:
        raise ScenarioError([f"--trajectories {trajectories}: expected at least 1"])
    check_points(trajectories * (len(dims) + 1), f"--trajectories {trajectories} x ({len(dims)} factors + 1)")
    _salib()
    from SALib.sample import morris

    x = morris.sample(problem(dims), N=trajectories, num_levels=levels, seed=seed)
    return [{d.name: float(v) for d, v in zip(dims, row, strict=True)} for row in x]


@dataclass(frozen=True)
class Effect:
    """Morris measures of one factor on one KPI."""

    kpi: str
    factor: str
    mu_star: float
    mu_star_conf: float
    mu: float
    sigma: float
    rank: int


def analyse(
    dims: Sequence[Dimension],
    points: Sequence[Point],
    means: dict[str, Sequence[float]],
    levels: int,
    seed: int,
    resamples: int = 1000,
) -> list[Effect]:
    """Morris measures for each KPI from its mean over replications at each point, ranked by ``mu_star``."""
    from SALib.analyze import morris

    x = np.array([[p[d.name] for d in dims] for p in points], float)
    out: list[Effect] = []
    for kpi, values in means.items():
        y = np.asarray(values, float)
        if np.isnan(y).any():
            continue
        res = morris.analyze(
            problem(dims), x, y, num_resamples=resamples, conf_level=0.95, num_levels=levels, seed=seed
        )
        order = np.argsort(-np.asarray(res["mu_star"], float), kind="stable")
        rank = {int(j): k + 1 for k, j in enumerate(order)}
        for j, d in enumerate(dims):
            out.append(
                Effect(
                    kpi,
                    d.name,
                    float(res["mu_star"][j]),
                    float(res["mu_star_conf"][j]),
                    float(res["mu"][j]),
                    float(res["sigma"][j]),
                    rank[j],
                )
            )
    return sorted(out, key=lambda e: (list(means).index(e.kpi), e.rank))


def effects_csv(effects: Sequence[Effect]) -> str:
    return _csv(
        ("kpi", "factor", "rank", "mu_star", "mu_star_conf", "mu", "sigma"),
        (
            (e.kpi, e.factor, e.rank, _num(e.mu_star), _num(e.mu_star_conf), _num(e.mu), _num(e.sigma))
            for e in effects
        ),
    )


def effects_markdown(effects: Sequence[Effect]) -> str:
    """One table: each KPI's factors ranked, mu* ± its 95% bootstrap half-width, and sigma."""
    lines = [
        "| KPI | rank | factor | μ* ± 95% CI | σ |",
        "|---|---:|---|---:|---:|",
    ]
    for e in effects:
        lines.append(
            f"| {e.kpi} | {e.rank} | {label_of(e.factor)} | {_fmt(e.mu_star)} ± {_fmt(e.mu_star_conf)} | "
            f"{_fmt(e.sigma)} |"
        )
    return "\n".join(lines)


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "–"
    return f"{x:,.3g}" if abs(x) < 10 else f"{x:,.1f}"
