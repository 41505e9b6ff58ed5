"""``bordersim capacity``: the most loaded trucks a day each crossing can clear, and what binds it.

Method
------
1. **Saturating demand, one crossing at a time.** Everything that sets capacity is the
   scenario's own — stages, lanes, staffing by hour, dated changes, hours and closures
   on both sides (each in its time zone), shared Chinese facilities, quotas, trains —
   and so is the rest of the system's demand: the other crossings and the empty returns
   keep the scenario's arrivals (at their daily mean: without the scenario's day-to-day
   swings, which change no mean), and take their share of any facility they share with
   the crossing measured. The crossing measured gets, in each direction, a flat
   Poisson stream of loaded trucks per cargo class in the scenario's own mix for that
   crossing (each stream's ``trucks_per_day`` times its share; ``least_expected_wait``
   streams split evenly among their crossings), at ``overload`` (default 2) times an
   upper bound of the route's capacity (every stage open 24 h with its most lanes and
   fastest service), with one day of that bound waiting at time zero, so the route is
   saturated from the start. At a shared facility its trucks queue first come, first
   served with the other crossings' and crowd them out, so the figure is what the
   crossing can take from the facility when it is the one pressing. Yards are made
   unlimited, so that queues grow in front of the stage that binds rather than on the
   road (a yard in this model limits where trucks wait, not how many cross, unless it
   holds fewer trucks than its stages serve at once).
   Where some of a route's trucks are equipped for automated (smart-gate) lanes
   (``equipped_share``), the equipped and the conventional trucks pass different stages:
   each of the two channels gets its own saturating streams, in the mix of its own trucks
   and at ``overload`` times the upper bound of its own stages, so that both channels are
   full and the figure is the design's capacity (reached in practice only if enough trucks
   are equipped to fill the automated channel).
2. **All crossings at once.** One more configuration saturates every crossing together
   (empty returns still at the scenario's rate): the province's capacity, with each
   shared facility divided among its routes first come, first served. Capacities of
   crossings that share a facility do not add up; this total is the one to compare
   with province-wide figures.
3. **Throughput.** Loaded trucks that crossed per measured day (after the scenario's
   warm-up; the Vietnamese count, F62–F64i), and all vehicles including empties, mean
   and 95% Student-t interval over replications. Where classes pass different stages
   (quarantine for fruit), the mix that crosses can differ from the mix that arrives.
4. **The binding stage.** In a line of stages with unlimited queues between them, the
   queue grows in front of each stage slower than everything before it; the binding
   stage is the *last* stage of the route (in the order the trucks pass) whose queue of
   this route's trucks grows over the measured days by more than ``growth_share``
   (default 2%) of the route's throughput a day (at least one truck a day), on average
   over replications. A stage with a daily quota or a timetable binds the same way.

The result is the sustainable throughput under the scenario's own settings: demand
above it only lengthens the queues.

5. **Lanes for a target** (``lanes_for_target``, a capacity search). To reach a target
   throughput at one crossing: split the shortfall between the directions as their
   capacities, give each direction's binding stage the lanes its measured rate per lane
   needs for its share, measure again, and repeat on the stage that binds next. The
   smart-gate target table uses it (sim/reporting/smart_gate_targets.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np

from sim.engine.calendar import MINUTES_PER_DAY
from sim.engine.capacity import service_mean_min, versions
from sim.engine.run import RunResult, run_once
from sim.experiments.bounds import check_overload, check_replications
from sim.experiments.replications import Estimate, estimate, run_replications
from sim.scenario.files import scenario_from_data
from sim.scenario.limits import MAX_LANES
from sim.scenario.schema import DIRECTIONS, ClassShares, Scenario, Stage

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # the bound ignores dates: any epoch will do
OVERLOAD = 2.0
#: What ``bordersim capacity --out FOLDER`` writes: it writes over a folder of these only.
OUT_FILES = ("capacity.json", "report.md", "report.html", "figures")
GROWTH_SHARE = 0.02


@dataclass(frozen=True)
class RouteCapacity:
    """The capacity of one crossing in one direction."""

    crossing: str
    direction: str
    trucks_per_day: Estimate  # all vehicles, empty returns included
    loaded_per_day: Estimate  # loaded trucks only (the Vietnamese 'vehicles cleared')
    binding_stage: str | None  # the stage name as in RunResult.stage_names
    queue_growth_per_day: dict[str, float]  # stage -> mean growth of this route's queue there
    binding_when_all: str | None = None  # the binding stage when every crossing is saturated


def route_stages(scenario: Scenario, crossing: str, direction: str) -> list[tuple[str, Stage]]:
    """``(stage name in the results, stage)`` of a route in the order its trucks pass them."""
    route = scenario.crossings[crossing].routes[direction]
    own = [(f"{crossing}/{direction}/{st.name}", st) for st in route.stages]
    shared = []
    if route.facility is not None:
        froute = scenario.facilities[route.facility].routes[direction]
        shared = [(f"{route.facility}/{direction}/{st.name}", st) for st in froute.stages]
    return own + shared if direction == "export" else shared + own


def _mix(scenario: Scenario, crossing: str, direction: str) -> dict[str, float]:
    """Shares of each cargo class in the scenario's demand for this route."""
    weights: dict[str, float] = {}
    for stream in scenario.demand.streams.values():
        if stream.direction != direction:
            continue
        if isinstance(stream.routing, ClassShares):
            share = stream.routing.shares.get(crossing, 0.0)
        else:
            share = 1.0 / len(stream.routing.crossings) if crossing in stream.routing.crossings else 0.0
        if share > 0 and stream.trucks_per_day > 0:
            weights[stream.cargo] = weights.get(stream.cargo, 0.0) + stream.trucks_per_day * share
    if not weights:  # no demand in the scenario: an even mix of the loaded classes it accepts
        accepts = scenario.crossings[crossing].accepts
        loaded = [c for c in accepts if scenario.cargo[c].loaded] or list(accepts)
        weights = dict.fromkeys(loaded, 1.0)
    total = sum(weights.values())
    return {c: w / total for c, w in weights.items()}


