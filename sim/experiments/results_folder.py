"""The results folder of an experiment: layout, provenance, atomic writes and resuming.

``bordersim run SCENARIO --replications N --out results/NAME`` fills::

    results/NAME/
      manifest.json          provenance: normalised scenario, its hash, rng_seed, replications,
                             warm-up, version, wall time, status; enough to rerun any number
      summary.csv            each KPI over replications: mean, 95% CI (Student t), n
      kpis.csv               one row per replication, one column per KPI
      daily_summary.csv      daily KPIs by crossing: mean and 95% CI half-width over replications
      trucks/r00000.parquet  per-truck records of each replication, with --records (sim.replication)
      stages/r00000.parquet  per-stage records, with --records                    (sim.replication)
      daily/r00000.parquet   daily KPIs by crossing                     (sim.daily)
      series/r00000.parquet  backlog and queues over time               (sim.hourly)
      utilisation/r00000.parquet   lane-time by stage and hour of day   (sim.hourly)
      kpis/r00000.parquet    the replication's KPIs, written last
      .lock                  held (flock) by the process writing the folder

The per-truck and per-stage records are written only when asked for (``--records``;
``records`` in the manifest): a replication-year of them is about 40 MB, the other tables
together well under 1 MB. ``report`` and ``animate`` say so when a folder has none.

Each table folder is one tidy table split by replication: ``pyarrow.parquet.read_table``
(or pandas, polars, DuckDB) reads the folder whole. Every file is written
atomically, by the process that ran the replication (a worker writes its own parts and
sends back only their checksums; the parent records them in the manifest).
Once all of a replication's parts are on disk, the manifest records
each part's SHA-256 and row count (``parts``): a replication counts as done only
then, and only while its files still match. The summaries' checksums are recorded
too (``outputs``), and the manifest carries the checksum of its own content
(``manifest_sha256``): reading a folder (``report``, ``compare``) refuses, naming
the file, anything damaged or edited; ``--resume`` redoes a damaged replication.
An interrupted run continued with ``--resume`` ends with exactly the files of an
uninterrupted one; in the manifest only the timing fields differ (:data:`TIMING_FIELDS`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.engine.calendar import MINUTES_PER_DAY
from sim.experiments.analysis import mser
from sim.experiments.atomic import write_atomic, write_atomic_bytes
from sim.experiments.bounds import check_replications
from sim.experiments.confine import refuse_links, within
from sim.experiments.data_dictionary import SPLIT, documented, joined, with_metadata, write_datapackage
from sim.experiments.integrity import (
    LOCK_NAME,
    FolderError,
    FolderLock,
    LockedError,
    is_sealed,
    seal,
    sha256_bytes,
    sha256_file,
)
from sim.experiments.replications import Estimate, estimate
from sim.readouts.replication import ReplicationOutput, Table, replication_output
from sim.scenario.files import ScenarioError, normalised, read_bounded, scenario_from_data, scenario_hash
from sim.scenario.limits import MAX_REPLICATIONS, MAX_RESULT_FILE_BYTES
from sim.scenario.schema import Scenario
from sim.version import __version__

FORMAT = "bordersim-results/2"  # 2: checksums of every part and of the manifest
MANIFEST = "manifest.json"
PART_TABLES = ("trucks", "stages", "daily", "series", "utilisation")
DONE_TABLE = "kpis"
DATAPACKAGE = "datapackage.json"
SUMMARIES = ("summary.csv", "kpis.csv", "daily_summary.csv")
#: Every table folder a manifest may name (the parts of a replication), and every other file:
#: a manifest naming anything else is refused before any path is built from it.
ALL_TABLES = (*PART_TABLES, *SPLIT.values(), DONE_TABLE)
OUTPUT_FILES = (*SUMMARIES, DATAPACKAGE)
#: What ``--force`` removes: the folder's own entries (and the report ``bordersim report`` writes
#: into it by default); anything else in the folder is left where it is.
OWN_ENTRIES = (MANIFEST, *OUTPUT_FILES, *ALL_TABLES, "report")
_REP_KEY = re.compile(r"r\d{5}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: Manifest fields that differ between an uninterrupted run and an interrupted, resumed one.
#: ``wall_s`` and ``sessions`` are timings (each session's end, wall time and command line);
#: ``manifest_sha256`` is the checksum of the whole manifest, timings included.
TIMING_FIELDS = ("wall_s", "sessions", "manifest_sha256")
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
    "trucks/": "per-truck records, one Parquet file per replication (sim.replication); with --records",
    "stages/": "per-stage records of each truck (sim.replication); with --records",
    "daily/": "daily KPIs per replication and crossing (sim.daily)",
    "series/": "backlog, road queue and stage queues over time, by crossing (sim.hourly)",
    "utilisation/": "busy and open lane-minutes by stage and hour of day, measured days (sim.hourly)",
    "kpis/": "the KPIs of each replication; its presence marks the replication complete",
    "daily_total/": "daily KPIs of all crossings together, per replication (apart from the crossings' rows)",
    "series_total/": "backlog and queues over time of all crossings together, per replication",
    "datapackage.json": "data dictionary: every table's files and columns, with descriptions and units",
}


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


def read_manifest(file: str | Path) -> dict[str, Any]:
    """A manifest (of a results or comparison folder) as a JSON object, its size bounded;
    :class:`FolderError` (one line naming the file) otherwise."""
    try:
        data = read_bounded(file, MAX_RESULT_FILE_BYTES, "manifest")
    except ScenarioError as err:
        raise FolderError(err.problems[0]) from None
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as err:
        reason = str(err).splitlines()[0] if isinstance(err, ValueError) else "nested too deeply"
        raise FolderError(f"{file}: cannot be read as JSON: {reason}") from None
    if not isinstance(manifest, dict):
        raise FolderError(f"{file}: expected a JSON object")
    return manifest


def manifest_problem(manifest: dict[str, Any]) -> str | None:
    """What makes a results manifest unusable before its checksum is even looked at: a part or
    output named outside the folder's fixed layout, a replication count out of bounds.
    ``"field: why"``, or None."""
    n = manifest.get("replications")
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_REPLICATIONS:
        return f"replications = {_short(n)}: expected a whole number from 1 to {MAX_REPLICATIONS:,}"
    parts = manifest.get("parts", {})
    if not isinstance(parts, dict):
        return "parts: expected a table of replications"
    for key, tables in parts.items():
        if not _REP_KEY.fullmatch(str(key)):
            return f"parts: {_short(key)}: expected a replication such as 'r00000'"
        if not isinstance(tables, dict):
            return f"parts.{key}: expected a table of parts"
        for table, digest in tables.items():
            if table not in ALL_TABLES:
                tables_ = ", ".join(ALL_TABLES)
                return f"parts.{key}: {_short(table)}: expected one of the folder's tables ({tables_})"
            if (
                not isinstance(digest, dict)
                or not isinstance(digest.get("sha256"), str)
                or not _SHA256.fullmatch(digest["sha256"])
                or not isinstance(digest.get("rows"), int)
            ):
                return f"parts.{key}.{table}: expected a SHA-256 and a row count"
    outputs = manifest.get("outputs", {})
    if not isinstance(outputs, dict):
        return "outputs: expected a table of files"
    for name, digest in outputs.items():
        if name not in OUTPUT_FILES or not isinstance(digest, str):
            return f"outputs: {_short(name)}: expected one of {', '.join(OUTPUT_FILES)} with its SHA-256"
    return None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def scenario_of(
    reference: str | Path | None,
    overrides: dict[str, Any] | None = None,
    settings: Sequence[Any] = (),
) -> tuple[Scenario, str]:
    """The scenario of a file, a packaged name (None: the default) or a results folder (rerun from
    its verified manifest), with ``overrides`` and ``settings`` (``--set``) applied; and where it
    came from. One validation path: whichever the source, the same checks and limits as a file
    (cross-references, sizes, horizon x demand) hold before any work starts."""
    from sim.scenario.files import data_with_settings, default_scenario_path, load_with_settings

    if reference is not None and is_results_folder(reference):
        stored = ResultsFolder.open(reference).scenario()
        source = str(Path(reference) / MANIFEST)
        return data_with_settings(normalised(stored), source, settings, overrides), source
    source = str(reference) if reference is not None else str(default_scenario_path())
    return load_with_settings(source, settings, overrides), source


def input_paths(reference: str | Path | None) -> list[Path]:
    """What a command reads its scenario from, for outputs never to be written over it: a results
    folder, or the scenario file and every file of its ``extends`` chain (packaged ones too)."""
    from sim.scenario.files import read_chain

    if reference is not None and is_results_folder(reference):
        return [Path(reference)]
    try:
        return [path for path, _ in read_chain(reference)]
    except ScenarioError:
        return []


@dataclass(frozen=True)
class EncodedReplication:
    """One replication's tables as Parquet files' bytes, by table folder, the KPIs last,
    with each part's ``{"sha256": ..., "rows": ...}``."""

    replication: int
    parts: dict[str, bytes]
    digests: dict[str, dict[str, Any]]


