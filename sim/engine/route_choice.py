"""Route choice: which crossing a truck takes, and when a waiting truck changes crossing.

Fixed shares are drawn up front for a whole stream (``Model``). The other policies need the
state of the crossings at the moment of choice and live here, on one estimate of the wait
(:class:`WaitEstimate`):

* ``least_expected_wait``: the eligible crossing where the truck expects to be through
  soonest (ties: the crossing listed first);
* ``logit``: a share ``bound_share`` of the trucks keep their home crossing (drawn from
  ``shares``, with the same draws as fixed shares: common random numbers); the others choose
  among the eligible crossings with multinomial-logit probabilities
  ``P(j) = w_j exp(-C_j / scale) / sum_k w_k exp(-C_k / scale)``, where ``C_j`` is the expected
  wait at ``j`` plus ``travel_h[j]`` (extra drive from where the stream's trucks come from) and
  ``w_j`` the crossing's share (``share_prior``: alternative-specific constants ``ln w_j``, so
  that with equal waits the choosers split as the shares say) or 1. With
  ``reroute_saving_h`` set, those choosing trucks still waiting at their origin or on the
  border road are reviewed every ``review_min`` and whenever a crossing starts accepting a
  class: one moves (``reroute_min`` of driving from the border road, none from its origin)
  when its expected wait where it is exceeds its cost at the best other crossing by more than
  ``reroute_saving_h``. Each truck's choice uses its own uniform draw (stream
  ``choice/<stream>``), drawn up front, so adding trucks or choices shifts no other draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from sim.engine import dwell
from sim.engine.calendar import QUOTA_RESET
from sim.engine.dwell import DwellVersion
from sim.engine.path import IN_SYSTEM
from sim.engine.waiting import ON_ROAD, ORIGIN, QUEUED
from sim.scenario.schema import DIRECTIONS, ClassShares, LeastExpectedWait, Logit, Scenario


class YardLoad(Protocol):
    """What the estimate reads of a yard: trucks inside and trucks waiting on the road."""

    inside: int
    on_road: int
    eligible: list[bool] | None


class StageState(Protocol):
    """What the estimate reads of a stage: its id and the state of its daily quota."""

    id: int
    quota: int | None
    quota_left: float
    reopen_at: float


class WaitEstimate:
    """The wait a truck expects at a crossing.

    A crossing's capacity for a class is its bottleneck stage's rate when open:
    ``min(lanes / mean service time)`` over the stages the class passes (its shared Chinese
    facility's included, at its full rate). The expected time is that of clearing the trucks
    ahead (in its yard, on its road or in its staging area, called and driving there, sent on
    to it from another crossing, and waiting at their origin for a slot of the same pool) and
    the truck itself at that rate, ``(ahead + 1) / rate``, so an empty slow crossing does not
    beat a fast one with a truck in service; plus the wait until every stage the truck would
    pass is open (opening hours, dated closures of the crossing or of its shared facility, a
    class suspended there, a daily quota already used up: open again at the quota's next local
    midnight). On a metered route it is at least the wait for a slot (:mod:`sim.engine.slots`).
    A crossing with no route for the truck's class and equipment, or that does not accept the
    class now, is never chosen, nor one that does not open again within the horizon while
    another does.
    """

    def __init__(
        self,
        scenario: Scenario,
        crossing_names: Sequence[str],
        class_names: Sequence[str],
        yards: Sequence[Sequence[YardLoad | None]],
        routes: Sequence[Sequence[Sequence[Sequence[StageState]] | None]] | None = None,
        intervals: Sequence[Sequence[tuple[float, float]]] | None = None,
        incoming: list[list[int]] | None = None,
    ):
        # yards[crossing][direction] is read live at each choice, so the estimate sees the
        # model's state without importing the model.
        self.yards = yards
        self.routes = routes
        self.intervals = intervals
        self.incoming = incoming
        self.class_names = list(class_names)
        # Dated windows when a route's trucks cannot pass (suspensions), per (crossing,
        # direction, variant): filled by sim.engine.suspension.
        self.blocked: dict[tuple[int, int, int], list[tuple[float, float]]] = {}
        self._next = [0] * len(intervals) if intervals is not None else []
        # Per route (crossing, direction, variant): the dated times of its dwell holds
        # (sim.engine.dwell), whose means add to the wait; filled by RouteChoice when a run has any.
        self.holds: dict[tuple[int, int, int], list[list[DwellVersion]]] = {}
        # rate[crossing][direction][class] in trucks per minute
        self.rate: list[list[list[float]]] = []
        for cid in crossing_names:
            crossing = scenario.crossings[cid]
            per_dir = []
            for direction in DIRECTIONS:
                route = crossing.routes.get(direction)
                per_class = []
                for cname in class_names:
                    if route is None or cname not in crossing.accepts:
                        per_class.append(0.0)
                        continue
                    rates = []
                    shared = []
                    if route.facility is not None:
                        shared = scenario.facilities[route.facility].routes[direction].stages
                    for st in [*route.stages, *shared]:
                        if st.applies_to is not None and cname not in st.applies_to:
                            continue
                        if st.departures is not None:
                            rates.append(st.wagons_per_train * len(st.departures) / 1440.0)
                        elif st.trucks_per_hour is not None:
                            rates.append(st.trucks_per_hour / 60.0)
                        else:
                            dist = st.service.get(cname, st.service.get("default"))
                            rates.append(st.lanes / max(dist.mean_min, 1e-9))
                    per_class.append(min(rates) if rates else float("inf"))
                per_dir.append(per_class)
            self.rate.append(per_dir)

    def open_from(self, sid: int, now: float, t: float) -> float:
        """The first instant at or after ``t >= now`` when stage ``sid`` is open (inf: never)."""
        iv = self.intervals[sid]  # type: ignore[index]
        i = self._next[sid]
        while i < len(iv) and iv[i][1] <= now:  # the clock only moves on: skip past intervals
            i += 1
        self._next[sid] = i
        while i < len(iv) and iv[i][1] <= t:
            i += 1
        if i == len(iv):
            return float("inf")
        return max(t, iv[i][0])

    def ready_at(
        self, route: Sequence[StageState], now: float, key: tuple[int, int, int] | None = None
    ) -> float:
        """When every stage of ``route`` has been open at least once from ``now`` (see class),
        and the route is not suspended (``key``: its crossing, direction and variant)."""
        ready = now
        for stage in route:
            t = now
            if stage.quota is not None and stage.quota_left <= 0:
                t = stage.reopen_at
            ready = max(ready, self.open_from(stage.id, now, t))
        windows = self.blocked.get(key) if key is not None and self.blocked else None
        while windows:
            inside = next((b for a, b in windows if a <= ready < b), None)
            if inside is None:
                break
            ready = inside
            for stage in route:
                ready = max(ready, self.open_from(stage.id, now, ready))
        return ready

    def ahead(self, xi: int, di: int, ci: int) -> int:
        """Trucks ahead of a new one at crossing ``xi`` (see class)."""
        yard = self.yards[xi][di]
        n = yard.inside + yard.on_road  # type: ignore[union-attr]
        if self.incoming is not None:
            n += self.incoming[xi][di]
        slots = getattr(yard, "slots", None)
        if slots is not None:
            n += yard.transit + slots.waiting(ci)  # type: ignore[union-attr]
        return n

    def expected_wait(self, xi: int, di: int, ci: int, equipped: int, now: float) -> float:
        """Minutes a truck expects to wait at crossing ``xi`` behind the trucks already there."""
        v = 2 * ci + equipped
        route = self.routes[xi][di][v]  # type: ignore[index]
        wait = self.ahead(xi, di, ci) / self.rate[xi][di][ci] + self.ready_at(route, now, (xi, di, v)) - now
        return self._with_slot(xi, di, ci, now, wait) + self.held(xi, di, v, ci, now)

    def held(self, xi: int, di: int, v: int, ci: int, now: float) -> float:
        """Mean minutes the route's dwell holds keep a truck of class ``ci`` starting them now (0
        without holds): a dwell takes no lane, so it adds to the wait, not to the queue."""
        holds = self.holds.get((xi, di, v)) if self.holds else None
        if not holds:
            return 0.0
        name = self.class_names[ci]
        return sum(dwell.mean_minutes(vs, name, now) for vs in holds)

    def _with_slot(self, xi: int, di: int, ci: int, now: float, wait: float) -> float:
        slots = getattr(self.yards[xi][di], "slots", None)
        if slots is None:
            return wait
        return max(wait, slots.slot_time(ci, slots.waiting(ci), now) - now)

    def time_through(self, xi: int, di: int, ci: int, equipped: int, now: float) -> float:
        """Minutes until a new truck of class ``ci`` would be through crossing ``xi`` (inf: it
        cannot be served there, now or within the horizon)."""
        yard = self.yards[xi][di]
        if yard is None or (yard.eligible is not None and not yard.eligible[ci]):
            return math.inf
        if self.routes is None:
            return (yard.inside + yard.on_road + 1) / self.rate[xi][di][ci]
        by_dir = self.routes[xi][di]
        v = 2 * ci + equipped
        route = by_dir[v] if by_dir is not None else None
        if not route:
            return math.inf
        wait = (
            (self.ahead(xi, di, ci) + 1) / self.rate[xi][di][ci]
            + self.ready_at(route, now, (xi, di, v))
            - now
        )
        return self._with_slot(xi, di, ci, now, wait) + self.held(xi, di, v, ci, now)


class LeastWaitChooser(WaitEstimate):
    """Crossings chosen by the least expected wait (``least_expected_wait``), with the estimate
    every other choice uses: a re-routed truck's crossing among those its rule names."""

    def __init__(
        self,
        scenario: Scenario,
        crossing_names: Sequence[str],
        class_names: Sequence[str],
        yards: Sequence[Sequence[YardLoad | None]],
        routes: Sequence[Sequence[Sequence[Sequence[StageState]] | None]] | None = None,
        intervals: Sequence[Sequence[tuple[float, float]]] | None = None,
        incoming: list[list[int]] | None = None,
    ):
        super().__init__(scenario, crossing_names, class_names, yards, routes, intervals, incoming)
        x_index = {c: i for i, c in enumerate(crossing_names)}
        self.candidates: list[list[int]] = []
        for stream in scenario.demand.streams.values():
            if isinstance(stream.routing, LeastExpectedWait):
                self.candidates.append([x_index[c] for c in stream.routing.crossings])
            elif isinstance(stream.routing, Logit):
                self.candidates.append([x_index[c] for c in stream.routing.choices()])
            else:
                self.candidates.append([])

    def choose(self, stream: int, di: int, ci: int, equipped: int = 0, now: float = 0.0) -> int:
        """The crossing for a truck of ``stream``, direction ``di``, cargo class ``ci``."""
        xi = self.choose_among(self.candidates[stream], di, ci, equipped, now)
        return xi if xi >= 0 else self.candidates[stream][0]  # none accepts it now: its rule applies

    def choose_among(self, candidates: Sequence[int], di: int, ci: int, equipped: int, now: float) -> int:
        """The crossing of ``candidates`` with the least expected wait (-1: none can serve)."""
        best, best_wait = -1, math.inf
        fallback = -1
        for xi in candidates:
            yard = self.yards[xi][di]
            if yard is None or (yard.eligible is not None and not yard.eligible[ci]):
                continue
            if self.routes is not None:
                by_dir = self.routes[xi][di]
                route = by_dir[2 * ci + equipped] if by_dir is not None else None
                if not route:
                    continue  # cannot serve this truck at all
                if fallback < 0:
                    fallback = xi
            wait = self.time_through(xi, di, ci, equipped, now)
            if wait < best_wait:
                best, best_wait = xi, wait
        return best if best >= 0 else fallback


