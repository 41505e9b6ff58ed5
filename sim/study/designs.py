"""Studies over many points of a scenario: a sweep (grid or Latin hypercube) and Morris screening.

Both run into a sweep folder that keeps every finished point (running the same design again
continues it) and write their tables and figure there.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sim.experiments import sensitivity as morris
from sim.experiments import sweep as sweeps
from sim.experiments.interrupts import Cancelled, signals_as_interrupt
from sim.experiments.replications import Estimate
from sim.experiments.results_folder import input_paths
from sim.readouts.headline import HEADLINE
from sim.scenario.files import ScenarioError, load_with_settings
from sim.scenario.overrides import parse_settings
from sim.study.execution import DEFAULT, Execution
from sim.study.runs import Stopped, check_days


@dataclass(frozen=True)
class SweepOutcome:
    """A finished sweep: its plan, each point's estimates of ``keys``, and the figure of ``kpi``."""

    plan: sweeps.Plan
    estimates: list[dict[str, Estimate]]
    keys: list[str]
    kpi: str
    figure: Path

    def lines(self) -> list[str]:
        """The sweep as ``sweep`` prints it: what ran, then each point's KPIs (mean ± 95% CI)."""
        from sim.reporting.sweeps import sweep_markdown
        from sim.version import __version__

        first, n = self.plan.scenarios[0], self.plan.replications
        return [f"bordersim {__version__} — sweep of {first.name}: {len(self.plan.points)} points × {n} "
                f"replications, rng_seed {first.rng_seed} at every point (common random numbers); "
                "mean ± 95% CI",
                "", sweep_markdown(self.plan, self.estimates, self.keys)]  # fmt: skip


@dataclass(frozen=True)
class SensitivityOutcome:
    """A finished Morris screening: each factor's effects, the text that introduces them, the table."""

    effects: list[morris.Effect]
    intro: str
    report: Path

    def lines(self) -> list[str]:
        from sim.version import __version__

        return [f"bordersim {__version__} — {self.intro}", "", morris.effects_markdown(self.effects)]


@contextmanager
def _running(out: str | Path, plan: sweeps.Plan, source: str | None, command: Sequence[str], force: bool,
             execution: Execution) -> Iterator[list]:  # fmt: skip
    """Run the points of a sweep not yet in its folder; within the block, the KPI runs of every
    point, with the folder locked until the block's tables and figure are written."""
    todo, lock = sweeps.start(out, plan, command, force=force, warn=execution.say, inputs=input_paths(source))
    try:
        kept = len(plan.points) - len(todo)
        if kept:
            execution.say(f"{out}: {kept} of {len(plan.points)} points already done, kept")
        workers = execution.workers_for(len(todo) * plan.replications)
        total = len(plan.points) * plan.replications
        try:
            with signals_as_interrupt(), execution.tracking(plan.kind, total, kept * plan.replications):
                sweeps.run(out, plan, todo, workers, execution.scheduler)
        except KeyboardInterrupt as stop:
            kept = len(plan.points) - len(todo)
            stopped = Stopped(kept, len(plan.points), Path(out), isinstance(stop, Cancelled))
            stopped.command = "bordersim " + shlex.join(w for w in command if w != "--force")
            raise stopped from None
        yield sweeps.point_runs(out, plan)
    finally:
        lock.release()


def sweep_plan(
    scenario: str,
    *,
    vary: Sequence[str] = (),
    design: Sequence[str] = (),
    replications: int = 3,
    days: int | None = None,
    settings: Sequence[str] = (),
) -> sweeps.Plan:
    """A sweep's design and the scenario of each point: a grid (``vary``: ``PATH=V1,V2,...`` each)
    or a Latin hypercube (``design``: ``lhs:N PATH=LOW:HIGH ...``), checked before any work."""
    if bool(vary) == bool(design):
        raise ScenarioError(
            ["sweep: give either --vary PATH=V1,V2,... (repeatable) or --design lhs:N PATH=LOW:HIGH"]
        )
    parsed = parse_settings(list(settings))
    overrides = {"horizon_days": days} if days else {}
    if vary:
        varies = [sweeps.parse_vary(v) for v in vary]
        dims = [d for d, _ in varies]
        points = sweeps.grid(varies)
        described = {"method": "grid", "values": {d.name: v for d, v in varies}}
    else:
        count, dims = sweeps.parse_design(list(design))
        base = load_with_settings(scenario, parsed, overrides)
        points = sweeps.latin_hypercube(dims, count, base.rng_seed)
        described = {"method": "lhs", "n": count, "seed": base.rng_seed}
    plan = sweeps.plan("sweep", scenario, dims, points, replications, parsed, overrides, described)
    for s in plan.scenarios:
        check_days(s)
    return plan


