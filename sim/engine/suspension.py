"""Suspensions that act on the trucks already waiting.

* **A crossing's closure at a shared facility.** A crossing's dated closure closes its own
  stages; its trucks already queued at the Chinese facility it shares with other crossings
  (Youyiguan for the Hữu Nghị gate and road 1119–1120), or reaching it from a service that was
  under way when the closure began, are held too: none starts a facility stage until the
  crossing reopens, while the other crossings' trucks go on.
* **A class suspended at a facility** (``facilities.*.suspensions``): over dated windows the
  facility takes no truck of the classes listed, from any crossing; they wait (or turn back by
  their patience, or change crossing by route choice).
* **An eligibility change** (``crossings.*.eligibility``): a class the crossing no longer
  accepts reaches every truck of that class that has not crossed, wherever it waits (at its
  origin, on the road, in a staging area, in the yard, after Vietnamese customs, held at the
  facility); a truck in service is taken when that service ends. It is sent on to the rule's
  crossing with the least expected wait, or turns back (place ``rerouted``); one that had
  passed a stage (an export declared) re-enters Vietnam first (its class's ``reimport_h``,
  added to the drive, and ``reimported`` in the records).

The holds cost the per-truck path nothing when no suspension is in force: while one is, the
trucks concerned are diverted at the entry of the facility (the hop before it points to a
holding queue with no lane, the yard's first hop for imports); when it ends they are put back
into the facility's queue in the order they reached it, and the pointers restored.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sim.engine.calendar import CLOSING, OPENING, QUOTA_RESET, closed_intervals, to_model_minutes
from sim.engine.path import GAVE_UP, IN_SYSTEM, Hop, Pass, Stage, after
from sim.engine.records import PLACES
from sim.engine.waiting import COMMITTED, SERVED, TRANSIT
from sim.scenario.hours import as_start

# Where a truck gave up: turned back by an eligibility change with no crossing to go.
P_REROUTED = PLACES.index("rerouted")


def merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping or touching intervals joined, in time order."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class Hold:
    """Trucks of some routes kept out of the facility stages at their positions, over intervals."""

    def __init__(self, model: Any, entries: list[tuple[Hop, Any, int]], intervals: list[tuple[float, float]]):
        """``entries``: each real hop, with what leads into it (the previous hop, or the yard
        for the first position) and the route variant."""
        self.model = m = model
        self.stage = Stage(m.env, -1, 0, [], None, m)  # no lane: nobody starts here
        self.entries = []
        self.real_of: dict[int, Hop] = {}
        for hop, before, variant in entries:
            held = Hop(self.stage, hop.p, m)
            self.entries.append((hop, held, before, variant))
            self.real_of[id(held)] = hop
        self.held_of = {id(hop): held for hop, held, _, _ in self.entries}
        self.stages = list({id(hop.stage): hop.stage for hop, _, _, _ in self.entries}.values())
        self.intervals = merge(intervals)
        m.env.process(self._run())

    def dismantle(self) -> None:
        """Break the reference cycles of a finished run (see ``Model._dismantle``)."""
        for _, held, _, _ in self.entries:
            held.cbs = held.next = held.yard = held.hop_of = None  # type: ignore[assignment]
        self.stage.model = self.stage.hop_of = None  # type: ignore[assignment]
        self.model, self.entries, self.real_of, self.held_of = None, [], {}, {}  # type: ignore[assignment]

    def _run(self):
        m = self.model
        for a, b in self.intervals:
            if a >= m.horizon or b <= 0:
                continue
            yield m._at(a, CLOSING)
            self.begin()
            if b >= m.horizon:
                return
            yield m._at(b, OPENING)
            self.end()

    def _point(self, real: bool) -> None:
        for hop, held, before, variant in self.entries:
            target = hop if real else held
            if isinstance(before, Hop):
                before.next = target
            else:
                before.first[variant] = target

    def begin(self) -> None:
        """Trucks concerned queued at the stages now wait in the hold; new ones are led there."""
        self._point(real=False)
        m = self.model
        outcome, hop_of = m.outcome, m.hop_of
        for stage in self.stages:
            kept, moved = [], []
            for truck in stage.queued():
                if outcome[truck] == IN_SYSTEM:
                    (moved if id(hop_of[truck]) in self.held_of else kept).append(truck)
            _refill(stage, kept)
            for truck in moved:
                hop_of[truck] = self.held_of[id(hop_of[truck])]
                self.stage.enqueue(truck)

    def end(self) -> None:
        """Back into the stages' queues, in the order the trucks reached them."""
        self._point(real=True)
        m = self.model
        outcome, hop_of = m.outcome, m.hop_of
        released = [t for t in self.stage.queued() if outcome[t] == IN_SYSTEM]
        _refill(self.stage, [])
        for truck in released:
            hop_of[truck] = self.real_of[id(hop_of[truck])]
        for stage in self.stages:
            mine = [t for t in released if hop_of[t].stage is stage]
            if not mine:
                continue
            queued = [t for t in stage.queued() if outcome[t] == IN_SYSTEM]
            order = sorted(queued + mine, key=self._joined)  # stable: the queue's order on ties
            _refill(stage, order)
            stage._fill()

    def _joined(self, truck: int) -> float:
        """When the truck joined the queue of the stage it waits at."""
        m = self.model
        p = m.hop_of[truck].p
        return m.t_end[truck * m.width + p - 1] if p > 0 else m.t_yard[truck]