def draw_logit(scenario: Scenario, streams: Any, stream_of: np.ndarray, crossing: np.ndarray) -> np.ndarray:
    """For the trucks of ``logit`` streams: their home crossing in ``crossing`` (drawn as fixed
    shares draw it, from stream ``routing/<name>``), -1 for those that choose (``bound_share``,
    stream ``bound/<name>``); returns each truck's uniform for its choice (``choice/<name>``),
    NaN for the others."""
    x_index = {c: i for i, c in enumerate(c for c, x in scenario.crossings.items() if x.enabled)}
    u = np.full(stream_of.size, np.nan)
    for i, (name, stream) in enumerate(scenario.demand.streams.items()):
        policy = stream.routing
        if not isinstance(policy, Logit):
            continue
        mask = stream_of == i
        n = int(mask.sum())
        targets = [c for c, p in policy.shares.items() if p > 0]
        p = np.array([policy.shares[c] for c in targets])
        picks = streams.get(f"routing/{name}").choice(len(targets), size=n, p=p / p.sum())
        home = np.array([x_index[c] for c in targets])[picks]
        bound = streams.get(f"bound/{name}").random(n) < policy.bound_share
        crossing[mask] = np.where(bound, home, -1)
        u[mask] = np.where(bound, np.nan, streams.get(f"choice/{name}").random(n))  # bound: no choice
    return u