def sweep(
    scenario: str,
    *,
    out: str | Path,
    vary: Sequence[str] = (),
    design: Sequence[str] = (),
    replications: int = 3,
    days: int | None = None,
    settings: Sequence[str] = (),
    kpi: str = "cleared_per_day",
    force: bool = False,
    command: Sequence[str] = (),
    execution: Execution = DEFAULT,
) -> SweepOutcome:
    """Run every point of a grid (``vary``: ``PATH=V1,V2,...`` each) or of a Latin hypercube
    (``design``: ``lhs:N PATH=LOW:HIGH ...``) with ``replications`` each and one ``rng_seed``,
    into the folder ``out`` (finished points kept); write ``sweep.csv``, ``sweep.md`` and the
    figure of ``kpi``."""
    from sim.reporting.sweeps import write_sweep

    plan = sweep_plan(scenario, vary=vary, design=design, replications=replications, days=days,
                      settings=settings)  # fmt: skip
    with _running(out, plan, scenario, command, force, execution) as runs:
        keys = [h.key for h in HEADLINE]
        if kpi not in runs[0][0]:
            raise ScenarioError([f"--kpi {kpi}: expected a KPI such as {', '.join(keys[:4])}, ..."])
        keys = list(dict.fromkeys([*keys, kpi]))
        estimates = sweeps.summaries(runs, keys)
        figure = write_sweep(Path(out), plan, estimates, keys, kpi)
    return SweepOutcome(plan, estimates, keys, kpi, figure)


def sensitivity(
    scenario: str = "baseline",
    *,
    out: str | Path,
    factors: Sequence[str] = (),
    trajectories: int = 6,
    levels: int = 4,
    replications: int = 2,
    days: int | None = None,
    settings: Sequence[str] = (),
    force: bool = False,
    table: str | Path | None = None,
    command: Sequence[str] = (),
    execution: Execution = DEFAULT,
) -> SensitivityOutcome:
    """Rank the scenario's assumptions (``factors``: ``PATTERN=LOW:HIGH`` multipliers; default the
    baseline's, ±25%) by Morris screening (SALib), into the folder ``out``; ``table`` replaces the
    sensitivity block of that Markdown file."""
    from sim.reporting.sweeps import write_sensitivity

    parsed = parse_settings(list(settings))
    overrides = {"horizon_days": days} if days else {}
    if factors:
        dims = [sweeps.parse_range(t, "--factor", kind="scale") for t in factors]
    else:
        from sim.scenario.files import resolved_data

        dims, skipped = morris.default_dimensions(resolved_data(scenario))
        for pattern in skipped:
            execution.say(
                f"bordersim sensitivity: the default factor {pattern} matches nothing in {scenario}: left out"
            )
        if not dims:
            raise ScenarioError([f"{scenario}: no default factor matches it: give --factor PATTERN=LOW:HIGH"])
    if levels < 2:
        raise ScenarioError([f"--levels {levels}: expected at least 2"])
    base = load_with_settings(scenario, parsed, overrides)
    points = morris.morris_design(dims, trajectories, levels, base.rng_seed)
    described = {"method": "morris", "trajectories": trajectories, "levels": levels, "seed": base.rng_seed}
    plan = sweeps.plan("sensitivity", scenario, dims, points, replications, parsed, overrides, described)
    for s in plan.scenarios:
        check_days(s)
    with _running(out, plan, scenario, command, force, execution) as runs:
        keys = [k for k in morris.SENSITIVITY_KPIS if k in runs[0][0]]
        estimates = sweeps.summaries(runs, keys)
        means = {k: [e[k].mean for e in estimates] for k in keys}
        effects = morris.analyse(dims, points, means, levels, base.rng_seed)
        intro = morris.describe(base.name, base.horizon_days, len(dims), trajectories, len(points),
                                replications, base.rng_seed, levels)  # fmt: skip
        report = write_sensitivity(Path(out), effects, intro)
        if table:
            from sim.experiments.comparison import update_file
            from sim.reporting.sweeps import SENSITIVITY_BLOCK, sensitivity_table

            update_file(table, sensitivity_table(effects, intro), SENSITIVITY_BLOCK)
    return SensitivityOutcome(effects, intro, report)
