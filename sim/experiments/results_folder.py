"""The results folder of an experiment: layout, provenance, atomic writes and resuming.

``bordersim run SCENARIO --replications N --out results/NAME`` fills::

    results/NAME/
      manifest.json          provenance: normalised scenario, its hash, rng_seed, replications,
                             warm-up, version, wall time, status; enough to rerun any number
      summary.csv            each KPI over replications: mean, 95% CI (Student t), n
      kpis.csv               one row per replication, one column per KPI
      daily_summary.csv      daily KPIs by crossing: mean and 95% CI half-width over replications
      trucks/r00000.parquet  per-truck records of each replication     (sim.replication)
      stages/r00000.parquet  per-stage records                         (sim.replication)
      daily/r00000.parquet   daily KPIs by crossing                     (sim.daily)
      series/r00000.parquet  backlog and queues over time               (sim.hourly)
      utilisation/r00000.parquet   lane-time by stage and hour of day   (sim.hourly)
      kpis/r00000.parquet    the replication's KPIs, written last: marks it complete

Each table folder is one tidy table split by replication: ``pyarrow.parquet.read_table``
(or pandas, polars, DuckDB) reads the folder whole. Every file is written
atomically, and a replication counts as done once its ``kpis`` part exists, so
an interrupted run is continued with ``--resume`` and ends with exactly the
files of an uninterrupted one (only the manifest's timings differ).
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.engine.calendar import MINUTES_PER_DAY
from sim.experiments.analysis import mser
from sim.experiments.atomic import write_atomic, write_atomic_bytes
from sim.experiments.replications import Estimate, estimate
from sim.readouts.replication import ReplicationOutput, Table, replication_output
from sim.scenario.files import normalised, scenario_hash
from sim.scenario.schema import Scenario
from sim.version import __version__

FORMAT = "bordersim-results/1"
MANIFEST = "manifest.json"
PART_TABLES = ("trucks", "stages", "daily", "series", "utilisation")
DONE_TABLE = "kpis"
DAILY_METRICS = (
    "arrived",
    "cleared",
    "gave_up",
    "backlog_midnight",
    "road_queue_peak",
    "time_in_system_h_mean",
)
TABLES = {
    "summary.csv": "each KPI over replications: mean, half_width and low/high of the 95% Student-t CI, n",
    "kpis.csv": "one row per replication, one column per KPI (sim.kpis, sim.headline)",
    "daily_summary.csv": "daily KPIs by crossing (sim.daily): mean and 95% CI half-width over replications",
    "trucks/": "per-truck records, one Parquet file per replication (sim.replication)",
    "stages/": "per-stage records of each truck (sim.replication)",
    "daily/": "daily KPIs per replication and crossing (sim.daily)",
    "series/": "backlog, road queue and stage queues over time, by crossing (sim.hourly)",
    "utilisation/": "busy and open lane-minutes by stage and hour of day, measured days (sim.hourly)",
    "kpis/": "the KPIs of each replication; its presence marks the replication complete",
}


class FolderError(Exception):
    """A results folder that cannot be used as asked; the message is one line."""


def part_name(replication: int) -> str:
    return f"r{replication:05d}.parquet"


def to_arrow(table: Table) -> pa.Table:
    """A dict of NumPy columns as an Arrow table (object columns become strings)."""
    arrays = {}
    for name, column in table.items():
        col = np.asarray(column)
        arrays[name] = pa.array(col, type=pa.string()) if col.dtype == object else pa.array(col)
    return pa.table(arrays)


def parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def is_results_folder(path: str | Path) -> bool:
    return (Path(path) / MANIFEST).is_file()


@dataclass(frozen=True)
class EncodedReplication:
    """One replication's tables as Parquet files' bytes, by table folder, the KPIs last."""

    replication: int
    parts: dict[str, bytes]


def encode(output: ReplicationOutput) -> EncodedReplication:
    """The Parquet bytes of a replication's tables (in the process that ran it: work shared out)."""
    parts = {}
    for table in PART_TABLES:
        data = getattr(output, table)
        if data is not None:
            parts[table] = parquet_bytes(to_arrow(data))
    row = {"replication": np.array([output.replication], np.int64)}
    row.update({k: np.array([v], float) for k, v in output.kpis.items()})
    parts[DONE_TABLE] = parquet_bytes(to_arrow(row))
    return EncodedReplication(output.replication, parts)