def encode(output: ReplicationOutput, scenario: Scenario) -> EncodedReplication:
    """The Parquet bytes of a replication's tables (in the process that ran it: work shared out),
    with each part's SHA-256 and row count.

    Each table is documented on the way (:func:`sim.experiments.data_dictionary.documented`):
    labels, local times, column metadata, totals apart.
    """
    tables: dict[str, pa.Table] = {}
    for table in PART_TABLES:
        data = getattr(output, table)
        if data is not None:
            tables.update(documented(table, to_arrow(data), scenario.start_date, scenario.timezone))
    row = {"replication": np.array([output.replication], np.int64)}
    row.update({k: np.array([v], float) for k, v in output.kpis.items()})
    tables[DONE_TABLE] = with_metadata(DONE_TABLE, to_arrow(row))
    parts = {name: parquet_bytes(t) for name, t in tables.items()}
    digests = {name: {"sha256": sha256_bytes(parts[name]), "rows": t.num_rows} for name, t in tables.items()}
    return EncodedReplication(output.replication, parts, digests)


def _rep_key(replication: int) -> str:
    return f"r{replication:05d}"


def encoded_replication(scenario: Scenario, replication: int, records: bool = True) -> EncodedReplication:
    """Run a replication and encode its tables: a remote (Dask) worker's unit of work for a
    results folder, sent back whole to the process that writes the folder."""
    return encode(replication_output(scenario, replication, records=records), scenario)


