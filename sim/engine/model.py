"""The simulation model: trucks through yards and clearance stages, in SimPy.

Design of the per-truck path (a simulated year of the baseline is ~530,000 trucks and
~2.2 million events, so everything here is per event; issue 13):

* a truck is an integer; its state lives in preallocated typed arrays, not objects;
* a route (crossing, direction, cargo class, equipment) is a chain of :class:`Hop` s, one
  per stage it passes; a stage is a pool of lanes with a FIFO queue; starting a service
  pushes one minimal SimPy event (:class:`Pass`) onto SimPy's queue exactly as ``Timeout``
  would, whose callback (the hop's ``finish``) ends it and starts the next hop, so a truck
  costs one event per stage plus its arrival (no process, request or release events), and
  the same event object carries it from stage to stage;
* arrivals are read from the presorted array, one pending arrival event at a time
  (:class:`ArrivalFeed`);
* service durations are drawn in blocks and handed out as C doubles (:class:`Durations`);
* the classes every event touches (stages, hops, yards, arrivals, durations) are in
  :mod:`sim.engine.path`, compiled with Cython at install when a C compiler is there
  (:mod:`sim.compiled`; same results to the bit, ~1.5x faster); this module builds them and
  drives the calendars and the staging areas;
* opening hours, staffing by hour, dated changes and ramps after closures
  change a stage's capacity a few times a day (:mod:`sim.capacity`): service
  in progress finishes when lanes close, the queue persists, and on opening as many
  waiting trucks start as there are free lanes, so no truck is lost or served
  twice when capacity changes;
* a service's start and end are written into the truck's row of two preallocated arrays
  (one slot per route position); the stage table is built from them, vectorised, at the
  end, and every KPI is computed afterwards (:mod:`sim.kpis`), nothing in the hot path;
* features a scenario does not use (patience, turning back, quotas, slots, staging,
  eligibility) cost the others nothing: their checks sit on other classes or behind one flag;
  the behaviours of drivers and rules are modules of their own, built only when used
  (:mod:`sim.engine.patience`, :mod:`sim.engine.slots`, :mod:`sim.engine.suspension`,
  :mod:`sim.engine.route_choice`, :mod:`sim.engine.waiting`).

This module never reads files, prints or touches global random state.
"""

from __future__ import annotations

from array import array
from collections import deque
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import simpy

from sim.engine import dwell, ramp
from sim.engine.calendar import (
    CLOSING,
    MINUTES_PER_DAY,
    OPENING,
    QUOTA_RESET,
    closed_intervals,
    departure_times,
    model_epoch,
    open_intervals,
    to_model_minutes,
)
from sim.engine.capacity import Segment, Version, ramp_of, reopenings, stage_timeline, versions
from sim.engine.clock import run_until
from sim.engine.demand import Arrivals, sample_demand
from sim.engine.path import (  # noqa: F401 (after, Pass: re-exported, used by tests)
    CLEARED,
    GAVE_UP,
    IN_SYSTEM,
    INF,
    ArrivalFeed,
    Draws,
    Durations,
    Hold,
    HoldHop,
    Hop,
    Pass,
    PriorityStage,
    QuotaHop,
    Stage,
    TrainStage,
    Yard,
    after,
)
from sim.engine.patience import Patience
from sim.engine.randomness import Streams
from sim.engine.records import PLACES, Records
from sim.engine.route_choice import RouteChoice, draw_logit
from sim.engine.sampling import blocks
from sim.engine.slots import Slots
from sim.engine.suspension import Suspensions
from sim.engine.waiting import STAGED, STAGING_ROAD, TRANSIT, Whereabouts
from sim.scenario.distributions import Deterministic
from sim.scenario.schema import DEFAULT_SERVICE, DIRECTIONS, ClassShares, Logit, Scenario
from sim.scenario.schema import Stage as StageSpec

# Where a truck gave up or still waits at the end (records column `place`).
P_ORIGIN, P_ROAD, P_STAGING, P_TRANSIT, P_YARD, P_DIVERTED, P_DWELL = (
    PLACES.index(p) for p in ("origin", "road", "staging", "transit", "yard", "diverted", "dwell")
)