def encoded_replication(scenario: Scenario, replication: int) -> EncodedReplication:
    """Run a replication and encode its tables: a worker's unit of work for a results folder."""
    return encode(replication_output(scenario, replication))


class ResultsFolder:
    """A results folder on disk (see the module docstring for its layout)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    # -- reading ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> ResultsFolder:
        """An existing results folder; :class:`FolderError` if ``path`` is not one."""
        folder = cls(path)
        if not Path(path).is_dir():
            raise FolderError(f"{path}: no such folder")
        if not is_results_folder(path):
            raise FolderError(f"{path}: not a results folder (no {MANIFEST})")
        manifest = folder.manifest()
        if manifest.get("format") != FORMAT:
            raise FolderError(f"{path}/{MANIFEST}: format = {manifest.get('format')!r}: expected {FORMAT!r}")
        return folder

    def manifest(self) -> dict[str, Any]:
        file = self.path / MANIFEST
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise FolderError(f"{file}: cannot be read as JSON: {err}") from None

    def scenario(self) -> Scenario:
        """The scenario the folder was run with, rebuilt from the manifest (hash checked)."""
        manifest = self.manifest()
        scenario = Scenario.model_validate(manifest["scenario"])
        if scenario_hash(scenario) != manifest["scenario_hash"]:
            raise FolderError(
                f"{self.path}/{MANIFEST}: scenario_hash = {manifest['scenario_hash']!r}: "
                f"does not match its scenario ({scenario_hash(scenario)})"
            )
        return scenario

    def done(self) -> list[int]:
        """Replications complete on disk, in order."""
        folder = self.path / DONE_TABLE
        if not folder.is_dir():
            return []
        out = []
        for p in folder.glob("r*.parquet"):
            try:
                out.append(int(p.stem[1:]))
            except ValueError:
                continue
        return sorted(out)

    def replications(self) -> list[int]:
        """The replications of a complete folder: ``0..replications-1``."""
        manifest = self.manifest()
        n = int(manifest["replications"])
        missing = sorted(set(range(n)) - set(self.done()))
        if missing:
            raise FolderError(
                f"{self.path}: incomplete: {len(missing)} of {n} replications missing "
                f"(status {manifest.get('status')!r}); continue it with `bordersim run ... --resume`"
            )
        return list(range(n))

    def read_table(
        self, name: str, replications: Iterable[int] | None = None, columns: Sequence[str] | None = None
    ) -> pa.Table:
        """One of the per-replication tables (``trucks``, ``daily``...), replications in order."""
        reps = self.replications() if replications is None else list(replications)
        cols = None if columns is None else list(columns)
        parts = [pq.read_table(self.path / name / part_name(r), columns=cols) for r in reps]
        return pa.concat_tables(parts) if parts else pa.table({})

    def kpi_runs(self) -> list[dict[str, float]]:
        """KPIs of each replication, in replication order."""
        return [
            _kpis_from_row(pq.read_table(self.path / DONE_TABLE / part_name(r))) for r in self.replications()
        ]

    # -- writing ---------------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        path: str | Path,
        scenario: Scenario,
        replications: int,
        source: str,
        command: Sequence[str] = (),
        resume: bool = False,
        force: bool = False,
    ) -> ResultsFolder:
        """Prepare ``path`` for a run: a new folder, or one to continue (``resume``) or replace (``force``).

        Raises
        ------
        FolderError
            When ``path`` holds other results and neither option allows using it, or
            holds something that is not a results folder.
        """
        folder = cls(path)
        path = Path(path)
        digest = scenario_hash(scenario)
        if path.exists() and not path.is_dir():
            raise FolderError(f"{path}: exists and is not a folder")
        if is_results_folder(path):
            old = folder.manifest()
            same = old.get("scenario_hash") == digest
            if force:
                shutil.rmtree(path)
            elif not resume:
                raise FolderError(
                    f"{path}: already holds results of scenario {old.get('scenario_name')!r} "
                    f"(hash {old.get('scenario_hash')}, {len(folder.done())} of {old.get('replications')} "
                    "replications): continue it with --resume, replace it with --force, "
                    "or choose another --out"
                )
            elif not same:
                raise FolderError(
                    f"{path}: holds scenario {old.get('scenario_name')!r} (hash {old.get('scenario_hash')}), "
                    f"not this one ({scenario.name!r}, hash {digest}): --resume continues the same scenario "
                    "only; use --force to replace it, or another --out"
                )
            elif replications < int(old.get("replications", 0)):
                raise FolderError(
                    f"{path}: --replications {replications}: expected at least the "
                    f"{old.get('replications')} this folder was started with"
                )
        elif path.is_dir() and any(path.iterdir()):
            raise FolderError(f"{path}: exists, is not empty and is not a results folder (no {MANIFEST})")

        path.mkdir(parents=True, exist_ok=True)
        for stale in path.rglob(".*.tmp"):  # left by a killed writer
            stale.unlink(missing_ok=True)
        previous = folder.manifest() if is_results_folder(path) else {}
        manifest = {
            "format": FORMAT,
            "kind": "run",
            "version": __version__,
            "status": "running",
            "scenario_name": scenario.name,
            "scenario_source": source,
            "scenario_hash": digest,
            "rng_seed": scenario.rng_seed,
            "replications": replications,
            "completed": len(folder.done()),
            "horizon_days": scenario.horizon_days,
            "warmup_days": scenario.warmup_days,
            "confidence": 0.95,
            "wall_s": float(previous.get("wall_s", 0.0)),
            "sessions": previous.get("sessions", []),
            "command": list(command),
            "rerun": "bordersim run " + str(path) + " --out NEW_FOLDER   (the scenario below, same seeds)",
            "tables": TABLES,
            "scenario": normalised(scenario),
        }
        folder._write_manifest(manifest)
        return folder

    def write_replication(self, output: ReplicationOutput | EncodedReplication) -> None:
        """Write one replication's tables, each atomically, its KPIs last."""
        encoded = output if isinstance(output, EncodedReplication) else encode(output)
        name = part_name(encoded.replication)
        for table, data in encoded.parts.items():  # the KPIs come last: they mark the replication done
            write_atomic_bytes(self.path / table / name, data)

    def record_session(self, wall_s: float, ran: int, workers: int, scheduler: str | None) -> None:
        manifest = self.manifest()
        manifest["wall_s"] = float(manifest.get("wall_s", 0.0)) + wall_s
        manifest["completed"] = len(self.done())
        manifest["sessions"] = [
            *manifest.get("sessions", []),
            {
                "ended": datetime.now(UTC).isoformat(timespec="seconds"),
                "wall_s": round(wall_s, 3),
                "replications_run": ran,
                "workers": workers,
                "scheduler": scheduler,
            },
        ]
        self._write_manifest(manifest)

    def finish(self) -> dict[str, Estimate]:
        """Write the summaries of a complete folder and mark it complete; returns the KPI summary."""
        runs = self.kpi_runs()
        summary = summarise_runs(runs)
        write_atomic(self.path / "summary.csv", summary_csv(summary))
        write_atomic(self.path / "kpis.csv", kpis_csv(runs))
        daily = self.read_table("daily")
        write_atomic(self.path / "daily_summary.csv", daily_summary_csv(daily))
        manifest = self.manifest()
        manifest["status"] = "complete"
        manifest["completed"] = len(runs)
        manifest["warmup_suggestion"] = warmup_suggestion(self.read_table("series"), self.scenario())
        self._write_manifest(manifest)
        return summary

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        text = json.dumps(manifest, indent=1, ensure_ascii=False, allow_nan=True)
        write_atomic(self.path / MANIFEST, text + "\n")


