"""Statistics helpers shared by the model tests.

Test scenarios come from :mod:`sim.examples` (validated like scenario files) and
theory from :mod:`sim.theory`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """``(mean, lower, upper)``: Student-t confidence interval of the mean of iid values."""
    x = np.asarray(values, float)
    n = x.size
    assert n >= 2, "a confidence interval needs at least two replications"
    mean = float(x.mean())
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def stage_waits(result, stage: int, t0: float, t1: float) -> np.ndarray:
    """Waits in queue (``t_start - t_queue``) at ``stage`` of the rows that joined in ``[t0, t1)``.

    A row still waiting at the end of the horizon counts the wait it has had so far
    (a lower bound); a row whose truck gave up in the queue is left out.
    """
    rows = result.stages
    mine = (rows["stage"] == stage) & (rows["t_queue"] >= t0) & (rows["t_queue"] < t1)
    gave_up = result.trucks["outcome"][rows["truck"]] == 2
    mine &= ~(np.isnan(rows["t_start"]) & gave_up)
    start = np.where(np.isnan(rows["t_start"][mine]), result.horizon_min, rows["t_start"][mine])
    return start - rows["t_queue"][mine]
