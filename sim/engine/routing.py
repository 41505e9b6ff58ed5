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


class LeastWaitChooser:
    """Pick the crossing where the truck expects to be through soonest.

    A crossing's capacity for a class is its bottleneck stage's rate when open:
    ``min(lanes / mean service time)`` over the stages the class passes (its
    shared Chinese facility's included, at its full rate). The
    expected time is that of clearing the trucks ahead (in its yard and on its
    road) and the truck itself at that rate: ``(ahead + 1) / rate``, so an
    empty slow crossing does not beat a fast one with a truck in service.
    Opening hours are not looked ahead. Ties go to the crossing listed first.
    """

    def __init__(
        self,
        scenario: Scenario,
        crossing_names: Sequence[str],
        class_names: Sequence[str],
        yards: Sequence[Sequence[YardLoad | None]],
    ):
        # yards[crossing][direction] is read live at each choice, so the chooser sees the
        # model's state without importing the model.
        self.yards = yards
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

    def choose(self, stream: int, di: int, ci: int) -> int:
        """The crossing for a truck of ``stream``, direction ``di`` and cargo class ``ci``."""
        best, best_wait = -1, float("inf")
        for xi in self.candidates[stream]:
            yard = self.yards[xi][di]
            wait = (yard.inside + yard.on_road + 1) / self.rate[xi][di][ci]
            if wait < best_wait:
                best, best_wait = xi, wait
        return best