# -- summaries ----------------------------------------------------------------------------------------
def summarise_runs(runs: list[dict[str, float]]) -> dict[str, Estimate]:
    keys: list[str] = []
    for r in runs:
        keys += [k for k in r if k not in keys]
    return {k: estimate(r.get(k, math.nan) for r in runs) for k in keys}


def _num(x: float) -> str:
    return "nan" if math.isnan(x) else repr(float(x))


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def summary_csv(summary: dict[str, Estimate]) -> str:
    return _csv(
        ("kpi", "mean", "half_width", "low", "high", "n"),
        ((k, _num(e.mean), _num(e.half_width), _num(e.low), _num(e.high), e.n) for k, e in summary.items()),
    )


def kpis_csv(runs: list[dict[str, float]]) -> str:
    keys = list(summarise_runs(runs))
    return _csv(
        ("replication", *keys), ([i, *(_num(r.get(k, math.nan)) for k in keys)] for i, r in enumerate(runs))
    )


def daily_estimates(daily: pa.Table) -> dict[tuple[int, str], dict[str, Estimate]]:
    """For each ``(day, crossing)``, each daily metric over replications."""
    day = daily.column("day").to_numpy()
    crossing = np.asarray(daily.column("crossing").to_pylist(), dtype=object)
    values = {m: daily.column(m).to_numpy().astype(float) for m in DAILY_METRICS if m in daily.column_names}
    order = np.lexsort((day,))  # stable: keeps crossing order within a day as written
    out: dict[tuple[int, str], dict[str, Estimate]] = {}
    keys = list(dict.fromkeys(zip(day[order].tolist(), crossing[order].tolist(), strict=True)))
    groups: dict[tuple[int, str], list[int]] = {k: [] for k in keys}
    for i, k in enumerate(zip(day.tolist(), crossing.tolist(), strict=True)):
        groups[k].append(i)
    for k in keys:
        idx = np.asarray(groups[k])
        out[k] = {m: estimate(v[idx]) for m, v in values.items()}
    return out


