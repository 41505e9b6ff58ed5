"""The records of one run: flat, columnar, documented.

Two tables, each a dict of NumPy columns of equal length.

``trucks`` — one row per truck (initial backlog first, then arrivals in time order):

===========  =====================================================================
t_arrive     arrival at the border area, minutes from the start (0 for backlog)
t_yard       entry into the crossing's yard (NaN: never left the road)
t_out        crossing the border, or giving up (NaN: still in the system)
outcome      0 still in system, 1 cleared, 2 gave up (see ``OUTCOMES``)
crossing     index into ``RunResult.crossings``
direction    0 export (VN to CN), 1 import (CN to VN)
cargo        index into ``RunResult.cargo``
stream       index into ``RunResult.streams`` (-1: initial backlog)
equipped     True for trucks equipped for automated (smart-gate) clearance
initial      True for trucks of the initial backlog
===========  =====================================================================

``stages`` — one row per truck per stage it reached:

===========  =====================================================================
truck        row of ``trucks``
stage        index into ``RunResult.stages``
t_queue      joined the stage's queue
t_start      service started (NaN: still waiting, or gave up in the queue)
t_end        service ended (NaN: not ended within the horizon)
===========  =====================================================================

A row's outcome is its truck's: with ``t_end`` set the stage was passed.
"""

from __future__ import annotations

from array import array

import numpy as np

OUTCOMES = ("in_system", "cleared", "gave_up")


class Records:
    """Append-only columns filled while the model runs."""

    def __init__(self) -> None:
        self.row_truck = array("q")
        self.row_stage = array("l")
        self.row_queue = array("d")
        self.row_start = array("d")
        self.row_end = array("d")
        self.trucks: dict[str, np.ndarray] = {}

    def add_row(self, truck: int, stage: int, t_queue: float, t_start: float, t_end: float) -> None:
        self.row_truck.append(truck)
        self.row_stage.append(stage)
        self.row_queue.append(t_queue)
        self.row_start.append(t_start)
        self.row_end.append(t_end)

    def set_trucks(self, **columns) -> None:
        self.trucks = {
            "t_arrive": np.asarray(columns["t_arrive"], float),
            "t_yard": np.asarray(columns["t_yard"], float),
            "t_out": np.asarray(columns["t_out"], float),
            "outcome": np.frombuffer(bytes(columns["outcome"]), np.uint8).copy(),
            "crossing": np.asarray(columns["crossing"], np.int16),
            "direction": np.asarray(columns["direction"], np.int8),
            "cargo": np.asarray(columns["cargo"], np.int8),
            "stream": np.asarray(columns["stream"], np.int16),
            "equipped": np.asarray(columns["equipped"], bool),
            "initial": np.asarray(columns["initial"], bool),
        }

    def stage_table(self) -> dict[str, np.ndarray]:
        """The stage rows, ordered by truck and then by time."""
        table = {
            "truck": np.frombuffer(self.row_truck, np.int64),
            "stage": np.frombuffer(self.row_stage, np.dtype("l")).astype(np.int16),
            "t_queue": np.frombuffer(self.row_queue, float),
            "t_start": np.frombuffer(self.row_start, float),
            "t_end": np.frombuffer(self.row_end, float),
        }
        order = np.lexsort((table["t_queue"], table["truck"]))
        return {k: v[order] for k, v in table.items()}
