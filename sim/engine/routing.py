"""Routing policies that decide a truck's crossing when it arrives.

Fixed shares are drawn up front for a whole stream (see ``Model``); the
least-expected-wait policy needs the state of the yards at the moment of
arrival and lives here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sim.scenario.schema import DIRECTIONS, LeastExpectedWait, Scenario


class YardLoad(Protocol):
    """What the chooser reads of a yard: trucks inside and trucks waiting on the road."""

    inside: int
    on_road: int
    eligible: list[bool] | None


class StageState(Protocol):
    """What the chooser reads of a stage: its id and the state of its daily quota."""

    id: int
    quota: int | None
    quota_left: float
    reopen_at: float


class LeastWaitChooser:
    """Pick the crossing where the truck expects to be through soonest.

    A crossing's capacity for a class is its bottleneck stage's rate when open:
    ``min(lanes / mean service time)`` over the stages the class passes (its
    shared Chinese facility's included, at its full rate). The
    expected time is that of clearing the trucks ahead (in its yard and on its
    road) and the truck itself at that rate: ``(ahead + 1) / rate``, so an
    empty slow crossing does not beat a fast one with a truck in service.

    With the model's routes and opening intervals (``routes``, ``intervals``), the
    expected time also counts the wait until every stage the truck would pass is open:
    opening hours, dated closures (of the crossing or of its shared facility) and a
    daily quota already used up (open again at the quota's next local midnight). A
    crossing with no route for the truck's class and equipment (its lanes are for
    equipped trucks only, or it does not accept the class) is never chosen, nor one
    that does not open again within the horizon while another does. So a truck is never
    sent to a crossing that cannot serve it before another would. Ties go to the
    crossing listed first.
    """

    def __init__(
        self,
        scenario: Scenario,
        crossing_names: Sequence[str],
        class_names: Sequence[str],
        yards: Sequence[Sequence[YardLoad | None]],
        routes: Sequence[Sequence[Sequence[Sequence[StageState]] | None]] | None = None,
        intervals: Sequence[Sequence[tuple[float, float]]] | None = None,
    ):
        # yards[crossing][direction] is read live at each choice, so the chooser sees the
        # model's state without importing the model.
        self.yards = yards
        self.routes = routes
        self.intervals = intervals
        self._next = [0] * len(intervals) if intervals is not None else []
        x_index = {c: i for i, c in enumerate(crossing_names)}
        self.candidates: list[list[int]] = []
        for stream in scenario.demand.streams.values():
            if isinstance(stream.routing, LeastExpectedWait):
                self.candidates.append([x_index[c] for c in stream.routing.crossings])
            else:
                self.candidates.append([])
        # rate[crossing][direction][class] in trucks per minute
        self.rate: list[list[list[float]]] = []
        for _xi, cid in enumerate(crossing_names):
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

    def ready_at(self, route: Sequence[StageState], now: float) -> float:
        """When every stage of ``route`` has been open at least once from ``now`` (see class)."""
        ready = now
        for stage in route:
            t = now
            if stage.quota is not None and stage.quota_left <= 0:
                t = stage.reopen_at
            ready = max(ready, self.open_from(stage.id, now, t))
        return ready

    def expected_wait(self, xi: int, di: int, ci: int, equipped: int, now: float) -> float:
        """Minutes a truck expects to wait at crossing ``xi`` (as :meth:`choose_among` reckons)."""
        yard = self.yards[xi][di]
        route = self.routes[xi][di][2 * ci + equipped]  # type: ignore[index]
        ahead = yard.inside + yard.on_road  # type: ignore[union-attr]
        return ahead / self.rate[xi][di][ci] + self.ready_at(route, now) - now

    def choose(self, stream: int, di: int, ci: int, equipped: int = 0, now: float = 0.0) -> int:
        """The crossing for a truck of ``stream``, direction ``di``, cargo class ``ci``."""
        xi = self.choose_among(self.candidates[stream], di, ci, equipped, now)
        return xi if xi >= 0 else self.candidates[stream][0]  # none accepts it now: its rule applies

    def choose_among(self, candidates: Sequence[int], di: int, ci: int, equipped: int, now: float) -> int:
        """The crossing of ``candidates`` with the least expected wait (-1: none can serve)."""
        best, best_wait = -1, float("inf")
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
                wait = (
                    (yard.inside + yard.on_road + 1) / self.rate[xi][di][ci] + self.ready_at(route, now) - now
                )
            else:
                wait = (yard.inside + yard.on_road + 1) / self.rate[xi][di][ci]
            if wait < best_wait:
                best, best_wait = xi, wait
        return best if best >= 0 else fallback
