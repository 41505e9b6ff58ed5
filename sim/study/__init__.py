"""Layer 6, the study API: what the command line, the web workbench and the notebooks call.

Each study is one function that takes a scenario (a file, a packaged name or a results folder)
and its options, runs or reads what it needs, writes what it was asked to, and returns a result
object the face renders::

    from sim import study

    done = study.run("baseline", replications=5, days=28, out="results/baseline")
    cmp = study.compare("baseline", "office_hours", replications=10, out="results/office_vs_base")
    cmp.comparison.warnings(), [k.verdict for k in cmp.comparison.kpis]
    study.report("results/office_vs_base")
    study.capacity("baseline", replications=5).markdown()

run, resume (``runs``); compare, table (``comparisons``); capacity, capacity_targets
(``capacities``); sweep, sensitivity (``designs``); calibrate, assumptions (``calibration``);
report, animate (``outputs``). Every call takes ``execution=Execution(...)`` (``execution``):
worker processes or a Dask scheduler, a progress callback, a cancel token that stops the study as
Ctrl-C does (:class:`Stopped` says what is kept; a results folder stays resumable), and a
``notice`` callback for warnings. Calls hold no global state: two studies may run at once in two
threads or processes (each results folder is locked by the one writing it).

May import: every layer below (``sim.scenario`` to ``sim.reporting``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS = {
    "Execution": "sim.study.execution",
    "Progress": "sim.study.execution",
    "Cancelled": "sim.study.execution",
    "cancel_token": "sim.study.execution",
    "run": "sim.study.runs",
    "resume": "sim.study.runs",
    "RunOutcome": "sim.study.runs",
    "Stopped": "sim.study.runs",
    "compare": "sim.study.comparisons",
    "table": "sim.study.comparisons",
    "ComparisonOutcome": "sim.study.comparisons",
    "capacity": "sim.study.capacities",
    "capacity_targets": "sim.study.capacities",
    "CapacityOutcome": "sim.study.capacities",
    "sweep": "sim.study.designs",
    "sensitivity": "sim.study.designs",
    "calibrate": "sim.study.calibration",
    "assumptions": "sim.study.calibration",
    "report": "sim.study.outputs",
    "animate": "sim.study.outputs",
}

if TYPE_CHECKING:
    from sim.study.calibration import assumptions, calibrate
    from sim.study.capacities import CapacityOutcome, capacity, capacity_targets
    from sim.study.comparisons import ComparisonOutcome, compare, table
    from sim.study.designs import sensitivity, sweep
    from sim.study.execution import Cancelled, Execution, Progress, cancel_token
    from sim.study.outputs import animate, report
    from sim.study.runs import RunOutcome, Stopped, resume, run


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.study' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [  # noqa: RUF022 - grouped by module, as _EXPORTS
    "Execution", "Progress", "Cancelled", "cancel_token", "run", "resume", "RunOutcome", "Stopped",
    "compare", "table", "ComparisonOutcome", "capacity", "capacity_targets", "CapacityOutcome",
    "sweep", "sensitivity", "calibrate", "assumptions", "report", "animate",
]  # fmt: skip