def _equipped_share(scenario: Scenario, crossing: str, direction: str, cargo: str) -> float:
    num = den = 0.0
    for stream in scenario.demand.streams.values():
        same = stream.direction == direction and stream.cargo == cargo
        if same and isinstance(stream.routing, ClassShares):
            w = stream.trucks_per_day * stream.routing.shares.get(crossing, 0.0)
            num, den = num + w * stream.equipped_share, den + w
    return num / den if den > 0 else 0.0


CHANNELS = ("conventional", "equipped")


def upper_bound_per_day(
    scenario: Scenario, crossing: str, direction: str, cargo: str, channel: str | None = None
) -> float:
    """Trucks a day the route could pass if every stage were open 24 h with its most lanes.

    ``channel`` ('conventional' or 'equipped'): only the stages such trucks pass (a stage
    that ``serves`` the other channel is skipped); None: every stage of the route.
    """
    bounds = []
    for _, st in route_stages(scenario, crossing, direction):
        if st.applies_to is not None and cargo not in st.applies_to:
            continue
        if channel is not None and not passes(st, channel):
            continue
        if st.departures is not None:
            bounds.append(st.wagons_per_train * len(st.departures))
            continue
        lanes = max([st.lanes, *(w.lanes for w in st.staffing)])
        for change in st.changes:
            lanes = max([lanes, change.lanes or 0, *(w.lanes for w in change.staffing or [])])
        means = [service_mean_min(v, cargo) for v in versions(st, _EPOCH, "UTC")]
        per_lane = MINUTES_PER_DAY / max(min(means), 1e-9)
        bounds.append(lanes * per_lane)
        if st.max_per_day is not None:
            bounds.append(st.max_per_day)
    return min(bounds) if bounds else 0.0


def passes(stage: Stage, channel: str) -> bool:
    """Whether trucks of ``channel`` ('conventional' or 'equipped') pass ``stage``."""
    return stage.serves == "all" or stage.serves == channel