def daily_summary_csv(daily: pa.Table) -> str:
    est = daily_estimates(daily)
    dates = dict(zip(daily.column("day").to_pylist(), daily.column("date").to_pylist(), strict=False))
    measured = dict(zip(daily.column("day").to_pylist(), daily.column("measured").to_pylist(), strict=False))
    metrics = [m for m in DAILY_METRICS if m in daily.column_names]
    header = ["day", "date", "crossing", "measured"]
    for m in metrics:
        header += [m, f"{m}_half_width"]
    rows = []
    for (day, crossing), e in est.items():
        row = [day, dates[day], crossing, str(bool(measured[day])).lower()]
        for m in metrics:
            row += [_num(e[m].mean), _num(e[m].half_width)]
        rows.append(row)
    return _csv(header, rows)


def mean_series(
    series: pa.Table, crossing: str = "all", column: str = "in_system"
) -> tuple[np.ndarray, np.ndarray]:
    """Sample times (h) and the mean over replications of one column of the queue series."""
    mask = np.asarray(series.column("crossing").to_pylist(), dtype=object) == crossing
    t = series.column("t_h").to_numpy()[mask]
    v = series.column(column).to_numpy().astype(float)[mask]
    reps = series.column("replication").to_numpy()[mask]
    n_reps = np.unique(reps).size
    times = t[: t.size // max(n_reps, 1)]
    return times, v.reshape(n_reps, times.size).mean(axis=0)


def warmup_suggestion(series: pa.Table, scenario: Scenario) -> dict[str, Any]:
    """MSER-5 on the backlog (trucks in the system, all crossings), mean over replications."""
    times, backlog = mean_series(series)
    step_h = float(times[1] - times[0]) if times.size > 1 else 1.0
    method = (
        "MSER-5 on the mean over replications of the backlog (trucks in the system) "
        f"sampled every {step_h:g} h"
    )
    try:
        cut = mser(backlog)
    except ValueError:  # fewer than two batches of five samples
        return {"method": method, "observations": None, "hours": None, "days": None, "reliable": False,
                "scenario_warmup_days": scenario.warmup_days}  # fmt: skip
    hours = cut.observations * step_h
    return {
        "method": method,
        "observations": int(cut.observations),
        "hours": hours,
        "days": math.ceil(hours * 60.0 / MINUTES_PER_DAY - 1e-9),
        "reliable": cut.reliable,
        "scenario_warmup_days": scenario.warmup_days,
    }


def describe_warmup(suggestion: dict[str, Any]) -> str:
    """One sentence on the warm-up: the scenario's setting and MSER-5's suggestion."""
    if suggestion["days"] is None:
        return (
            f"Warm-up: the scenario discards {suggestion['scenario_warmup_days']} day(s); the backlog "
            "series is too short for MSER-5 (fewer than ten samples)."
        )
    text = (
        f"Warm-up: the scenario discards {suggestion['scenario_warmup_days']} day(s); MSER-5 on the "
        f"hourly backlog suggests {suggestion['days']} day(s) ({suggestion['hours']:g} h)"
    )
    if not suggestion["reliable"]:
        text += ", at the edge of the half of the run it searches: run longer to confirm it"
    return text + "."


def _kpis_from_row(table: pa.Table) -> dict[str, float]:
    return {k: float(table.column(k)[0].as_py()) for k in table.column_names if k != "replication"}
