"""What a study leaves for a reader: a folder's report, a crossing's animation, JSON.

These turn results that exist (a results, comparison or capacity folder, a run) into pages and
files; they run no study of their own, except ``animate`` from a scenario, which runs the one
replication it draws.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sim.experiments.atomic import write_atomic
from sim.scenario.files import ScenarioError


def json_text(payload: Any) -> str:
    """``payload`` as JSON text, NaN (no interval with one replication) written as null, so that
    any JSON reader takes it."""
    return json.dumps(_nulls(payload), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(target: str | Path, payload: Any) -> None:
    write_atomic(target, json_text(payload))


def _nulls(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _nulls(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nulls(v) for v in value]
    return value


def report(folder: str | Path, out: str | Path | None = None, root: str | Path | None = None) -> Path:
    """The Markdown and HTML report of a results or comparison folder (default: ``folder/report``);
    returns the report's folder. ``root``: where a comparison's A and B must lie (a workspace)."""
    from sim.reporting import worlds_answers
    from sim.reporting.report import build_report

    if worlds_answers.is_worlds_folder(folder):  # written by a study across worlds (--worlds --out)
        return worlds_answers.report(folder, out)
    return build_report(folder, out, root=root)


@dataclass(frozen=True)
class Animation:
    """An animation written: the page, and what it shows."""

    path: Path
    crossing: str
    start: datetime
    hours: int
    replication: int
    scenario_name: str
    rng_seed: int


def animate(
    source: str | Path,
    crossing: str,
    start: datetime,
    out: str | Path,
    hours: int = 12,
    replication: int = 0,
    step_min: int | None = None,
    days: int | None = None,
    rng_seed: int | None = None,
) -> Animation:
    """The animated page of ``crossing`` from ``start`` (local time) for ``hours``: from a results
    folder's per-truck records (``--records``) or by running ``replication`` of a scenario.

    Raises
    ------
    ScenarioError
        plotly missing (the ``animation`` extra), a bad crossing, window or output name.
    """
    from sim.experiments.bounds import check_replication_index
    from sim.experiments.confine import check_output_file
    from sim.experiments.results_folder import ResultsFolder, input_paths, is_results_folder, scenario_of

    try:
        import plotly  # noqa: F401
    except ImportError:
        from sim.reporting.animation import INSTALL_HINT

        raise ScenarioError([INSTALL_HINT]) from None
    from sim.experiments.event_log_file import folder_records
    from sim.readouts.replication import replication_output
    from sim.reporting.animation import animation_html, window_bounds

    if not str(out).lower().endswith((".html", ".htm")):
        raise ScenarioError([f"--out {out}: expected a file name ending in .html"])
    check_replication_index(replication)  # before anything runs
    check_output_file(out, "--out", input_paths(str(source)), (".html", ".htm"))
    from_folder = is_results_folder(source)
    if from_folder:
        if days is not None or rng_seed is not None:
            raise ScenarioError(
                [f"{source}: is a results folder: --days and --rng-seed apply to a scenario only"]
            )
        folder = ResultsFolder.open(source)
        scenario = folder.scenario()
    else:
        overrides = {k: v for k, v in (("horizon_days", days), ("rng_seed", rng_seed)) if v is not None}
        scenario, _ = scenario_of(str(source), overrides)
    enabled = [c for c, x in scenario.crossings.items() if x.enabled]
    if crossing not in enabled:
        raise ScenarioError(
            [f"--crossing {crossing}: expected one of the scenario's crossings: {', '.join(enabled)}"]
        )
    try:
        t0, _ = window_bounds(scenario, start, hours)
    except ValueError as err:
        raise ScenarioError([f"--from {err}"]) from None
    if from_folder:
        trucks, stages = folder_records(folder, replication)
    else:
        output = replication_output(scenario, replication)
        trucks, stages = output.trucks, output.stages
    write_atomic(out, animation_html(scenario, trucks, stages, crossing, t0, hours, step_min))
    return Animation(Path(out), crossing, start, hours, replication, scenario.name, scenario.rng_seed)