@dataclass(frozen=True)
class WrittenReplication:
    """A replication whose parts a worker has written to the folder itself: only each part's
    ``{"sha256": ..., "rows": ..., "bytes": ...}`` travels back to the parent."""

    replication: int
    digests: dict[str, dict[str, Any]]


def write_parts(path: str | Path, encoded: EncodedReplication) -> WrittenReplication:
    """Write a replication's parts into the folder at ``path``, each atomically, the KPIs last."""
    name = part_name(encoded.replication)
    for table, data in encoded.parts.items():
        write_atomic_bytes(within(path, table, name), data)
    digests = {t: {**d, "bytes": len(encoded.parts[t])} for t, d in encoded.digests.items()}
    return WrittenReplication(encoded.replication, digests)


def written_replication(
    scenario: Scenario, replication: int, path: str, records: bool = False
) -> WrittenReplication:
    """Run a replication, encode its tables and write them into the folder at ``path``: a local
    worker's unit of work, so that the parent process only coordinates (issue 13). The parent
    holds the folder's lock for the whole run and records the parts in the manifest."""
    output = replication_output(scenario, replication, records=records)
    encoded = encode(output, scenario)
    del output
    return write_parts(path, encoded)


class ResultsFolder:
    """A results folder on disk (see the module docstring for its layout)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock: FolderLock | None = None
        self._manifest: dict[str, Any] | None = None  # the writer's copy
        self._verified = False
        self._kpi_runs: list[dict[str, float]] | None = None  # read once the folder is verified
        self._warm = False  # the summaries' imports done (_warm_summaries)
        self._command: list[str] = []  # this session's command line

    # -- reading ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> ResultsFolder:
        """An existing results folder; :class:`FolderError` if ``path`` is not one."""
        folder = cls(path)
        if not Path(path).exists():
            raise FolderError(f"{path}: no such folder")
        if not Path(path).is_dir():
            raise FolderError(f"{path}: not a folder")
        if not is_results_folder(path):
            raise FolderError(f"{path}: not a results folder (no {MANIFEST})")
        folder.manifest(check=True)
        return folder

    def manifest(self, check: bool = False) -> dict[str, Any]:
        """The manifest, its names checked (:func:`manifest_problem`); with ``check``, refused
        unless its format and own checksum hold too."""
        file = self.path / MANIFEST
        manifest = read_manifest(file)
        if check and manifest.get("format") != FORMAT:
            if manifest.get("kind") == "comparison":
                raise FolderError(f"{self.path}: is a comparison folder, not a run's results folder")
            raise FolderError(f"{file}: format = {_short(manifest.get('format'))}: expected {FORMAT!r}")
        problem = manifest_problem(manifest)
        if problem:
            raise FolderError(f"{file}: {problem}; the manifest was edited or damaged: rerun into a new "
                              f"folder")
        if check and not is_sealed(manifest):
            raise FolderError(
                f"{file}: manifest_sha256 = {_short(manifest.get('manifest_sha256'))}: does not match the "
                "manifest's content (edited or damaged); rerun into a new folder"
            )
        return manifest

    def scenario(self) -> Scenario:
        """The scenario the folder was run with, rebuilt from the manifest through the checks and
        limits of a scenario file (:func:`~sim.scenario.files.scenario_from_data`), hash checked."""
        manifest = self.manifest()
        file = self.path / MANIFEST
        try:
            scenario = scenario_from_data(manifest.get("scenario"), file)
        except ScenarioError as err:
            raise FolderError(f"{err.problems[0]} (the scenario in the manifest)") from None
        if scenario_hash(scenario) != manifest.get("scenario_hash"):
            raise FolderError(
                f"{file}: scenario_hash = {_short(manifest.get('scenario_hash'))}: "
                f"does not match its scenario ({scenario_hash(scenario)})"
            )
        return scenario

    def part(self, table: str, replication: int) -> Path:
        """The file of one part, checked to lie inside the folder "
          "(:func:`~sim.experiments.confine.within`)."""
        return within(self.path, table, part_name(replication))

    def done(self) -> list[int]:
        """Replications recorded complete in the manifest whose KPI part is on disk, in order."""
        manifest = self._manifest if self._manifest is not None else self.manifest()
        out = []
        for key in manifest.get("parts", {}):
            r = int(key[1:])
            if self.part(DONE_TABLE, r).is_file():
                out.append(r)
        return sorted(out)

    def damaged(self, replication: int) -> str | None:
        """The first part of a recorded replication that is missing or does not match its
        checksum and row count, as ``"table/rNNNNN.parquet: why"``; None if all match."""
        manifest = self._manifest if self._manifest is not None else self.manifest()
        parts = manifest.get("parts", {}).get(_rep_key(replication))
        if not isinstance(parts, dict) or DONE_TABLE not in parts:
            return f"{DONE_TABLE}/{part_name(replication)}: not recorded in the manifest"
        for table, digest in parts.items():
            file = self.part(table, replication)
            name = f"{table}/{part_name(replication)}"
            if not file.is_file():
                return f"{name}: missing"
            if sha256_file(file) != digest.get("sha256"):
                return f"{name}: sha256 does not match the manifest (truncated, damaged or edited)"
            try:
                rows = pq.ParquetFile(file).metadata.num_rows
            except Exception:  # noqa: BLE001 - any unreadable footer is damage
                return f"{name}: not a readable Parquet file"
            if rows != digest.get("rows"):
                return f"{name}: {rows} rows: expected {digest.get('rows')} (the manifest's row count)"
        return None

    def verify(self) -> None:
        """Refuse (one line naming the file) a folder with an edited manifest, a missing or damaged
        part, or an edited summary; the folder must be complete."""
        manifest = self.manifest(check=True)
        n = int(manifest["replications"])
        missing = sorted(set(range(n)) - set(self.done()))
        if missing:
            raise FolderError(
                f"{self.path}: incomplete: {len(missing)} of {n} replications missing "
                f"(status {manifest.get('status')!r}); continue it with `bordersim run ... --resume`"
            )
        for r in range(n):
            problem = self.damaged(r)
            if problem:
                raise FolderError(f"{self.path}/{problem}; redo it with `bordersim run ... --resume`")
        for name, digest in manifest.get("outputs", {}).items():
            file = within(self.path, name)
            if not file.is_file() or sha256_file(file) != digest:
                raise FolderError(
                    f"{file}: sha256 does not match the manifest (missing, damaged or edited); "
                    "`bordersim run ... --resume` writes it again"
                )

    def replications(self) -> list[int]:
        """The replications of a complete, verified folder: ``0..replications-1``."""
        if not self._verified:
            self.verify()
            self._verified = True
        return list(range(int(self.manifest()["replications"])))

    def read_table(
        self, name: str, replications: Iterable[int] | None = None, columns: Sequence[str] | None = None
    ) -> pa.Table:
        """One of the per-replication tables (``trucks``, ``daily``...), replications in order."""
        reps = self.replications() if replications is None else list(replications)
        if name in SPLIT and (self.path / SPLIT[name]).is_dir():
            return self._read_with_totals(name, reps, columns)
        cols = None if columns is None else list(columns)
        parts = [pq.read_table(self.part(name, r), columns=cols) for r in reps]
        return pa.concat_tables(parts) if parts else pa.table({})

    def _read_with_totals(self, name: str, reps: list[int], columns: Sequence[str] | None) -> pa.Table:
        """``daily`` or ``series`` with its totals table put back as ``crossing = "all"`` rows."""
        order = ("replication", "day") if name == "daily" else ("replication", "t_h")
        crossings = pa.concat_tables([pq.read_table(self.part(name, r)) for r in reps])
        totals = pa.concat_tables([pq.read_table(self.part(SPLIT[name], r)) for r in reps])
        table = joined(name, crossings, totals, order)
        return table if columns is None else table.select(list(columns))

    def mean_backlog(self) -> tuple[np.ndarray, np.ndarray]:
        """Sample times (h) and the mean over replications of the backlog (trucks in the system,
        all crossings), as :func:`mean_series` gives it, read one replication at a time: the
        memory it takes does not grow with the replications (1,000 replication-years of the
        queue series by crossing would be 70 million rows)."""
        reps = self.replications()
        total: np.ndarray | None = None
        times = np.zeros(0)
        for r in reps:
            part = pq.read_table(self.part(SPLIT["series"], r), columns=["t_h", "in_system"])
            values = part.column("in_system").to_numpy().astype(float)
            total = values if total is None else total + values
            times = part.column("t_h").to_numpy()
        return times, (total if total is not None else np.zeros(0)) / max(len(reps), 1)

    def daily_summary_text(self) -> str:
        """``daily_summary.csv``: what :func:`daily_summary_csv` gives for the whole ``daily`` table,
        the same bytes, read one replication at a time (issue 13: the parent's memory must not grow
        with the replications; the whole table of 1,000 replication-years took ~1 GB).

        Kept per daily metric: one float per (day, crossing) and replication, 8 bytes (a
        365-day run: ~140 kB a replication, all metrics), the least that gives the same means and
        half-widths as :func:`estimate` on each group's values in replication order.
        """
        reps = self.replications()
        n = len(reps)
        groups: dict[tuple[int, str], int] = {}  # (day, crossing) -> row of the value arrays
        seen: list[int] = []  # order of first appearance of each group
        dates: dict[int, Any] = {}
        measured: dict[int, Any] = {}
        metrics: list[str] = []
        values: dict[str, np.ndarray] = {}
        last_keys: tuple[np.ndarray, list[str]] | None = None
        rows = np.zeros(0, np.int64)
        for j, r in enumerate(reps):
            crossings = pq.read_table(self.part("daily", r))
            totals = pq.read_table(self.part(SPLIT["daily"], r))
            table = joined("daily", crossings, totals, ("replication", "day"))
            day = table.column("day").to_numpy().astype(np.int64)
            crossing = table.column("crossing").to_pylist()
            if last_keys is None or not (
                np.array_equal(day, last_keys[0]) and crossing == last_keys[1]
            ):  # a new layout of rows (in practice the first replication only)
                rows = np.empty(day.size, np.int64)
                for i, key in enumerate(zip(day.tolist(), crossing, strict=True)):
                    if key not in groups:
                        groups[key] = len(groups)
                        seen.append(len(seen))
                    rows[i] = groups[key]
                last_keys = (day, crossing)
            if j == 0:
                metrics = [m for m in DAILY_METRICS if m in table.column_names]
                _, first = np.unique(day, return_index=True)
                picked = pa.array(first)
                dates = dict(
                    zip(day[first].tolist(), table.column("date").take(picked).to_pylist(), strict=True)
                )
                measured = dict(
                    zip(day[first].tolist(), table.column("measured").take(picked).to_pylist(), strict=True)
                )
            for m in metrics:
                if m not in values:
                    values[m] = np.full((len(groups), n), np.nan)
                elif values[m].shape[0] < len(groups):  # groups first seen in a later replication
                    grown = np.full((len(groups), n), np.nan)
                    grown[: values[m].shape[0]] = values[m]
                    values[m] = grown
                values[m][rows, j] = table.column(m).to_numpy().astype(float)
        header = ["day", "date", "crossing", "measured"]
        for m in metrics:
            header += [m, f"{m}_half_width"]
        out = []
        for (d, name), g in sorted(groups.items(), key=lambda kv: (kv[0][0], seen[kv[1]])):
            row = [d, dates[d], name, str(bool(measured[d])).lower()]
            for m in metrics:
                e = estimate(values[m][g])
                row += [_num(e.mean), _num(e.half_width)]
            out.append(row)
        return _csv(header, out)

    def kpi_runs(self) -> list[dict[str, float]]:
        """KPIs of each replication, in replication order (read once: ~5 ms a file)."""
        reps = self.replications()
        if self._kpi_runs is None or len(self._kpi_runs) != len(reps):
            files = [self.part(DONE_TABLE, r) for r in reps]
            self._kpi_runs = [_kpis_from_row(pq.read_table(file)) for file in files]
        return [dict(run) for run in self._kpi_runs]

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
        records: bool = False,
    ) -> ResultsFolder:
        """Prepare ``path`` for a run: a new folder, or one to continue (``resume``) or replace (``force``).

        Raises
        ------
        FolderError
            When ``path`` holds other results and neither option allows using it, or
            holds something that is not a results folder.
        """
        check_replications(replications)
        folder = cls(path)
        path = Path(path)
        digest = scenario_hash(scenario)
        if path.is_symlink() and not path.exists():
            raise FolderError(f"{path}: is a broken symbolic link: choose another --out")
        if path.exists() and not path.is_dir():
            raise FolderError(f"{path}: exists and is not a folder")
        if path.is_dir() and not is_results_folder(path) and any(_user_files(path)):
            raise FolderError(f"{path}: exists, is not empty and is not a results folder (no {MANIFEST})")
        path.mkdir(parents=True, exist_ok=True)
        try:
            folder._lock = FolderLock(path).acquire()
        except LockedError as err:
            raise FolderError(str(err)) from None
        try:
            folder._prepare(scenario, digest, replications, source, command, resume, force, records)
        except BaseException:
            folder.release()
            raise
        return folder

    def _prepare(
        self,
        scenario: Scenario,
        digest: str,
        replications: int,
        source: str,
        command: Sequence[str],
        resume: bool,
        force: bool,
        records: bool = False,
    ) -> None:
        """With the lock held: check the folder may be used as asked, then write the manifest."""
        folder, path = self, self.path
        self._command = list(command)
        refuse_links(path)  # nothing written or deleted below may lead outside the folder
        for stale in path.rglob(".*.tmp"):  # left by a killed writer
            stale.unlink(missing_ok=True)
        previous: dict[str, Any] = {}
        if is_results_folder(path):
            raw = read_manifest(path / MANIFEST)
            if raw.get("format") != FORMAT or raw.get("kind", "run") != "run":
                other = "a manifest.json bordersim did not write"
                what = "a comparison" if raw.get("kind") == "comparison" else other
                raise FolderError(
                    f"{path}: holds {what} (format {_short(raw.get('format'))}): a run never replaces it, "
                    "even with --force; choose another --out"
                )
            old = {} if force else folder.manifest()
            same = old.get("scenario_hash") == digest
            if force:
                for child in path.iterdir():
                    if child.name not in OWN_ENTRIES:
                        continue  # not the folder's own: left as it is
                    if child.is_dir():
                        shutil.rmtree(child)
                    else:
                        child.unlink()
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
            elif bool(old.get("records", True)) != records:
                had = "with" if old.get("records", True) else "without"
                raise FolderError(
                    f"{path}: was run {had} --records (the per-truck records): --resume continues it "
                    f"{had} --records only; use --force to replace it, or another --out"
                )
            if not force:
                previous = folder.manifest(check=True)
                folder._manifest = previous
                for r in folder.done():  # resume: a damaged replication is done again
                    if folder.damaged(r):
                        folder._forget(r)
                previous = folder._manifest
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
            "completed": len(previous.get("parts", {})),
            "horizon_days": scenario.horizon_days,
            "warmup_days": scenario.warmup_days,
            "confidence": 0.95,
            "records": records,
            "wall_s": float(previous.get("wall_s", 0.0)),
            "sessions": previous.get("sessions", []),
            "parts": previous.get("parts", {}),
            # the run's command line, without how it was continued or replaced (see sessions)
            "command": previous.get("command", [w for w in command if w not in ("--resume", "--force")]),
            "rerun": "bordersim run " + str(path) + " --out NEW_FOLDER   (the scenario below, same seeds)",
            "tables": TABLES,
            "scenario": normalised(scenario),
        }
        folder._write_manifest(manifest)

    def _forget(self, replication: int) -> None:
        """Drop a replication from the manifest and its files from disk (to be done again)."""
        assert self._manifest is not None
        self._manifest["parts"].pop(_rep_key(replication), None)
        for table in ALL_TABLES:  # the manifest's names are the folder's own (manifest_problem)
            self.part(table, replication).unlink(missing_ok=True)

    def release(self) -> None:
        """Let other processes write the folder (the lock also goes when the process ends)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def record_settings(self, settings: Sequence[str]) -> None:
        """Keep the ``--set path=value`` settings the scenario was changed by in the manifest."""
        manifest = self._manifest if self._manifest is not None else self.manifest()
        manifest["settings"] = list(settings)
        self._write_manifest(manifest)

    def has_records(self) -> bool:
        """Whether the folder holds the per-truck and per-stage records (``--records``)."""
        return bool(self.manifest().get("records", True))

    def write_replication(self, output: ReplicationOutput | EncodedReplication | WrittenReplication) -> None:
        """Write one replication's tables, each atomically, its KPIs last (unless a worker has
        written them already); then record their checksums in the manifest, which makes the
        replication count as done."""
        if isinstance(output, WrittenReplication):
            written = output
            if not self._warm:
                _warm_summaries()
                self._warm = True
            name = part_name(written.replication)
            for table, digest in written.digests.items():  # the worker's files, as it reported them
                file = within(self.path, table, name)
                size = file.stat().st_size if file.is_file() else None
                if size != digest["bytes"]:
                    raise FolderError(
                        f"{file}: {'missing' if size is None else f'{size} bytes'} after the worker wrote "
                        f"{digest['bytes']} bytes (another process in the folder?)"
                    )
        else:
            encoded = output if isinstance(output, EncodedReplication) else encode(output, self.scenario())
            written = write_parts(self.path, encoded)
        manifest = self._manifest if self._manifest is not None else self.manifest()
        parts = dict(manifest.get("parts", {}))
        parts[_rep_key(written.replication)] = written.digests
        manifest["parts"] = dict(sorted(parts.items()))
        manifest["completed"] = len(parts)
        self._write_manifest(manifest)

    def record_session(self, wall_s: float, ran: int, workers: int, scheduler: str | None) -> None:
        manifest = self._manifest if self._manifest is not None else self.manifest()
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
                "command": self._command,
            },
        ]
        self._write_manifest(manifest)

    def finish(self) -> dict[str, Estimate]:
        """Write the summaries of a complete folder and mark it complete; returns the KPI summary."""
        manifest = self._manifest if self._manifest is not None else self.manifest()
        n = int(manifest["replications"])
        missing = sorted(set(range(n)) - set(self.done()))
        if missing:
            raise FolderError(f"{self.path}: incomplete: {len(missing)} of {n} replications missing")
        for r in range(n):
            problem = self.damaged(r)
            if problem:
                raise FolderError(f"{self.path}/{problem}; redo it with `bordersim run ... --resume`")
        self._verified = True
        runs = self.kpi_runs()
        summary = summarise_runs(runs)
        texts = {
            "summary.csv": summary_csv(summary),
            "kpis.csv": kpis_csv(runs),
            "daily_summary.csv": self.daily_summary_text(),
        }
        for name, text in texts.items():
            write_atomic(self.path / name, text)
        self.write_datapackage()
        manifest["outputs"] = {name: sha256_bytes(text.encode("utf-8")) for name, text in texts.items()}
        manifest["outputs"][DATAPACKAGE] = sha256_file(self.path / DATAPACKAGE)
        manifest["status"] = "complete"
        manifest["completed"] = len(runs)
        times, backlog = self.mean_backlog()
        manifest["warmup_suggestion"] = suggest_warmup(times, backlog, self.scenario())
        self._write_manifest(manifest)
        return summary

    def write_datapackage(self) -> None:
        """``datapackage.json``: every table's files, fields, descriptions and units."""
        tables = [*PART_TABLES, *SPLIT.values(), DONE_TABLE]
        write_datapackage(
            self.path,
            tables,
            {"summary.csv": "summary", "kpis.csv": "kpis_csv", "daily_summary.csv": "daily_summary"},
        )

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        manifest = seal(manifest)
        self._manifest = manifest
        write_atomic(self.path / MANIFEST, manifest_text(manifest))