def saturating_scenario(
    scenario: Scenario, crossing: str | None = None, overload: float = OVERLOAD, days: int | None = None
) -> Scenario:
    """The scenario with saturating demand of loaded trucks at ``crossing`` (None: at every
    crossing) on top of its own demand elsewhere (see the module docstring)."""
    streams: dict[str, dict] = {}
    backlog: list[dict] = []
    loaded = {c for c, x in scenario.cargo.items() if x.loaded}
    targets = [crossing] if crossing is not None else list(scenario.crossings)
    for cid in targets:
        x = scenario.crossings[cid]
        if not x.enabled:
            continue
        for direction in DIRECTIONS:
            if direction not in x.routes:
                continue
            mix = {c: w for c, w in _mix(scenario, cid, direction).items() if c in loaded}
            if not mix:
                mix = {c: 1.0 for c in x.accepts if c in loaded}
            total = sum(mix.values())
            if not total:
                continue
            mix = {c: w / total for c, w in mix.items()}
            # Equipped trucks matter only where some stage tells them apart (serves); elsewhere
            # they pass the same stages as the others and are saturated with them.
            channels = any(st.serves != "all" for _, st in route_stages(scenario, cid, direction))
            equipped = {c: _equipped_share(scenario, cid, direction, c) if channels else 0.0 for c in mix}
            if not any(0 < e for e in equipped.values()):
                bound = max(upper_bound_per_day(scenario, cid, direction, c) for c in mix)
                for cargo, share in mix.items():
                    streams[f"saturate_{cid}_{direction}_{cargo}"] = {
                        "direction": direction,
                        "cargo": cargo,
                        "trucks_per_day": overload * bound * share,
                        "routing": {"policy": "shares", "shares": {cid: 1.0}},
                        "equipped_share": equipped[cargo],
                    }
                    n = int(math.ceil(bound * share))
                    if n > 0:
                        backlog.append({"crossing": cid, "direction": direction, "cargo": cargo, "trucks": n})
                continue
            # Two channels: each saturated in the mix of its own trucks (module docstring).
            for channel in CHANNELS:
                part = {
                    c: w * (equipped[c] if channel == "equipped" else 1 - equipped[c]) for c, w in mix.items()
                }
                part = {c: w for c, w in part.items() if w > 0}
                if not part:
                    continue
                total = sum(part.values())
                bound = max(upper_bound_per_day(scenario, cid, direction, c, channel) for c in part)
                for cargo, w in part.items():
                    streams[f"saturate_{cid}_{direction}_{cargo}_{channel}"] = {
                        "direction": direction,
                        "cargo": cargo,
                        "trucks_per_day": overload * bound * w / total,
                        "routing": {"policy": "shares", "shares": {cid: 1.0}},
                        "equipped_share": 1.0 if channel == "equipped" else 0.0,
                    }
                    n = int(math.ceil(bound * w / total))
                    if n > 0 and channel == "conventional":  # a backlog is conventional trucks
                        backlog.append({"crossing": cid, "direction": direction, "cargo": cargo, "trucks": n})
    data = scenario.model_dump(mode="python")
    # The measured crossings' own loaded demand is replaced; everything else stays.
    kept = {}
    for name, stream in data["demand"]["streams"].items():
        if stream["cargo"] in loaded and stream["routing"]["policy"] == "shares":
            shares = {c: p for c, p in stream["routing"]["shares"].items() if c not in targets}
            total = sum(shares.values())
            if total <= 0:
                continue
            stream = {**stream, "trucks_per_day": stream["trucks_per_day"] * total}
            stream["routing"] = {"policy": "shares", "shares": {c: p / total for c, p in shares.items()}}
        elif stream["cargo"] in loaded:
            left = [c for c in stream["routing"]["crossings"] if c not in targets]
            if not left:
                continue
            stream = {**stream, "routing": {**stream["routing"], "crossings": left}}
        kept[name] = stream
    data["demand"]["streams"] = {**kept, **streams}
    # A rate is measured: the rest of the system's demand at its daily mean. Day-to-day swings
    # (demand.day_to_day) leave the mean as it is and would only add noise between replications.
    data["demand"]["day_to_day"] = None
    data["initial_backlog"] = [b for b in data["initial_backlog"] if b["crossing"] not in targets] + backlog
    for x in data["crossings"].values():
        for route in x["routes"].values():
            route["yard_capacity"] = None  # queues must show where they grow (see step 4)
    data["extends"] = None
    data["name"] = f"{scenario.name} (saturated: {crossing or 'all crossings'})"
    if days is not None:
        data["horizon_days"] = days
        data["warmup_days"] = min(scenario.warmup_days, days - 1)
    data["warmup_days"] = max(1, data["warmup_days"]) if data["horizon_days"] > 1 else 0
    # through the checks and limits of a file: an overload that makes a run too big is one line
    return scenario_from_data(data, f"capacity --overload {overload:g}: {data['name']}")


