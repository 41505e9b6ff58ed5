"""A scenario against its calibration targets; fitting free parameters to them; what stays assumed."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.experiments.atomic import write_atomic
from sim.experiments.calibration import (
    CALIBRATED_MARK,
    Fit,
    TargetResult,
    calibrated_file,
    check_calibrated_out,
    evaluate,
    fit,
    free_parameter,
    targets_for,
)
from sim.experiments.comparison import update_file
from sim.experiments.results_folder import input_paths
from sim.scenario.files import load_scenario, shown
from sim.scenario.schema import Scenario
from sim.scenario.targets import TargetsError, default_targets_path, load_targets
from sim.study.execution import DEFAULT, Execution
from sim.study.runs import check_days, overrides_of


@dataclass
class CalibrationOutcome:
    """Each target's band against the model's mean (``results``), and the fit when parameters
    were free (``fitted``); ``written``: the calibrated scenario file, if asked."""

    scenario: Scenario
    replications: int
    results: list[TargetResult]
    fitted: Fit | None = None
    written: Path | None = None
    extends: str | None = None  # the written file's parent, as its extends names it
    outside_folder: str | None = None  # a parent folder to give with --scenario-path, when needed

    @property
    def missed(self) -> list[str]:
        return [r.name for r in self.results if not r.inside]

    def fit_lines(self) -> list[str]:
        """The fitted values with their 95% profile intervals, or NOT IDENTIFIED (none without a fit)."""
        f = self.fitted
        if f is None:
            return []
        out = [f"fitted after {f.evaluations} points, chi2 {f.chi2:.3f}:"]
        for path, value in f.values.items():
            if f.identified(path):
                low, high = f.interval(path)
                out.append(f"  {path} = {value:.4g}  (95% profile interval {low:.4g} to {high:.4g})")
            else:
                out.append(f"  {path} = {value:.4g}  NOT IDENTIFIED by these targets (flat profile)")
        return out

    def table(self) -> str:
        from sim.reporting.calibration_table import calibration_markdown

        return calibration_markdown(self.results, self.replications)

    def as_dict(self) -> dict:
        from sim.experiments.calibration import calibration_json

        return calibration_json(self.results, self.replications, self.fitted)


def calibrate(
    scenario: str,
    *,
    targets: str | Path | None = None,
    free: Sequence[str] = (),
    replications: int = 10,
    days: int | None = None,
    max_evaluations: int = 60,
    out: str | Path | None = None,
    table: str | Path | None = None,
    json_file: str | Path | None = None,
    on_point: Callable[[int, dict[str, float], float], object] | None = None,
    execution: Execution = DEFAULT,
) -> CalibrationOutcome:
    """Evaluate ``scenario`` against the targets that name it (``targets``, default
    ``seeds/targets.toml``); with ``free`` (``PATH[=LOW:HIGH]`` each), fit those parameters first
    (``on_point`` hears of each point tried). ``out`` writes the calibrated scenario as a short
    ``extends`` file, ``table`` replaces the calibration block of a Markdown file, ``json_file``
    gets each target's band and the model's mean (and the fit's values and intervals).

    Raises
    ------
    TargetsError
        A targets file that cannot be used, or no target for the scenario.
    """
    overrides = overrides_of(days)
    loaded = load_scenario(scenario, overrides=overrides)
    check_days(loaded)
    workers = execution.workers_for(replications)
    targets_file = Path(targets) if targets else default_targets_path()
    if out:  # before the fit: never over the scenario, its parents or the targets
        check_calibrated_out(out, [*input_paths(scenario), targets_file, *([table] if table else [])])
    chosen = targets_for(scenario, load_targets(targets_file), relative_to=targets_file.parent)
    if not chosen:
        raise TargetsError([f"{targets_file}: no target names the scenario {scenario!r}"])
    parameters = [free_parameter(loaded, text) for text in free]
    if not parameters:
        with execution.tracking("calibrate", replications):
            results = evaluate(loaded, chosen, replications, workers)
        outcome = CalibrationOutcome(loaded, replications, results)
    else:
        with execution.tracking("calibrate", None):
            fitted = fit(scenario, chosen, parameters, replications, workers, overrides=overrides,
                         max_evaluations=max_evaluations, progress=on_point)  # fmt: skip
        outcome = CalibrationOutcome(loaded, replications, fitted.results, fitted)
        if out:
            outcome.written, outcome.extends, outcome.outside_folder = _write_calibrated(
                scenario, loaded, targets_file, len(chosen), fitted, replications, out
            )
    if json_file:
        from sim.study.outputs import write_json

        write_json(json_file, outcome.as_dict())
    if table:
        update_file(table, outcome.table(), f"calibration-{loaded.name}")
    return outcome


def _write_calibrated(reference: str, scenario: Scenario, targets_file: Path, n_targets: int, fitted: Fit,
                      replications: int, out: str | Path) -> tuple[Path, str, str | None]:  # fmt: skip
    """The calibrated scenario as a short ``extends`` file at ``out``; and the folder to give with
    ``--scenario-path`` when its parent lies outside ``out``'s folder."""
    out = Path(out)
    source = reference  # a packaged name as it is, a file by its path relative to out's folder
    if Path(reference).is_file():
        source = os.path.relpath(Path(reference).resolve(), out.resolve().parent)
    header = [
        f"{scenario.name}, {CALIBRATED_MARK} against {targets_file.name}",
        f"({n_targets} targets, {replications} replications per point, chi2 {fitted.chi2:.3f}).",
    ]
    write_atomic(out, calibrated_file(source, reference, fitted, header))
    outside = shown(Path(reference).resolve().parent) if Path(source).parts[:1] == ("..",) else None
    return out, source, outside


def assumptions(scenario: str, *, replications: int = 10, table: str | Path | None = None,
                execution: Execution = DEFAULT) -> str:  # fmt: skip
    """What stays an assumption: the headline KPIs' paired change at ±20% of each (Markdown);
    ``table`` replaces the ``assumptions-NAME`` block of that file."""
    from sim.experiments.assumptions import STEP, one_at_a_time
    from sim.reporting.assumptions_table import assumptions_markdown

    loaded = load_scenario(scenario)
    with execution.tracking("assumptions", None):
        rows = one_at_a_time(scenario, replications, execution.workers_for(replications))
    text = assumptions_markdown(rows, replications, STEP)
    if table:
        update_file(table, text, f"assumptions-{loaded.name}")
    return text
