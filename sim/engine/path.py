"""The per-truck path: stages, the hops that chain them into routes, and the gate yards.

Every event of a run passes through here (a simulated year of the baseline is ~530,000 trucks
and ~2.2 million events), so this module holds only the classes the events touch, written so
that the same source runs as plain Python or compiled (see :mod:`sim.compiled`): no
feature here depends on being compiled, and both give the same results to the bit.

The model (:mod:`sim.engine.model`) builds these objects and drives the calendars; its other
waiting places (registration slots, staging areas) are in plain Python there.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL

# The model (sim.engine.model.Model) that builds these objects: Any here, since it imports this
# module (tests/test_layers.py refuses import cycles).
Model = Any

IN_SYSTEM, CLEARED, GAVE_UP = 0, 1, 2
INF = float("inf")
UNLIMITED = 1 << 62  # the capacity of a hold: never reached


class Pass:
    """A truck's pending event on its path (an arrival, or the end of a stage's service).

    The least a SimPy event needs for ``Environment.step``: ``callbacks`` (read, then set to
    None) and ``_ok``; no ``env``, no list of callbacks (a shared tuple), no dict. A truck's
    event is pushed onto SimPy's queue as ``Timeout`` would push it (``now + delay``, NORMAL,
    the environment's next id), so the order of events is SimPy's; the event that ends one
    stage is used again to end the next when the truck starts it at once. ``at`` is the time
    it was pushed for, which SimPy's clock shows when it is processed (read without asking
    the environment).
    """

    __slots__ = ("callbacks", "_value", "at")
    _ok = True


def after(env: simpy.Environment, delay: float, truck: int, callbacks: tuple) -> None:
    """``Timeout(env, delay, truck)`` with ``callbacks``, as a :class:`Pass` (same time, priority
    and place in SimPy's order)."""
    if delay < 0:
        raise ValueError(f"Negative delay {delay}")
    event = Pass()
    event._value = truck
    event.callbacks = callbacks
    event.at = at = env._now + delay
    heappush(env._queue, (at, NORMAL, next(env._eid), event))


class Draws:
    """One random stream's durations in the order drawn: a block at a time (``blocks``, arrays of
    :func:`sim.engine.sampling.blocks`), handed out one by one as C doubles, not Python floats."""

    __slots__ = ("blocks", "block", "i", "n")

    def __init__(self, blocks: Iterator):
        self.blocks = blocks
        self.block = array("d")
        self.i = self.n = 0

    def next(self) -> float:
        if self.i == self.n:  # the next block only when this one is used up, as before
            self.block = array("d", next(self.blocks).tobytes())
            self.n = len(self.block)
            self.i = 0
        x = self.block[self.i]
        self.i += 1
        return x


class Durations:
    """Service durations of one stage for one cargo class: ``draws`` times ``factor``.

    ``draws`` None: a constant, ``factor`` (deterministic service, paced stages). A ramp after a
    closure slows the same draws: :meth:`scaled` shares ``draws`` (one random stream).
    """

    __slots__ = ("draws", "factor")

    def __init__(self, draws: Draws | None, factor: float):
        self.draws = draws
        self.factor = factor

    def next(self) -> float:
        if self.draws is None:
            return self.factor
        return self.draws.next() * self.factor  # x * 1.0 is x, to the bit

    def scaled(self, by: float) -> Durations:
        return Durations(self.draws, self.factor * by)


class Stage:
    """A pool of identical lanes open on a calendar, with one FIFO queue."""

    __slots__ = (
        "env", "id", "lanes", "capacity", "open_lanes", "busy", "queue", "waiting", "draw",
        "quota", "quota_left", "reopen_at", "model", "outcome", "hop_of", "rank", "queues",
    )  # fmt: skip

    def __init__(
        self,
        env: simpy.Environment,
        sid: int,
        lanes: int,
        draw: list[Durations | None],
        quota: int | None,
        model: Model,
    ):
        self.env = env
        self.id = sid
        self.lanes = lanes
        self.open_lanes = 0
        self.capacity = 0
        self.busy = 0
        self.queue: deque[int] = deque()
        self.waiting = 0  # live trucks in the queue (those who gave up are skipped lazily)
        self.draw = draw
        self.quota = quota
        self.quota_left = INF if quota is None else quota
        self.reopen_at = 0.0  # the next local midnight of a quota (read by routing)
        self.model = model
        self.outcome, self.hop_of = model.outcome, model.hop_of
        self.rank: list[int] | None = None  # PriorityStage: per cargo class, 0 is served first

    def enqueue(self, truck: int) -> None:
        self.queue.append(truck)
        self.waiting += 1

    def _fill(self) -> None:
        queue, outcome, hop_of = self.queue, self.outcome, self.hop_of
        while self.waiting and self.busy < self.capacity:
            truck = queue.popleft()
            if outcome[truck] == IN_SYSTEM:
                self.waiting -= 1
                hop = hop_of[truck]
                hop.start(truck, None)

    def set_open_lanes(self, lanes: int) -> None:
        self.open_lanes = lanes
        self.capacity = lanes if self.quota_left > 0 else 0
        self._fill()

    def new_quota_day(self) -> None:
        self.quota_left = self.quota
        self.set_open_lanes(self.open_lanes)

    def queue_of(self, truck: int) -> deque[int]:
        """The queue a waiting truck is in."""
        return self.queue

    def queued(self) -> Iterable[int]:
        """Trucks in the queue (including, lazily, some that gave up)."""
        return self.queue


class PriorityStage(Stage):
    """A stage that serves some cargo classes first (a green lane), FIFO within a class."""

    __slots__ = ("cargo",)

    def __init__(self, *args, rank: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.rank = rank  # per cargo class: 0 is served first
        self.queues: list[deque[int]] = [deque() for _ in range(max(rank) + 1)]
        self.cargo = self.model.cargo

    def enqueue(self, truck: int) -> None:
        self.queues[self.rank[self.cargo[truck]]].append(truck)
        self.waiting += 1

    def _fill(self) -> None:
        outcome, hop_of = self.outcome, self.hop_of
        for queue in self.queues:
            while queue and self.waiting and self.busy < self.capacity:
                truck = queue.popleft()
                if outcome[truck] == IN_SYSTEM:
                    self.waiting -= 1
                    hop_of[truck].start(truck, None)

    def queue_of(self, truck: int) -> deque[int]:
        return self.queues[self.rank[self.cargo[truck]]]

    def queued(self) -> Iterable[int]:
        return (truck for queue in self.queues for truck in queue)


class TrainStage(Stage):
    """A timetabled stage: each departure takes up to ``lanes`` waiting loads (one per wagon).

    Nothing starts between departures (its ``capacity`` stays 0, so every load queues); a
    load's service is its time from departure to handover. Departures are driven by
    :meth:`Model._run_timetable`.
    """

    __slots__ = ()

    def set_open_lanes(self, lanes: int) -> None:
        self.open_lanes = lanes  # the calendar decides which departures run, not who starts

    def depart(self) -> None:
        queue, outcome, hop_of = self.queue, self.outcome, self.hop_of
        loaded = 0
        while self.waiting and loaded < self.lanes:
            truck = queue.popleft()
            if outcome[truck] == IN_SYSTEM:
                self.waiting -= 1
                loaded += 1
                hop_of[truck].start(truck, None)


class Hold(Stage):
    """A waiting process without lanes (papers, a declaration, a quarantine booking): each truck
    is held for its drawn time, counted on the open time of a calendar (``opens``/``closes``,
    sorted and disjoint; ``always``: the clock always runs), and no truck waits for another.

    Its capacity is never reached, so a truck starts it on arrival (``t_queue = t_start``) and
    leaves at its release. Built by :mod:`sim.engine.dwell`.
    """

    __slots__ = ("opens", "closes", "n", "always")

    def __init__(self, env: simpy.Environment, sid: int, draw: list[Durations | None], model: Model,
                 intervals: list[tuple[float, float]] | None):  # fmt: skip
        super().__init__(env, sid, 1, draw, None, model)
        self.capacity = self.open_lanes = UNLIMITED
        self.always = intervals is None
        self.opens = array("d", [a for a, _ in intervals or []])
        self.closes = array("d", [b for _, b in intervals or []])
        self.n = len(self.opens)

    def release_at(self, now: float, duration: float) -> float:
        """When a truck held from ``now`` for ``duration`` minutes of open time is released
        (``INF``: not within the calendar's intervals, i.e. after the run)."""
        if self.always:
            return now + duration
        lo, hi = 0, self.n
        while lo < hi:  # the first interval that closes after now
            mid = (lo + hi) // 2
            if self.closes[mid] <= now:
                lo = mid + 1
            else:
                hi = mid
        k = lo
        if k == self.n:
            return INF
        t = now if now > self.opens[k] else self.opens[k]
        left = duration
        while True:
            room = self.closes[k] - t
            if left <= room:
                return t + left
            left -= room
            k += 1
            if k == self.n:
                return INF
            t = self.opens[k]

    def drop(self, truck: int) -> None:
        """A held truck taken out (it gave up): its release will do nothing (see HoldHop.finish)."""
        self.busy -= 1


class Hop:
    """One stage at one position of one route: where the per-truck path runs.

    A route (crossing, direction, cargo class, equipment) is a chain of hops; a stage shared
    by several routes (a Chinese facility, a stage serving several classes) has one hop in
    each. A hop knows the next hop (None: the border) and its slot in the truck's row of the
    records, so passing a stage is: one event, two times written, no search for what comes next.
    """

    __slots__ = (
        "stage", "next", "p", "yard", "cbs", "env", "heap", "eid", "cargo", "hop_of",
        "t_start", "t_end", "width", "outcome", "t_out", "plain", "quick",
    )  # fmt: skip

    def __init__(self, stage: Stage, p: int, model: Model):
        self.stage = stage
        self.p = p
        self.next: Hop | None = None
        self.yard: Yard | None = None  # set on the last hop of a route: left when crossing
        self.cbs = (self.finish,)
        self.env = env = model.env
        self.heap, self.eid = env._queue, env._eid
        self.cargo, self.hop_of, self.outcome, self.t_out = (
            model.cargo,
            model.hop_of,
            model.outcome,
            model.t_out,
        )
        self.t_start, self.t_end, self.width = model.t_start, model.t_end, model.width
        self.plain = type(stage) is Stage  # one FIFO queue: enqueue inline
        self.quick = stage.quota is None  # no quota: the previous hop starts it inline

    def join(self, truck: int, event: Pass | None) -> None:
        """A truck reaches the stage (``event``: its last event, free to be used again)."""
        st = self.stage
        if st.busy < st.capacity and not st.waiting:
            self.start(truck, event)
        else:
            if self.plain:
                st.queue.append(truck)
                st.waiting += 1
            else:
                st.enqueue(truck)
            self.hop_of[truck] = self

    def start(self, truck: int, event: Pass | None) -> None:
        st = self.stage
        now = self.env._now
        self.t_start[truck * self.width + self.p] = now
        st.busy += 1
        if event is None:
            event = Pass()
            event._value = truck
        event.callbacks = self.cbs
        durations = st.draw[self.cargo[truck]]
        event.at = at = now + durations.next()
        heappush(self.heap, (at, NORMAL, next(self.eid), event))

    def finish(self, event: Pass) -> None:
        truck = event._value
        st = self.stage
        st.busy -= 1
        now = event.at
        self.t_end[truck * self.width + self.p] = now
        nxt = self.next
        if nxt is not None:
            ns = nxt.stage
            if ns.busy < ns.capacity and not ns.waiting:
                if nxt.quick:  # as nxt.start(truck, event), inline
                    self.t_start[truck * self.width + nxt.p] = now
                    ns.busy += 1
                    event.callbacks = nxt.cbs
                    durations = ns.draw[self.cargo[truck]]
                    event.at = at = now + durations.next()
                    heappush(self.heap, (at, NORMAL, next(self.eid), event))
                else:
                    nxt.start(truck, event)
            elif nxt.plain:
                ns.queue.append(truck)
                ns.waiting += 1
                self.hop_of[truck] = nxt
            else:
                ns.enqueue(truck)
                self.hop_of[truck] = nxt
        else:
            self.outcome[truck] = CLEARED
            self.t_out[truck] = now
            self.yard.leave()  # type: ignore[union-attr]
        if st.waiting and st.busy < st.capacity:
            st._fill()


class QuotaHop(Hop):
    """A hop at a stage with a daily quota: each start uses one; the stage stops when none is left."""

    __slots__ = ()

    def start(self, truck: int, event: Pass | None) -> None:
        st = self.stage
        st.quota_left -= 1  # type: ignore[operator]
        if st.quota_left <= 0:
            st.capacity = 0
        Hop.start(self, truck, event)


class HoldHop(Hop):
    """A hop at a :class:`Hold`: started at once (never queued), released at the hold's clock."""

    __slots__ = ()

    def __init__(self, stage: Stage, p: int, model: Model):
        super().__init__(stage, p, model)
        self.quick = False  # the previous hop calls start: the release is not now + duration

    def start(self, truck: int, event: Pass | None) -> None:
        st = self.stage
        now = self.env._now
        self.t_start[truck * self.width + self.p] = now
        st.busy += 1
        durations = st.draw[self.cargo[truck]]
        at = st.release_at(now, durations.next())  # type: ignore[attr-defined]
        if at == INF:
            return  # released after the run: held at the end
        if event is None:
            event = Pass()
            event._value = truck
        event.callbacks = self.cbs
        event.at = at
        heappush(self.heap, (at, NORMAL, next(self.eid), event))

    def finish(self, event: Pass) -> None:
        if self.outcome[event._value] != IN_SYSTEM:
            return  # taken out of the hold meanwhile (Hold.drop did the bookkeeping)
        Hop.finish(self, event)


class Yard:
    """The holding area of one direction of a crossing; overflow waits on the road."""

    __slots__ = (
        "capacity",
        "inside",
        "road",
        "on_road",
        "model",
        "first",
        "env",
        "t_yard",
        "variant",
        "outcome",
    )
    eligible = None  # classes accepted now: list[bool] (CalledYard with dated eligibility)

    def __init__(self, capacity: float, model: Model):
        self.capacity = capacity
        self.inside = 0
        self.road: deque[int] = deque()
        self.on_road = 0  # live trucks on the road
        self.model = model
        self.first: list[Hop | None] = []  # per route variant (2 * class + equipped): its first hop
        self.env, self.t_yard, self.variant, self.outcome = (
            model.env,
            model.t_yard,
            model.variant,
            model.outcome,
        )

    def arrive(self, truck: int) -> None:
        if self.inside < self.capacity and not self.on_road:
            self.inside += 1  # as _enter, inline
            self.t_yard[truck] = self.env._now
            hop = self.first[self.variant[truck]]
            hop.join(truck, None)
        else:
            self.road.append(truck)
            self.on_road += 1

    def _enter(self, truck: int) -> None:
        self.inside += 1
        self.t_yard[truck] = self.env._now
        hop = self.first[self.variant[truck]]
        hop.join(truck, None)

    def leave(self) -> None:
        self.inside -= 1
        outcome = self.outcome
        while self.on_road and self.inside < self.capacity:
            truck = self.road.popleft()
            if outcome[truck] == IN_SYSTEM:
                self.on_road -= 1
                self._enter(truck)


class ArrivalFeed:
    """The trucks' arrivals, read from the presorted arrays: one pending event at a time.

    Each arrival puts the truck in its crossing's yard (or, for a truck that still has to
    choose its crossing or may give up, hands it to ``admit``), then pushes the next arrival
    as ``Timeout(delay)`` would, with the same event object throughout.
    """

    __slots__ = (
        "env", "heap", "eid", "t_arr", "crossing", "direction", "yards", "admit", "impatient",
        "admitted", "cbs",
    )  # fmt: skip

    def __init__(self, model: Model):
        self.env = env = model.env
        self.heap, self.eid = env._queue, env._eid
        self.t_arr, self.crossing, self.direction = model.t_arr, model.crossing, model.direction
        self.yards = model.yards
        self.admit = model.admit  # the general path: choosing a crossing, patience, turning back
        self.impatient = model._impatient
        self.admitted = 0  # trucks 0 .. admitted - 1 have arrived
        self.cbs = (self.next_arrival,)

    def next_arrival(self, event: Pass) -> None:
        truck = event._value
        # The clock reaches t as now + (t - now), which can differ from t in the last bit:
        # record the instant the model saw, so that no later time precedes the arrival.
        t_arr = self.t_arr
        now = event.at
        t_arr[truck] = now
        xi = self.crossing[truck]
        if xi < 0 or self.impatient:
            self.admit(truck)
        else:  # as admit, inline
            self.admitted = truck + 1
            yard = self.yards[xi][self.direction[truck]]
            yard.arrive(truck)
        nxt = truck + 1
        if nxt < len(t_arr):
            delay = t_arr[nxt] - now
            event._value = nxt
            event.callbacks = self.cbs
            event.at = at = now + (delay if delay > 0 else 0.0)
            heappush(self.heap, (at, NORMAL, next(self.eid), event))