def capacity_kpis(result: RunResult) -> dict[str, float]:
    """Throughput and queue growth per route of one saturated replication."""
    s = result.scenario
    t, rows = result.trucks, result.stages
    w0, h = result.warmup_min, result.horizon_min
    days = s.horizon_days - s.warmup_days
    loaded = np.array([s.cargo[c].loaded for c in result.cargo], bool)[t["cargo"]]
    crossed = (t["outcome"] == 1) & (t["t_out"] >= w0)
    row_x, row_d = t["crossing"][rows["truck"]], t["direction"][rows["truck"]]
    waiting_end = np.where(np.isnan(rows["t_start"]), np.inf, rows["t_start"])
    gave_up = t["outcome"][rows["truck"]] == 2
    waiting_end = np.where(gave_up & np.isnan(rows["t_start"]), t["t_out"][rows["truck"]], waiting_end)
    out: dict[str, float] = {}
    for xi, cid in enumerate(result.crossings):
        for di, direction in enumerate(DIRECTIONS):
            if direction not in s.crossings[cid].routes:
                continue
            mine = crossed & (t["crossing"] == xi) & (t["direction"] == di)
            out[f"trucks_per_day.{cid}.{direction}"] = mine.sum() / days
            out[f"loaded_per_day.{cid}.{direction}"] = (mine & loaded).sum() / days
            out[f"equipped_loaded_per_day.{cid}.{direction}"] = (mine & loaded & t["equipped"]).sum() / days
            route_rows = (row_x == xi) & (row_d == di)
            for name, _ in route_stages(s, cid, direction):
                sid = result.stage_names.index(name)
                here = route_rows & (rows["stage"] == sid)
                q_in, q_out = rows["t_queue"][here], waiting_end[here]
                queued = [int(((q_in <= x) & (q_out > x)).sum()) for x in (w0, h)]
                out[f"queue_growth_per_day.{cid}.{direction}.{name}"] = (queued[1] - queued[0]) / days
                # Trucks of every route that started this stage in the measured days.
                begun = (rows["stage"] == sid) & (rows["t_start"] >= w0) & (rows["t_start"] < h)
                out[f"stage_per_day.{name}"] = int(begun.sum()) / days
    return out


def _work(scenario: Scenario, replication: int) -> dict[str, float]:
    return capacity_kpis(run_once(scenario, replication))


ALL = "all crossings"


