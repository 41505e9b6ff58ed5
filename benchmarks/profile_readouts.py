"""CPU time of each readout of one replication, old code against new, in the same process (issue 13).

    git -C /work/main worktree add --detach /tmp/bordersim-readouts-old 1446c37   # once
    python benchmarks/profile_readouts.py [--scenario baseline] [--days 365] [--repeat 5]
    python benchmarks/profile_readouts.py --old /path/to/other/tree --no-check
    python benchmarks/profile_readouts.py --loop 4 --repeat 2    # as a worker: fresh runs back to back

Simulates one replication with this checkout's engine, then reads it with the readouts of
the old tree (``--old``: a source tree whose ``sim`` package is imported under its own
module objects, so both versions live in one process) and with this checkout's, as
``replication_output`` does: ``kpis`` (with the derived headline KPIs), ``daily_table``,
``queue_series``, ``utilisation_by_hour``, in that order. Each round reads a fresh copy of
the result (so nothing cached from a previous round is reused), old and new alternated
(old first, then new first, ...), and measures CPU seconds (``time.process_time``) of each
function: the load of a shared machine falls on both alike. Prints the best and the median
of each, and new / old ratios.

Unless ``--no-check``, then compares every KPI and every column of the tables of the two
versions and prints the largest absolute and relative differences (0 when identical) and
whether NaNs match.

With ``--loop N``: as a worker runs them, ``N`` replications back to back in one fresh
process per tree (``PYTHONPATH``: the old tree's engine too), each simulated then read, trees
alternated ``--repeat`` times; prints the CPU seconds of the readouts of each replication
after the first (a first one pays for first calls), their median, and the ratio. Reading a
fresh run costs more than reading the same run again: its arrays land in memory the process
has not touched yet.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent.parent
DEFAULT_OLD = Path("/tmp/bordersim-readouts-old")
READOUTS = ("kpis", "daily_table", "queue_series", "utilisation_by_hour")


def _sim_modules() -> dict:
    return {k: m for k, m in sys.modules.items() if k == "sim" or k.startswith("sim.")}


def load_tree(tree: Path) -> dict:
    """The readout functions and ``RunResult`` class of the source tree ``tree``, imported
    beside this checkout's ``sim`` (its modules are taken out of ``sys.modules`` afterwards;
    their functions keep the globals they were imported with)."""
    mine = _sim_modules()
    for k in mine:
        del sys.modules[k]
    sys.path.insert(0, str(tree))
    try:
        run = importlib.import_module("sim.engine.run")
        kpis = importlib.import_module("sim.readouts.kpis")
        daily = importlib.import_module("sim.readouts.daily")
        hourly = importlib.import_module("sim.readouts.hourly")
        headline = importlib.import_module("sim.readouts.headline")
        source = Path(importlib.import_module("sim").__file__).resolve().parent.parent
    finally:
        sys.path.remove(str(tree))
        for k in _sim_modules():
            del sys.modules[k]
        sys.modules.update(mine)
    if source != tree.resolve():
        sys.exit(f"profile_readouts: imported {source}, not {tree}")
    return {
        "RunResult": run.RunResult,
        "kpis": lambda r: headline.with_derived(kpis.kpis(r)),
        "daily_table": daily.daily_table,
        "queue_series": hourly.queue_series,
        "utilisation_by_hour": hourly.utilisation_by_hour,
    }


def fresh(cls, result):
    """A new ``cls`` object with the fields of ``result`` (same arrays, new identity)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name in names})


def read(version: dict, result) -> tuple[dict[str, float], dict]:
    """CPU seconds of each readout of one fresh copy of ``result``, and the outputs."""
    r = fresh(version["RunResult"], result)
    cpu, out = {}, {}
    for name in READOUTS:
        c0 = time.process_time()
        out[name] = version[name](r)
        cpu[name] = time.process_time() - c0
    return cpu, out


