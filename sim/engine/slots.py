"""Registration slots (metering) as the province runs them: a truck is dispatched to the border
only with a slot.

A route's slot rules (``routes.*.slots``) give slots per local day or clock hour over dated
days. Rules whose ``cargo`` lists are the same form one *pool* (its own quota: loaded trucks
and empty returns apart); a class in no pool, or on days outside its pool's rules, needs no
slot. A truck ready to cross (its arrival in the demand) asks for a slot; without one it
waits **at its origin**, counted apart from the border queue (place ``origin``; its own
``origin_patience``), and is dispatched to reach the border at its slot: the start of the
period whose slot it got, first come first served. ``t_slot`` is when it reaches the border
(on a metered route, for every truck: with or without a slot), and its border patience starts
then. On a ``preregistered_only`` day a slot goes only to a truck that asked before the day
began (the trucks held at their origin), never to one that asks that day.

What the choosers read (:meth:`Slots.slot_time`): when the ``ahead + 1``-th slot from now is
free, from the slots left in the current period and the cumulative slots of the periods after.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sim.engine.calendar import QUOTA_RESET, to_model_minutes
from sim.engine.path import IN_SYSTEM, INF
from sim.engine.waiting import ORIGIN

# (start, end, slots, cutoff): a period of a pool, in model minutes; INF slots = none needed;
# a truck that asked for its slot at or after `cutoff` cannot take one of this period.
Period = tuple[float, float, float, float]


class Pool:
    """The slots of one set of classes on one route, and the trucks waiting for them."""

    __slots__ = ("periods", "cum", "k", "left", "queue", "waiting")

    def __init__(self, periods: list[Period]):
        self.periods = periods
        self.cum = [0.0]  # slots of the periods before each one (INF once a period needs none)
        for p in periods:
            self.cum.append(self.cum[-1] + p[2])
        self.k = 0
        self.left = INF
        self.queue: deque[int] = deque()
        self.waiting = 0  # live trucks waiting at their origin


class Slots:
    """The registration slots of one direction of a crossing (see the module)."""

    def __init__(self, model: Any, yard: Any, rules: list):
        self.model = m = model
        self.yard = yard
        by_set: dict[tuple[str, ...] | None, list] = {}
        for rule in rules:
            key = None if rule.cargo is None else tuple(sorted(rule.cargo))
            by_set.setdefault(key, []).append(rule)
        self.pools: list[Pool] = []
        self.pool_of: list[Pool | None] = [None] * len(m.class_names)
        for key, mine in by_set.items():
            pool = Pool(self._periods(mine))
            self.pools.append(pool)
            for ci, c in enumerate(m.class_names):
                if key is None or c in key:
                    self.pool_of[ci] = pool
            first = next((i for i, p in enumerate(pool.periods) if p[0] <= 0 < p[1]), None)
            if first is not None:
                pool.k, pool.left = first, pool.periods[first][2]
            m.env.process(self._run(pool))

    def dismantle(self) -> None:
        """Break the reference cycles of a finished run (see ``Model._dismantle``)."""
        self.model = self.yard = None  # type: ignore[assignment]

    def _periods(self, rules: list) -> list[Period]:
        """The pool's periods in model minutes, with INF-slot periods in the gaps and after."""
        m = self.model
        periods: list[Period] = []
        for rule in sorted(rules, key=lambda r: r.start):
            tz = ZoneInfo(rule.timezone or m.scenario.timezone)
            day = rule.start
            while day <= rule.end:
                midnight = datetime.combine(day, time())
                if rule.per_day is not None:
                    edges, n = [midnight, midnight + timedelta(days=1)], rule.per_day
                else:
                    edges, n = [midnight + timedelta(hours=k) for k in range(25)], rule.per_hour
                ts = [to_model_minutes(e, tz, m.epoch) for e in edges]
                cutoff = ts[0] if rule.preregistered_only else INF
                periods += [(a, b, float(n), cutoff) for a, b in zip(ts, ts[1:], strict=False)]
                day += timedelta(days=1)
        out: list[Period] = [(-INF, periods[0][0], INF, INF)]
        for p in periods:
            if p[0] > out[-1][1]:
                out.append((out[-1][1], p[0], INF, INF))
            out.append(p)
        out.append((out[-1][1], INF, INF, INF))
        return [p for p in out if p[1] > 0 and p[0] < m.horizon]

    def _run(self, pool: Pool):
        """Begin each period at its local start (a day or an hour, UTC+7 or UTC+8)."""
        for k in range(pool.k + 1, len(pool.periods)):
            yield self.model._at(pool.periods[k][0], QUOTA_RESET)
            self._new_period(pool, k)

    # -- trucks ------------------------------------------------------------------------------------
    def request(self, truck: int) -> None:
        """A truck on this route asks for a slot: dispatched now, or it waits at its origin."""
        m = self.model
        pool = self.pool_of[m.cargo[truck]]
        if pool is None:
            self._dispatch(truck)
        elif pool.left >= 1 and not pool.waiting and m.t_arr[truck] < pool.periods[pool.k][3]:
            pool.left -= 1
            self._dispatch(truck)
        else:
            pool.queue.append(truck)
            pool.waiting += 1
            m.place[truck] = ORIGIN
            if m.patience is not None:
                m.patience.start_origin(truck)

    def _new_period(self, pool: Pool, k: int) -> None:
        """A period begins: slots to the trucks waiting at their origin, first come first served."""
        pool.k = k
        pool.left = pool.periods[k][2]
        cutoff = pool.periods[k][3]
        outcome, t_arr = self.model.outcome, self.model.t_arr
        queue = pool.queue
        while pool.waiting and pool.left >= 1:
            truck = queue[0]
            if outcome[truck] != IN_SYSTEM:
                queue.popleft()
                continue
            if t_arr[truck] >= cutoff:  # a pre-registered-only period: asked too late
                break
            queue.popleft()
            pool.waiting -= 1
            pool.left -= 1
            self._dispatch(truck)

    def _dispatch(self, truck: int) -> None:
        """The truck has its slot (or needs none): it reaches the border now."""
        m = self.model
        m.t_slot[truck] = m.env._now
        m.place[truck] = 0
        if m.patience is not None:
            m.patience.start(truck)
        self.yard.go_on(truck)

    def remove(self, truck: int, lazy: bool) -> None:
        """Take a truck waiting at its origin out of its pool's queue."""
        pool = self.pool_of[self.model.cargo[truck]]
        if not lazy:
            pool.queue.remove(truck)  # type: ignore[union-attr]
        pool.waiting -= 1  # type: ignore[union-attr]

    # -- what the choosers read ----------------------------------------------------------------------
    def waiting(self, ci: int) -> int:
        """Trucks of class ``ci``'s pool waiting at their origin (0: it needs no slot)."""
        pool = self.pool_of[ci]
        return 0 if pool is None else pool.waiting

    def slot_time(self, ci: int, ahead: int, now: float) -> float:
        """When a truck of class ``ci`` with ``ahead`` trucks before it in its pool gets a slot
        (``now`` when one is free at once; INF when none is left within the horizon)."""
        pool = self.pool_of[ci]
        if pool is None or pool.left == INF:
            return now
        need = ahead + 1 - pool.left
        if need <= 0:
            return now
        target = pool.cum[pool.k + 1] + need
        j = bisect_left(pool.cum, target) - 1  # the first period whose end reaches `target`
        return pool.periods[j][0] if j < len(pool.periods) else INF
