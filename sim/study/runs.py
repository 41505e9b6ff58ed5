"""Run a scenario's replications, into a results folder or in memory; resume an interrupted run.

One call does what ``bordersim run`` did across the command line and the experiments layer:
load and check the scenario and every output before any work, start (or continue) the
results folder, run the replications not yet in it (each written as it finishes), summarise,
and write the JSON and event log asked for. A stop (Ctrl-C, ``kill``, the cancel token) leaves
the folder resumable and raises :class:`Stopped`, which says how much is saved.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.experiments.confine import check_output_file, check_output_folder
from sim.experiments.event_log_file import event_log_format, folder_records, write_event_log
from sim.experiments.integrity import FolderError
from sim.experiments.interrupts import Cancelled, signals_as_interrupt
from sim.experiments.replications import Estimate, run_replications
from sim.experiments.results_folder import (
    MANIFEST,
    ResultsFolder,
    encoded_replication,
    input_paths,
    read_manifest,
    scenario_of,
    summarise_runs,
    to_arrow,
    warmup_suggestion,
    written_replication,
)
from sim.experiments.stability import Stability, stability
from sim.readouts.event_log import event_log as truck_events
from sim.readouts.replication import replication_output
from sim.scenario.files import ScenarioError, data_with_settings, normalised, scenario_hash
from sim.scenario.overrides import parse_settings
from sim.scenario.schema import Scenario
from sim.scenario.warnings import scenario_warnings
from sim.study.execution import DEFAULT, Execution
from sim.version import __version__


class Stopped(KeyboardInterrupt):
    """A study stopped (Ctrl-C, ``kill`` or its cancel token) after keeping what it finished:
    ``saved`` of ``total`` replications in ``folder`` (None: nothing kept on disk)."""

    def __init__(self, saved: int = 0, total: int = 0, folder: Path | None = None, cancelled: bool = False):
        super().__init__(f"stopped: {saved} of {total} replications saved")
        self.saved, self.total, self.folder, self.cancelled = saved, total, folder, cancelled
        self.command: str | None = None  # how to continue, when the study knows its command line


@dataclass
class RunOutcome:
    """A finished run: its scenario, KPIs (mean ± 95% CI, and each replication's), stability,
    suggested warm-up and provenance; the folder, JSON and event log it wrote, if asked."""

    scenario: Scenario
    source: str
    replications: int
    settings: list[str]
    summary: dict[str, Estimate]
    runs: list[dict[str, float]]
    stability: Stability
    warmup: dict[str, Any]
    wall_s: float
    folder: Path | None = None
    event_log: Path | None = None
    events: int = 0
    warnings: list[str] = field(default_factory=list)

    def header(self) -> str:
        s, n = self.scenario, self.replications
        return (
            f"bordersim {__version__} — {s.name}: {s.horizon_days} days from {s.start_date} (warm-up "
            f"{s.warmup_days}), rng_seed {s.rng_seed}, {n} replication{'s' if n > 1 else ''}"
            f"{' (mean ± 95% CI)' if n > 1 else ''}, scenario hash {scenario_hash(s)}, {self.wall_s:.1f} s"
        )

    def text(self) -> str:
        """The KPI table (with its stability lines) and the suggested warm-up, as ``run`` prints them."""
        from sim.experiments.results_folder import describe_warmup
        from sim.reporting.tables import kpi_table

        table = kpi_table(self.scenario, self.summary, self.header(), self.stability)
        return f"{table}\n\n{describe_warmup(self.warmup)}"

    def needed(self, key: str, half_width: float) -> str:
        """How many replications a 95% CI of ``half_width`` on ``key`` needs, from these runs' variance."""
        from sim.experiments.analysis import replications_needed

        if self.runs and key not in self.runs[0]:
            known = ", ".join(list(self.runs[0])[:6])
            raise ScenarioError(
                [f"--half-width {key}={half_width:g}: unknown KPI {key!r} (KPIs are e.g. {known}, ...)"]
            )
        values = [r[key] for r in self.runs]
        try:
            n = replications_needed(values, half_width)
        except ValueError:
            return (f"{key}: a half-width of {half_width:g} needs a variance estimate: run at least 2 "
                    "replications.")  # fmt: skip
        return (f"{key}: a 95% CI of half-width {half_width:g} needs about {n} replications "
                f"(estimated from the variance of these {len(values)}).")  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        """KPIs, stability and provenance as plain data (``--json``)."""
        s = self.scenario
        return {
            "provenance": {
                "version": __version__,
                "scenario_source": str(self.source),
                "scenario_hash": scenario_hash(s),
                "rng_seed": s.rng_seed,
                "replications": self.replications,
                "settings": list(self.settings),
                "warmup_days": s.warmup_days,
                "wall_s": self.wall_s,
            },
            "stability": self.stability.as_dict(),
            "warnings": self.stability.lines(s.name),
            "scenario": normalised(s),
            "kpis": {
                k: {"mean": e.mean, "half_width": e.half_width, "n": e.n} for k, e in self.summary.items()
            },
            "replications": self.runs,
        }


def overrides_of(days: int | None = None, rng_seed: int | None = None) -> dict[str, Any]:
    """``--days`` and ``--rng-seed`` as scenario overrides."""
    out: dict[str, Any] = {}
    if days is not None:
        out["horizon_days"] = days
    if rng_seed is not None:
        out["rng_seed"] = rng_seed
    return out


def check_days(scenario: Scenario) -> None:
    """A run must measure at least one day after its warm-up."""
    if scenario.warmup_days >= scenario.horizon_days:
        raise ScenarioError(
            [f"--days {scenario.horizon_days}: expected more days than the warm-up ({scenario.warmup_days})"]
        )


def run(
    scenario: str | Path | None = None,
    *,
    replications: int = 1,
    days: int | None = None,
    rng_seed: int | None = None,
    settings: Sequence[str] = (),
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    records: bool = False,
    event_log: str | Path | None = None,
    json_file: str | Path | None = None,
    command: Sequence[str] = (),
    execution: Execution = DEFAULT,
) -> RunOutcome:
    """Run ``replications`` of a scenario (a file, a packaged name, a results folder to rerun, or
    None: the baseline), with ``days``, ``rng_seed`` and ``settings`` (``PATH=VALUE``) applied.

    With ``out``, into a results folder (``resume`` continues it, ``force`` replaces it; ``records``
    keeps the per-truck records). ``event_log`` (.csv or .parquet) and ``json_file`` are written at
    the end. Every output is checked before any work; ``command`` is recorded in the manifest.

    Raises
    ------
    ScenarioError, FolderError
        Bad input, one line per problem, before anything runs.
    Stopped
        Ctrl-C, ``kill`` or ``execution.cancel``: the folder keeps what is done (resumable).
    """
    parsed = parse_settings(list(settings))
    reference = None if scenario is None else str(scenario)
    loaded, source = scenario_of(reference, overrides_of(days, rng_seed), parsed)
    check_days(loaded)
    if event_log is not None and event_log_format(str(event_log)) is None:
        raise ScenarioError([f"--event-log {event_log}: expected a file name ending in .csv or .parquet"])
    inputs = input_paths(reference)
    if out:
        check_output_folder(out, "--out", inputs)
    if json_file:
        check_output_file(json_file, "--json", inputs, (".json",))
    if event_log:
        check_output_file(event_log, "--event-log", inputs, (".csv", ".parquet"))
    return run_scenario(
        loaded, source, replications, [x.text for x in parsed], out, resume, force,
        bool(records or event_log), event_log, json_file, command, execution,
    )  # fmt: skip


def resume(folder: str | Path, replications: int | None = None, execution: Execution = DEFAULT) -> RunOutcome:
    """Continue the interrupted (or cancelled) run in ``folder``: the scenario, settings and records
    its manifest holds, up to ``replications`` (default: those it was started with)."""
    manifest = read_manifest(Path(folder) / MANIFEST)
    if manifest.get("kind", "run") != "run" or not isinstance(manifest.get("scenario"), dict):
        raise FolderError(f"{folder}: not a run's results folder: nothing to resume")
    source = str(manifest.get("scenario_source", Path(folder) / MANIFEST))
    loaded = data_with_settings(manifest["scenario"], str(Path(folder) / MANIFEST))
    n = replications or int(manifest.get("replications", 1))
    command = [*manifest.get("command", []), "--resume"]
    return run_scenario(
        loaded, source, n, list(manifest.get("settings", [])), folder, True, False,
        bool(manifest.get("records", False)), None, None, command, execution,
    )  # fmt: skip


def run_scenario(
    scenario: Scenario,
    source: str,
    replications: int,
    settings: list[str],
    out: str | Path | None,
    resume: bool,
    force: bool,
    records: bool,
    event_log: str | Path | None,
    json_file: str | Path | None,
    command: Sequence[str],
    execution: Execution,
    warn: bool = True,
) -> RunOutcome:
    """A checked scenario's run (see :func:`run`); its outputs already checked. ``warn``: tell
    ``execution.notice`` the scenario's plausible mistakes first."""
    warnings = scenario_warnings(scenario) if warn else []
    for line in warnings:
        execution.say(f"warning: {source}: {line}")
    folder = None
    if out:
        folder = ResultsFolder.start(
            out, scenario, replications, source, command, resume=resume, force=force, records=records
        )
        folder.record_settings(settings)
    try:
        outputs, wall = _execute(scenario, replications, execution, folder, records)
        if folder is not None:
            summary = folder.finish()
            runs = folder.kpi_runs()
            manifest = folder.manifest()
            warmup, wall = manifest["warmup_suggestion"], float(manifest["wall_s"])
        else:
            runs = [o.kpis for o in outputs]
            summary = summarise_runs(runs)
            import pyarrow as pa

            warmup = warmup_suggestion(pa.concat_tables([to_arrow(o.series) for o in outputs]), scenario)
    finally:
        if folder is not None:
            folder.release()
    outcome = RunOutcome(
        scenario, source, replications, settings, summary, runs, stability(runs, scenario), warmup, wall,
        None if folder is None else Path(out), warnings=warnings,
    )  # fmt: skip
    if json_file:
        from sim.study.outputs import write_json

        write_json(json_file, outcome.as_dict())
    if event_log:
        outcome.event_log = Path(event_log)
        outcome.events = _write_event_log(event_log, scenario, outputs, folder)
    return outcome


def _execute(
    scenario: Scenario, replications: int, execution: Execution, folder: ResultsFolder | None, records: bool
) -> tuple[list, float]:
    """Run the replications not yet in ``folder`` (all without one), writing each as it finishes.

    Returns the outputs kept in memory (without a folder) and the wall time; a stop raises
    :class:`Stopped` once the workers are stopped and the session is recorded.
    """
    done = set(folder.done()) if folder is not None else set()
    todo = [r for r in range(replications) if r not in done]
    workers = execution.workers_for(replications)
    outputs = []
    start = time.perf_counter()
    ran = 0
    try:
        with signals_as_interrupt(), execution.tracking(scenario.name, replications, len(done)) as tracker:
            if folder is not None and execution.scheduler is not None:
                # Dask workers may not see this disk: they send the encoded files back to be written.
                work, extra = encoded_replication, (records,)
            elif folder is not None:  # each worker writes its own parts; this process records them
                work, extra = written_replication, (str(folder.path), records)
            else:
                work, extra = replication_output, (None, records)
            jobs = run_replications(work, scenario, todo, workers, execution.scheduler, extra=extra)
            for _, output in jobs:
                if folder is not None:
                    folder.write_replication(output)
                else:
                    outputs.append(output)
                ran += 1
            tracker.at("summaries")
    except KeyboardInterrupt as stop:
        saved = len(folder.done()) if folder is not None else 0
        where = None if folder is None else folder.path
        raise Stopped(saved, replications, where, isinstance(stop, Cancelled)) from None
    finally:
        wall = time.perf_counter() - start
        if folder is not None:
            folder.record_session(wall, ran, workers, execution.scheduler)
    outputs.sort(key=lambda o: o.replication)
    return outputs, wall


def _write_event_log(
    path: str | Path, scenario: Scenario, outputs: list, folder: ResultsFolder | None
) -> int:
    """Write the event log of every replication, from memory or from the results folder's records."""

    def logs():
        if folder is None:
            for o in outputs:
                yield truck_events(o.trucks, o.stages, scenario)
        else:
            for r in folder.replications():
                yield truck_events(*folder_records(folder, r), scenario)

    return write_event_log(str(path), logs())