def _warm_summaries() -> None:
    """Import now what the summaries at the end of a run will: ``scipy.special`` (the Student-t
    quantile) and pandas (pyarrow imports it at its first conversion from NumPy). Called when the
    first replication comes back from a worker: the parent waits for the workers then, and the
    end of the run, when the workers are done and only the parent works, is ~0.4 s shorter."""
    from sim.experiments.replications import _t_quantile

    _t_quantile(0.975, 1)
    pa.array(np.zeros(1))


def manifest_text(manifest: dict[str, Any]) -> str:
    """The manifest as JSON: one line per top-level field, and per replication in ``parts``.

    Written after every replication, so its cost is the parent's per-replication cost: each
    value is encoded by ``json``'s C encoder (an ``indent`` makes ``json`` fall back to its
    Python encoder, ~10x slower: ~70 ms a write at 300 replications, growing with the folder).
    """

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=True)

    fields = []
    for key, value in manifest.items():
        if key == "parts" and isinstance(value, dict) and value:
            lines = ",\n".join(f"  {dumps(rep)}: {dumps(digests)}" for rep, digests in value.items())
            fields.append(f" {dumps(key)}: {{\n{lines}\n }}")
        else:
            fields.append(f" {dumps(key)}: {dumps(value)}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


def _user_files(path: Path) -> Iterable[Path]:
    """What a folder holds besides a lock and temporary files left by a killed writer."""
    return (
        p
        for p in path.iterdir()
        if p.name != LOCK_NAME and not (p.name.startswith(".") and p.name.endswith(".tmp"))
    )


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
    """For each ``(day, crossing)``, each daily metric over replications.

    Keys in day order, crossings within a day in the order first written; each group's values
    in row (replication) order. Grouped with NumPy on integer codes: no Python object per row,
    so reading 1,000 replication-years (3 million rows) stays small.
    """
    day = daily.column("day").to_numpy().astype(np.int64)
    encoded = pc.dictionary_encode(daily.column("crossing")).combine_chunks()
    code = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    names = encoded.dictionary.to_pylist()
    values = {m: daily.column(m).to_numpy().astype(float) for m in DAILY_METRICS if m in daily.column_names}
    key = day * max(len(names), 1) + code
    rows = np.argsort(key, kind="stable")  # each group's rows, in row order
    sorted_keys = key[rows]
    uniq, first = np.unique(key, return_index=True)
    starts = np.searchsorted(sorted_keys, uniq, "left")
    ends = np.searchsorted(sorted_keys, uniq, "right")
    out: dict[tuple[int, str], dict[str, Estimate]] = {}
    for g in np.lexsort((first, day[first])).tolist():  # by day, then by first appearance
        idx = rows[starts[g] : ends[g]]
        k = (int(day[first[g]]), names[code[first[g]]])
        out[k] = {m: estimate(v[idx]) for m, v in values.items()}
    return out


def daily_summary_csv(daily: pa.Table) -> str:
    est = daily_estimates(daily)
    day = daily.column("day").to_numpy()
    _, first = np.unique(day, return_index=True)  # every row of a day has the same date and flag
    picked = pa.array(first)
    dates = dict(zip(day[first].tolist(), daily.column("date").take(picked).to_pylist(), strict=True))
    measured = dict(zip(day[first].tolist(), daily.column("measured").take(picked).to_pylist(), strict=True))
    metrics = [m for m in DAILY_METRICS if m in daily.column_names]
    header = ["day", "date", "crossing", "measured"]
    for m in metrics:
        header += [m, f"{m}_half_width"]
    rows = []
    for (d, crossing), e in est.items():
        row = [d, dates[d], crossing, str(bool(measured[d])).lower()]
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
    return suggest_warmup(times, backlog, scenario)


def suggest_warmup(times: np.ndarray, backlog: np.ndarray, scenario: Scenario) -> dict[str, Any]:
    """MSER-5 on a backlog series sampled at ``times`` (hours)."""
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
