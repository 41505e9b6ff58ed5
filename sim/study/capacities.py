"""How many trucks a day each crossing can clear, and what binds: one scenario, or the smart-gate
phases of a targets file against their road targets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.experiments.bounds import check_overload, check_replications
from sim.experiments.capacity import OUT_FILES, OVERLOAD, RouteCapacity, as_rows
from sim.experiments.capacity import capacity as measure
from sim.experiments.confine import check_folder_kind, check_output_file, check_output_folder
from sim.experiments.results_folder import input_paths, scenario_of
from sim.scenario.schema import Scenario
from sim.study.execution import DEFAULT, Execution
from sim.study.runs import overrides_of


@dataclass(frozen=True)
class CapacityOutcome:
    """Each crossing's and direction's capacity (:class:`~sim.experiments.capacity.RouteCapacity`
    rows, then the province's), the scenario measured, and the report folder written (if asked)."""

    scenario: Scenario
    rows: list[RouteCapacity]
    report: Path | None = None

    def as_rows(self) -> list[dict]:
        return as_rows(self.rows)

    def markdown(self) -> str:
        from sim.experiments.capacity import markdown

        return markdown(self.rows, self.scenario)


def capacity(
    scenario: str | Path | None = None,
    *,
    replications: int = 10,
    days: int | None = None,
    rng_seed: int | None = None,
    overload: float = OVERLOAD,
    out: str | Path | None = None,
    json_file: str | Path | None = None,
    execution: Execution = DEFAULT,
) -> CapacityOutcome:
    """Saturate each crossing alone, then all together (``overload`` times an upper bound of each
    route's capacity), for ``replications``; ``out`` writes ``capacity.json`` and a report with
    its figures, ``json_file`` the rows as JSON. Outputs are checked before any work."""
    check_replications(replications)
    check_overload(overload)
    loaded, _ = scenario_of(None if scenario is None else str(scenario), overrides_of(None, rng_seed))
    inputs = input_paths(None if scenario is None else str(scenario))
    if json_file:
        check_output_file(json_file, "--json", inputs, (".json",))
    if out:
        check_output_folder(out, "--out", inputs)
        check_folder_kind(out, "--out", OUT_FILES, "capacity report")
    configs = sum(x.enabled for x in loaded.crossings.values()) + 1
    workers = execution.workers_for(replications)
    with execution.tracking("capacity", replications * configs):
        rows = measure(loaded, replications, workers, overload, days, scheduler=execution.scheduler)
    if json_file:
        from sim.study.outputs import write_json

        write_json(json_file, as_rows(rows))
    target = None
    if out:
        from sim.reporting.report import build_capacity_report

        target = build_capacity_report(rows, loaded, out)
    return CapacityOutcome(loaded, rows, target)


def capacity_targets(
    targets: str | Path,
    *,
    replications: int = 10,
    days: int | None = None,
    overload: float = OVERLOAD,
    update: str | Path | None = None,
    execution: Execution = DEFAULT,
) -> str:
    """Each smart-gate phase's dedicated-road capacity against the targets of ``targets``
    (``seeds/decision_865.toml``) as Markdown; ``update`` replaces its block in that file."""
    from sim.experiments.comparison import update_file
    from sim.reporting import smart_gate_targets as sgt

    check_overload(overload)
    loaded = sgt.load_targets(targets)
    workers = execution.workers_for(replications)
    with execution.tracking("capacity targets", None):
        rows = sgt.evaluate(loaded, replications, workers, days, execution.scheduler, overload)
    command = f"bordersim capacity --targets {targets} --replications {replications}"
    if days is not None:
        command += f" --days {days}"
    text = sgt.markdown(loaded, rows, command + (f" --update {update}" if update else ""))
    if update:
        update_file(update, text, sgt.BLOCK)
    return text
