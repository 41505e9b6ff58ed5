"""Which assumed parameters drive the results? Morris screening with SALib.

Each factor multiplies every number of the scenario whose path matches a
pattern (``demand.streams.*.trucks_per_day``: all demand at once) by a value in
its range (default 0.75 to 1.25, i.e. ±25%). SALib draws Morris trajectories
over the factors, the sweep machinery (:mod:`sim.experiments.sweep`) runs every
point with replications and common random numbers, and SALib's Morris analysis
gives, per headline KPI and factor:

* ``mu_star`` — the mean absolute elementary effect. SALib divides each step's change of
  the KPI by the step as a share of the factor's range (2/3 with 4 levels), so μ* is in
  the KPI's unit **per whole range**: the change a move from the low to the high end of
  the range would make if the effect were linear (a step of 2/3 of the range changes the
  KPI by about 2/3 μ*);
* its 95% bootstrap interval, SALib's normal half-width ``mu_star_conf``; μ* is a mean of
  absolute values and cannot be negative, so the interval is cut at zero (:attr:`Effect.low`);
* ``sigma`` — large when the effect depends on the other factors (interactions, nonlinearity).

Why Morris and SALib: Morris needs only ``trajectories * (factors + 1)`` points
(here 6 × 6 = 36) where Sobol indices need thousands, enough to rank a handful
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
from sim.experiments.sweep import Dimension, Point, matching_paths
from sim.scenario.files import ScenarioError

DEFAULT_RANGE = (0.75, 1.25)

# The assumed parameters of today's scenarios (the ASSUMPTION notes of scenarios/baseline.toml),
# as patterns: the Vietnamese stages under crossings, the Chinese ones under facilities (one
# shared port per Chinese side). A default that matches no number of a scenario is left out.
DEFAULT_FACTORS: tuple[tuple[str, str], ...] = (
    ("demand.streams.*.trucks_per_day", "demand (trucks/day, every stream)"),
    ("facilities.*.routes.*.stages[*].service.*.mean_min", "CN stage times"),
    ("facilities.*.routes.*.stages[*].trucks_per_hour", "CN paced stages (trucks/hour)"),
    ("crossings.*.routes.*.stages[*].service.*.branches[*].duration.mean_min", "VN customs time"),
    ("crossings.*.routes.*.stages[*].service.*.mean_min", "other VN stage times"),
    ("crossings.*.routes.*.yard_capacity", "yard capacity"),
)


def default_dimensions(data: Any) -> tuple[list[Dimension], list[str]]:
    """The default factors that match a number of the scenario ``data`` (its files' data, merged),
    each over :data:`DEFAULT_RANGE`; and the patterns left out because they match nothing."""
    dims, skipped = [], []
    for pattern, _ in DEFAULT_FACTORS:
        if matching_paths(data, pattern):
            dims.append(Dimension(pattern, "scale", *DEFAULT_RANGE))
        else:
            skipped.append(pattern)
    return dims, skipped


def describe(name: str, days: int, factors: int, trajectories: int, points: int, replications: int,
             seed: int, levels: int) -> str:  # fmt: skip
    """The method in one paragraph, for the table's page and the terminal."""
    step = levels / (2 * (levels - 1))
    return (
        f"Scenario {name}, {days} days; {factors} factors, each multiplying the numbers its pattern "
        f"matches within its range; {trajectories} Morris trajectories ({points} points) × {replications} "
        f"replications with rng_seed {seed} (common random numbers). μ*: mean absolute elementary effect "
        f"in the KPI's own unit, per whole range of the factor (SALib divides each step's change by the "
        f"step, {step:.2g} of the range with {levels} levels): what moving the factor from the low to the "
        "high end would change, were the effect linear; in brackets SALib's 95% bootstrap interval, cut "
        "at zero (μ* cannot be negative). σ: spread of the effects (interactions, nonlinearity)."
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

    @property
    def low(self) -> float:
        """Lower end of μ*'s 95% interval, at least 0 (a mean of absolute values)."""
        return max(0.0, self.mu_star - self.mu_star_conf)

    @property
    def high(self) -> float:
        return self.mu_star + self.mu_star_conf


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
    """One table: each KPI's factors ranked, μ* with its 95% bootstrap interval (cut at zero), and σ."""
    lines = [
        "| KPI | rank | factor | μ* per whole range (95% CI) | σ |",
        "|---|---:|---|---:|---:|",
    ]
    for e in effects:
        lines.append(f"| {e.kpi} | {e.rank} | {label_of(e.factor)} | {interval_text(e)} | {_fmt(e.sigma)} |")
    return "\n".join(lines)


def interval_text(e: Effect, scale: float = 1.0) -> str:
    """``18.2 (0 to 41.3)``: μ* and its interval, never below zero."""
    if math.isnan(e.mu_star):
        return "–"
    if e.mu_star == 0 and e.mu_star_conf == 0:
        return "0"
    return f"{_fmt(e.mu_star * scale)} ({_fmt(e.low * scale)} to {_fmt(e.high * scale)})"


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "–"
    if x == 0:
        return "0"
    return f"{x:,.3g}" if abs(x) < 10 else f"{x:,.1f}"