def _column(typecode: str, values: np.ndarray) -> array:
    """A typed array holding ``values`` (converted to the array's C type)."""
    out = array(typecode)
    out.frombytes(np.ascontiguousarray(values, np.dtype(typecode)).tobytes())
    return out


def _durations(dist, rng: np.random.Generator) -> Durations:
    """A stage's durations for one class from ``dist``: the draws of :func:`sampler`, in order."""
    if isinstance(dist, Deterministic):
        return Durations(None, float(dist.value_min))
    return Durations(Draws(blocks(dist, rng)), 1.0)


class Staging:
    """A staging area (a logistics park) shared by the gates that name it; overflow waits on
    the road before it. A truck inside waits in its gate's call queue (``CalledYard.road``)."""

    __slots__ = ("capacity", "inside", "road", "on_road", "model")

    def __init__(self, capacity: float, model: Model):
        self.capacity = capacity
        self.inside = 0
        self.road: deque[int] = deque()
        self.on_road = 0
        self.model = model

    def arrive(self, truck: int) -> None:
        if self.inside < self.capacity and not self.on_road:
            self._enter(truck)
        else:
            self.road.append(truck)
            self.on_road += 1
            self.model.place[truck] = STAGING_ROAD

    def _enter(self, truck: int) -> None:
        m = self.model
        self.inside += 1
        m.t_staged[truck] = m.env._now
        m.place[truck] = STAGED
        m.yard_for(truck).queue_call(truck)

    def leave(self) -> None:
        """A truck has left (called forward or gave up): let the road in."""
        self.inside -= 1
        outcome = self.model.outcome
        while self.on_road and self.inside < self.capacity:
            truck = self.road.popleft()
            if outcome[truck] == IN_SYSTEM:
                self.on_road -= 1
                self._enter(truck)