class RouteChoice(LeastWaitChooser):
    """The choosers of a model: least expected wait, logit, and re-routing of waiting trucks."""

    def __init__(self, model: Any, u: np.ndarray | None):
        m = model
        s = m.scenario
        # The estimate reckons with the lane stages of each route (a hold has no capacity to
        # wait for) and adds the mean times of its holds (``held``).
        super().__init__(
            s, m.crossing_names, m.class_names, m.yards, m._lane_routes(), m.stage_intervals, m.where.incoming
        )
        if m.hold_versions:
            for xi, by_dir in enumerate(m.routes):
                for di, variants in enumerate(by_dir):
                    for v, route in enumerate(variants or []):
                        held = [m.hold_versions[st.id] for st in route if st.id in m.hold_versions]
                        if held:
                            self.holds[(xi, di, v)] = held
        self.model = m
        self.u = u  # per truck: the uniform of its logit choice (NaN: not a chooser)
        x_index = {c: i for i, c in enumerate(m.crossing_names)}
        self.policies = [x.routing for x in s.demand.streams.values()]
        self.travel = [
            [60.0 * r.travel_h.get(c, 0.0) for c in m.crossing_names] if isinstance(r, Logit) else None
            for r in self.policies
        ]
        # Per logit stream, the prior weight of each of its candidates (share_prior), or None.
        self.weights = [
            [r.shares[c] for c in r.choices()] if isinstance(r, Logit) and r.share_prior else None
            for r in self.policies
        ]
        self.home = [
            [x_index[c] for c in r.shares if r.shares[c] > 0] if isinstance(r, Logit | ClassShares) else []
            for r in self.policies
        ]
        reviewed = [
            i for i, r in enumerate(self.policies) if isinstance(r, Logit) and r.reroute_saving_h is not None
        ]
        # The classes whose trucks may be moved, per crossing and direction (a review of a queue
        # stops once each has a truck that stays: those ahead of it would save less).
        self.movable: dict[tuple[int, int], set[int]] = {}
        class_index = {c: i for i, c in enumerate(m.class_names)}
        streams = list(s.demand.streams.values())
        for i in reviewed:
            di = DIRECTIONS.index(streams[i].direction)
            for xi in self.candidates[i]:
                self.movable.setdefault((xi, di), set()).add(class_index[streams[i].cargo])
        if reviewed:
            every = min(self.policies[i].review_min for i in reviewed)  # type: ignore[union-attr]
            m.env.process(self._reviews(every))

    def dismantle(self) -> None:
        """Break the reference cycles of a finished run (see ``Model._dismantle``)."""
        self.model = self.yards = self.routes = None  # type: ignore[assignment]

    # -- choosing on arrival -------------------------------------------------------------------------
    def choose_for(self, truck: int) -> int:
        """The crossing for an arriving truck that has none yet."""
        m = self.model
        stream = m.stream[truck]
        policy = self.policies[stream]
        di, ci, eq, now = m.direction[truck], m.cargo[truck], m.equipped[truck], m.env._now
        if not isinstance(policy, Logit):
            return self.choose(stream, di, ci, eq, now)
        costs = self.costs(stream, self.candidates[stream], di, ci, eq, now)
        xi = logit_pick(costs, 60.0 * policy.scale_h, float(self.u[truck]), self.weights[stream])  # type: ignore[index]
        return self.candidates[stream][xi] if xi >= 0 else self.home[stream][0]

    def costs(
        self,
        stream: int,
        candidates: Sequence[int],
        di: int,
        ci: int,
        eq: int,
        now: float,
        travel: bool = True,
    ) -> list[float]:
        """Expected wait (plus ``travel``: the stream's travel time), minutes, at each candidate
        (inf: it cannot serve the truck)."""
        extra = self.travel[stream] if travel else None
        return [self.time_through(xi, di, ci, eq, now) + (extra[xi] if extra else 0.0) for xi in candidates]

    # -- re-routing waiting trucks ----------------------------------------------------------------------
    def _reviews(self, every: float):
        m = self.model
        t = every
        while t < m.horizon:
            yield m._at(t, QUOTA_RESET)
            self.review()
            t += every

    def review(self, classes: set[int] | None = None) -> None:
        """Move the choosing trucks (of ``classes``; None: all) that save more than their stream's
        threshold by another crossing, from the back of each queue (those with most ahead): at
        their origin waiting for a slot, on the border road, in the yard queueing for the first
        stage (not yet declared: a truck past customs stays)."""
        m = self.model
        now = m.env._now
        for xi, yards in enumerate(m.yards):
            for di, yard in enumerate(yards):
                if yard is None or (xi, di) not in self.movable:
                    continue
                slots = getattr(yard, "slots", None)
                if slots is not None:
                    for pool in slots.pools:
                        if pool.waiting:
                            self._review_queue(pool.queue, pool.waiting, xi, di, now, classes, ORIGIN)
                if getattr(yard, "staging", None) is None and yard.on_road:
                    self._review_queue(yard.road, yard.on_road, xi, di, now, classes, ON_ROAD)
                firsts = {id(h.stage): h.stage for h in yard.first if h is not None}
                for stage in firsts.values():
                    if stage.waiting:
                        self._review_queue(stage.queued(), stage.waiting, xi, di, now, classes, QUEUED)

    def _review_queue(self, queue, live: int, xi: int, di: int, now: float, classes, where: int) -> None:
        """One queue, from its back: a truck with ``k`` live trucks ahead in it expects ``k + 1``
        before it (on the road, those in the yard too; at its origin, its slot first)."""
        m = self.model
        yard = self.yards[xi][di]
        movable = self.movable[(xi, di)] if classes is None else self.movable[(xi, di)] & classes
        if not movable:
            return
        done: set[int] = set()
        moves: list[tuple[int, int, float]] = []
        k = live
        for truck in reversed(list(queue)):
            if m.outcome[truck] != IN_SYSTEM:
                continue
            k -= 1  # live trucks ahead of this one
            ci = m.cargo[truck]
            if ci in done or ci not in movable:
                continue
            if where == QUEUED and (m.crossing[truck] != xi or m.direction[truck] != di or m.hop_of[truck].p):
                continue  # another crossing's truck at a shared stage, or one past a stage
            u = self.u[truck] if self.u is not None else math.nan
            policy = self.policies[m.stream[truck]] if m.stream[truck] >= 0 else None
            if u != u or not isinstance(policy, Logit) or policy.reroute_saving_h is None:
                continue  # bound to its crossing, or not a choosing truck
            stream, eq = m.stream[truck], m.equipped[truck]
            v = 2 * ci + eq
            ready = self.ready_at(self.routes[xi][di][v], now, (xi, di, v)) - now  # type: ignore[index]
            others = [x for x in self.candidates[stream] if x != xi]
            rate = self.rate[xi][di][ci]
            if where == ORIGIN:  # its slot, then the queue at the border; no drive yet
                slots = yard.slots  # type: ignore[union-attr]
                ahead = yard.inside + yard.on_road + yard.transit + k  # type: ignore[union-attr]
                here = max(slots.slot_time(ci, k, now) - now, (ahead + 1) / rate + ready)
                travel = self.travel[stream]
                here += travel[xi] if travel else 0.0
                costs, drive = self.costs(stream, others, di, ci, eq, now), 0.0
            else:  # at the border: it drives to the other crossing
                ahead = yard.inside + k if where == ON_ROAD else k  # type: ignore[union-attr]
                here = (ahead + 1) / rate + ready
                costs, drive = self.costs(stream, others, di, ci, eq, now, travel=False), policy.reroute_min
            best = min(range(len(costs)), key=costs.__getitem__, default=-1)
            if best < 0 or not here - (costs[best] + drive) > 60.0 * policy.reroute_saving_h:
                done.add(ci)
                if done >= movable:
                    break
                continue
            moves.append((truck, others[best], drive))
            m.where.incoming[others[best]][di] += 1  # counted at once: the next truck sees it
        for truck, to, drive in moves:
            m.where.incoming[to][di] -= 1
            m.where.take_out(truck, where, 0 if where == QUEUED else -1, lazy=False)
            m.where.send_on(truck, to, drive)


def logit_pick(costs: Sequence[float], scale: float, u: float, prior: Sequence[float] | None = None) -> int:
    """The index chosen with multinomial-logit probabilities ``prior * exp(-cost / scale)``
    (normalised; ``prior`` None: 1) by the uniform ``u``; -1 when every cost is infinite."""
    low = min(costs, default=math.inf)
    if low == math.inf:
        return -1
    weights = [math.exp(-(c - low) / scale) if c < math.inf else 0.0 for c in costs]
    if prior is not None:
        weights = [w * p for w, p in zip(weights, prior, strict=True)]
    total = sum(weights)
    target = u * total
    acc = 0.0
    for i, w in enumerate(weights):
        acc += w
        if target < acc:
            return i
    return max(i for i, w in enumerate(weights) if w > 0)


def logit_shares(costs: Sequence[float], scale: float, prior: Sequence[float] | None = None) -> list[float]:
    """The choice probabilities of :func:`logit_pick` (for tests and reports)."""
    low = min(costs)
    weights = [
        math.exp(-(c - low) / scale) * (1.0 if prior is None else prior[i]) for i, c in enumerate(costs)
    ]
    total = sum(weights)
    return [w / total for w in weights]
