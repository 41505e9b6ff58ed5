"""Frozen copies of the readouts as they were before issue 13 made them faster (main at 1446c37).

``kpis.py``, ``daily.py`` and ``hourly.py`` are ``sim/readouts/*.py`` of that commit, with
their imports of each other pointed here and ``RunResult.queue_lengths`` turned into the
function :func:`queue_lengths` below. They are the straightforward per-stage code the
fast versions must reproduce (tests/test_readouts_equivalence.py); do not edit them to make
that test pass. The engine modules they import (capacity, calendar, records, run) are the
package's own: the fast code changed only ``RunResult.queue_lengths`` among them.

Changes of meaning made since are carried into both, in the plainest form here:

* issue 22: a truck on a metered route reaches the border at its slot (``t_slot``; NaN for
  one still at, or given up at, its origin), and the border's figures count from then
  (:func:`border`): time in system, same-day share, backlog, perishables delayed, queueing
  cost, trucks in the system over time; place ``outside`` is now ``origin``; new keys
  ``gave_up_per_day.later_stage``, ``turn_back_cost_h_per_day``, ``slot_wait_h.p95`` and
  ``perishable_delayed_share.with_origin``.
"""

from __future__ import annotations

import numpy as np

from sim.engine.records import PLACES


def border(t) -> np.ndarray:
    """When each truck reached the border (issue 22): the slot on a metered route, NaN at its origin."""
    at = np.where(np.isnan(t["t_slot"]), t["t_arrive"], t["t_slot"])
    at[np.isnan(t["t_slot"]) & (t["place"] == PLACES.index("origin"))] = np.nan
    return at


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
