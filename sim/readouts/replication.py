"""Everything one replication leaves behind: the unit of work of an experiment.

:func:`replication_output` runs one replication and reads its tables out of
the records; it is what worker processes and Dask workers execute, and what
a results folder stores per replication. Tables are dicts of NumPy columns.

``trucks`` — the truck records of :mod:`sim.records` with names instead of indices:

================  ================================================================
replication       the replication
truck             row of the run's truck table
t_arrive ...      the columns of :mod:`sim.records` (times in minutes)
crossing          crossing id ("" for a truck never routed)
direction         ``export`` or ``import``
cargo             cargo class
stream            demand stream ("" for the initial backlog)
service_min       minutes in service at clearance stages (within the horizon)
wait_min          minutes waiting (road, yard and stage queues): time in the
                  system, up to the horizon, less ``service_min`` and ``dwell_min``
dwell_min         minutes held by dwells (papers, declarations: sim.engine.dwell)
================  ================================================================

``stages`` — ``replication``, ``truck``, ``stage`` (name), ``t_queue``, ``t_start``, ``t_end``.

``daily`` (:mod:`sim.daily`), ``series`` and ``utilisation`` (:mod:`sim.hourly`)
get a ``replication`` column first. ``kpis`` is :func:`sim.kpis.kpis` with
the derived headline KPIs (:mod:`sim.headline`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.engine.run import RunResult, run_once
from sim.readouts.daily import daily_table
from sim.readouts.headline import with_derived
from sim.readouts.hourly import queue_series, utilisation_by_hour
from sim.readouts.kpis import kpis, time_split
from sim.scenario.schema import Scenario

Table = dict[str, np.ndarray]
_LABELLED = {"crossing": "crossings", "cargo": "cargo", "stream": "streams"}


@dataclass(frozen=True)
class ReplicationOutput:
    """The tables and KPIs of one replication (records omitted when not asked for)."""

    replication: int
    kpis: dict[str, float]
    daily: Table
    series: Table
    utilisation: Table
    trucks: Table | None = None
    stages: Table | None = None
    wall_s: float = field(default=0.0, compare=False)


def replication_output(
    scenario: Scenario, replication: int, rng_seed: int | None = None, records: bool = True
) -> ReplicationOutput:
    """Run replication ``replication`` and read its tables; ``records=False`` skips the record tables."""
    result = run_once(scenario, replication, rng_seed)
    return ReplicationOutput(
        replication=replication,
        kpis=with_derived(kpis(result)),
        daily=_tagged(replication, daily_table(result)),
        series=_tagged(replication, queue_series(result)),
        utilisation=_tagged(replication, utilisation_by_hour(result)),
        trucks=_tagged(replication, truck_table(result)) if records else None,
        stages=_tagged(replication, stage_table(result)) if records else None,
        wall_s=result.wall_s,
    )


def truck_table(result: RunResult) -> Table:
    """The truck records with names for indices and each truck's service and waiting minutes."""
    t = result.trucks
    n = t["t_arrive"].size
    out: Table = {"truck": np.arange(n, dtype=np.int64)}
    for name, column in t.items():
        if name in _LABELLED:
            out[name] = _labels(column, getattr(result, _LABELLED[name]))
        elif name == "direction":
            out[name] = _labels(column, list(result.directions))
        else:
            out[name] = column
    dwell, service = time_split(result)
    out["service_min"] = np.array(service)
    end = np.where(np.isnan(t["t_out"]), result.horizon_min, t["t_out"])
    out["wait_min"] = end - t["t_arrive"] - service - dwell
    out["dwell_min"] = np.array(dwell)
    return out


def stage_table(result: RunResult) -> Table:
    """The stage records with the stage's name."""
    rows = result.stages
    return {
        "truck": rows["truck"].astype(np.int64),
        "stage": _labels(rows["stage"], result.stage_names),
        "t_queue": rows["t_queue"],
        "t_start": rows["t_start"],
        "t_end": rows["t_end"],
    }


def _labels(codes: np.ndarray, names: list[str]) -> np.ndarray:
    lookup = np.array([*names, ""], dtype=object)  # -1 (none) maps to ""
    idx = np.asarray(codes, np.int64)
    return lookup[np.where(idx < 0, len(names), idx)]


def _tagged(replication: int, table: Table) -> Table:
    n = len(next(iter(table.values()))) if table else 0
    return {"replication": np.full(n, replication, dtype=np.int64), **table}
