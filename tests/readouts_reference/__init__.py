"""Frozen copies of the readouts as they were before issue 13 made them faster (main at 1446c37).

``kpis.py``, ``daily.py`` and ``hourly.py`` are ``sim/readouts/*.py`` of that commit, with
their imports of each other pointed here and ``RunResult.queue_lengths`` turned into the
function :func:`queue_lengths` below. They are the straightforward per-stage code the
fast versions must reproduce (tests/test_readouts_equivalence.py); do not edit them to make
that test pass. The engine modules they import (capacity, calendar, records, run) are the
package's own: the fast code changed only ``RunResult.queue_lengths`` among them.
"""

from __future__ import annotations

import numpy as np


def queue_lengths(result, step_min: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``RunResult.queue_lengths`` of 1446c37: trucks waiting at each stage over time."""
    step = step_min or result.scenario.reporting.queue_sample_min
    times = np.arange(0.0, result.horizon_min + step / 2, step)
    rows = result.stages
    gave_up = result.trucks["outcome"][rows["truck"]] == 2
    wait_end = np.where(
        np.isnan(rows["t_start"]),
        np.where(gave_up, result.trucks["t_out"][rows["truck"]], np.inf),
        rows["t_start"],
    )
    waiting = np.zeros((len(result.stage_names), times.size), dtype=np.int64)
    for sid in range(len(result.stage_names)):
        mine = rows["stage"] == sid
        joined = np.sort(rows["t_queue"][mine])
        left = np.sort(wait_end[mine])
        waiting[sid] = np.searchsorted(joined, times, "right") - np.searchsorted(left, times, "right")
    return times, waiting
