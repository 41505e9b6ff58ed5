"""A minimal, idiomatic SimPy model of the same border crossings: the speed reference.

It is what a competent SimPy user would write for the same system, built from
the same :class:`~sim.scenario.Scenario` as :class:`sim.model.Model`:

* one ``simpy.Resource(env, capacity=lanes)`` per crossing, direction and stage;
* one generator process per truck, passing the stages of its route in order
  (respecting ``applies_to``): request a lane, if the stage is closed wait for
  its next opening (the intervals of :func:`sim.hours.open_intervals` for the
  stage's calendar), then hold the lane for the service time;
* one arrival process that sleeps until the next arrival and starts its truck;
* the same arrivals (:func:`sim.demand.sample_demand`), the same fixed-share
  crossing draws as ``Model._route_by_shares`` and the same named random
  streams and samplers for service times (:func:`sim.distributions.sampler`);
  a paced stage (``trucks_per_hour``) takes a deterministic
  ``60 * lanes / trucks_per_hour`` minutes per truck, as in the model;
* no records and no KPIs: it only counts the trucks that crossed.

It leaves out what the baseline does not use (patience, daily quotas,
least-wait routing: it refuses scenarios that use them) and, being minimal,
the yards (``yards=True`` adds one ``Resource`` per yard, held from arrival
until the truck crosses). Run it alone with
``python benchmarks/reference_simpy.py [--days N]``.
"""

from __future__ import annotations

import sys
from bisect import bisect_right
from collections.abc import Callable
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
import simpy  # noqa: E402

from sim.engine.calendar import MINUTES_PER_DAY, model_epoch, open_intervals  # noqa: E402
from sim.engine.demand import sample_demand  # noqa: E402
from sim.engine.randomness import Streams  # noqa: E402
from sim.engine.sampling import sampler  # noqa: E402
from sim.scenario.distributions import Deterministic  # noqa: E402
from sim.scenario.schema import DEFAULT_SERVICE, DIRECTIONS, ClassShares, Scenario  # noqa: E402


class Stage:
    """A pool of lanes (a ``simpy.Resource``) open on a calendar, with a service time per class."""

    def __init__(
        self,
        env: simpy.Environment,
        lanes: int,
        intervals: list[tuple[float, float]],
        draw: dict[int, Callable[[], float]],
    ):
        self.lanes = simpy.Resource(env, capacity=lanes)
        self.opens = [start for start, _ in intervals]
        self.closes = [end for _, end in intervals]
        self.draw = draw

    def next_opening(self, now: float) -> float:
        """``now`` if the stage is open, else when it opens next (``inf``: not within the run)."""
        i = bisect_right(self.opens, now) - 1
        if i >= 0 and now < self.closes[i]:
            return now
        return self.opens[i + 1] if i + 1 < len(self.opens) else float("inf")