def capacity(
    scenario: Scenario,
    replications: int = 10,
    workers: int = 1,
    overload: float = OVERLOAD,
    days: int | None = None,
    growth_share: float = GROWTH_SHARE,
    scheduler: str | None = None,
    on_done: Callable[[int], None] | None = None,
    together: bool = True,
    per_crossing: bool = True,
) -> list[RouteCapacity]:
    """Sustainable throughput of every crossing and direction, with its binding stage.

    With ``per_crossing``, one row per crossing and direction, that crossing saturated
    alone (step 1). With ``together``, rows with ``crossing = "all crossings"`` follow:
    each direction and both when every crossing is saturated at once (step 2); without
    ``per_crossing``, each route's row then holds its share of that run.
    """
    check_replications(replications)
    check_overload(overload)
    enabled = [c for c, x in scenario.crossings.items() if x.enabled]
    configs: list[str | None] = [*(enabled if per_crossing else []), *([None] if together else [])]
    out = []
    for config in configs:
        saturated = saturating_scenario(scenario, config, overload, days)
        runs: dict[int, dict[str, float]] = {}
        for r, k in run_replications(_work, saturated, range(replications), workers, scheduler):
            runs[r] = k
            if on_done:
                on_done(1)
        ordered = [runs[r] for r in range(replications)]
        if config is not None:
            for direction in DIRECTIONS:
                if direction in scenario.crossings[config].routes:
                    out.append(_route_capacity(scenario, config, direction, ordered, growth_share))
            continue
        if per_crossing:
            for i, row in enumerate(out):
                together_row = _route_capacity(scenario, row.crossing, row.direction, ordered, growth_share)
                out[i] = replace(row, binding_when_all=together_row.binding_stage)
        else:  # the routes' shares of the province's capacity, when all saturate together
            for cid in enabled:
                for direction in DIRECTIONS:
                    if direction in scenario.crossings[cid].routes:
                        row = _route_capacity(scenario, cid, direction, ordered, growth_share)
                        out.append(replace(row, binding_when_all=row.binding_stage))
        for direction in (*DIRECTIONS, "both"):
            keys = [d for d in DIRECTIONS if d == direction or direction == "both"]
            sums = {
                kind: [sum(k.get(f"{kind}.{c}.{d}", 0.0) for c in enabled for d in keys) for k in ordered]
                for kind in ("trucks_per_day", "loaded_per_day")
            }
            every, loaded = estimate(sums["trucks_per_day"]), estimate(sums["loaded_per_day"])
            out.append(RouteCapacity(ALL, direction, every, loaded, None, {}))
    return out


def _route_capacity(
    scenario: Scenario, cid: str, direction: str, ordered: list[dict[str, float]], growth_share: float
) -> RouteCapacity:
    all_ = estimate(k[f"trucks_per_day.{cid}.{direction}"] for k in ordered)
    loaded = estimate(k[f"loaded_per_day.{cid}.{direction}"] for k in ordered)
    growth = {
        name: float(np.mean([k[f"queue_growth_per_day.{cid}.{direction}.{name}"] for k in ordered]))
        for name, _ in route_stages(scenario, cid, direction)
    }
    threshold = max(1.0, growth_share * all_.mean)
    growing = [name for name, g in growth.items() if g > threshold]
    return RouteCapacity(cid, direction, all_, loaded, growing[-1] if growing else None, growth)


def method_summary() -> str:
    """One paragraph on the method, for reports."""
    return (
        "Method: the scenario's demand is replaced by flat Poisson streams per crossing, direction "
        "and cargo class with the scenario's own mix, at twice an upper bound of each route's "
        "capacity, with one day of that bound waiting at time zero; everything that sets capacity "
        "(stages, lanes, staffing by hour, dated changes, hours and closures on both sides, shared "
        "Chinese facilities, quotas, trains) is the scenario's own, and all routes are saturated at "
        "once so that a shared facility is divided as on a busy day. Capacity is the trucks that "
        "crossed per measured day; the binding stage is the last stage of the route whose queue "
        "keeps growing (sim/experiments/capacity.py)."
    )


def as_rows(capacities: list[RouteCapacity]) -> list[dict]:
    """Plain rows for JSON."""
    return [
        {
            "crossing": c.crossing,
            "direction": c.direction,
            "trucks_per_day": c.trucks_per_day.mean,
            "trucks_per_day_half_width": c.trucks_per_day.half_width,
            "loaded_per_day": c.loaded_per_day.mean,
            "loaded_per_day_half_width": c.loaded_per_day.half_width,
            "replications": c.trucks_per_day.n,
            "binding_stage": c.binding_stage,
            "binding_when_all_saturate": c.binding_when_all,
            "queue_growth_per_day": c.queue_growth_per_day,
        }
        for c in capacities
    ]


