"""The honest remainder: what stays an assumption after calibration, and how much it matters.

One factor at a time, each assumed group of parameters (a pattern of dotted paths, see
:func:`sim.experiments.sweep.matching_paths`) is multiplied by ``1 - step`` and
``1 + step`` (whole numbers, lanes, are rounded), everything else held at the calibrated
scenario's values. Every configuration runs the same replications with the same
``rng_seed`` (common random numbers), so the change of a KPI is a paired difference with
its 95% paired-t interval (:func:`sim.experiments.analysis.paired_difference`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.experiments.analysis import Difference, paired_difference
from sim.experiments.replications import replicate
from sim.experiments.sweep import Dimension, settings_of
from sim.scenario.files import load_scenario, resolved_data
from sim.scenario.overrides import as_overrides

STEP = 0.20
KPIS = ("cleared_per_day", "time_in_system_h.mean")

# The assumptions that remain after calibration (ASSUMPTION notes of the baselines).
FACTORS: tuple[tuple[str, str], ...] = (
    ("facilities.*.routes.*.stages[*].lanes", "CN lanes and inspection berths"),
    ("facilities.*.routes.*.stages[*].service.*.mean_min", "CN border-check and inspection times"),
    ("crossings.*.routes.*.stages[*].lanes", "VN lanes (customs, border guard, quarantine)"),
    ("crossings.*.routes.*.stages[*].service.*.branches[*].duration.mean_min", "VN customs times"),
    ("demand.streams.export_empty.trucks_per_day", "empty returns a day"),
    ("crossings.*.routes.*.yard_capacity", "yard capacities"),
    ("demand.hour_of_day[*]", "arrivals by hour (flattened or sharpened)"),
    # Issue 21: the dwells' times (mean and sd together, so their spread is kept), those in
    # force after their dated changes and those before (Q1 2023's fruit declaration), and
    # the day-to-day swings.
    ("dwell.*.changes[*].time.*.*", "dwell times after their dated changes (F54, F56)"),
    ("dwell.*.time.*.*", "dwell times before their dated changes"),
    ("demand.day_to_day.cv", "days that differ (cv of the daily factor)"),
)


@dataclass(frozen=True)
class Sensitivity:
    """The change of each KPI when one assumption moves by ``-step`` and ``+step``."""

    pattern: str
    label: str
    down: dict[str, Difference]
    up: dict[str, Difference]


def _kpi_runs(source: str | Path, settings, replications: int, workers: int) -> dict[str, list[float]]:
    overrides = as_overrides(resolved_data(source), settings) if settings else None
    runs = replicate(load_scenario(source, overrides=overrides), replications, workers=workers)
    return {k: [r[k] for r in runs] for k in KPIS}


def one_at_a_time(
    source: str | Path,
    replications: int = 10,
    workers: int = 1,
    step: float = STEP,
    factors: Sequence[tuple[str, str]] = FACTORS,
) -> list[Sensitivity]:
    """Paired changes of :data:`KPIS` for each factor at ``1 ± step``."""
    data = resolved_data(source)
    base = _kpi_runs(source, [], replications, workers)
    out = []
    for pattern, label in factors:
        dim = Dimension(pattern, "scale", 1 - step, 1 + step)
        changes = []
        for factor in (1 - step, 1 + step):
            if pattern.startswith("demand.hour_of_day"):  # a profile: move it away from flat
                mean = sum(data["demand"]["hour_of_day"]) / len(data["demand"]["hour_of_day"])
                values = [mean + (v - mean) * factor for v in data["demand"]["hour_of_day"]]
                profile = Dimension("demand.hour_of_day")
                settings = settings_of({profile.name: values}, [profile], data)
            else:
                settings = settings_of({pattern: factor}, [dim], data)
            runs = _kpi_runs(source, settings, replications, workers)
            changes.append({k: paired_difference(base[k], runs[k]) for k in KPIS})
        out.append(Sensitivity(pattern, label, changes[0], changes[1]))
    return out
