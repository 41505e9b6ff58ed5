"""The smart gate's phases against the Decision 865 targets per dedicated road.

A targets file (``seeds/decision_865.toml``) names the roads with their target range and
the scenario of each phase. For every phase and road, ``bordersim capacity`` saturates the
road alone (sim/experiments/capacity.py: both the conventional and the automated channel
full) and the table gives:

- the target (vehicles a day by 2027, F71) and the model's capacity: loaded trucks a day,
  both directions summed in each replication, mean ± 95% CI over replications;
- met or not: *met* when the interval's lower end reaches the target's lower end, *not met*
  when its upper end stays below it, *undecided* otherwise;
- the binding stage of each direction and channel (the last stage whose queue grows);
- when not met, what would have to be true: the extra trucks a day, split between the
  directions in proportion to their capacities, and the lanes the binding stage of the
  channel that carries most would need at its measured rate per lane (a first-order
  estimate: once it stops binding, another stage may bind before the target is reached).

Regenerate with ``bordersim capacity --targets seeds/decision_865.toml --replications 5
--days 10 --update scenarios/README.md`` (tests/test_smart_gate_targets.py checks that the
README's block is current).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sim.experiments.capacity import (
    OVERLOAD,
    CrossingCapacity,
    LaneSearch,
    crossing_capacity,
    lanes_for_target,
)
from sim.scenario.files import ScenarioError, load_scenario

BLOCK = "smart_gate_targets"


@dataclass(frozen=True)
class Road:
    crossing: str
    name: str
    today: float
    target: tuple[float, float]
    facts: list[str]


@dataclass(frozen=True)
class Phase:
    name: str
    scenario: str
    what: str
    facts: list[str]


@dataclass(frozen=True)
class Targets:
    decision: str
    by: str
    roads: list[Road]
    phases: list[Phase]


def load_targets(path: str | Path) -> Targets:
    """Read a targets file; every problem is one line naming the file, field and value."""
    from sim.scenario.files import read_bounded
    from sim.scenario.limits import MAX_INPUT_BYTES

    path = Path(path)
    try:
        data = tomllib.loads(read_bounded(path, MAX_INPUT_BYTES, "targets file").decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: cannot be read: not UTF-8 text"]) from None
    except (tomllib.TOMLDecodeError, RecursionError) as err:
        reason = err if isinstance(err, tomllib.TOMLDecodeError) else "tables or arrays nested too deeply"
        raise ScenarioError([f"{path}: not valid TOML: {reason}"]) from None

    def need(table: dict, key: str, where: str, kind: type | tuple[type, ...]):
        value = table.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ScenarioError([f"{path}: {where}{key} = {value!r}: expected {_kind(kind)}"])
        return value

    roads = []
    for cid, r in need(data, "roads", "", dict).items():
        if not isinstance(r, dict):
            raise ScenarioError([f"{path}: roads.{cid} = {r!r}: expected a table"])
        where = f"roads.{cid}."
        target = need(r, "target", where, list)
        if len(target) != 2 or not all(isinstance(x, int | float) for x in target) or target[0] > target[1]:
            raise ScenarioError(
                [f"{path}: {where}target = {target!r}: expected [low, high] with low <= high"]
            )
        if r.get("count", "loaded") != "loaded":
            raise ScenarioError([f"{path}: {where}count = {r['count']!r}: expected 'loaded'"])
        roads.append(
            Road(
                cid,
                need(r, "name", where, str),
                need(r, "today", where, (int, float)),
                (float(target[0]), float(target[1])),
                list(r.get("facts", [])),
            )
        )
    phases = []
    for i, p in enumerate(need(data, "phases", "", list)):
        where = f"phases[{i}]."
        if not isinstance(p, dict):
            raise ScenarioError([f"{path}: phases[{i}] = {p!r}: expected a table"])
        phases.append(
            Phase(
                need(p, "name", where, str),
                need(p, "scenario", where, str),
                p.get("what", ""),
                list(p.get("facts", [])),
            )
        )
    if not roads or not phases:
        raise ScenarioError([f"{path}: expected at least one [roads.ID] table and one [[phases]] entry"])
    return Targets(str(data.get("decision", "")), str(data.get("by", "")), roads, phases)


def _kind(kind: type | tuple[type, ...]) -> str:
    names = {dict: "a table", list: "an array", str: "a string", int: "a number", float: "a number"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(names[k] for k in kinds))


@dataclass(frozen=True)
class Row:
    phase: Phase
    road: Road
    capacity: CrossingCapacity
    search: LaneSearch | None = None  # lanes that reach the target (when it is not met)

    @property
    def verdict(self) -> str:
        e, low = self.capacity.loaded_per_day, self.road.target[0]
        if e.low > self.road.target[1]:
            return "met (above the range)"
        if e.low >= low:
            return "met"
        if e.high < low:
            return "not met"
        return "undecided"


def evaluate(
    targets: Targets,
    replications: int = 5,
    workers: int = 1,
    days: int | None = None,
    scheduler: str | None = None,
    overload: float = OVERLOAD,
) -> list[Row]:
    """Capacity of each road in each phase (each road saturated alone)."""
    rows = []
    for phase in targets.phases:
        scenario = load_scenario(phase.scenario)
        missing = [r.crossing for r in targets.roads if r.crossing not in scenario.crossings]
        if missing:
            raise ScenarioError([f"{phase.scenario}: no crossing {missing[0]!r} (named in the targets file)"])
        caps = crossing_capacity(
            scenario,
            [r.crossing for r in targets.roads],
            replications,
            workers,
            overload,
            days,
            scheduler=scheduler,
        )
        for road in targets.roads:
            row = Row(phase, road, caps[road.crossing])
            if not row.verdict.startswith("met"):
                search = lanes_for_target(
                    scenario,
                    road.crossing,
                    road.target[0],
                    SEARCH_REPLICATIONS,
                    workers,
                    overload,
                    days,
                    SEARCH_ROUNDS,
                    caps[road.crossing],
                    scheduler,
                )
                row = Row(phase, road, caps[road.crossing], search)
            rows.append(row)
    return rows


SEARCH_REPLICATIONS = 2  # the search finds whole lanes; the table's own runs give the intervals
SEARCH_ROUNDS = 6


def _short(stage: str | None, crossing: str) -> str:
    """``road_1119_1120/export/vn_customs`` -> ``vn_customs``; a facility keeps its name."""
    if stage is None:
        return "none"
    owner, _, name = stage.split("/")
    return name if owner == crossing else f"{owner} {name}"


def binding_text(row: Row) -> str:
    parts = []
    for direction, channels in row.capacity.binding_by_channel.items():
        conv, auto = channels["conventional"], channels["equipped"]
        text = f"{direction}: {_short(conv, row.road.crossing)}"
        if auto is not None and auto != conv:
            text += f" (automated: {_short(auto, row.road.crossing)})"
        parts.append(text)
    return "; ".join(parts)


def needed_text(row: Row) -> str:
    """What would have to be true for a phase that misses its target: the lanes the capacity
    search found, or (without a search) a first-order estimate."""
    if row.verdict.startswith("met"):
        return ""
    if row.search is not None and row.search.lanes:
        found = row.search
        by_direction = []
        for direction in row.capacity.routes:
            moved = [
                f"{_short(stage, row.road.crossing)} {was} → {now}"
                for stage, (was, now) in found.lanes.items()
                if stage.split("/")[1] == direction
            ]
            if moved:
                by_direction.append(f"{direction}: {', '.join(moved)}")
        e = found.capacity.loaded_per_day
        verdict = "reaches" if found.reached else f"still short after {found.rounds} rounds:"
        return f"{'; '.join(by_direction)} ({verdict} {e.mean:,.0f} a day)"
    cap = row.capacity
    shortfall = row.road.target[0] - cap.loaded_per_day.mean
    total = sum(r.loaded_per_day.mean for r in cap.routes.values()) or 1.0
    parts = []
    for direction, route in cap.routes.items():
        extra = shortfall * route.loaded_per_day.mean / total
        stage = cap.binding_by_channel[direction]["conventional"] or route.binding_stage
        rate = cap.stage_per_day.get(stage, 0.0) if stage else 0.0
        if stage is None or rate <= 0:
            parts.append(f"{direction} +{extra:.0f}/day")
            continue
        lanes = cap.lanes[stage]
        need = math.ceil(lanes * (rate + extra) / rate)
        parts.append(
            f"{direction} +{extra:.0f}/day: {_short(stage, row.road.crossing)} {lanes} → {need} lanes"
        )
    return f"+{shortfall:.0f} loaded trucks/day: " + "; ".join(parts)


def _automated(row: Row) -> str:
    e = row.capacity.equipped_per_day
    if e is None or e.mean == 0:
        return "0"
    return f"{e.mean:,.0f} ± {e.half_width:,.0f}"


def markdown(targets: Targets, rows: list[Row], command: str) -> str:
    n = rows[0].capacity.loaded_per_day.n if rows else 0
    lines = [
        f"Capacity of each dedicated road in each phase against {targets.decision} targets for "
        f"{targets.by} (loaded trucks a day, both directions; mean ± 95% CI over {n} replications, "
        "each road saturated alone with both its conventional and its automated channel full; "
        "*met* when the interval's lower end reaches the target's lower end). Generated by "
        f"`{command}`.",
        "",
        "| phase | road | today → target (F71) | model capacity | of which automated | met? | binding stage "
        "| what would have to be true |",
        "|---|---|---:|---:|---:|---|---|---|",
    ]
    for r in rows:
        e = r.capacity.loaded_per_day
        low, high = r.road.target
        lines.append(
            f"| {r.phase.name} (`{r.phase.scenario}`) | {r.road.name} | {r.road.today:,.0f} → "
            f"{low:,.0f}–{high:,.0f} | {e.mean:,.0f} ± {e.half_width:,.0f} | {_automated(r)} | {r.verdict} | "
            f"{binding_text(r)} | {needed_text(r)} |"
        )
    lines += [
        "",
        "*What would have to be true*: a capacity search (sim/experiments/capacity.py, "
        f"`lanes_for_target`, {SEARCH_REPLICATIONS} replications a round) gives the binding stage "
        "of each direction the lanes its measured rate per lane needs for the target's lower end, "
        "measures again and repeats where the next stage binds; the lanes are the model's, the "
        "other settings the phase's. *Of which automated*: the loaded trucks a day "
        "through the automated channel (equipped trucks) when it is full; the road clears them only "
        "if that many trucks are equipped.",
    ]
    return "\n".join(lines) + "\n"
