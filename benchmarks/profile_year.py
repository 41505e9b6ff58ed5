"""Where one replication's time goes, and side-by-side timings of source trees (issue 13).

    python benchmarks/profile_year.py [--scenario baseline] [--days 365] [--top 30]
    python benchmarks/profile_year.py --no-profile --repeat 3
    python benchmarks/profile_year.py --compare old=/tmp/bordersim-b82031e new=. --repeat 2

Without ``--compare``: the wall time of ``load_scenario`` + ``run_once`` + ``kpis`` and trucks
per second, then (unless ``--no-profile``) cProfile's functions with the most own time. With
``PYTHONPATH`` set, the tree it names is profiled instead of this checkout.

With ``--compare LABEL=TREE ...``: each timed run is a fresh Python process with ``TREE`` first
on ``sys.path`` (same interpreter and libraries), the trees alternated (forward, then
backward, ...), so the load of a shared machine falls on all alike. Prints wall and CPU
seconds of each run, the best of each tree in trucks/s, and the ratios of every tree to the
last one. On a loaded machine read the CPU ratios: wall time there includes waiting for a core.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(HERE))


def one(scenario_name: str, days: int | None) -> dict:
    """Load, run and compute the KPIs of replication 0: the timed unit (as bench_model.py's)."""
    from sim.engine.run import run_once
    from sim.readouts.kpis import kpis
    from sim.scenario.files import load_scenario

    t0, c0 = time.perf_counter(), time.process_time()
    overrides = {} if days is None else {"horizon_days": days, "warmup_days": min(3, days - 1)}
    result = run_once(load_scenario(scenario_name, overrides=overrides))
    kpis(result)
    return {
        "wall": time.perf_counter() - t0,
        "cpu": time.process_time() - c0,
        "trucks": int(result.trucks["t_arrive"].size),
    }


def child(argv: list[str]) -> int:
    """One timed run in this process (used by --compare): prints its figures as JSON."""
    import sim

    one(argv[0], 2)  # warm caches (imports, time zones)
    out = one(argv[0], int(argv[1]))
    out["source"] = str(Path(sim.__file__).resolve().parent.parent)
    print(json.dumps(out))
    return 0


def compare(trees: list[tuple[str, Path]], scenario: str, days: int, repeat: int) -> int:
    runs: dict[str, list[dict]] = {label: [] for label, _ in trees}
    for r in range(repeat):
        order = trees if r % 2 == 0 else trees[::-1]
        for label, tree in order:
            env = dict(os.environ, PYTHONPATH=str(tree))
            proc = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child", scenario, str(days)],
                env=env,
                capture_output=True,
                text=True,
                cwd=str(tree),
            )
            if proc.returncode:
                sys.exit(f"profile_year: {label} ({tree}) failed:\n{proc.stderr[-2000:]}")
            d = json.loads(proc.stdout.strip().splitlines()[-1])
            if Path(d["source"]) != tree:
                sys.exit(f"profile_year: {label} imported {d['source']}, not {tree}")
            runs[label].append(d)
            print(
                f"  run {r + 1} {label:>6}: wall {d['wall']:6.2f} s, cpu {d['cpu']:6.2f} s, "
                f"{d['trucks'] / d['wall']:9,.0f} trucks/s wall, {d['trucks'] / d['cpu']:9,.0f} trucks/s cpu",
                flush=True,
            )
    print(f"{scenario}, {days} days, best of {repeat}, load average {os.getloadavg()[0]:.1f}:")
    last = trees[-1][0]
    rate = {}
    for label, _ in trees:
        wall = min(d["wall"] for d in runs[label])
        cpu = min(d["cpu"] for d in runs[label])
        n = runs[label][0]["trucks"]
        rate[label] = (n / wall, n / cpu)
        print(f"  {label:>6}: {n:,} trucks, {n / wall:9,.0f} trucks/s wall, {n / cpu:9,.0f} trucks/s cpu")
    for label, _ in trees[:-1]:
        w, c = rate[last][0] / rate[label][0], rate[last][1] / rate[label][1]
        print(f"  {last} / {label}: {w:.2f}x wall, {c:.2f}x cpu")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child(argv[1:])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="baseline")
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--no-profile", action="store_true")
    p.add_argument("--compare", nargs="+", metavar="LABEL=TREE", help="time source trees side by side")
    a = p.parse_args(argv)
    if a.days < 2 or a.repeat < 1:
        p.error("need --days >= 2 and --repeat >= 1")
    if a.compare:
        trees = []
        for item in a.compare:
            label, _, tree = item.partition("=")
            path = Path(tree or label).resolve()
            if not (path / "sim" / "__init__.py").is_file():
                p.error(f"--compare {item}: {path} is not a bordersim source tree (no sim/__init__.py)")
            trees.append((label if tree else path.name, path))
        return compare(trees, a.scenario, a.days, a.repeat)

    import sim

    print(f"source: {Path(sim.__file__).resolve().parent.parent}")
    one(a.scenario, 2)  # warm caches
    for _ in range(a.repeat):
        d = one(a.scenario, a.days)
        print(
            f"{a.scenario} {a.days} d: {d['wall']:.2f} s wall, {d['cpu']:.2f} s cpu, {d['trucks']:,} trucks, "
            f"{d['trucks'] / d['wall']:,.0f} trucks/s"
        )
    if not a.no_profile:
        prof = cProfile.Profile()
        prof.enable()
        one(a.scenario, a.days)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(a.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
