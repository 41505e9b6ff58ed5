"""The simulation model: trucks through yards and clearance stages, in SimPy.

Design of the per-truck path (a simulated year is ~400,000 trucks):

* a truck is an integer; its state lives in preallocated lists, not objects;
* a stage is a pool of lanes with a FIFO queue; starting a service schedules
  one SimPy ``Timeout`` whose callback ends it, so a truck costs one event per
  stage plus its arrival (no process, request or release events);
* opening hours, staffing by hour, dated changes and ramps after closures
  change a stage's capacity a few times a day (:mod:`sim.capacity`): service
  in progress finishes when lanes close, the queue persists, and on opening as many
  waiting trucks start as there are free lanes, so no truck is lost or served
  twice when capacity changes;
* the records are appended to typed arrays when each stage ends; every KPI is
  computed afterwards from them (:mod:`sim.kpis`), nothing in the hot path.

This module never reads files, prints or touches global random state.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import simpy
from simpy.events import NORMAL, URGENT, Timeout

from sim.engine.calendar import (
    MINUTES_PER_DAY,
    closed_intervals,
    departure_times,
    model_epoch,
    open_intervals,
    to_model_minutes,
)
from sim.engine.capacity import Segment, Version, stage_timeline, versions
from sim.engine.demand import Arrivals, sample_demand
from sim.engine.randomness import Streams
from sim.engine.records import Records
from sim.engine.routing import LeastWaitChooser
from sim.engine.sampling import sampler
from sim.scenario.distributions import Deterministic
from sim.scenario.schema import DEFAULT_SERVICE, DIRECTIONS, ClassShares, Scenario
from sim.scenario.schema import Stage as StageSpec

IN_SYSTEM, CLEARED, GAVE_UP = 0, 1, 2
INF = float("inf")

# Order of events at the same instant (SimPy breaks ties by priority, then by creation):
# a stage closes, then a new quota day begins, then stages open and trains leave, and only
# then do the trucks' own events run. So no service starts at the instant a stage closes,
# and a truck started at an opening on a quota's midnight counts against the new day.
CLOSING, QUOTA_RESET, OPENING = URGENT - 2, URGENT - 1, URGENT
assert OPENING < NORMAL


def _slowed(draw: Callable[[], float], factor: float) -> Callable[[], float]:
    return lambda: draw() * factor


class Stage:
    """A pool of identical lanes open on a calendar, with one FIFO queue."""

    __slots__ = (
        "env", "id", "lanes", "capacity", "open_lanes", "busy", "queue", "waiting", "draw",
        "quota", "quota_left", "model", "cargo", "q_in", "s_in", "committed", "outcome",
        "rec_truck", "rec_stage", "rec_queue", "rec_start", "rec_end",
    )  # fmt: skip

    def __init__(
        self,
        env: simpy.Environment,
        sid: int,
        lanes: int,
        draw: list[Callable[[], float] | None],
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
        self.model = model
        # Bound once: the hot path reads these on every truck.
        self.cargo, self.q_in, self.s_in = model.cargo, model.q_in, model.s_in
        self.committed, self.outcome = model.committed, model.outcome
        r = model.records
        self.rec_truck, self.rec_stage = r.row_truck, r.row_stage
        self.rec_queue, self.rec_start, self.rec_end = r.row_queue, r.row_start, r.row_end

    def join(self, truck: int) -> None:
        """A truck reaches the stage."""
        self.q_in[truck] = self.env._now
        if self.busy < self.capacity and not self.waiting:
            self._start(truck)
        else:
            self.queue.append(truck)
            self.waiting += 1

    def _start(self, truck: int) -> None:
        self.s_in[truck] = self.env._now
        self.committed[truck] = 1
        self.busy += 1
        if self.quota is not None:
            self.quota_left -= 1
            if self.quota_left <= 0:
                self.capacity = 0
        Timeout(self.env, self.draw[self.cargo[truck]](), truck).callbacks.append(self._finish)

    def _finish(self, event: Timeout) -> None:
        truck = event._value
        self.busy -= 1
        self.rec_truck.append(truck)
        self.rec_stage.append(self.id)
        self.rec_queue.append(self.q_in[truck])
        self.rec_start.append(self.s_in[truck])
        self.rec_end.append(self.env._now)
        self.model.advance(truck)
        if self.waiting and self.busy < self.capacity:
            self._fill()

    def _fill(self) -> None:
        queue, outcome = self.queue, self.outcome
        while self.waiting and self.busy < self.capacity:
            truck = queue.popleft()
            if outcome[truck] == IN_SYSTEM:
                self.waiting -= 1
                self._start(truck)

    def set_open_lanes(self, lanes: int) -> None:
        self.open_lanes = lanes
        self.capacity = lanes if self.quota_left > 0 else 0
        self._fill()

    def new_quota_day(self) -> None:
        self.quota_left = self.quota
        self.set_open_lanes(self.open_lanes)

    def queued(self) -> Iterable[int]:
        """Trucks in the queue (including, lazily, some that gave up)."""
        return self.queue


class PriorityStage(Stage):
    """A stage that serves some cargo classes first (a green lane), FIFO within a class."""

    __slots__ = ("queues", "rank")

    def __init__(self, *args, rank: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.rank = rank  # per cargo class: 0 is served first
        self.queues: list[deque[int]] = [deque() for _ in range(max(rank) + 1)]

    def join(self, truck: int) -> None:
        self.q_in[truck] = self.env._now
        if self.busy < self.capacity and not self.waiting:
            self._start(truck)
        else:
            self.queues[self.rank[self.cargo[truck]]].append(truck)
            self.waiting += 1

    def _fill(self) -> None:
        outcome = self.outcome
        for queue in self.queues:
            while queue and self.waiting and self.busy < self.capacity:
                truck = queue.popleft()
                if outcome[truck] == IN_SYSTEM:
                    self.waiting -= 1
                    self._start(truck)

    def queued(self) -> Iterable[int]:
        return (truck for queue in self.queues for truck in queue)


class TrainStage(Stage):
    """A timetabled stage: each departure takes up to ``lanes`` waiting loads (one per wagon).

    Nothing starts between departures; a load's service is its time from departure to
    handover. Departures are driven by :meth:`Model._run_timetable`.
    """

    __slots__ = ()

    def join(self, truck: int) -> None:
        self.q_in[truck] = self.env._now
        self.queue.append(truck)
        self.waiting += 1

    def set_open_lanes(self, lanes: int) -> None:
        self.open_lanes = lanes  # the calendar decides which departures run, not who starts

    def depart(self) -> None:
        queue, outcome = self.queue, self.outcome
        loaded = 0
        while self.waiting and loaded < self.lanes:
            truck = queue.popleft()
            if outcome[truck] == IN_SYSTEM:
                self.waiting -= 1
                loaded += 1
                self._start(truck)


class Yard:
    """The holding area of one direction of a crossing; overflow waits on the road."""

    __slots__ = ("capacity", "inside", "road", "on_road", "model")

    def __init__(self, capacity: float, model: Model):
        self.capacity = capacity
        self.inside = 0
        self.road: deque[int] = deque()
        self.on_road = 0  # live trucks on the road
        self.model = model

    def arrive(self, truck: int) -> None:
        if self.inside < self.capacity and not self.on_road:
            self._enter(truck)
        else:
            self.road.append(truck)
            self.on_road += 1

    def _enter(self, truck: int) -> None:
        m = self.model
        self.inside += 1
        m.t_yard[truck] = m.env._now
        m.route_of[truck][0].join(truck)

    def leave(self) -> None:
        self.inside -= 1
        outcome = self.model.outcome
        while self.on_road and self.inside < self.capacity:
            truck = self.road.popleft()
            if outcome[truck] == IN_SYSTEM:
                self.on_road -= 1
                self._enter(truck)


class Model:
    """One replication of a scenario. Build, then :meth:`run`."""

    def __init__(self, scenario: Scenario, replication: int = 0, rng_seed: int | None = None):
        self.scenario = s = scenario
        self.replication = replication
        self.rng_seed = s.rng_seed if rng_seed is None else rng_seed
        self.streams = Streams(self.rng_seed, replication)
        self.env = simpy.Environment()
        self.horizon = s.horizon_days * MINUTES_PER_DAY
        self.epoch = model_epoch(s.start_date, s.timezone)

        self.class_names = list(s.cargo)
        self.crossing_names = [c for c, x in s.crossings.items() if x.enabled]
        self.stream_names = list(s.demand.streams)
        cls_index = {c: i for i, c in enumerate(self.class_names)}
        x_index = {c: i for i, c in enumerate(self.crossing_names)}

        # Trucks: the initial backlog first, then every arrival of the run in time order.
        arrivals: Arrivals = sample_demand(s, self.streams)
        backlog = [b for b in s.initial_backlog for _ in range(b.trucks)]
        n0, n = len(backlog), len(backlog) + arrivals.time.size
        self.n_backlog = n0
        streams = list(s.demand.streams.values())
        self.t_arr = [0.0] * n0 + arrivals.time.tolist()
        self.stream = [-1] * n0 + arrivals.stream.tolist()
        self.cargo = [cls_index[b.cargo] for b in backlog] + [
            cls_index[streams[i].cargo] for i in arrivals.stream.tolist()
        ]
        direction_of = [DIRECTIONS.index(x.direction) for x in streams]
        self.direction = [DIRECTIONS.index(b.direction) for b in backlog] + [
            direction_of[i] for i in arrivals.stream.tolist()
        ]
        self.crossing = [x_index[b.crossing] for b in backlog] + self._route_by_shares(arrivals)
        self.equipped = [0] * n0 + self._draw_equipped(arrivals)
        self.t_yard = [np.nan] * n
        self.t_out = [np.nan] * n
        self.q_in = [0.0] * n
        self.s_in = [0.0] * n
        self.pos = [0] * n
        self.outcome = bytearray(n)
        self.committed = bytearray(n)
        self.route_of: list[list[Stage]] = [None] * n  # type: ignore[list-item]
        self.yard_of: list[Yard] = [None] * n  # type: ignore[list-item]
        self.records = Records()

        self._build_network(cls_index)
        self._chooser = LeastWaitChooser(s, self.crossing_names, self.class_names, self.yards)
        self._patience = [
            None if c.patience is None else sampler(c.patience, self.streams.get(f"patience/{name}"))
            for name, c in s.cargo.items()
        ]

    # -- building -----------------------------------------------------------------------------
    def _route_by_shares(self, arrivals: Arrivals) -> list[int]:
        """Crossings of the trucks of fixed-share streams (-1: chosen on arrival)."""
        x_index = {c: i for i, c in enumerate(self.crossing_names)}
        out = np.full(arrivals.time.size, -1, dtype=np.int64)
        for i, (name, stream) in enumerate(self.scenario.demand.streams.items()):
            if not isinstance(stream.routing, ClassShares):
                continue
            mask = arrivals.stream == i
            targets = [c for c, p in stream.routing.shares.items() if p > 0]
            p = np.array([stream.routing.shares[c] for c in targets])
            rng = self.streams.get(f"routing/{name}")
            picks = rng.choice(len(targets), size=int(mask.sum()), p=p / p.sum())
            out[mask] = np.array([x_index[c] for c in targets])[picks]
        return out.tolist()

    def _draw_equipped(self, arrivals: Arrivals) -> list[int]:
        """1 for trucks equipped for automated (smart-gate) clearance."""
        out = np.zeros(arrivals.time.size, dtype=np.int64)
        for i, (name, stream) in enumerate(self.scenario.demand.streams.items()):
            if stream.equipped_share > 0:
                mask = arrivals.stream == i
                rng = self.streams.get(f"equipped/{name}")
                out[mask] = rng.random(int(mask.sum())) < stream.equipped_share
        return out.tolist()

    def _build_network(self, cls_index: dict[str, int]) -> None:
        s = self.scenario
        self.stages: list[Stage] = []
        self.stage_names: list[str] = []
        self.stage_lanes: list[int] = []
        self.stage_intervals: list[list[tuple[float, float]]] = []
        self.stage_timelines: list[list[Segment]] = []
        self.stage_versions: list[list[Version]] = []
        self.stage_crossing: list[int] = []  # -1: a shared facility's stage
        self.stage_direction: list[int] = []
        self.stage_departures: list[list[float] | None] = []
        n_classes = len(self.class_names)

        # Shared facilities first: one Stage object per facility stage, whoever feeds it.
        shared: dict[tuple[str, str], list[tuple[Stage, StageSpec]]] = {}
        for fid, facility in s.facilities.items():
            for direction, froute in facility.routes.items():
                feeders = [
                    x
                    for x in self.crossing_names
                    if (r := s.crossings[x].routes.get(direction)) is not None and r.facility == fid
                ]
                if not feeders:
                    continue
                classes = [c for c in self.class_names if any(c in s.crossings[x].accepts for x in feeders)]
                built = []
                for st in froute.stages:
                    # A facility's closure dates are read in its stage's calendar time zone.
                    closed = closed_intervals(facility.closures, s.hours[st.hours].timezone, self.epoch)
                    stage = self._build_stage(f"{fid}/{direction}/{st.name}", st, classes, cls_index, closed)
                    self.stage_crossing.append(-1)
                    self.stage_direction.append(DIRECTIONS.index(direction))
                    built.append((stage, st))
                shared[(fid, direction)] = built

        # routes[crossing][direction][2 * class + equipped] -> the stages such a truck passes
        self.routes: list[list[list[list[Stage]] | None]] = []
        self.yards: list[list[Yard | None]] = []
        for xi, cid in enumerate(self.crossing_names):
            crossing = s.crossings[cid]
            closed = closed_intervals(crossing.closures, s.timezone, self.epoch)
            by_dir: list[list[list[Stage]] | None] = [None, None]
            yards: list[Yard | None] = [None, None]
            for di, direction in enumerate(DIRECTIONS):
                route = crossing.routes.get(direction)
                if route is None:
                    continue
                cap = INF if route.yard_capacity is None else route.yard_capacity
                yards[di] = Yard(cap, self)
                own = []
                for st in route.stages:
                    name = f"{cid}/{direction}/{st.name}"
                    own.append((self._build_stage(name, st, crossing.accepts, cls_index, closed), st))
                    self.stage_crossing.append(xi)
                    self.stage_direction.append(di)
                facility = shared.get((route.facility, direction), []) if route.facility else []
                # Exports pass the Vietnamese stages, then China's; imports the other way round.
                passed = own + facility if direction == "export" else facility + own
                per_variant: list[list[Stage]] = [[] for _ in range(2 * n_classes)]
                for stage, st in passed:
                    for cname in crossing.accepts:
                        ci = cls_index[cname]
                        if stage.draw[ci] is None:
                            continue
                        if st.serves != "equipped":
                            per_variant[2 * ci].append(stage)
                        if st.serves != "conventional":
                            per_variant[2 * ci + 1].append(stage)
                by_dir[di] = per_variant
            self.routes.append(by_dir)
            self.yards.append(yards)

    def _build_stage(
        self,
        name: str,
        st: StageSpec,
        accepts: list[str],
        cls_index: dict[str, int],
        closed: list[tuple[float, float]],
    ) -> Stage:
        s, env = self.scenario, self.env
        hours = s.hours[st.hours]
        vs = versions(st, self.epoch, hours.timezone)
        served = [c for c in accepts if st.applies_to is None or c in st.applies_to]
        rngs = {c: self.streams.get(f"service/{name}/{c}") for c in served}
        # One sampler list per version (dated change) of the stage; scaled copies for ramps.
        draws: list[list[Callable[[], float] | None]] = []
        for v in vs:
            draw: list[Callable[[], float] | None] = [None] * len(self.class_names)
            for cname in served:
                if v.trucks_per_hour is not None:
                    dist = Deterministic(kind="deterministic", value_min=60.0 * v.lanes / v.trucks_per_hour)
                else:
                    dist = v.service.get(cname, v.service.get(DEFAULT_SERVICE))
                draw[cls_index[cname]] = sampler(dist, rngs[cname])
            draws.append(draw)
        sid = len(self.stages)
        intervals = open_intervals(hours, self.epoch, self.horizon, closed)
        timeline = stage_timeline(st, s, self.epoch, self.horizon, closed)
        top = max([st.lanes, *(seg[1] for seg in timeline)])
        departures = None
        if st.departures is not None:
            stage: Stage = TrainStage(env, sid, st.wagons_per_train, draws[0], None, self)
            departures = departure_times(st.departures, hours.timezone, intervals, self.epoch, self.horizon)
            env.process(self._run_timetable(stage, departures))
        elif st.priority:
            rank = [len(st.priority)] * len(self.class_names)
            for r, cname in enumerate(st.priority):
                rank[cls_index[cname]] = r
            stage = PriorityStage(env, sid, top, draws[0], st.max_per_day, self, rank=rank)
        else:
            stage = Stage(env, sid, top, draws[0], st.max_per_day, self)
        self.stages.append(stage)
        self.stage_names.append(name)
        self.stage_lanes.append(stage.lanes)
        self.stage_intervals.append(intervals)
        self.stage_timelines.append(timeline if departures is None else [(0.0, st.wagons_per_train, 1.0, 0)])
        self.stage_versions.append(vs)
        self.stage_departures.append(departures)
        if departures is None:
            env.process(self._keep_capacity(stage, timeline, draws))
        if st.max_per_day is not None:
            env.process(self._reset_quota(stage, hours.timezone))
        return stage

    def _at(self, when: float, priority: int) -> simpy.Event:
        """An event at ``when`` with one of the priorities below."""
        event = simpy.Event(self.env)
        event._ok, event._value = True, None
        self.env.schedule(event, priority, max(0.0, when - self.env.now))
        return event

    def _keep_capacity(self, stage: Stage, timeline: list[Segment], draws: list):
        """Follow the stage's capacity timeline: lanes open and the samplers in force."""
        scaled: dict[tuple[int, float], list] = {}
        lanes_now = 0
        for start, lanes, fraction, version in timeline:
            yield self._at(start, CLOSING if lanes < lanes_now else OPENING)
            if fraction == 1.0:
                stage.draw = draws[version]
            else:
                key = (version, fraction)
                if key not in scaled:
                    scaled[key] = [None if f is None else _slowed(f, 1.0 / fraction) for f in draws[version]]
                stage.draw = scaled[key]
            stage.set_open_lanes(lanes)
            lanes_now = lanes

    def _run_timetable(self, stage: TrainStage, departures: list[float]):
        for t in departures:
            yield self._at(t, OPENING)
            stage.depart()

    def _reset_quota(self, stage: Stage, timezone: str):
        tz = ZoneInfo(timezone)
        day = self.epoch.astimezone(tz).date()
        while True:
            day += timedelta(days=1)
            midnight = to_model_minutes(datetime.combine(day, time()), tz, self.epoch)
            if midnight >= self.horizon:
                return
            yield self._at(midnight, QUOTA_RESET)
            stage.new_quota_day()

    # -- the truck path -------------------------------------------------------------------------
    def admit(self, truck: int) -> None:
        """A truck arrives at the border area and joins its crossing's yard (or the road)."""
        xi = self.crossing[truck]
        if xi < 0:
            xi = self.crossing[truck] = self._chooser.choose(
                self.stream[truck], self.direction[truck], self.cargo[truck]
            )
        di = self.direction[truck]
        self.route_of[truck] = self.routes[xi][di][2 * self.cargo[truck] + self.equipped[truck]]
        self.yard_of[truck] = yard = self.yards[xi][di]
        patience = self._patience[self.cargo[truck]]
        if patience is not None:
            Timeout(self.env, patience(), truck).callbacks.append(self._give_up)
        yard.arrive(truck)

    def advance(self, truck: int) -> None:
        """A truck has finished a stage: on to the next, or across the border."""
        p = self.pos[truck] + 1
        route = self.route_of[truck]
        if p < len(route):
            self.pos[truck] = p
            route[p].join(truck)
        else:
            self.outcome[truck] = CLEARED
            self.t_out[truck] = self.env._now
            self.yard_of[truck].leave()

    def _give_up(self, event: Timeout) -> None:
        truck = event._value
        if self.outcome[truck] != IN_SYSTEM or self.committed[truck]:
            return
        self.outcome[truck] = GAVE_UP
        self.t_out[truck] = self.env._now
        yard = self.yard_of[truck]
        if self.t_yard[truck] == self.t_yard[truck]:  # in the yard, queueing at its first stage
            first = self.route_of[truck][0]
            first.waiting -= 1
            self.records.add_row(truck, first.id, self.q_in[truck], np.nan, np.nan)
            yard.leave()
        else:
            yard.on_road -= 1

    def _next_arrival(self, event: Timeout) -> None:
        truck = event._value
        # The clock reaches t as now + (t - now), which can differ from t in the last bit:
        # record the instant the model saw, so that no later time precedes the arrival.
        self.t_arr[truck] = self.env._now
        self.admit(truck)
        nxt = truck + 1
        if nxt < len(self.t_arr):
            delay = self.t_arr[nxt] - self.env._now
            Timeout(self.env, delay if delay > 0 else 0.0, nxt).callbacks.append(self._next_arrival)

    # -- running ----------------------------------------------------------------------------------
    def run(self) -> Records:
        """Simulate the horizon and return the records."""
        env = self.env
        for truck in range(self.n_backlog):
            self.admit(truck)
        if self.n_backlog < len(self.t_arr):
            first = self.n_backlog
            Timeout(env, self.t_arr[first], first).callbacks.append(self._next_arrival)
        env.run(until=self.horizon)
        self._close_records()
        self._dismantle()
        return self.records

    def _dismantle(self) -> None:
        """Break the reference cycles of a finished run (model <-> stages and yards, processes <->
        their pending events), so that its memory is freed as soon as the caller lets go of it,
        without waiting for a full garbage collection. Replications run back to back would
        otherwise pile up a year's state each before the collector looks (issue 13)."""
        queue = self.env._queue
        for *_, event in queue:
            event.callbacks = None  # pending timeouts and the processes waiting on them
        queue.clear()
        for stage in self.stages:
            stage.model = None  # type: ignore[assignment]
        for yards in self.yards:
            for yard in yards:
                if yard is not None:
                    yard.model = None  # type: ignore[assignment]
        self.route_of = self.yard_of = []
        self.routes, self._chooser = [], None  # type: ignore[assignment]

    def _close_records(self) -> None:
        """Rows for the trucks still in the system at the end of the horizon."""
        r = self.records
        queued = {t for stage in self.stages for t in stage.queued()}
        for truck in range(len(self.t_arr)):
            if self.outcome[truck] != IN_SYSTEM or self.t_yard[truck] != self.t_yard[truck]:
                continue  # done, or still on the road (never reached a stage)
            stage = self.route_of[truck][self.pos[truck]]
            started = np.nan if truck in queued else self.s_in[truck]
            r.add_row(truck, stage.id, self.q_in[truck], started, np.nan)
        r.set_trucks(
            t_arrive=self.t_arr,
            t_yard=self.t_yard,
            t_out=self.t_out,
            outcome=self.outcome,
            crossing=self.crossing,
            direction=self.direction,
            cargo=self.cargo,
            stream=self.stream,
            equipped=self.equipped,
            initial=[i < self.n_backlog for i in range(len(self.t_arr))],
        )
