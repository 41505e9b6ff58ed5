"""``--worlds``: each command's question answered in every plausible world, as text and files.

The command line parses and delegates here (one function per command); the runs are
:mod:`sim.experiments.worlds`' and the rendering :mod:`sim.reporting.worlds_tables`'.
A folder written with ``--out`` holds ``worlds_answer.json`` (every world's answer and the
spreads), ``report.md`` and ``spread.png``; ``bordersim report FOLDER`` renders it again.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim.experiments.atomic import write_atomic, write_atomic_bytes
from sim.experiments.worlds import (
    Worlds,
    WorldsKpi,
    as_jsonable,
    compare_in_worlds,
    era_of,
    inputs_sha256,
    run_scenario_in_worlds,
    share,
    spread,
    table_in_worlds,
)
from sim.reporting import worlds_tables as wt
from sim.scenario.uncertain import world_scenario

ANSWER_FILE = "worlds_answer.json"
# Besides the headline KPIs, `run --worlds` answers: does the backlog grow, and does it recover?
RUN_EXTRA = ("backlog_growth_per_day", "days_to_recover.lower_bound", "days_to_recover.not_recovered")


def _write_folder(
    out: str | Path, payload: dict[str, Any], rows: Sequence[WorldsKpi], title: str, text: str
) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / ANSWER_FILE, json.dumps(payload, indent=1, allow_nan=True) + "\n")
    write_atomic_bytes(out / "spread.png", wt.spread_png(rows, title))
    write_atomic(out / "report.md", f"# {title}\n\n{text}\n![the answer in each world](spread.png)\n")
    return out


def _payload(kind: str, worlds: Worlds, replications: int, rows: Sequence[WorldsKpi], **extra: Any) -> dict:
    return {
        "kind": kind,
        "worlds_file": str(worlds.file),
        "worlds_sha256": worlds.sha256,
        "worlds": worlds.ids,
        "replications": replications,
        **extra,
        "kpis": as_jsonable(rows),
    }


def run(
    source: str,
    worlds: Worlds,
    replications: int,
    overrides: dict,
    workers: int,
    scheduler: str | None,
    on_done: Callable[[], object] | None,
    settings: Sequence[Any],
    out: str | None,
) -> str:
    from sim.readouts.headline import HEADLINE

    keys = [h.key for h in HEADLINE] + [*RUN_EXTRA]
    rows = run_scenario_in_worlds(
        source, worlds, replications, overrides, workers, scheduler, on_done, settings, keys
    )
    title = f"{source} across plausible worlds"
    text = wt.kpis_markdown(rows, len(worlds), replications, title)
    if out:
        _write_folder(
            out, _payload("run", worlds, replications, rows, scenario=str(source)), rows, title, text
        )
    return text


def compare(
    a: str,
    b: str,
    worlds: Worlds,
    replications: int,
    days: int | None,
    rng_seed: int | None,
    workers: int,
    scheduler: str | None,
    on_done: Callable[[], object] | None,
    settings: Sequence[Any],
    out: str | None,
) -> str:
    rows, scenarios = compare_in_worlds(
        a, b, worlds, replications, days, rng_seed, workers, scheduler, on_done, settings
    )
    title = f"{scenarios[1].name} (B) against {scenarios[0].name} (A) across plausible worlds"
    text = wt.kpis_markdown(rows, len(worlds), replications, title)
    if out:
        payload = _payload(
            "compare",
            worlds,
            replications,
            rows,
            a=str(a),
            b=str(b),
            rng_seed=scenarios[0].rng_seed,
            inputs_sha256=inputs_sha256(worlds, [a, b]),
        )
        _write_folder(out, payload, rows, title, text)
    return text


def table(
    paths: Sequence[str],
    worlds: Worlds,
    baseline: str | None,
    replications: int,
    days: int | None,
    workers: int,
    scheduler: str | None,
    on_done: Callable[[], object] | None,
    columns: Sequence[Any],
    settings: Sequence[Any],
    command: str,
) -> tuple[str, dict]:
    t = table_in_worlds(
        paths, worlds, baseline, replications, days, workers, scheduler, on_done, columns, settings
    )
    data = {
        "worlds_file": str(worlds.file),
        "worlds_sha256": worlds.sha256,
        "inputs_sha256": t.inputs_sha256,
        "replications": replications,
        "rng_seed": t.rng_seed,
        "scenarios": [
            {"name": n, "compared_with": None if p is None else t.names[p], "kpis": as_jsonable(row)}
            for n, p, row in zip(t.names, t.compared_with, t.rows, strict=True)
        ],
    }
    return wt.table_markdown(t, command), data


def capacity(
    source: str,
    worlds: Worlds,
    replications: int,
    days: int | None,
    overload: float,
    workers: int,
    scheduler: str | None,
    rng_seed: int | None,
) -> str:
    """Each route's share of the province's capacity (every crossing saturated at once), the province's
    totals, and what binds each route, in every world."""
    from sim.experiments.capacity import capacity as capacity_of
    from sim.scenario.files import load_scenario

    overrides = {} if rng_seed is None else {"rng_seed": rng_seed}
    base = load_scenario(source, overrides=overrides or None)
    era = era_of(source, worlds.space)
    per_world = []
    for values in worlds.values:
        s = world_scenario(base, era, worlds.space, values)
        per_world.append(
            capacity_of(s, replications, workers, overload, days, scheduler=scheduler, per_crossing=False)
        )
    lines = [
        f"Capacity of `{base.name}` in {len(worlds)} plausible worlds (loaded trucks a day, each route's "
        "share "
        f"when every crossing is saturated at once; {replications} replications a world): median [90% range "
        "across worlds], and the stage that binds in most worlds.",
        "",
        "| crossing | direction | loaded trucks/day | binding stage (share of worlds) |",
        "|---|---|---:|---|",
    ]
    for k, row in enumerate(per_world[0]):
        values = [w[k].loaded_per_day.mean for w in per_world]
        s = spread(values)
        binding = Counter(w[k].binding_stage for w in per_world if w[k].binding_stage)
        stage = ", ".join(f"{b} ({n / len(per_world):.0%})" for b, n in binding.most_common(2)) or "–"
        lines.append(
            f"| {row.crossing} | {row.direction} | {s.median:,.0f} [{s.low:,.0f} to {s.high:,.0f}] "
            f"| {stage} |"
        )
    lines += ["", wt.SHARE_NOTE]
    return "\n".join(lines) + "\n"


def smart_gate_targets(
    targets_file: str,
    worlds: Worlds,
    replications: int,
    days: int | None,
    overload: float,
    workers: int,
    scheduler: str | None,
    command: str,
) -> str:
    """Each phase's road capacities against Decision 865's targets, in every world: the capacity's
    median and 90% range across worlds, and the share of worlds in which the target is met (the
    world's mean capacity over its replications at least the target's lower end)."""
    from sim.experiments.capacity import crossing_capacity
    from sim.reporting import smart_gate_targets as sgt
    from sim.scenario.files import load_scenario

    targets = sgt.load_targets(targets_file)
    lines = [
        f"The same targets in {len(worlds)} plausible worlds ({worlds.file.name}; {replications} "
        "replications "
        "of each road saturated alone in each world): capacity median [90% range across worlds], and the "
        "share "
        "of worlds in which the capacity reaches the target's lower end. Generated by "
        f"`{command}`.",
        "",
        "| phase | road | today → target (F71) | capacity across worlds | target met in "
        "| binding stage (share of worlds) |",
        "|---|---|---:|---:|---:|---|",
    ]
    sources = []
    for phase in targets.phases:
        base = load_scenario(phase.scenario)
        sources.append(phase.scenario)
        era = era_of(phase.scenario, worlds.space)
        caps = [
            crossing_capacity(
                world_scenario(base, era, worlds.space, v),
                [r.crossing for r in targets.roads],
                replications,
                workers,
                overload,
                days,
                scheduler=scheduler,
            )
            for v in worlds.values
        ]
        for road in targets.roads:
            values = [c[road.crossing].loaded_per_day.mean for c in caps]
            s = spread(values)
            met = share([v >= road.target[0] for v in values])
            binding = Counter(
                "; ".join(
                    f"{d}: {sgt._short(ch['conventional'], road.crossing)}"
                    for d, ch in c[road.crossing].binding_by_channel.items()
                )
                for c in caps
            )
            stage = ", ".join(f"{b} ({n / len(caps):.0%})" for b, n in binding.most_common(2))
            low, high = road.target
            lines.append(
                f"| {phase.name} (`{phase.scenario}`) | {road.name} | "
                f"{road.today:,.0f} → {low:,.0f}–{high:,.0f} | "
                f"{s.median:,.0f} [{s.low:,.0f} to {s.high:,.0f}] | {met:.0%} of worlds | {stage} |"
            )
    lines += ["", wt.SHARE_NOTE, "", f"<!-- inputs sha256 {inputs_sha256(worlds, sources)} -->"]
    return "\n".join(lines) + "\n"


def sweep(
    plan: Any,
    worlds: Worlds,
    source: str,
    kpi: str,
    workers: int,
    scheduler: str | None,
    on_done: Callable[[], object] | None,
) -> str:
    """Every point of a sweep in every world: the KPI's median and 90% range across worlds per point."""
    from sim.experiments.comparison import headline_kpis_of
    from sim.experiments.worlds import run_in_worlds

    era = era_of(source, worlds.space)
    runs = run_in_worlds(
        headline_kpis_of,
        plan.scenarios,
        [era] * len(plan.scenarios),
        worlds,
        plan.replications,
        workers,
        scheduler,
        on_done,
    )
    dims = [d.name for d in plan.dims]
    lines = [
        "| point | " + " | ".join(dims) + f" | {kpi}: median [90% range across worlds] |",
        "|---|" + "---:|" * (len(dims) + 1),
    ]
    for i, pt in enumerate(plan.points):
        means = []
        for w in range(len(worlds)):
            xs = [r.get(kpi, math.nan) for r in runs[w][i]]
            means.append(sum(xs) / len(xs) if xs else math.nan)
        s = spread(means)
        values = [f"{pt[d]:.4g}" if isinstance(pt[d], float) else str(pt[d]) for d in dims]
        lines.append(f"| p{i:04d} | " + " | ".join(values) + f" | {wt.spread_text(s, kpi)} |")
    lines += [
        "",
        f"{len(worlds)} plausible worlds × {plan.replications} replications a point. {wt.SHARE_NOTE}",
    ]
    return "\n".join(lines) + "\n"


