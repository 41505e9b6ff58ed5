"""Drivers who give up: patience at the border and at the origin, and turning back on arrival.

A class's ``patience`` is drawn once per truck, when it reaches the border (on arrival, or on a
metered route when it gets its slot and is dispatched to the border); ``origin_patience``
when it starts waiting at its origin for a slot. When the time is up (``patience_clock``:
``since_arrival`` counts every minute since it reached the border; ``waiting`` leaves out its
time in service at stages, so the timer is re-armed for what remains), the truck turns back
at once if it is waiting anywhere before the Chinese side accepts it: at its origin, on the
road, in a staging area, in the yard, queued at a later stage after Vietnamese customs, in a
dwell hold. A truck in service (or driving from a staging area) is not taken out of it: it
turns back when that ends, if it then has to wait. A truck the Chinese side has accepted
(the first ``side = "CN"`` stage of its route has started) is committed and crosses.

A truck that turns back after passing a stage (an export declared at Vietnamese customs) has
its declaration to cancel and re-enters Vietnam: its class's ``reimport_h``, counted per
truck (``reimported`` in the records, ``turn_back_cost_h_per_day`` in the KPIs).

Nothing here is on the per-truck path: each truck with patience has one timer event (two
with a slot wait), and the model builds this only when some class has patience.
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np

from sim.engine.path import GAVE_UP, IN_SYSTEM, Pass, after
from sim.engine.records import PLACES
from sim.engine.sampling import sampler
from sim.engine.waiting import (
    COMMITTED,
    HELD,
    ON_ROAD,
    ORIGIN,
    QUEUED,
    SERVED,
    STAGED,
    STAGING_ROAD,
    TRANSIT,
)

# Where a truck gave up (records column `place`).
P_ORIGIN, P_ROAD, P_STAGING, P_YARD, P_BALKED, P_DWELL, P_LATER = (
    PLACES.index(p) for p in ("origin", "road", "staging", "yard", "balked", "dwell", "later_stage")
)


class Patience:
    """The patience of every class at the border and at the origin (see the module)."""

    def __init__(self, model: Any):
        self.model = m = model
        s = m.scenario
        self.border = [
            None if c.patience is None else sampler(c.patience, m.streams.get(f"patience/{name}"))
            for name, c in s.cargo.items()
        ]
        self.origin = [
            None
            if c.origin_patience is None
            else sampler(c.origin_patience, m.streams.get(f"origin_patience/{name}"))
            for name, c in s.cargo.items()
        ]
        self.balk = [
            None if c.turn_back_over_h is None else c.turn_back_over_h * 60.0 for c in s.cargo.values()
        ]
        self.waiting_clock = [c.patience_clock == "waiting" for c in s.cargo.values()]
        n = len(m.t_arr)
        # The patience drawn, kept for the `waiting` clock (re-armed for what remains).
        self.limit = array("d", [np.nan]) * n if any(self.waiting_clock) else None
        self.armed = bytearray(n)  # the border clock is running (once per truck)
        self.since = array("d", [np.nan]) * n  # when the border clock started
        self.cbs = (self._expire,)
        self.origin_cbs = (self._expire_origin,)
        self.where = m.where
        self.where.skip.update({id(self.cbs), id(self.origin_cbs)})

    def dismantle(self) -> None:
        """Break the reference cycles of a finished run (see ``Model._dismantle``)."""
        self.model = self.where = self.cbs = self.origin_cbs = None  # type: ignore[assignment]

    # -- starting the clocks ------------------------------------------------------------------------
    def balks(self, truck: int, xi: int, di: int) -> bool:
        """Turn back on arrival when the expected wait at the crossing exceeds the class's
        ``turn_back_over_h``."""
        m = self.model
        limit = self.balk[m.cargo[truck]]
        if limit is None:
            return False
        expected = m.chooser.expected_wait(xi, di, m.cargo[truck], m.equipped[truck], m.env._now)
        if expected > limit:
            m.leave_now(truck, P_BALKED)
            return True
        return False

    def start(self, truck: int) -> None:
        """The truck reaches the border: its patience starts (once; an initial-backlog truck
        has already waited ``waited_h``)."""
        if self.armed[truck]:
            return
        self.armed[truck] = 1
        m = self.model
        draw = self.border[m.cargo[truck]]
        self.since[truck] = m.env._now
        if draw is None:
            return
        wait = draw()
        if truck < m.n_backlog:
            wait = max(0.0, wait - m._age[truck])
            self.since[truck] -= m._age[truck]
        if self.limit is not None:
            self.limit[truck] = wait
        after(m.env, wait, truck, self.cbs)

    def start_origin(self, truck: int) -> None:
        """The truck starts waiting at its origin for a slot."""
        draw = self.origin[self.model.cargo[truck]]
        if draw is not None:
            after(self.model.env, draw(), truck, self.origin_cbs)

    # -- when the time is up --------------------------------------------------------------------------
    def _expire_origin(self, event: Pass) -> None:
        truck = event._value
        m = self.model
        if m.outcome[truck] == IN_SYSTEM and m.place[truck] == ORIGIN:
            self.where.take_out(truck, ORIGIN, -1, lazy=True)
            self.give_up(truck, P_ORIGIN)

    def _expire(self, event: Pass) -> None:
        truck = event._value
        m = self.model
        if m.outcome[truck] != IN_SYSTEM:
            return
        where, p = self.where.locate(truck)
        if where == COMMITTED:
            return
        now = m.env._now
        if self.limit is not None and self.waiting_clock[m.cargo[truck]] and where != ON_ROAD:
            left = self.limit[truck] - self.where.waited(truck, self.since[truck])
            if left > 1e-9:  # time in service does not count: wait for what remains
                after(m.env, left, truck, self.cbs)
                return
        if where == SERVED or where == TRANSIT:  # not taken out of a service or a drive
            end = self.where.pending_at(truck)
            if end is not None:  # (none: nothing to wait for, it stays)
                after(m.env, end - now, truck, self.cbs)
            return
        self.where.take_out(truck, where, p, lazy=True)
        if where == QUEUED:
            place = P_YARD if p == 0 else P_LATER
        else:
            # (ORIGIN: a truck sent on from another crossing, waiting for a slot at this one)
            place = {
                HELD: P_DWELL,
                STAGING_ROAD: P_ROAD,
                STAGED: P_STAGING,
                ON_ROAD: P_ROAD,
                ORIGIN: P_ORIGIN,
            }[where]
        if p > 0:
            m.reimported[truck] = 1
        self.give_up(truck, place)

    def give_up(self, truck: int, place: int) -> None:
        m = self.model
        m.outcome[truck] = GAVE_UP
        m.t_out[truck] = m.env._now
        m.gave_up_at[truck] = place
