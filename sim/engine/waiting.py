"""Where a waiting truck is, taking it out, and sending it on to another crossing.

Turning back (:mod:`sim.engine.patience`), suspensions (:mod:`sim.engine.suspension`) and
re-routing (:mod:`sim.engine.route_choice`) act on trucks wherever they wait. Nothing here
runs per event: a truck's whereabouts are read, when one of those rare moments comes, from
what the per-truck path already writes (ENGINE_BOUNDARIES.md, point 3):

* before the gate yard, ``Model.place`` says where (at its origin waiting for a slot, on the
  road before a staging area, in the staging area, driving); ``t_yard`` NaN: on the border road;
* in its route, the truck's position is the first whose ``t_end`` is NaN in its row of the
  stage records; ``t_start`` NaN there: queued (at ``Model.hop_of[truck]``, the hop it waits
  at), set: in service, or held (a stage with ``drop``: issue 21's dwell holds);
* the Chinese side accepts it when the first stage with ``side = "CN"`` of its route starts:
  from then on it is committed (``commit`` below); a route without a Chinese stage commits
  only at its end.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.path import IN_SYSTEM, Pass, after

# Where a truck is, beyond the road and the yard (Model.place; 0 = the road or the yard).
ORIGIN, STAGING_ROAD, STAGED, TRANSIT = 1, 2, 3, 4
# What locate() finds besides those: on the border road, queued at a stage of its route,
# in service there (not yet committed), held (a dwell), committed (accepted by the Chinese
# side, or crossed).
ON_ROAD, QUEUED, SERVED, HELD, COMMITTED = 5, 6, 7, 8, 9


class Whereabouts:
    """Reads where a truck is, takes it out of its place, sends it on (see the module)."""

    def __init__(self, model: Any):
        self.model = m = model
        side = _stage_sides(m)
        # commit[xi][di][variant]: the position where the Chinese side accepts the truck.
        self.commit: list[list[list[int] | None]] = []
        for by_dir in m.routes:
            per_dir: list[list[int] | None] = []
            for variants in by_dir:
                if variants is None:
                    per_dir.append(None)
                    continue
                per_dir.append(
                    [next((p for p, st in enumerate(r) if side[st.id] == "CN"), len(r)) for r in variants]
                )
            self.commit.append(per_dir)
        # The hops of every route in order (yard.first and the chain of `next`, as built).
        self.chains: list[list[list[list] | None]] = []
        for xi, yards in enumerate(m.yards):
            per_dir2: list[list[list] | None] = []
            for di, yard in enumerate(yards):
                if yard is None or m.routes[xi][di] is None:
                    per_dir2.append(None)
                    continue
                chains = []
                for hop in yard.first:
                    chain = []
                    while hop is not None:
                        chain.append(hop)
                        hop = hop.next
                    chains.append(chain)
                per_dir2.append(chains)
            self.chains.append(per_dir2)
        # Trucks driving to each crossing and direction (sent on), which the choosers count.
        self.incoming = [[0, 0] for _ in m.crossing_names]
        self.arrive_cbs = (self._arrive_sent_on,)
        self.skip: set[int] = set()  # callbacks of timers that are not a truck's own path event

    def dismantle(self) -> None:
        """Break the reference cycles of a finished run (see ``Model._dismantle``)."""
        self.model = self.arrive_cbs = None  # type: ignore[assignment]
        self.chains = []

    # -- where -------------------------------------------------------------------------------
    def locate(self, truck: int) -> tuple[int, int]:
        """``(where, position)``: where is ORIGIN ... COMMITTED; position in its route, or -1."""
        m = self.model
        place = m.place[truck]
        if place:
            return place, -1
        if m.t_yard[truck] != m.t_yard[truck]:
            return ON_ROAD, -1
        xi, di, v = m.crossing[truck], m.direction[truck], m.variant[truck]
        route = m.routes[xi][di][v]
        commit = self.commit[xi][di][v]
        w = m.width
        row = truck * w
        t_end, t_start = m.t_end, m.t_start
        p = 0
        while p < len(route) and t_end[row + p] == t_end[row + p]:
            p += 1
        if p >= len(route) or p > commit:
            return COMMITTED, p
        if t_start[row + p] != t_start[row + p]:
            return QUEUED, p
        if p == commit:
            return COMMITTED, p
        if getattr(route[p], "drop", None) is not None:
            return HELD, p
        return SERVED, p

    def pending_at(self, truck: int) -> float | None:
        """When the truck's own pending event (the end of its service or drive) happens: found
        in SimPy's queue, skipping timers (patience, deferred checks); None if it has none. Rare:
        a linear scan."""
        skip = self.skip
        for at, _, _, event in self.model.env._queue:
            if type(event) is Pass and event._value == truck and id(event.callbacks) not in skip:
                return at
        return None

    def waited(self, truck: int, since: float) -> float:
        """Minutes since ``since`` less the truck's time in service at stages (holds and drives
        count as waiting)."""
        m = self.model
        now = m.env._now
        route = m.routes[m.crossing[truck]][m.direction[truck]][m.variant[truck]]
        row = truck * m.width
        served = 0.0
        for p, stage in enumerate(route):
            a = m.t_start[row + p]
            if a != a or getattr(stage, "drop", None) is not None:
                continue
            b = m.t_end[row + p]
            served += (now if b != b else b) - max(a, since)
        return now - since - served

    # -- taking out -----------------------------------------------------------------------------
    def take_out(self, truck: int, where: int, p: int, lazy: bool) -> None:
        """Remove a waiting truck from its place (``locate``'s answer). ``lazy``: it gives up (its
        outcome changes, so queues skip it later); else it stays in the system and is removed."""
        m = self.model
        yard = m.yard_for(truck)
        if where == ORIGIN:
            yard.slots.remove(truck, lazy)
        elif where == STAGING_ROAD:
            staging = yard.staging
            if not lazy:
                staging.road.remove(truck)
            staging.on_road -= 1
        elif where == STAGED:
            if not lazy:
                yard.road.remove(truck)
                m.t_staged[truck] = np.nan  # it left the area uncalled: no staging time
            yard.on_road -= 1
            yard.staging.leave()
        elif where == ON_ROAD:
            if not lazy:
                yard.road.remove(truck)
            yard.on_road -= 1
        elif where == QUEUED:
            stage = m.hop_of[truck].stage
            if not lazy:
                stage.queue_of(truck).remove(truck)
            stage.waiting -= 1
            yard.leave()
        elif where == HELD:
            route = m.routes[m.crossing[truck]][m.direction[truck]][m.variant[truck]]
            route[p].drop(truck)
            yard.leave()
        else:
            raise ValueError(f"truck {truck} is not waiting (where = {where})")
        if not lazy and where in (QUEUED, HELD) and p >= 0:
            # Sent on: its row will describe the crossing it goes to (the records keep one route
            # per truck); a truck that had passed stages here keeps only the `reimported` mark.
            row = truck * m.width
            for k in range(m.width):
                m.t_start[row + k] = np.nan
                m.t_end[row + k] = np.nan
            m.t_yard[truck] = np.nan

    # -- sending on -------------------------------------------------------------------------------
    def send_on(self, truck: int, xi: int, drive_min: float) -> None:
        """Send a truck taken out of its place to crossing ``xi``: it drives ``drive_min`` and
        arrives there as a new arrival would (slots, eligibility and all)."""
        m = self.model
        m.crossing[truck] = xi
        m.place[truck] = TRANSIT
        m.rerouted[truck] = 1
        if m.t_staged is not None:  # its row describes the crossing it goes to: no staging there yet
            m.t_staged[truck] = m.t_called[truck] = np.nan
        self.incoming[xi][m.direction[truck]] += 1
        after(m.env, drive_min, truck, self.arrive_cbs)

    def _arrive_sent_on(self, event: Pass) -> None:
        m = self.model
        truck = event._value
        self.incoming[m.crossing[truck]][m.direction[truck]] -= 1
        if m.outcome[truck] != IN_SYSTEM:
            return
        m.place[truck] = 0
        m.yard_for(truck).arrive(truck)


def _stage_sides(model: Any) -> list[str]:
    """``"VN"`` or ``"CN"`` for each stage of the model, read from the scenario by its name."""
    s = model.scenario
    out = []
    for sid, name in enumerate(model.stage_names):
        owner, direction, stage = name.split("/")
        if model.stage_kinds[sid] == "hold":  # a dwell (papers, a declaration): nobody accepted it yet
            out.append("VN")
            continue
        if model.stage_crossing[sid] < 0:
            stages = s.facilities[owner].routes[direction].stages
        else:
            stages = s.crossings[owner].routes[direction].stages
        out.append(next(st.side for st in stages if st.name == stage))
    return out