def markdown(capacities: list[RouteCapacity], scenario: Scenario) -> str:
    """A Markdown table: per crossing and direction, capacity with its 95% CI and binding stage."""
    n = capacities[0].trucks_per_day.n if capacities else 0
    lines = [
        f"Capacity of `{scenario.name}` under saturating demand (trucks/day, mean ± 95% CI over "
        f"{n} replications; one crossing saturated at a time, then all together):",
        "",
        "| crossing | direction | loaded trucks/day | all vehicles/day | binding stage | binding when all "
        "crossings saturate |",
        "|---|---|---:|---:|---|---|",
    ]
    for c in capacities:
        if c.crossing == ALL:
            binding = "(see each crossing) | "
        else:
            binding = f"{c.binding_stage or '(none: demand did not saturate)'} | {c.binding_when_all or ''}"
        name = f"**{c.crossing}**" if c.crossing == ALL else c.crossing
        lines.append(
            f"| {name} | {c.direction} | {_pm(c.loaded_per_day)} | {_pm(c.trucks_per_day)} | {binding} |"
        )
    return "\n".join(lines) + "\n"


def _pm(e: Estimate) -> str:
    return f"{e.mean:.0f}" if math.isnan(e.half_width) else f"{e.mean:.0f} ± {e.half_width:.0f}"


@dataclass(frozen=True)
class CrossingCapacity:
    """A crossing saturated alone: both directions together, each direction, and each channel."""

    crossing: str
    loaded_per_day: Estimate  # loaded trucks a day, both directions (the Vietnamese count)
    trucks_per_day: Estimate  # all vehicles, empty returns included
    routes: dict[str, RouteCapacity]  # direction -> its capacity and binding stage
    binding_by_channel: dict[str, dict[str, str | None]]  # direction -> channel -> binding stage
    stage_per_day: dict[str, float]  # stage -> trucks of every route that started it a day
    lanes: dict[str, int]  # stage -> its most lanes (staffing and dated changes included)
    equipped_per_day: Estimate | None = None  # loaded trucks a day through the automated channel


def crossing_capacity(
    scenario: Scenario,
    crossings: list[str],
    replications: int = 10,
    workers: int = 1,
    overload: float = OVERLOAD,
    days: int | None = None,
    growth_share: float = GROWTH_SHARE,
    scheduler: str | None = None,
) -> dict[str, CrossingCapacity]:
    """Each of ``crossings`` saturated alone (step 1), with both directions summed in each
    replication (so the interval is that of the sum) and the binding stage of each channel
    (conventional and equipped trucks pass different stages at a smart gate)."""
    out = {}
    for cid in crossings:
        saturated = saturating_scenario(scenario, cid, overload, days)
        runs = dict(run_replications(_work, saturated, range(replications), workers, scheduler))
        ordered = [runs[r] for r in range(replications)]
        directions = [d for d in DIRECTIONS if d in scenario.crossings[cid].routes]
        routes = {d: _route_capacity(scenario, cid, d, ordered, growth_share) for d in directions}
        by_channel: dict[str, dict[str, str | None]] = {}
        stages: dict[str, Stage] = {}
        for d in directions:
            named = route_stages(scenario, cid, d)
            stages.update(named)
            threshold = max(1.0, growth_share * routes[d].trucks_per_day.mean)
            by_channel[d] = {}
            for channel in CHANNELS:
                growing = [
                    n
                    for n, st in named
                    if passes(st, channel) and routes[d].queue_growth_per_day[n] > threshold
                ]
                by_channel[d][channel] = growing[-1] if growing else None
        out[cid] = CrossingCapacity(
            crossing=cid,
            loaded_per_day=estimate(sum(k[f"loaded_per_day.{cid}.{d}"] for d in directions) for k in ordered),
            trucks_per_day=estimate(sum(k[f"trucks_per_day.{cid}.{d}"] for d in directions) for k in ordered),
            routes=routes,
            binding_by_channel=by_channel,
            stage_per_day={n: float(np.mean([k[f"stage_per_day.{n}"] for k in ordered])) for n in stages},
            lanes={n: most_lanes(st) for n, st in stages.items()},
            equipped_per_day=estimate(
                sum(k[f"equipped_loaded_per_day.{cid}.{d}"] for d in directions) for k in ordered
            ),
        )
    return out