def _refill(stage: Stage, trucks: list[int]) -> None:
    """Replace a stage's queue(s) by ``trucks``, in this order."""
    if getattr(stage, "queues", None) is not None:  # a PriorityStage (plain Stage: no such slot)
        for queue in stage.queues:
            queue.clear()
    else:
        stage.queue.clear()
    stage.waiting = 0
    for truck in trucks:
        stage.enqueue(truck)


class Suspensions:
    """The model's suspensions (see the module): built only when a scenario has some."""

    def __init__(self, model: Any):
        self.model = m = model
        s = m.scenario
        self.where = m.where
        self.deferred_cbs = (self._deferred,)
        self.where.skip.add(id(self.deferred_cbs))
        self.holds: list[Hold] = []
        cls_index = {c: i for i, c in enumerate(m.class_names)}
        for xi, cid in enumerate(m.crossing_names):
            crossing = s.crossings[cid]
            if crossing.closures:
                closed = closed_intervals(crossing.closures, s.timezone, m.epoch)
                self._hold(closed, lambda x, d, v, xi=xi: x == xi)
            if crossing.eligibility:
                self._build_eligibility(xi, crossing)
        for fid, facility in s.facilities.items():
            for susp in facility.suspensions:
                classes = {cls_index[c] for c in susp.cargo}
                for di, direction in enumerate(("export", "import")):
                    froute = facility.routes.get(direction)
                    if froute is None or (susp.directions is not None and direction not in susp.directions):
                        continue
                    tz = s.hours[froute.stages[0].hours].timezone
                    window = closed_intervals([susp], tz, m.epoch)
                    sids = {
                        sid
                        for sid, name in enumerate(m.stage_names)
                        if name.startswith(f"{fid}/{direction}/")
                    }
                    self._hold(window, lambda x, d, v, di=di, c=classes: d == di and v // 2 in c, sids)

    def dismantle(self) -> None:
        """Break the reference cycles of a finished run (see ``Model._dismantle``)."""
        for hold in self.holds:
            hold.dismantle()
        self.model = self.where = self.deferred_cbs = None  # type: ignore[assignment]

    def _hold(self, intervals, which, sids: set[int] | None = None) -> None:
        """Hold the routes ``which(crossing, direction, variant)`` selects at their facility stages
        (``sids``: only these) over ``intervals``; the choosers see them closed then."""
        m = self.model
        entries = []
        for xi, per_dir in enumerate(self.where.chains):
            for di, chains in enumerate(per_dir):
                for v, chain in enumerate(chains or []):
                    if not chain or not which(xi, di, v):
                        continue
                    shared = [
                        p
                        for p, hop in enumerate(chain)
                        if m.stage_crossing[hop.stage.id] < 0 and (sids is None or hop.stage.id in sids)
                    ]
                    for p in shared:
                        before = chain[p - 1] if p > 0 else m.yards[xi][di]
                        entries.append((chain[p], before, v))
                    if shared:
                        blocked = m.chooser.blocked.setdefault((xi, di, v), [])
                        blocked[:] = merge(blocked + list(intervals))
        if entries:
            self.holds.append(Hold(m, entries, intervals))

    # -- eligibility --------------------------------------------------------------------------------
    def _build_eligibility(self, xi: int, crossing) -> None:
        """Dated changes of the classes a crossing accepts: the one in force at time zero is
        applied now, the others by a process."""
        m = self.model
        tz = ZoneInfo(m.scenario.timezone)
        yards = [y for y in m.yards[xi] if y is not None]
        everything = [c in crossing.accepts for c in m.class_names]
        later = []
        for change in crossing.eligibility:
            t = to_model_minutes(as_start(change.start), tz, m.epoch)
            if t <= 0:
                everything = [c in change.accepts for c in m.class_names]
                for yard in yards:
                    yard.rule = change
            elif t < m.horizon:
                later.append((t, change))
        for yard in yards:
            yard.eligible = list(everything)
        if later:
            m.env.process(self._run_eligibility(xi, yards, later))

    def _run_eligibility(self, xi: int, yards: list, changes: list):
        m = self.model
        for t, change in changes:
            yield m._at(t, QUOTA_RESET)
            before = list(yards[0].eligible)
            accepted = [c in change.accepts for c in m.class_names]
            for yard in yards:
                yard.eligible, yard.rule = accepted, change
            dropped = {ci for ci, ok in enumerate(accepted) if not ok}
            # Trucks here of a class no longer accepted, in the order they arrived, out of their
            # place and on to the rule's crossing. No staging area calls a truck forward
            # meanwhile (room freed by one leaving would call the next, maybe of a dropped
            # class); once all are out, calls resume.
            called = [y for y in yards if getattr(y, "staging", None) is not None]
            for yard in called:
                yard.calling = True
            for truck in range(m.admitted):
                if m.crossing[truck] == xi and m.outcome[truck] == IN_SYSTEM and m.cargo[truck] in dropped:
                    self.act(truck, change)
            for yard in called:
                yard.calling = False
                yard.call()
            opened = {ci for ci, ok in enumerate(accepted) if ok and not before[ci]}
            if opened and m.chooser is not None and hasattr(m.chooser, "review"):
                m.chooser.review(opened)  # waiting trucks elsewhere may come here now

    def act(self, truck: int, change) -> None:
        """Send on (or turn back) a truck of a class its crossing no longer accepts, wherever it
        waits; one in service, when that ends; one committed to the Chinese side crosses."""
        where, p = self.where.locate(truck)
        if where == COMMITTED or where == TRANSIT:
            return  # a called truck is sent on from the gate (CalledYard); a sent-on one on arrival
        if where == SERVED:
            m = self.model
            end = self.where.pending_at(truck)
            if end is not None:  # (none: nothing to wait for, it stays)
                after(m.env, end - m.env._now, truck, self.deferred_cbs)
            return
        self.where.take_out(truck, where, p, lazy=False)
        self.reroute(truck, change, passed=p > 0)

    def _deferred(self, event: Pass) -> None:
        """A service under way when the truck's class was dropped has ended: act now."""
        m = self.model
        truck = event._value
        yard = m.yard_for(truck)
        if m.outcome[truck] == IN_SYSTEM and yard.eligible is not None and not yard.eligible[m.cargo[truck]]:
            self.act(truck, yard.rule)

    def reroute(self, truck: int, change, passed: bool = False) -> None:
        """To the rule's crossing where the truck expects the shortest wait, after the drive (and
        the paperwork of re-entering Vietnam if it had passed a stage), or back inland when the
        rule names none."""
        m = self.model
        now = m.env._now
        targets = [m.crossing_names.index(c) for c in change.reroute_to if c in m.crossing_names]
        xi = m.chooser.choose_among(targets, m.direction[truck], m.cargo[truck], m.equipped[truck], now)
        if passed:
            m.reimported[truck] = 1
        if xi < 0:
            m.outcome[truck] = GAVE_UP
            m.t_out[truck] = now
            m.gave_up_at[truck] = P_REROUTED
            return
        drive = change.reroute_min
        if passed:
            drive += 60.0 * m.scenario.cargo[m.class_names[m.cargo[truck]]].reimport_h
        self.where.send_on(truck, xi, drive)
