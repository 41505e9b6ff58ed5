"""Studies across the plausible worlds (issue 23): history matching, and the same question asked in
every world of a worlds file (``seeds/worlds.toml``) with common random numbers within a world.

Each answer gives, per KPI, the median across worlds, the 90% range across worlds and the share of
worlds in which each conclusion holds (:mod:`sim.reporting.worlds_answers` renders them); the
command line's ``--worlds FILE`` and the workbench call these functions.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.study.execution import DEFAULT, Execution


@dataclass(frozen=True)
class WorldsAnswer:
    """An answer across worlds: its Markdown (``text``) and, for a table, its data (``data``)."""

    text: str
    data: dict[str, Any] | None = None


def _worlds(worlds: str | Path, count: int | None):
    from sim.experiments.worlds import load_worlds

    return load_worlds(worlds).first(count)


def _across(execution: Execution, jobs: int, answer: Callable[[int, str | None], Any]) -> Any:
    """Run ``answer(workers, scheduler)`` with every finished world's replications reported."""
    with execution.tracking("worlds", jobs):
        return answer(execution.workers_for(jobs), execution.scheduler)


def run(
    scenario: str | None,
    *,
    worlds: str | Path,
    world_count: int | None = None,
    replications: int = 1,
    days: int | None = None,
    rng_seed: int | None = None,
    settings: Sequence[str] = (),
    out: str | Path | None = None,
    execution: Execution = DEFAULT,
) -> WorldsAnswer:
    """One scenario's KPIs in every world (``out``: a worlds folder that ``report`` renders)."""
    from sim.reporting import worlds_answers as wa
    from sim.scenario.overrides import parse_settings

    w = _worlds(worlds, world_count)
    overrides = {k: v for k, v in (("horizon_days", days), ("rng_seed", rng_seed)) if v is not None}
    parsed = parse_settings(list(settings))
    return WorldsAnswer(_across(execution, len(w), lambda n, sched: wa.run(
        scenario or "baseline", w, replications, overrides, n, sched, None, parsed,
        None if out is None else str(out))))  # fmt: skip


def compare(
    a: str,
    b: str,
    *,
    worlds: str | Path,
    world_count: int | None = None,
    replications: int = 10,
    days: int | None = None,
    rng_seed: int | None = None,
    settings: Sequence[str] = (),
    out: str | Path | None = None,
    execution: Execution = DEFAULT,
) -> WorldsAnswer:
    """B against A in every world, paired within a world (common random numbers)."""
    from sim.reporting import worlds_answers as wa
    from sim.scenario.overrides import parse_settings

    w = _worlds(worlds, world_count)
    parsed = parse_settings(list(settings))
    return WorldsAnswer(_across(execution, 2 * len(w), lambda n, sched: wa.compare(
        a, b, w, replications, days, rng_seed, n, sched, None, parsed,
        None if out is None else str(out))))  # fmt: skip


def table(
    scenarios: Sequence[str],
    *,
    worlds: str | Path,
    world_count: int | None = None,
    baseline: str | None = None,
    replications: int = 3,
    days: int | None = None,
    kpis: Sequence[str] = (),
    settings: Sequence[str] = (),
    out: str | Path | None = None,
    block: str | None = None,
    json_file: str | Path | None = None,
    command: Sequence[str] = (),
    execution: Execution = DEFAULT,
) -> WorldsAnswer:
    """Each scenario against the one it extends (or ``baseline``), in every world; ``out`` names a
    Markdown file whose table block (``block``) is replaced, ``json_file`` a JSON file."""
    from sim.experiments.comparison import update_file
    from sim.readouts.headline import HEADLINE, Headline
    from sim.reporting import worlds_answers as wa
    from sim.scenario.overrides import parse_settings
    from sim.study.outputs import write_json
    from sim.version import __version__

    w = _worlds(worlds, world_count)
    columns = [Headline(key, key) for key in kpis] if kpis else HEADLINE
    parsed = parse_settings(list(settings))
    said = "bordersim " + shlex.join(command)
    text, data = _across(execution, len(w) * len(scenarios), lambda n, sched: wa.table(
        list(scenarios), w, baseline, replications, days, n, sched, None, columns, parsed, said))  # fmt: skip
    data = {"version": __version__, **data}
    if out:
        update_file(out, text, block)
    if json_file:
        write_json(json_file, data)
    return WorldsAnswer(text, data)