def differences(old: dict, new: dict) -> list[str]:
    """Largest absolute and relative differences between the outputs, per output."""
    lines = []
    for name in READOUTS:
        a, b = old[name], new[name]
        if list(a) != list(b):
            lines.append(f"  {name}: keys differ: {sorted(set(a) ^ set(b))}")
            continue
        if name == "kpis":
            pairs = [(k, np.array([a[k]]), np.array([b[k]])) for k in a]
        else:
            pairs = [(k, np.asarray(a[k]), np.asarray(b[k])) for k in a]
        worst_abs = worst_rel = 0.0
        where = ""
        nan_ok = exact = True
        n_values = 0
        for key, x, y in pairs:
            n_values += x.size
            if x.shape != y.shape:
                lines.append(f"  {name}.{key}: shapes {x.shape} != {y.shape}")
                exact = False
                continue
            if x.dtype.kind not in "fciub":
                exact &= bool((x == y).all())
                continue
            x, y = x.astype(float), y.astype(float)
            nan_ok &= bool((np.isnan(x) == np.isnan(y)).all())
            both = ~np.isnan(x) & ~np.isnan(y)
            exact &= bool(np.array_equal(x, y, equal_nan=True))
            if both.any():
                d = np.abs(x[both] - y[both])
                with np.errstate(divide="ignore", invalid="ignore"):
                    rel = np.where(d > 0, d / np.maximum(np.abs(x[both]), np.abs(y[both])), 0.0)
                if d.max() > worst_abs:
                    worst_abs, where = float(d.max()), key
                worst_rel = max(worst_rel, float(rel.max()))
        lines.append(
            f"  {name:<20} {len(pairs):4d} {'keys' if name == 'kpis' else 'columns'}, {n_values:>9,} values: "
            f"{'identical' if exact else 'DIFFERENT'}; max abs diff {worst_abs:.3g}"
            f"{f' ({where})' if where else ''}, max rel diff {worst_rel:.3g}, "
            f"NaNs {'match' if nan_ok else 'DIFFER'}"
        )
    return lines


def loop_child(scenario_name: str, days: int, n: int) -> int:
    """``n`` replications simulated and read one after the other: readouts CPU of each (JSON)."""
    import json

    import sim
    from sim.engine.run import run_once
    from sim.readouts.daily import daily_table
    from sim.readouts.headline import with_derived
    from sim.readouts.hourly import queue_series, utilisation_by_hour
    from sim.readouts.kpis import kpis
    from sim.scenario.files import load_scenario

    scenario = load_scenario(scenario_name, overrides={"horizon_days": days})
    cpu = []
    for rep in range(n):
        result = run_once(scenario, rep)
        c0 = time.process_time()
        with_derived(kpis(result)), daily_table(result), queue_series(result), utilisation_by_hour(result)
        cpu.append(time.process_time() - c0)
        del result
    print(json.dumps({"source": str(Path(sim.__file__).resolve().parent.parent), "cpu": cpu}))
    return 0