def is_worlds_folder(folder: str | Path) -> bool:
    return (Path(folder) / ANSWER_FILE).is_file()


def report(folder: str | Path, out: str | Path | None = None) -> Path:
    """The report of a ``--worlds --out`` folder: the table and the spread figure, again."""
    from sim.experiments.worlds import Spread

    folder = Path(folder)
    data = json.loads((folder / ANSWER_FILE).read_text(encoding="utf-8"))

    def sp(d: dict | None) -> Spread | None:
        return None if d is None else Spread(d["median"], d["low"], d["high"], d["worlds"])

    rows = [
        WorldsKpi(
            k["kpi"],
            sp(k["value"]),
            sp(k["difference"]),
            k["share_higher"],
            k["share_lower"],
            k["per_world"],
            k["per_world_difference"],
        )
        for k in data["kpis"]
    ]
    title = {
        "run": f"{data.get('scenario')} across plausible worlds",
        "compare": f"{data.get('b')} (B) against {data.get('a')} (A) across plausible worlds",
    }[data["kind"]]
    text = wt.kpis_markdown(rows, len(data["worlds"]), data["replications"], title)
    target = Path(out) if out else folder
    target.mkdir(parents=True, exist_ok=True)
    write_atomic_bytes(target / "spread.png", wt.spread_png(rows, title))
    write_atomic(target / "report.md", f"# {title}\n\n{text}\n![the answer in each world](spread.png)\n")
    return target
