"""The data dictionary of a results folder: what every column means, in which unit.

The Parquet tables of a results folder are written for analysts who open them
with pandas, polars or DuckDB, not with this package. So, when a replication's
tables are encoded (:func:`documented`):

* every column carries its description and unit as Parquet field metadata
  (``description``, ``unit``), and the table its own description;
* the truck ``outcome`` is dictionary-encoded with its labels
  (``in_system``, ``cleared``, ``gave_up``), not a bare 0/1/2 code;
* every time in model minutes or hours has a local date-time beside it
  (``arrive_local`` beside ``t_arrive``...), in the scenario's time zone;
* the all-crossings totals of ``daily`` and ``series`` go to their own tables,
  ``daily_total`` and ``series_total``, so a sum over the crossings' rows counts
  each truck once. :meth:`ResultsFolder.read_table` puts them back (``crossing = "all"``)
  for the code that reads them together.

``datapackage.json`` (a Frictionless Data Package) lists every table of the folder
with its files and fields, description and unit, so the folder documents itself.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.engine.records import OUTCOMES, PLACES

ALL = "all"
SPLIT = {"daily": "daily_total", "series": "series_total"}  # totals kept apart from crossings' rows
LOCAL = {  # model time column -> local date-time column beside it
    "t_arrive": "arrive_local",
    "t_yard": "yard_local",
    "t_slot": "slot_local",
    "t_staged": "staged_local",
    "t_called": "called_local",
    "t_out": "out_local",
    "t_queue": "queue_local",
    "t_start": "start_local",
    "t_end": "end_local",
    "t_h": "time_local",
}
MODEL_MIN = "model minutes from start_date 00:00 (scenario time zone)"

TABLES: dict[str, str] = {
    "trucks": "One row per truck of a replication: its path from arrival to crossing or giving up",
    "stages": "One row per truck per clearance stage it reached",
    "daily": "Daily counts and backlog by crossing (one row per day and crossing)",
    "daily_total": "Daily counts and backlog of all crossings together (one row per day)",
    "series": "Trucks in the system and in queues over time, by crossing (one row per sample and crossing)",
    "series_total": "Trucks in the system and in queues over time, all crossings together",
    "utilisation": "Lane-time of each stage by hour of day over the measured days",
    "kpis": "The KPIs of a replication (one row); its file marks the replication complete. Column "
    'names hold dots: quote them in SQL ("cleared_per_day.export")',
    "summary": "Each KPI over the replications: mean and 95% Student-t interval",
    "kpis_csv": "The KPIs of every replication, one row each",
    "daily_summary": "Daily KPIs by crossing: mean and 95% CI half-width over replications",
}

# (description, unit); unit "" for identifiers and labels.
COLUMNS: dict[str, tuple[str, str]] = {
    "replication": ("Replication r; it used the random streams of (rng_seed, r)", ""),
    "truck": ("Row of the replication's truck table", ""),
    "t_arrive": (f"Arrival at the border area ({MODEL_MIN}); 0 for the initial backlog", "min"),
    "t_yard": (f"Entry into the crossing's yard ({MODEL_MIN}); null: never left the road", "min"),
    "t_out": (f"Crossed the border or gave up ({MODEL_MIN}); null: still in the system", "min"),
    "outcome": ("How the truck ended: in_system (at the horizon), cleared or gave_up", ""),
    "t_slot": (
        f"Reached the border on a metered route: dispatched with its slot, or at once when it needed "
        f"none ({MODEL_MIN}); null: no slot rules, or still at its origin",
        "min",
    ),
    "t_staged": (f"Entered a staging area ({MODEL_MIN}); null: none on the route, or not reached", "min"),
    "t_called": (f"Called forward from the staging area to the gate ({MODEL_MIN}); null: not called", "min"),
    "rerouted": (
        "Sent on to another crossing, by a dated eligibility change or by route choice (crossing is "
        "the new one)",
        "",
    ),
    "reimported": (
        "Turned back, or sent on, after passing a stage: an export declaration cancelled (cargo reimport_h)",
        "",
    ),
    "place": (
        "Where the truck gave up or, still in the system, waits at the end: origin (for a slot), "
        "road, staging, transit (driving from staging), yard, later_stage (queued after a stage), "
        "dwell; rerouted, diverted, balked; none for cleared trucks",
        "",
    ),
    "crossing": ("Crossing id (scenario key); empty for a truck never routed", ""),
    "direction": ("export (Vietnam to China) or import (China to Vietnam)", ""),
    "cargo": ("Cargo class (scenario key)", ""),
    "stream": ("Demand stream (scenario key); empty for the initial backlog", ""),
    "equipped": ("Equipped for automated (smart-gate) clearance", ""),
    "initial": ("Part of the backlog waiting at time zero", ""),
    "service_min": ("Minutes in service at clearance stages, within the horizon", "min"),
    "wait_min": ("Minutes waiting (road, yard and stage queues), within the horizon", "min"),
    "dwell_min": ("Minutes held by dwells (papers, declarations), within the horizon", "min"),
    "stage": ("Stage as crossing/direction/stage", ""),
    "t_queue": (f"Joined the stage's queue ({MODEL_MIN})", "min"),
    "t_start": (f"Service started ({MODEL_MIN}); null: still waiting or gave up", "min"),
    "t_end": (f"Service ended ({MODEL_MIN}); null: not within the horizon", "min"),
    "day": ("Day of the run, 0 = start_date", "day"),
    "date": ("Local date of the day (scenario time zone)", "date"),
    "measured": ("The day is after the warm-up and counts in the KPIs", ""),
    "arrived": ("Loaded trucks arrived that day (initial backlog excluded)", "trucks"),
    "cleared": ("Loaded trucks that crossed that day (the Vietnamese count)", "trucks"),
    "empty_cleared": ("Empty returns (cargo loaded = false) that crossed that day", "trucks"),
    "gave_up": ("Loaded trucks that gave up that day (empty returns apart)", "trucks"),
    "backlog_midnight": ("Loaded trucks in the system at the day's end (midnight)", "trucks"),
    "road_queue_peak": ("Most trucks waiting on the road at once that day", "trucks"),
    "time_in_system_h_mean": ("Mean time in the system of the loaded trucks cleared that day", "h"),
    "t_h": ("Sample time, hours from start_date 00:00 (scenario time zone)", "h"),
    "in_system": ("Trucks arrived and not yet out (the backlog)", "trucks"),
    "road_queue": ("Trucks waiting on the road (not yet in the yard)", "trucks"),
    "stage_queue": ("Trucks waiting in the queues of the clearance stages", "trucks"),
    "dwelling": ("Trucks held by dwells (papers, declarations; no lane)", "trucks"),
    "hour": ("Hour of day, 0..23 (scenario time zone)", "h"),
    "busy_min": ("Lane-minutes spent serving while open", "lane-min"),
    "open_min": ("Lane-minutes open (lanes open, by the stage's capacity timeline, x minutes)", "lane-min"),
    # summaries (CSV)
    "kpi": ("KPI key (as in kpis.csv)", ""),
    "mean": ("Mean over replications", "KPI unit"),
    "half_width": ("Half-width of the 95% Student-t interval (nan with one replication)", "KPI unit"),
    "low": ("Lower end of the 95% interval", "KPI unit"),
    "high": ("Upper end of the 95% interval", "KPI unit"),
    "n": ("Replications with a value", "replications"),
}
# How to read the local date-times in each tool (one line; DUCKDB_LOCAL is the one to type).
DUCKDB_LOCAL = "SET TimeZone = 'Asia/Ho_Chi_Minh';"
LOCAL_NOTE = (
    "stored as an instant with the scenario's time zone: pandas, polars and pyarrow show local time; "
    f"DuckDB shows its session's zone (UTC unless set): type {DUCKDB_LOCAL} first (the scenario's "
    "`timezone`)"
)
for _column, _local in LOCAL.items():
    COLUMNS[_local] = (
        f"{_column} as a local date-time in the scenario's time zone, {LOCAL_NOTE}",
        "datetime",
    )
for _metric in (
    "arrived",
    "cleared",
    "gave_up",
    "backlog_midnight",
    "road_queue_peak",
    "time_in_system_h_mean",
    "empty_cleared",
):
    COLUMNS[f"{_metric}_half_width"] = (
        f"95% CI half-width of {_metric} over replications",
        COLUMNS[_metric][1],
    )

# KPI keys: exact names first, then prefixes (``cleared_per_day.<crossing or direction>``).
KPIS: dict[str, tuple[str, str]] = {
    "cleared_per_day": ("Loaded vehicles cleared per measured day, all crossings", "trucks/day"),
    "empty_cleared_per_day": ("Empty returns that crossed per measured day, all crossings", "trucks/day"),
    "empty_cleared_per_day.": ("Empty returns that crossed per measured day, by crossing", "trucks/day"),
    "arrived_per_day": ("Loaded trucks arrived per measured day (empty returns apart)", "trucks/day"),
    "gave_up_per_day": ("Loaded trucks that gave up per measured day (empty returns apart)", "trucks/day"),
    "backlog_growth_per_day": (
        "Growth of the midnight backlog per day (slope over measured days)",
        "trucks/day",
    ),
    "days_to_recover": (
        "Days from the backlog's peak until it is back to normal (reporting.recovery_factor)",
        "days",
    ),
    "days_to_recover.not_recovered": (
        "1 when the backlog did not recover within the horizon (sum over replications: "
        "how many never recovered; their days_to_recover is NaN, not dropped silently)",
        "0/1",
    ),
    "days_to_recover.lower_bound": (
        "days_to_recover, or for a run that did not recover the days from the peak to the end",
        "days",
    ),
    "unstable": (
        "1 when the midnight backlog grows steadily over the second half of the measured days "
        "(slope > reporting.unstable_growth_share x arrivals per day); NaN when that half has fewer "
        "than 3 midnights (no trend can be told)",
        "0/1",
    ),
    "in_system_share_end": (
        "Share of the measured days' loaded arrivals still in the system at the end (censored)",
        "share 0-1",
    ),
    "time_in_system_h.trucks": (
        "Cleared loaded trucks arrived in the measured days: what time_in_system_h.mean/p50/p95/max "
        "are computed over",
        "trucks",
    ),
    "time_in_system_h.lower_bound": (
        "Mean time in the system counting trucks still waiting until the end of the run "
        "(a lower bound of the true mean under censoring)",
        "h",
    ),
    "gave_up_per_day.": (
        "Loaded trucks that gave up per day, by place: origin (waiting for a slot), road, "
        "staging (area), yard (queueing for its first stage), later_stage (queueing after a stage, "
        "before the Chinese side accepted it), rerouted (class no longer accepted, no other crossing "
        "named), diverted (dated diversion share), balked (expected wait too long)",
        "trucks/day",
    ),
    "turn_back_cost_h_per_day": (
        "Hours of re-import paperwork (cargo reimport_h) of the loaded trucks that turned back, or "
        "were sent on, after passing a stage, per measured day",
        "h/day",
    ),
    "yard_peak.": ("Most trucks in the gate yards at once, by crossing (both directions)", "trucks"),
    "staging_peak.": ("Most trucks in the staging area at once, by area", "trucks"),
    "unregistered_peak.": (
        "Most trucks waiting at their origin for a registration slot at once, by metered crossing",
        "trucks",
    ),
    "slot_wait_h.mean": ("Mean wait at the origin for a registration slot, trucks on metered routes", "h"),
    "slot_wait_h.p95": ("95th percentile of the wait at the origin for a slot, metered routes", "h"),
    "perishable_delayed_share.with_origin": (
        "Share of perishable trucks longer than reporting.perishable_delay_h from their arrival "
        "(the wait at the origin for a slot included), or that gave up",
        "share 0-1",
    ),
    "called_per_day": ("Trucks called forward from staging areas per measured day", "trucks/day"),
    "value_at_risk_vnd_per_day": (
        "Value of the delayed or turned-back perishable loads (cargo value_vnd, default F88), "
        "per measured day",
        "VND/day",
    ),
    "queue_cost_vnd_per_day": (
        "Loaded truck-hours at the border (not at their origin) x "
        "reporting.queue_cost_vnd_per_truck_hour, per day",
        "VND/day",
    ),
    "same_day_share": ("Share of loaded arrivals cleared the same local day they arrived", "share 0-1"),
    "perishable_delayed_share": (
        "Share of perishable trucks longer than reporting.perishable_delay_h at the border (from their "
        "slot on a metered route), or that gave up",
        "share 0-1",
    ),
    "cleared_per_day.": ("Loaded vehicles cleared per measured day, by direction or crossing", "trucks/day"),
    "backlog_growth_per_day.": ("Growth of the midnight backlog per day, by crossing", "trucks/day"),
    "backlog_midnight.": (
        "Loaded trucks at the border (in the system, not at their origin) at midnight over measured days "
        "(mean or max)",
        "trucks",
    ),
    "time_in_system_h.mean.": ("Mean time in the system, by direction, crossing or cargo class", "h"),
    "dwell_h.mean": (
        "Mean hours held by dwells (papers, declarations: no lane) of the trucks of time_in_system_h",
        "h",
    ),
    "dwell_h.mean.": ("Mean hours held by dwells, by direction, cargo class or crossing", "h"),
    "queue_h.mean": ("Mean hours queueing (road, yard, stage queues), runs with dwells", "h"),
    "service_h.mean": ("Mean hours in service at lane stages, runs with dwells", "h"),
    "time_in_system_h.": (
        "Time from reaching the border (a metered route's slot) to crossing of the cleared loaded "
        "trucks arrived in the measured days (mean, p50, p95, max; trucks still waiting or that "
        "gave up are left out)",
        "h",
    ),
    "road_queue_peak_km.": ("Peak road queue in km, by crossing (max: the longest)", "km"),
    "road_queue_peak.": ("Peak road queue in trucks, by crossing", "trucks"),
    "utilisation.": (
        "Busy share of the lane-minutes a stage offered (crossing or facility/direction/stage)",
        "share 0-1",
    ),
}


def describe(column: str, table: str = "") -> tuple[str, str] | None:
    """The description and unit of a column (KPI columns by their key), None if undocumented."""
    if table in ("kpis", "kpis_csv") and column in KPIS:
        return KPIS[column]
    if column in COLUMNS:
        return COLUMNS[column]
    for prefix, entry in sorted(KPIS.items(), key=lambda kv: -len(kv[0])):
        if prefix.endswith(".") and column.startswith(prefix):
            return entry
    return None


def _local_times(values: np.ndarray, start: datetime, factor_s: float) -> pa.Array:
    """Model times (minutes or hours from ``start``) as time-zone-aware timestamps (null where NaN)."""
    epoch_ms = int(start.timestamp() * 1000)
    v = np.asarray(values, float)
    ms = np.where(np.isnan(v), 0, np.round(v * factor_s * 1000)).astype(np.int64) + epoch_ms
    tz = str(start.tzinfo)
    return pa.array(ms, type=pa.timestamp("ms", tz=tz), mask=np.isnan(v))


def documented(name: str, table: pa.Table, start_date: Any, timezone: str) -> dict[str, pa.Table]:
    """A replication's table as written: labels, local times, metadata; totals split off.

    Returns the table(s) to write under their folder names (``daily`` gives ``daily`` and
    ``daily_total``).
    """
    start = datetime.combine(start_date, datetime.min.time()).replace(tzinfo=ZoneInfo(timezone))
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for col in table.column_names:
        data = table.column(col)
        if col == "outcome":
            codes = data.to_numpy().astype(np.int8)
            data = pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(list(OUTCOMES)))
        elif col == "place":
            codes = data.to_numpy().astype(np.int8)
            data = pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(list(PLACES)))
        elif col == "date" and pa.types.is_string(data.type):
            data = data.cast(pa.date32())
        columns[col] = data
        if col in LOCAL:
            factor = 3600.0 if col == "t_h" else 60.0
            columns[LOCAL[col]] = _local_times(table.column(col).to_numpy(), start, factor)
    out = pa.table(columns)
    parts = {name: out}
    if name in SPLIT:
        is_total = np.asarray(out.column("crossing").to_pylist(), dtype=object) == ALL
        parts = {
            name: out.filter(pa.array(~is_total)),
            SPLIT[name]: out.filter(pa.array(is_total)).drop_columns(["crossing"]),
        }
    return {key: with_metadata(key, value) for key, value in parts.items()}


def with_metadata(name: str, table: pa.Table) -> pa.Table:
    """``table`` with the description and unit of each field, and of the table, as Parquet metadata."""
    fields = []
    for field in table.schema:
        entry = describe(field.name, name) or ("", "")
        fields.append(field.with_metadata({"description": entry[0], "unit": entry[1]}))
    meta = {"table": name, "description": TABLES.get(name, "")}
    return pa.Table.from_arrays(table.columns, schema=pa.schema(fields, metadata=meta))


def joined(name: str, crossings: pa.Table, total: pa.Table, order: tuple[str, ...]) -> pa.Table:
    """``daily`` or ``series`` with its totals put back as ``crossing = "all"`` rows, first at each time."""
    total = total.append_column("crossing", pa.array([ALL] * total.num_rows, pa.string()))
    total = total.select(crossings.column_names)
    both = pa.concat_tables([total.cast(crossings.schema), crossings])
    keys = [both.column(k).to_numpy() for k in reversed(order)]
    index = np.lexsort(keys)  # stable: within a time, totals (first) then crossings as written
    return both.take(pa.array(index))


# -- datapackage.json ----------------------------------------------------------------------------------
_TYPES = (
    (pa.types.is_boolean, "boolean"),
    (pa.types.is_integer, "integer"),
    (pa.types.is_floating, "number"),
    (pa.types.is_timestamp, "datetime"),
    (pa.types.is_date, "date"),
    (pa.types.is_dictionary, "string"),
    (pa.types.is_string, "string"),
)


def _frictionless_type(t: pa.DataType) -> str:
    return next((name for test, name in _TYPES if test(t)), "any")


def _field(name: str, kind: str, table: str) -> dict[str, Any]:
    description, unit = describe(name, table) or ("", "")
    entry: dict[str, Any] = {"name": name, "type": kind, "description": description}
    if unit:
        entry["unit"] = unit
    if name == "outcome":
        entry["constraints"] = {"enum": list(OUTCOMES)}
    if name == "place":
        entry["constraints"] = {"enum": list(PLACES)}
    return entry


def datapackage(folder: Path, parquet_tables: list[str], csv_tables: dict[str, str]) -> dict[str, Any]:
    """A Frictionless Data Package describing the folder's tables, files and fields."""
    resources = []
    for name in parquet_tables:
        files = sorted((folder / name).glob("r*.parquet"))
        if not files:
            continue
        schema = pq.read_schema(files[0])
        resources.append(
            {
                "name": name,
                "path": [f.relative_to(folder).as_posix() for f in files],
                "format": "parquet",
                "description": TABLES.get(name, ""),
                "schema": {"fields": [_field(f.name, _frictionless_type(f.type), name) for f in schema]},
            }
        )
    for file, name in csv_tables.items():
        path = folder / file
        if not path.is_file():
            continue
        header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        resources.append(
            {
                "name": name,
                "path": file,
                "format": "csv",
                "description": TABLES.get(name, ""),
                "schema": {"fields": [_field(h, "any", name) for h in header]},
            }
        )
    return {
        "profile": "data-package",
        "name": "bordersim-results",
        "title": "bordersim results folder",
        "description": "Tables of a bordersim run; manifest.json holds the scenario and provenance.",
        "resources": resources,
    }


def write_datapackage(folder: Path, parquet_tables: list[str], csv_tables: dict[str, str]) -> dict[str, Any]:
    from sim.experiments.atomic import write_atomic

    package = datapackage(folder, parquet_tables, csv_tables)
    write_atomic(folder / "datapackage.json", json.dumps(package, indent=1, ensure_ascii=False) + "\n")
    return package