class CalledYard(Yard):
    """A gate yard that trucks reach only when let through: with a registration slot
    (:mod:`sim.engine.slots`), from a staging area when the yard has room, past a crossing's
    dated diversions and eligibility.

    Path: arrival -> (diverted?) -> (class not accepted: sent on) -> slot (or wait at the
    origin) -> staging area (or the road) -> called when ``inside + in transit < capacity`` ->
    drive ``travel`` minutes -> the yard. Without staging, ``road`` is the road before the gate
    (as in :class:`Yard`); with it, ``road`` is the call queue of this gate's trucks in the
    staging area, first in first called.
    """

    __slots__ = (
        "staging",
        "travel",
        "slots",
        "transit",
        "calling",
        "eligible",
        "rule",
        "diversions",
        "divert_rng",
    )

    def __init__(self, capacity: float, model: Model, staging: Staging | None, travel: float):
        super().__init__(capacity, model)
        self.staging = staging
        self.travel = travel
        self.slots: Slots | None = None  # the route's registration slots, if metered
        self.transit = 0  # called trucks driving from the staging area
        self.calling = False
        self.eligible = None  # per class, when the crossing's eligibility changes by date
        self.rule = None  # the eligibility change in force (its re-routing rule)
        self.diversions: list[tuple[float, float, float, list[bool] | None]] = []
        self.divert_rng = None

    def arrive(self, truck: int) -> None:
        m = self.model
        for start, end, share, classes in self.diversions:
            if start <= m.env._now < end and (classes is None or classes[m.cargo[truck]]):
                if self.divert_rng.random() < share:  # type: ignore[union-attr]
                    m.leave_now(truck, P_DIVERTED)
                    return
                break
        if self.eligible is not None and not self.eligible[m.cargo[truck]]:
            m.suspensions.reroute(truck, self.rule)
        elif self.slots is not None:
            self.slots.request(truck)
        else:
            self.go_on(truck)

    def go_on(self, truck: int) -> None:
        """Let through (with its slot, if metered): to the staging area, or to the gate."""
        if self.staging is not None:
            self.staging.arrive(truck)
        else:
            Yard.arrive(self, truck)

    def queue_call(self, truck: int) -> None:
        self.road.append(truck)
        self.on_road += 1
        self.call()

    def call(self) -> None:
        """Call trucks forward from the staging area while the yard has room."""
        if self.calling:  # re-entered through the staging area: the loop below goes on
            return
        self.calling = True
        m = self.model
        outcome = m.outcome
        while self.on_road and self.inside + self.transit < self.capacity:
            truck = self.road.popleft()
            if outcome[truck] != IN_SYSTEM:
                continue
            self.on_road -= 1
            self.transit += 1
            m.t_called[truck] = m.env._now
            m.place[truck] = TRANSIT
            after(m.env, self.travel, truck, (self._reach,))
            self.staging.leave()  # type: ignore[union-attr]
        self.calling = False

    def _reach(self, event: Pass) -> None:
        truck = event._value
        self.transit -= 1
        m = self.model
        m.place[truck] = 0
        if self.eligible is not None and not self.eligible[m.cargo[truck]]:
            # Called before the gate stopped taking its class: sent on from the gate, and
            # its place in the yard goes to the next truck called.
            m.suspensions.reroute(truck, self.rule)
            self.call()
            return
        self._enter(truck)

    def leave(self) -> None:
        if self.staging is None:
            Yard.leave(self)
        else:
            self.inside -= 1
            self.call()


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
        self._age = [b.waited_h * 60.0 for b in backlog]
        streams = list(s.demand.streams.values())
        # Per-truck columns are typed arrays (read and written one truck at a time by the
        # model, handed to NumPy without a copy at the end), built here from NumPy columns.
        cargo_of = np.array([cls_index[x.cargo] for x in streams], np.int8)
        direction_of = np.array([DIRECTIONS.index(x.direction) for x in streams], np.int8)
        ints = lambda values: np.array(values, np.int64)  # noqa: E731 (the backlog's, maybe none)
        cargo = np.concatenate([ints([cls_index[b.cargo] for b in backlog]), cargo_of[arrivals.stream]])
        equipped = np.concatenate([np.zeros(n0, np.int64), self._draw_equipped(arrivals)])
        self.t_arr = _column("d", np.concatenate([np.zeros(n0), arrivals.time]))
        self.stream = _column("h", np.concatenate([np.full(n0, -1), arrivals.stream]))
        self.cargo = _column("b", cargo)
        self.direction = _column(
            "b",
            np.concatenate(
                [ints([DIRECTIONS.index(b.direction) for b in backlog]), direction_of[arrivals.stream]]
            ),
        )
        by_shares = self._route_by_shares(arrivals)
        logit = None  # per truck, the uniform of its logit choice (logit streams only)
        if any(isinstance(x.routing, Logit) for x in streams):
            logit = np.concatenate(
                [np.full(n0, np.nan), draw_logit(s, self.streams, arrivals.stream, by_shares)]
            )
        self.crossing = _column(
            "h", np.concatenate([ints([x_index[b.crossing] for b in backlog]), by_shares])
        )
        self.equipped = _column("b", equipped)
        self.t_yard = array("d", [np.nan]) * n
        self.t_out = array("d", [np.nan]) * n
        # Slot, staging and call-forward times: lists only when some route has them.
        self.t_slot: list[float] | None = None  # reached the border (metered routes: its slot)
        self.t_staged: list[float] | None = None  # entered a staging area
        self.t_called: list[float] | None = None  # called forward from the staging area
        self.place = bytearray(n)  # where a truck waits, beyond road and yard (ORIGIN...)
        self.gave_up_at = bytearray(n)  # P_* code of where it gave up
        self.rerouted = bytearray(n)  # 1: sent on to another crossing (eligibility, route choice)
        self.reimported = bytearray(n)  # 1: turned back or sent on after passing a stage
        self.outcome = bytearray(n)
        # A truck's route variant (2 * class + equipped), and the hop it waits at when queued.
        self.variant = _column("h", 2 * cargo.astype(np.int64) + equipped)
        self.hop_of: list[Hop] = [None] * n  # type: ignore[list-item]

        self._build_network(cls_index)
        # The records of the stages, one row of `width` slots per truck (its route's positions):
        # service start and end, NaN until they happen. A stage's queue time is the previous
        # stage's end (or the truck's t_yard), so it is not stored.
        self.width = max([1, *(len(r) for by_dir in self.routes for v in by_dir if v for r in v)])
        nan_row = array("d", [np.nan]) * self.width
        self.t_start = nan_row * n
        self.t_end = nan_row * n
        self._build_hops()
        self.records = Records()
        if any(isinstance(y, CalledYard) for yards in self.yards for y in yards):
            self.t_slot, self.t_staged, self.t_called = (array("d", [np.nan]) * n for _ in range(3))
        # The behaviours of drivers and rules (each in its own module): built only when the
        # scenario uses them, so they cost the others nothing.
        self.where = Whereabouts(self)
        self.chooser = RouteChoice(self, logit)
        impatient = any(
            c.patience is not None or c.origin_patience is not None or c.turn_back_over_h is not None
            for c in s.cargo.values()
        )
        self.patience: Patience | None = Patience(self) if impatient else None
        suspended = any(x.closures or x.eligibility for x in s.crossings.values() if x.enabled) or any(
            f.suspensions for f in s.facilities.values()
        )
        self.suspensions: Suspensions | None = Suspensions(self) if suspended else None
        self._impatient = self.patience is not None
        self.feed = ArrivalFeed(self)

    @property
    def admitted(self) -> int:
        """Trucks 0 .. admitted - 1 have arrived."""
        return self.feed.admitted

    # -- building -----------------------------------------------------------------------------
    def _route_by_shares(self, arrivals: Arrivals) -> np.ndarray:
        """Crossings of the trucks of fixed-share streams (-1: chosen on arrival)."""
        x_index = {c: i for i, c in enumerate(self.crossing_names)}
        out = np.full(arrivals.time.size, -1, dtype=np.int64)
        if arrivals.crossing is not None:  # split among crossings with the arrivals (day factors)
            named = np.array([x_index.get(c, -1) for c in self.scenario.crossings], np.int64)
            drawn = arrivals.crossing >= 0
            out[drawn] = named[arrivals.crossing[drawn]]
        for i, (name, stream) in enumerate(self.scenario.demand.streams.items()):
            if not isinstance(stream.routing, ClassShares):
                continue
            mask = arrivals.stream == i
            if arrivals.crossing is not None and (arrivals.crossing[mask] >= 0).all():
                continue
            targets = [c for c, p in stream.routing.shares.items() if p > 0]
            p = np.array([stream.routing.shares[c] for c in targets])
            rng = self.streams.get(f"routing/{name}")
            picks = rng.choice(len(targets), size=int(mask.sum()), p=p / p.sum())
            out[mask] = np.array([x_index[c] for c in targets])[picks]
        return out

    def _draw_equipped(self, arrivals: Arrivals) -> np.ndarray:
        """1 for trucks equipped for automated (smart-gate) clearance."""
        out = np.zeros(arrivals.time.size, dtype=np.int64)
        for i, (name, stream) in enumerate(self.scenario.demand.streams.items()):
            if stream.equipped_share > 0:
                mask = arrivals.stream == i
                rng = self.streams.get(f"equipped/{name}")
                out[mask] = rng.random(int(mask.sum())) < stream.equipped_share
        return out

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
        self.stage_kinds: list[str] = []  # "lanes", "train" or "hold" (a dwell, sim.engine.dwell)
        self.hold_versions: dict[int, list[dwell.DwellVersion]] = {}  # a hold's times by stage id
        self._open: dict[tuple, list[tuple[float, float]]] = {}
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
        self.staging_names = list(s.staging)
        self.staging_areas = [
            Staging(INF if a.capacity is None else a.capacity, self) for a in s.staging.values()
        ]
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
                plain = not (route.staging or route.slots or crossing.eligibility or crossing.diversions)
                if plain:
                    yards[di] = Yard(cap, self)
                else:
                    staging = travel = None
                    if route.staging is not None:
                        staging = self.staging_areas[self.staging_names.index(route.staging)]
                        travel = s.staging[route.staging].travel_min()
                    yards[di] = called = CalledYard(cap, self, staging, travel or 0.0)
                    if crossing.diversions:
                        called.diversions = self._diversion_windows(crossing.diversions)
                        called.divert_rng = self.streams.get(f"diversion/{cid}/{direction}")
                    if route.slots:
                        called.slots = Slots(self, called, route.slots)
                own = []
                for st in route.stages:
                    name = f"{cid}/{direction}/{st.name}"
                    own.append((self._build_stage(name, st, crossing.accepts, cls_index, closed), st))
                    self.stage_crossing.append(xi)
                    self.stage_direction.append(di)
                facility = shared.get((route.facility, direction), []) if route.facility else []
                holds = self._build_holds(cid, xi, direction, crossing.accepts, cls_index)
                arrival, between = (
                    holds.get("arrival", []),
                    holds.get("before_cn", []) + holds.get("after_cn", []),
                )
                # Exports pass the Vietnamese stages, then China's; imports the other way round.
                # Dwells (holds) sit on arrival and between the two sides.
                if direction == "export":
                    passed = arrival + own + between + facility
                else:
                    passed = arrival + facility + between + own
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

    def _build_hops(self) -> None:
        """A chain of hops for each route (see :class:`Hop`); each yard gets the first hop of
        each of its routes, and the last hop of a route the yard it leaves."""
        self.hops: list[Hop] = []
        for xi, by_dir in enumerate(self.routes):
            for di, variants in enumerate(by_dir):
                yard = self.yards[xi][di]
                if variants is None or yard is None:
                    continue
                yard.first = []
                for route in variants:
                    chain = [
                        (HoldHop if type(stage) is Hold else Hop if stage.quota is None else QuotaHop)(
                            stage, p, self
                        )
                        for p, stage in enumerate(route)
                    ]
                    for a, b in zip(chain, chain[1:], strict=False):
                        a.next = b
                    if chain:
                        chain[-1].yard = yard
                    self.hops += chain
                    yard.first.append(chain[0] if chain else None)

    def _build_holds(
        self, cid: str, xi: int, direction: str, accepts: list[str], cls_index: dict[str, int]
    ) -> dict[str, list[tuple[Hold, object]]]:
        """The holds (dwells) of one crossing's route, by position (sim.engine.dwell)."""
        s, di = self.scenario, DIRECTIONS.index(direction)
        out: dict[str, list[tuple[Hold, object]]] = {}
        for name, spec in dwell.on_route(s, cid, direction):
            full = f"{cid}/{direction}/{name}"
            vs = dwell.versions(spec, s, self.epoch)
            held = [c for c in accepts if spec.holds(c)]
            rngs = {c: self.streams.get(f"service/{full}/{c}") for c in held}
            draws = []
            for v in vs:
                draw: list[Durations | None] = [None] * len(self.class_names)
                for c in held:
                    draw[cls_index[c]] = _durations(dwell.distribution(v, c), rngs[c])
                draws.append(draw)
            clock = None
            if spec.hours is not None:  # calendars are shared: their open intervals computed once
                key = (spec.hours, ())
                if key not in self._open:
                    self._open[key] = open_intervals(s.hours[spec.hours], self.epoch, self.horizon)
                clock = list(self._open[key])
            hold = dwell.build(
                self.env,
                len(self.stages),
                draws,
                vs,
                self,
                clock,
                self.horizon,
                lambda t: self._at(t, OPENING),
            )
            self.stages.append(hold)
            self.stage_names.append(full)
            self.stage_lanes.append(0)
            self.stage_intervals.append(clock if clock is not None else [(0.0, self.horizon)])
            self.stage_timelines.append([(0.0, 0, 1.0, 0)])
            self.stage_versions.append([])
            self.stage_departures.append(None)
            self.stage_kinds.append("hold")
            self.hold_versions[hold.id] = vs  # for a chooser's expected wait: dwell.mean_minutes
            self.stage_crossing.append(xi)
            self.stage_direction.append(di)
            out.setdefault(spec.at, []).append((hold, spec))
        return out

    def _lane_routes(self) -> list:
        """The routes without their holds (what the least-wait chooser reckons with): the
        routes themselves when there is no hold."""
        if "hold" not in self.stage_kinds:
            return self.routes
        return [
            [None if v is None else [[st for st in r if type(st) is not Hold] for r in v] for v in by_dir]
            for by_dir in self.routes
        ]

    def yard_for(self, truck: int) -> Yard:
        """The yard of the truck's crossing and direction."""
        return self.yards[self.crossing[truck]][self.direction[truck]]  # type: ignore[return-value]

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
        # One list of durations per version (dated change) of the stage; scaled copies for ramps.
        draws: list[list[Durations | None]] = []
        for v in vs:
            draw: list[Durations | None] = [None] * len(self.class_names)
            for cname in served:
                if v.trucks_per_hour is not None:
                    dist = Deterministic(kind="deterministic", value_min=60.0 * v.lanes / v.trucks_per_hour)
                else:
                    dist = v.service.get(cname, v.service.get(DEFAULT_SERVICE))
                draw[cls_index[cname]] = _durations(dist, rngs[cname])
            draws.append(draw)
        sid = len(self.stages)
        # Stages of a crossing mostly share a calendar: its open intervals are computed once.
        key = (st.hours, tuple(closed))
        if key not in self._open:
            self._open[key] = open_intervals(hours, self.epoch, self.horizon, closed)
        intervals = list(self._open[key])
        timeline = stage_timeline(st, s, self.epoch, self.horizon, closed, intervals)
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
        self.stage_kinds.append("lanes" if departures is None else "train")
        self.stage_lanes.append(stage.lanes)
        self.stage_intervals.append(intervals)
        self.stage_timelines.append(timeline if departures is None else [(0.0, st.wagons_per_train, 1.0, 0)])
        self.stage_versions.append(vs)
        self.stage_departures.append(departures)
        if departures is None:
            env.process(self._keep_capacity(stage, timeline, draws))
        if st.max_per_day is not None:
            env.process(self._reset_quota(stage, hours.timezone))
        ramp_ = ramp_of(st, s)
        # A normal day's share is a quota: a stage with a daily quota of its own keeps that one.
        if ramp_ is not None and ramp_.of == "normal_day" and departures is None and st.max_per_day is None:
            stage.quota = INF  # its hops count starts (QuotaHop); no quota until a ramp sets one
            opened = reopenings(st, s, self.epoch, closed, intervals)
            env.process(
                ramp.run(self, stage, ramp_, opened, self.horizon, lambda t: self._at(t, QUOTA_RESET))
            )
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
                    scaled[key] = [None if f is None else f.scaled(1.0 / fraction) for f in draws[version]]
                stage.draw = scaled[key]
            stage.set_open_lanes(lanes)
            lanes_now = lanes

    def _run_timetable(self, stage: TrainStage, departures: list[float]):
        for t in departures:
            yield self._at(t, OPENING)
            stage.depart()

    def _diversion_windows(self, diversions) -> list[tuple[float, float, float, list[bool] | None]]:
        tz = ZoneInfo(self.scenario.timezone)
        out = []
        for d in diversions:
            start = to_model_minutes(datetime.combine(d.start, time()), tz, self.epoch)
            end = to_model_minutes(datetime.combine(d.end + timedelta(days=1), time()), tz, self.epoch)
            classes = None if d.cargo is None else [c in d.cargo for c in self.class_names]
            out.append((start, end, d.share, classes))
        return out

    def leave_now(self, truck: int, place: int) -> None:
        """A truck leaves the border area on arrival (diverted, or turned back)."""
        self.outcome[truck] = GAVE_UP
        self.t_out[truck] = self.env._now
        self.gave_up_at[truck] = place

    def _reset_quota(self, stage: Stage, timezone: str):
        tz = ZoneInfo(timezone)
        day = self.epoch.astimezone(tz).date()
        while True:
            day += timedelta(days=1)
            midnight = to_model_minutes(datetime.combine(day, time()), tz, self.epoch)
            if midnight >= self.horizon:
                stage.reopen_at = INF
                return
            stage.reopen_at = midnight
            yield self._at(midnight, QUOTA_RESET)
            stage.new_quota_day()

    # -- the truck path -------------------------------------------------------------------------
    def admit(self, truck: int) -> None:
        """A truck arrives at the border area (or, on a metered route, asks for its slot) and
        joins its crossing's yard (or the road)."""
        xi = self.crossing[truck]
        if xi < 0:
            xi = self.crossing[truck] = self.chooser.choose_for(truck)
        self.feed.admitted = truck + 1
        di = self.direction[truck]
        yard = self.yards[xi][di]
        patience = self.patience
        if patience is not None:  # some class turns back or gives up (else nothing to check)
            if patience.balks(truck, xi, di):
                return
            if getattr(yard, "slots", None) is None:  # (with slots: when dispatched to the border)
                patience.start(truck)
        yard.arrive(truck)  # type: ignore[union-attr]

    # -- running ----------------------------------------------------------------------------------
    def run(self) -> Records:
        """Simulate the horizon and return the records."""
        env = self.env
        for truck in range(self.n_backlog):
            self.admit(truck)
        if self.n_backlog < len(self.t_arr):  # the first arrival; each pushes the next
            after(env, self.t_arr[self.n_backlog], self.n_backlog, self.feed.cbs)
        run_until(env, self.horizon)  # env.run(until=...), its loop inlined: sim/engine/clock.py
        self._close_records()
        self._dismantle()
        return self.records

    def _places(self, t_yard: np.ndarray) -> np.ndarray:
        """Where each truck gave up or, still in the system, waits at the end (P_* codes)."""
        out = np.frombuffer(bytes(self.gave_up_at), np.uint8).copy()
        waiting = np.frombuffer(bytes(self.outcome), np.uint8) == IN_SYSTEM
        where = np.frombuffer(bytes(self.place), np.uint8)[waiting]
        code = np.array([0, P_ORIGIN, P_ROAD, P_STAGING, P_TRANSIT], np.uint8)[where]
        in_yard = ~np.isnan(t_yard[waiting])
        out[waiting] = np.where(where > 0, code, np.where(in_yard, P_YARD, P_ROAD))
        if "hold" in self.stage_kinds:  # held at the end: its current position is a hold it started
            out[waiting & self._held_now()] = P_DWELL
        return out

    def _held_now(self) -> np.ndarray:
        """True for trucks whose current route position (the first not ended) is a hold they
        have started (sim.engine.dwell)."""
        n, w = len(self.t_arr), self.width
        if not n:
            return np.zeros(0, bool)
        ends = np.frombuffer(self.t_end, float).reshape(n, w)
        starts = np.frombuffer(self.t_start, float).reshape(n, w)
        pos = np.argmax(np.isnan(ends), axis=1)  # the first position not ended (0 if all ended)
        started = ~np.isnan(starts[np.arange(n), pos]) & np.isnan(ends[np.arange(n), pos])
        kinds = np.array([k == "hold" for k in self.stage_kinds] + [False])
        ids = self._route_ids()
        crossing = np.frombuffer(self.crossing, np.int16).astype(np.int64)
        direction = np.frombuffer(self.direction, np.int8).astype(np.int64)
        variant = np.frombuffer(self.variant, np.int16).astype(np.int64)
        nv = 2 * len(self.class_names)
        route = np.where(crossing >= 0, (2 * crossing + direction) * nv + variant, 0)
        sid = ids[route, pos]
        return started & (crossing >= 0) & kinds[sid]

    def _route_ids(self) -> np.ndarray:
        """Stage ids of each route (crossing, direction, variant) by position, -1 past its end."""
        nv = 2 * len(self.class_names)
        ids = np.full((len(self.crossing_names) * 2 * nv, self.width), -1, np.int16)
        for xi, by_dir in enumerate(self.routes):
            for di, variants in enumerate(by_dir):
                for v, route in enumerate(variants or []):
                    ids[(2 * xi + di) * nv + v, : len(route)] = [stage.id for stage in route]
        return ids

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
        for hop in self.hops:  # hop <-> its bound finish, hop <-> yard, hop -> stage -> hop_of -> hop
            hop.cbs = hop.next = hop.yard = hop.hop_of = None  # type: ignore[assignment]
        for stage in self.stages:
            stage.hop_of = None  # type: ignore[assignment]
        for yards in self.yards:
            for yard in yards:
                if yard is not None:
                    yard.first = []
                if getattr(yard, "slots", None) is not None:
                    yard.slots.dismantle()  # type: ignore[union-attr]
        self.hops, self.hop_of = [], []
        self.feed.cbs = self.feed.admit = self.feed.yards = None  # type: ignore[assignment]
        for area in self.staging_areas:
            area.model = None  # type: ignore[assignment]
        for part in (self.where, self.chooser, self.patience, self.suspensions):
            if part is not None:
                part.dismantle()
        self.routes, self.chooser = [], None  # type: ignore[assignment]
        self.where = self.patience = self.suspensions = None  # type: ignore[assignment]

    def _close_records(self) -> None:
        """Package the records: the stage rows from the start and end times of each truck's
        positions (vectorised), then the truck table."""
        r = self.records
        n, w = len(self.t_arr), self.width
        t_yard = np.frombuffer(self.t_yard, float) if n else np.empty(0)
        outcome = np.frombuffer(self.outcome, np.uint8) if n else np.empty(0, np.uint8)
        starts = np.frombuffer(self.t_start, float) if n else np.empty(0)
        ends = np.frombuffer(self.t_end, float) if n else np.empty(0)
        crossing = np.frombuffer(self.crossing, np.int16) if n else np.empty(0, np.int16)
        direction = np.frombuffer(self.direction, np.int8) if n else np.empty(0, np.int8)
        variant = np.frombuffer(self.variant, np.int16) if n else np.empty(0, np.int16)
        # A truck has a row for each stage it finished, and one more for the stage it waits
        # at (or is served at, or gave up at) if it reached the yard and did not cross.
        end2d, start2d = ends.reshape(n, w), starts.reshape(n, w)
        rows = (~np.isnan(end2d)).sum(axis=1)
        rows += ~np.isnan(t_yard) & (outcome != CLEARED)
        # The slots that make a row, read in C order: truck by truck, each truck's rows in the
        # order of its route, so in time order (boolean masks rather than gathers: ~3x faster).
        has = np.arange(w) < rows[:, None]
        truck, pos = np.nonzero(has)
        # A stage is joined when the previous one ends, the first on entering the yard.
        joined = np.empty((n, w))
        joined[:, 0] = t_yard
        joined[:, 1:] = end2d[:, :-1]
        nv = 2 * len(self.class_names)
        ids = self._route_ids()
        route = (2 * crossing.astype(np.int64) + direction) * nv + variant
        r.set_stages(
            truck=truck,
            stage=ids[route][has],
            t_queue=joined[has],
            t_start=start2d[has],
            t_end=end2d[has],
        )
        r.set_trucks(
            t_arrive=self.t_arr,
            t_yard=t_yard,
            t_out=self.t_out,
            t_slot=self.t_slot,
            t_staged=self.t_staged,
            t_called=self.t_called,
            place=self._places(t_yard),
            rerouted=self.rerouted,
            reimported=self.reimported,
            outcome=self.outcome,
            crossing=crossing,
            direction=direction,
            cargo=self.cargo,
            stream=self.stream,
            equipped=self.equipped,
            initial=np.arange(n) < self.n_backlog,
        )