def most_lanes(st: Stage) -> int:
    """The most lanes a stage ever has (its staffing windows and dated changes included)."""
    lanes = max([st.lanes, *(w.lanes for w in st.staffing)])
    for change in st.changes:
        lanes = max([lanes, change.lanes or 0, *(w.lanes for w in change.staffing or [])])
    return lanes


@dataclass(frozen=True)
class LaneSearch:
    """Lanes that let a crossing reach a target, found by re-running its capacity."""

    reached: bool
    lanes: dict[str, tuple[int, int]]  # stage -> (lanes in the scenario, lanes needed)
    capacity: CrossingCapacity  # at the last lanes tried
    rounds: int


def lanes_for_target(
    scenario: Scenario,
    crossing: str,
    target_per_day: float,
    replications: int = 3,
    workers: int = 1,
    overload: float = OVERLOAD,
    days: int | None = None,
    rounds: int = 4,
    start: CrossingCapacity | None = None,
    scheduler: str | None = None,
) -> LaneSearch:
    """A capacity search: add lanes where the crossing binds until it clears ``target_per_day``
    loaded trucks a day (both directions, mean over replications), or ``rounds`` runs are done.

    Each round splits the shortfall between the directions in proportion to their capacities
    and gives the conventional channel's binding stage of each direction the lanes its measured
    rate per lane needs for its share (first order), then measures again: when a stage stops
    binding, the next one is found by the model, not guessed. Stages with staffing windows or a
    timetable are left alone (their lanes are not one number)."""
    current = scenario
    cap = (
        start
        or crossing_capacity(current, [crossing], replications, workers, overload, days, scheduler=scheduler)[
            crossing
        ]
    )
    original = {name: most_lanes(st) for d in cap.routes for name, st in route_stages(scenario, crossing, d)}
    changed: dict[str, int] = {}
    done = 0
    while cap.loaded_per_day.mean < target_per_day and done < rounds:
        shortfall = target_per_day - cap.loaded_per_day.mean
        total = sum(r.loaded_per_day.mean for r in cap.routes.values()) or 1.0
        data = current.model_dump(mode="python")
        moved = False
        for direction, route in cap.routes.items():
            stage = cap.binding_by_channel[direction]["conventional"] or route.binding_stage
            rate = cap.stage_per_day.get(stage, 0.0) if stage else 0.0
            if stage is None or rate <= 0:
                continue
            extra = shortfall * route.loaded_per_day.mean / total
            need = math.ceil(cap.lanes[stage] * (rate + extra) / rate)
            if _set_lanes(data, stage, need):
                changed[stage] = need
                moved = True
        if not moved:
            break
        current = Scenario.model_validate(data)
        cap = crossing_capacity(
            current, [crossing], replications, workers, overload, days, scheduler=scheduler
        )[crossing]
        done += 1
    return LaneSearch(
        cap.loaded_per_day.mean >= target_per_day,
        {s: (original[s], n) for s, n in changed.items()},
        cap,
        done,
    )


def _set_lanes(data: dict, stage: str, lanes: int) -> bool:
    """Set a stage's lanes (and those of its dated changes) in scenario data; False if it cannot."""
    owner, direction, name = stage.split("/")
    where = data["facilities"] if owner in data["facilities"] else data["crossings"]
    for st in where[owner]["routes"][direction]["stages"]:
        if st["name"] != name:
            continue
        if st["staffing"] or st["departures"] is not None or lanes > MAX_LANES or lanes <= st["lanes"]:
            return False
        st["lanes"] = lanes
        for change in st["changes"]:
            if change["lanes"] is not None or change["staffing"]:
                change["lanes"], change["staffing"] = lanes, None
        return True
    return False
