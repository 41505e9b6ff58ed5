"""Writing event logs (:mod:`sim.readouts.event_log`) as CSV or Parquet, atomically.

The format follows the file's extension: ``.csv`` or ``.parquet``. Event logs of several
replications go into one file, one after the other (``run_number`` tells them apart).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.experiments.atomic import write_atomic_bytes
from sim.experiments.results_folder import FolderError, ResultsFolder
from sim.readouts.event_log import COLUMNS, empty_event_log

FORMATS = (".csv", ".parquet")


def event_log_format(path: str | Path) -> str | None:
    """``.csv`` or ``.parquet`` from the file name, or None when it is neither."""
    suffix = Path(path).suffix.lower()
    return suffix if suffix in FORMATS else None


def event_log_arrow(log: dict[str, np.ndarray]) -> pa.Table:
    """An event log as an Arrow table: strings, a local timestamp, ``resource_id`` as a nullable integer."""
    arrays = {}
    for name in COLUMNS:
        col = np.asarray(log[name])
        if name == "resource_id":
            missing = np.isnan(col)
            arrays[name] = pa.array(np.where(missing, 0, col).astype(np.int64), mask=missing, type=pa.int64())
        elif name == "timestamp":
            arrays[name] = pa.array(col.astype("datetime64[s]"), type=pa.timestamp("s"))
        elif col.dtype == object:
            arrays[name] = pa.array(col, type=pa.string())
        else:
            arrays[name] = pa.array(col)
    return pa.table(arrays)


def write_event_log(path: str | Path, logs: Iterable[dict[str, np.ndarray]]) -> int:
    """Write the event logs (one per replication) to ``path``; returns the number of events."""
    fmt = event_log_format(path)
    if fmt is None:
        raise ValueError(f"{path}: expected a file name ending in .csv or .parquet")
    tables = [event_log_arrow(log) for log in logs]
    table = pa.concat_tables(tables) if tables else event_log_arrow(empty_event_log())
    sink = pa.BufferOutputStream()
    if fmt == ".parquet":
        pq.write_table(table, sink)
    else:
        pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    write_atomic_bytes(path, sink.getvalue().to_pybytes())
    return table.num_rows


def folder_records(
    folder: ResultsFolder, replication: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The per-truck and per-stage records of one replication of a results folder.

    Raises :class:`FolderError` (one line) when the folder does not hold them.
    """
    done = folder.done()
    if replication not in done:
        have = f"0..{max(done)}" if done else "none"
        raise FolderError(f"{folder.path}: replication {replication}: not in the folder (complete: {have})")
    if not folder.has_records():
        raise FolderError(
            f"{folder.path}: has no per-truck records (the folder was run without --records); "
            "rerun it with --records, or give the scenario instead to run it"
        )
    tables = []
    recorded = folder.manifest().get("parts", {}).get(f"r{replication:05d}", {})
    for name in ("trucks", "stages"):
        file = folder.part(name, replication)
        if name not in recorded or not file.is_file():
            raise FolderError(
                f"{file}: missing: the folder has no per-truck stage records of replication {replication}; "
                "give the scenario instead to run it"
            )
    problem = folder.damaged(replication)  # every part of it checked against the manifest before use
    if problem:
        raise FolderError(f"{folder.path}/{problem}; redo it with `bordersim run ... --resume`")
    for name in ("trucks", "stages"):
        table = pq.read_table(folder.part(name, replication))
        tables.append({c: table.column(c).to_numpy(zero_copy_only=False) for c in table.column_names})
    return tables[0], tables[1]