class ReferenceModel:
    """One replication of a scenario, the plain SimPy way. Build, then :meth:`run`."""

    def __init__(
        self, scenario: Scenario, replication: int = 0, rng_seed: int | None = None, yards: bool = False
    ):
        s = scenario
        self._refuse_unsupported(s)
        self.env = env = simpy.Environment()
        self.streams = Streams(s.rng_seed if rng_seed is None else rng_seed, replication)
        self.horizon = s.horizon_days * MINUTES_PER_DAY
        epoch = model_epoch(s.start_date, s.timezone)
        classes = {c: i for i, c in enumerate(s.cargo)}
        crossings = [c for c, x in s.crossings.items() if x.enabled]
        x_index = {c: i for i, c in enumerate(crossings)}
        calendars = {name: open_intervals(h, epoch, self.horizon) for name, h in s.hours.items()}

        # routes[crossing][direction][class] -> stages; yard[crossing][direction]
        self.routes: list[list[list[list[Stage]]]] = []
        self.yard: list[list[simpy.Resource | None]] = []
        def build(name: str, st, accepts: list[str]) -> tuple[Stage, dict]:
            draw = {}
            for cname in accepts:
                if st.applies_to is not None and cname not in st.applies_to:
                    continue
                if st.trucks_per_hour is not None:
                    dist = Deterministic(kind="deterministic", value_min=60.0 * st.lanes / st.trucks_per_hour)
                else:
                    dist = st.service.get(cname, st.service.get(DEFAULT_SERVICE))
                rng = self.streams.get(f"service/{name}/{cname}")
                draw[classes[cname]] = sampler(dist, rng)
            return Stage(env, st.lanes, calendars[st.hours], draw), draw

        names = list(classes)
        # Shared Chinese facilities: one Stage per facility stage, whichever crossing feeds it.
        shared: dict[tuple[str, str], list[tuple[Stage, dict]]] = {}
        for fid, facility in s.facilities.items():
            for direction, froute in facility.routes.items():
                routes = {c: s.crossings[c].routes.get(direction) for c in crossings}
                feeders = [c for c, r in routes.items() if r is not None and r.facility == fid]
                accepts = [c for c in classes if any(c in s.crossings[x].accepts for x in feeders)]
                if feeders:
                    shared[(fid, direction)] = [
                        build(f"{fid}/{direction}/{st.name}", st, accepts) for st in froute.stages
                    ]
        for cid in crossings:
            crossing = s.crossings[cid]
            per_dir: list[list[list[Stage]]] = [[[] for _ in classes] for _ in DIRECTIONS]
            yard_dir: list[simpy.Resource | None] = [None, None]
            for di, direction in enumerate(DIRECTIONS):
                route = crossing.routes.get(direction)
                if route is None:
                    continue
                if yards and route.yard_capacity is not None:
                    yard_dir[di] = simpy.Resource(env, capacity=route.yard_capacity)
                own = [build(f"{cid}/{direction}/{st.name}", st, crossing.accepts) for st in route.stages]
                facility = shared.get((route.facility, direction), []) if route.facility else []
                for stage, draw in own + facility if direction == "export" else facility + own:
                    for ci in draw:
                        if names[ci] in crossing.accepts:
                            per_dir[di][ci].append(stage)
            self.routes.append(per_dir)
            self.yard.append(yard_dir)

        # Trucks: the initial backlog at time 0, then the arrivals, as (time, crossing, direction, class).
        arrivals = sample_demand(s, self.streams)
        streams = list(s.demand.streams.values())
        crossing_of = np.full(arrivals.time.size, -1, dtype=np.int64)
        for i, (name, stream) in enumerate(s.demand.streams.items()):  # as Model._route_by_shares
            mask = arrivals.stream == i
            targets = [c for c, p in stream.routing.shares.items() if p > 0]
            p = np.array([stream.routing.shares[c] for c in targets])
            picks = self.streams.get(f"routing/{name}").choice(
                len(targets), size=int(mask.sum()), p=p / p.sum()
            )
            crossing_of[mask] = np.array([x_index[c] for c in targets])[picks]
        self.backlog = [
            (x_index[b.crossing], DIRECTIONS.index(b.direction), classes[b.cargo])
            for b in s.initial_backlog
            for _ in range(b.trucks)
        ]
        kind = [(DIRECTIONS.index(x.direction), classes[x.cargo]) for x in streams]
        self.arrivals = [
            (t, xi, *kind[si])
            for t, xi, si in zip(
                arrivals.time.tolist(), crossing_of.tolist(), arrivals.stream.tolist(), strict=True
            )
        ]
        self.cleared = 0

    @staticmethod
    def _refuse_unsupported(s: Scenario) -> None:
        unsupported = [f"cargo.{c}.patience" for c, x in s.cargo.items() if x.patience is not None]
        unsupported += [
            f"demand.streams.{n}.routing"
            for n, x in s.demand.streams.items()
            if not isinstance(x.routing, ClassShares)
        ]
        unsupported += [
            f"crossings.{c}.routes.{d}.stages.{st.name}.max_per_day"
            for c, x in s.crossings.items()
            for d, r in x.routes.items()
            for st in r.stages
            if st.max_per_day is not None
        ]
        stages = [st for x in s.crossings.values() for r in x.routes.values() for st in r.stages]
        stages += [st for f in s.facilities.values() for r in f.routes.values() for st in r.stages]
        unsupported += [
            f"stage {st.name}: staffing, changes or ramp_after_closure"
            for st in stages
            if st.staffing or st.changes or st.ramp_after_closure
        ]
        if unsupported:
            raise NotImplementedError(f"the reference model does not support: {', '.join(unsupported)}")

    @property
    def n_trucks(self) -> int:
        return len(self.backlog) + len(self.arrivals)

    def truck(self, xi: int, di: int, ci: int):
        env, yard = self.env, self.yard[xi][di]
        if yard is not None:
            ticket = yard.request()
            yield ticket
        for stage in self.routes[xi][di][ci]:
            with stage.lanes.request() as lane:
                yield lane
                opening = stage.next_opening(env.now)
                if opening == float("inf"):
                    yield env.event()  # closed for the rest of the run
                elif opening > env.now:
                    yield env.timeout(opening - env.now)
                yield env.timeout(stage.draw[ci]())
        if yard is not None:
            yard.release(ticket)
        self.cleared += 1

    def source(self):
        env = self.env
        for t, xi, di, ci in self.arrivals:
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(self.truck(xi, di, ci))

    def run(self) -> int:
        """Simulate the horizon; return the number of trucks that crossed."""
        for xi, di, ci in self.backlog:
            self.env.process(self.truck(xi, di, ci))
        self.env.process(self.source())
        self.env.run(until=self.horizon)
        return self.cleared


def run_reference(scenario: Scenario, replication: int = 0, rng_seed: int | None = None, yards: bool = False):
    """Build and run the reference; return ``(trucks simulated, trucks cleared)``."""
    model = ReferenceModel(scenario, replication, rng_seed, yards)
    cleared = model.run()
    return model.n_trucks, cleared


if __name__ == "__main__":
    import argparse
    import time

    from sim.scenario.files import load_scenario

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--yards", action="store_true", help="hold a yard Resource from arrival to crossing")
    args = parser.parse_args()
    scenario = load_scenario("baseline", overrides={"horizon_days": args.days, "warmup_days": 3})
    start = time.perf_counter()
    trucks, cleared = run_reference(scenario, yards=args.yards)
    wall = time.perf_counter() - start
    print(f"{trucks:,} trucks ({cleared:,} cleared) in {wall:.2f} s: {trucks / wall:,.0f} trucks/s")