def capacity(
    scenario: str | None,
    *,
    worlds: str | Path,
    world_count: int | None = None,
    replications: int = 10,
    days: int | None = None,
    rng_seed: int | None = None,
    overload: float = 2.0,
    execution: Execution = DEFAULT,
) -> WorldsAnswer:
    """What each crossing can clear, in every world."""
    from sim.reporting import worlds_answers as wa

    w = _worlds(worlds, world_count)
    return WorldsAnswer(_across(execution, len(w), lambda n, sched: wa.capacity(
        scenario or "baseline", w, replications, days, overload, n, sched, rng_seed=rng_seed)))  # fmt: skip


def capacity_targets(
    targets: str | Path,
    *,
    worlds: str | Path,
    world_count: int | None = None,
    replications: int = 3,
    days: int | None = None,
    overload: float = 2.0,
    update: str | Path | None = None,
    command: Sequence[str] = (),
    execution: Execution = DEFAULT,
) -> WorldsAnswer:
    """Each smart-gate phase's road capacities against the Decision 865 targets, in every world;
    ``update`` names a Markdown file whose worlds block of the target table is replaced."""
    from sim.experiments.comparison import update_file
    from sim.reporting import worlds_answers as wa

    w = _worlds(worlds, world_count)
    said = "bordersim " + shlex.join(command)
    text = _across(execution, len(w), lambda n, sched: wa.smart_gate_targets(
        str(targets), w, replications, days, overload, n, sched, command=said))  # fmt: skip
    if update:
        update_file(update, text, "smart_gate_targets_worlds")
    return WorldsAnswer(text)


def sweep(
    scenario: str,
    *,
    worlds: str | Path,
    world_count: int | None = None,
    vary: Sequence[str] = (),
    design: Sequence[str] = (),
    replications: int = 3,
    days: int | None = None,
    settings: Sequence[str] = (),
    kpi: str = "cleared_per_day",
    execution: Execution = DEFAULT,
) -> WorldsAnswer:
    """Every point of a sweep in every world."""
    from sim.reporting import worlds_answers as wa
    from sim.study.designs import sweep_plan

    w = _worlds(worlds, world_count)
    plan = sweep_plan(scenario, vary=vary, design=design, replications=replications, days=days,
                      settings=settings)  # fmt: skip
    return WorldsAnswer(_across(execution, len(w) * len(plan.points), lambda n, sched: wa.sweep(
        plan, w, scenario, kpi, n, sched, None)))  # fmt: skip


def history_match(
    *,
    out: str | Path = "results/history_matching",
    worlds: str | Path = "seeds/worlds.toml",
    report: str | Path | None = "scenarios/WORLDS.md",
    uncertain: str | Path | None = None,
    settings: str | Path | None = None,
    targets: str | Path | None = None,
    command: Sequence[str] = (),
    on_wave: Callable[[Any], object] | None = None,
    execution: Execution = DEFAULT,
) -> str:
    """History matching by waves (``out`` keeps every point run, so a rerun continues), then the
    worlds file and its report; returns the summary."""
    from sim.reporting.worlds_report import run_and_write

    with execution.tracking("history matching", None):
        return run_and_write(
            out, worlds, report, "bordersim " + shlex.join(command), uncertain, settings, targets,
            execution.workers or (os.cpu_count() or 1), execution.scheduler, on_wave=on_wave,
        )  # fmt: skip