def loop(trees: list[tuple[str, Path]], scenario: str, days: int, n: int, repeat: int) -> int:
    import json
    import subprocess

    cpu: dict[str, list[float]] = {label: [] for label, _ in trees}
    for k in range(repeat):
        for label, tree in trees if k % 2 == 0 else trees[::-1]:
            proc = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--loop-child", scenario, str(days), str(n)],
                env=dict(os.environ, PYTHONPATH=str(tree)),
                capture_output=True,
                text=True,
                cwd=str(tree),
            )
            if proc.returncode:
                sys.exit(f"profile_readouts: {label} ({tree}) failed:\n{proc.stderr[-2000:]}")
            d = json.loads(proc.stdout.strip().splitlines()[-1])
            if Path(d["source"]) != tree.resolve():
                sys.exit(f"profile_readouts: {label} imported {d['source']}, not {tree}")
            cpu[label] += d["cpu"][1:]
            print(f"  {label}: readouts CPU s " + " ".join(f"{c:.3f}" for c in d["cpu"]), flush=True)
    print(
        f"{scenario}, {days} days, {n} replications a process, x{repeat}, "
        f"load average {os.getloadavg()[0]:.1f}:"
    )
    med = {label: statistics.median(c) for label, c in cpu.items()}
    for label, c in cpu.items():
        print(
            f"  {label}: readouts of a replication (after the first) median {med[label]:.3f} s CPU, "
            f"min {min(c):.3f}, max {max(c):.3f} ({len(c)} replications)"
        )
    print(f"  new / old: {med['new'] / med['old']:.2f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--loop-child"]:
        return loop_child(argv[1], int(argv[2]), int(argv[3]))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="baseline")
    p.add_argument("--days", type=int, default=365, help="horizon_days (the scenario's warm-up kept)")
    p.add_argument("--repeat", type=int, default=5, help="rounds of old and new")
    p.add_argument("--replication", type=int, default=0)
    p.add_argument("--old", type=Path, default=DEFAULT_OLD, help="source tree of the old readouts")
    p.add_argument("--no-check", action="store_true", help="skip comparing the outputs")
    p.add_argument("--loop", type=int, metavar="N", help="N fresh replications a process, as a worker")
    a = p.parse_args(argv)
    if a.days < 2 or a.repeat < 1:
        p.error("need --days >= 2 and --repeat >= 1")
    if not (a.old / "sim" / "__init__.py").is_file():
        p.error(
            f"--old {a.old}: not a bordersim source tree (no sim/__init__.py); make one with\n"
            f"  git -C {HERE} worktree add --detach {a.old} 1446c37"
        )
    if a.loop:
        if a.loop < 2:
            p.error("need --loop >= 2 (the first replication of a process is not counted)")
        return loop([("old", a.old), ("new", HERE)], a.scenario, a.days, a.loop, a.repeat)
    sys.path.insert(0, str(HERE))
    old = load_tree(a.old)
    import sim
    from sim.engine.run import RunResult, run_once
    from sim.readouts.daily import daily_table
    from sim.readouts.headline import with_derived
    from sim.readouts.hourly import queue_series, utilisation_by_hour
    from sim.readouts.kpis import kpis
    from sim.scenario.files import load_scenario

    new = {
        "RunResult": RunResult,
        "kpis": lambda r: with_derived(kpis(r)),
        "daily_table": daily_table,
        "queue_series": queue_series,
        "utilisation_by_hour": utilisation_by_hour,
    }
    print(f"old: {a.old.resolve()}\nnew: {Path(sim.__file__).resolve().parent.parent}")
    scenario = load_scenario(a.scenario, overrides={"horizon_days": a.days})
    c0 = time.process_time()
    result = run_once(scenario, a.replication)
    print(
        f"{a.scenario}, {a.days} days, replication {a.replication}: "
        f"run_once {time.process_time() - c0:.2f} s CPU, "
        f"{result.trucks['t_arrive'].size:,} trucks, {result.stages['stage'].size:,} stage rows, "
        f"{len(result.stage_names)} stages"
    )
    read(old, result), read(new, result)  # warm up both (first calls, lazy imports)
    cpu: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    outputs = {}
    for k in range(a.repeat):
        for label in ("old", "new") if k % 2 == 0 else ("new", "old"):
            times, outputs[label] = read(old if label == "old" else new, result)
            cpu[label].append(times)
    print(f"CPU seconds per readout, {a.repeat} rounds alternated, load average {os.getloadavg()[0]:.1f}:")
    print(f"  {'':<20} {'old best':>9} {'new best':>9} {'old median':>11} {'new median':>11} {'new/old':>8}")
    for name in (*READOUTS, "total"):
        o, n = ([sum(t.values()) if name == "total" else t[name] for t in cpu[v]] for v in ("old", "new"))
        ob, nb, om, nm = min(o), min(n), statistics.median(o), statistics.median(n)
        print(f"  {name:<20} {ob:9.3f} {nb:9.3f} {om:11.3f} {nm:11.3f} {nm / om:8.2f}")
    if not a.no_check:
        print("old vs new outputs (last round):")
        print("\n".join(differences(outputs["old"], outputs["new"])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
