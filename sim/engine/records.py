"""The records of one run: flat, columnar, documented.

Two tables, each a dict of NumPy columns of equal length.

``trucks`` — one row per truck (initial backlog first, then arrivals in time order):

===========  =====================================================================
t_arrive     arrival at the border area, minutes from the start (0 for backlog)
t_yard       entry into the crossing's yard (NaN: never left the road)
t_out        crossing the border, or giving up (NaN: still in the system)
t_slot       reached the border on a metered route: when it got its slot and was dispatched
             (or at once when it needed none); NaN: the route is not metered, or still waiting
t_staged     entered a staging area (NaN: none on the route, or not reached)
t_called     called forward from the staging area to the gate (NaN: not called)
place        where the truck gave up or, still in the system, waits at the end (see
             ``PLACES``; "none" for cleared trucks; "origin": at its origin, waiting for a
             registration slot; "yard": in the gate yard (giving up: queued at its first
             stage); "later_stage": queued at a later stage of its route, after passing one
             (after Vietnamese customs, before the Chinese side accepted it); "dwell": in a
             dwell hold; "rerouted": turned back because its crossing stopped accepting its
             class and the rule names no other; "diverted": left on arrival by the
             crossing's dated diversion share; "balked": turned back on arrival, expecting to
             wait longer than its class's turn_back_over_h)
rerouted     True for trucks sent on to another crossing (a dated eligibility change, or a
             route choice's re-routing) (``crossing`` is then the crossing they were sent to,
             ``t_yard`` their entry into its yard and the stage rows their stages there; its
             ``t_staged`` and ``t_called`` are those of a staging area there, NaN if none)
reimported   True for trucks that turned back, or were sent on, after passing a stage (an
             export declaration cancelled: its class's ``reimport_h`` of paperwork)
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

import numpy as np

OUTCOMES = ("in_system", "cleared", "gave_up")
# Index 9 ("dwell") is issue 21's (dwell holds); this branch's places are appended after it.
PLACES = (
    "none", "origin", "road", "staging", "transit", "yard", "rerouted", "diverted", "balked", "dwell",
    "later_stage",
)  # fmt: skip


class Records:
    """The two tables of a run, filled by the model when it ends."""

    def __init__(self) -> None:
        self.stages: dict[str, np.ndarray] = {}
        self.trucks: dict[str, np.ndarray] = {}

    def set_stages(self, **columns: np.ndarray) -> None:
        """The stage rows (``truck``, ``stage``, ``t_queue``, ``t_start``, ``t_end``), already
        ordered by truck and then by time."""
        self.stages = columns

    def set_trucks(self, **columns) -> None:
        n = len(columns["t_arrive"])
        self.trucks = {
            "t_arrive": np.asarray(columns["t_arrive"], float),
            "t_yard": np.asarray(columns["t_yard"], float),
            "t_out": np.asarray(columns["t_out"], float),
            "t_slot": _times(columns["t_slot"], n),
            "t_staged": _times(columns["t_staged"], n),
            "t_called": _times(columns["t_called"], n),
            "place": np.asarray(columns["place"], np.uint8),
            "rerouted": np.frombuffer(bytes(columns["rerouted"]), np.uint8).astype(bool),
            "reimported": np.frombuffer(bytes(columns["reimported"]), np.uint8).astype(bool),
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
        return self.stages


def _times(values, n: int) -> np.ndarray:
    """A column of times; ``None`` (the feature is not in the scenario) gives NaN throughout."""
    return np.full(n, np.nan) if values is None else np.asarray(values, float)
