"""The budget of plausible worlds (issue 23), printed beside one replication-year's cost.

    python benchmarks/bench_worlds.py [--workers 2] [--wave-points 32] [--worlds 50] [--replications 5]
                                      [--days 28] [--skip-compare]

Measures, in one run and on the same machine (read the ratios; other work on a shared machine
slows every figure alike):

1. **one replication-year**: ``run_once`` of the baseline over 365 days, its KPIs read out, in
   this process (one core);
2. **a history-matching wave**: ``--wave-points`` points of the real problem (every target's
   scenario in the world of each point, ``replications`` of seeds/history_matching.toml each) on
   ``--workers`` processes; the wave of seeds/history_matching.toml (``wave_points``) is that
   time scaled by the points, plus the emulators' fit and screening, measured on the points run;
3. **``compare --worlds``** of two scenarios (``baseline_2024`` and ``demand_growth_2025``) over
   ``--worlds`` worlds × ``--replications`` × ``--days``, on ``--workers`` processes, as the command
   runs it (a synthetic worlds file spread over the space if seeds/worlds.toml holds fewer).

Targets: a wave within 30 min and the comparison within 10 min on two cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from sim.engine.run import run_once  # noqa: E402
from sim.experiments import history_matching as hm  # noqa: E402
from sim.experiments.worlds import compare_in_worlds, load_worlds  # noqa: E402
from sim.readouts.kpis import kpis  # noqa: E402
from sim.scenario.files import load_scenario  # noqa: E402
from sim.scenario.targets import default_targets_path, load_targets  # noqa: E402
from sim.scenario.uncertain import load_space, unit_to_values  # noqa: E402


def replication_year() -> float:
    scenario = load_scenario("baseline", overrides={"horizon_days": 365})
    start = time.perf_counter()
    kpis(run_once(scenario, 0))
    return time.perf_counter() - start


def wave(points: int, workers: int) -> tuple[float, float, int, int]:
    """Seconds to run ``points`` points, seconds to fit and screen with the emulators, R, wave size."""
    settings = hm.load_settings()
    space = load_space()
    targets = load_targets()
    p = hm.problem(space, targets, default_targets_path().parent)
    unit = hm.initial_design(len(space.parameters), points, settings.seed)
    out = Path(tempfile.mkdtemp(prefix="bordersim-hm-"))
    try:
        start = time.perf_counter()
        runs = hm.run_points(out, p, unit, settings.replications, "bench", workers)
        run_s = time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)
    mean, var = hm._moments(runs)
    obs = hm.observed(p, settings)
    start = time.perf_counter()
    emulators = hm.Emulators(unit, mean, hm.relevant_inputs(p), settings.seed)
    cand = np.random.default_rng(0).random((settings.candidates, len(space.parameters)))
    m, v = emulators.predict(cand)
    hm.ranked(hm.implausibility(m, np.nanmedian(var, axis=0), settings.replications, obs, v), obs.use, 1)
    emulate_s = time.perf_counter() - start
    return run_s, emulate_s, settings.replications, settings.wave_points


def synthetic_worlds(n: int, folder: Path) -> Path:
    space = load_space()
    unit = hm.initial_design(len(space.parameters), n, 1)
    lines = ['format = "bordersim-worlds/1"', 'inputs_sha256 = "benchmark"', ""]
    for k, u in enumerate(unit):
        values = ", ".join(f"{name} = {v!r}" for name, v in unit_to_values(space, u).items())
        lines += ["[[worlds]]", f'id = "b{k:02d}"', f"values = {{ {values} }}", ""]
    path = folder / "worlds.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--wave-points", type=int, default=32)
    ap.add_argument("--worlds", type=int, default=50)
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--skip-compare", action="store_true")
    args = ap.parse_args()
    print(f"cores {os.cpu_count()}, workers {args.workers}, load average {os.getloadavg()[0]:.2f}")
    year = replication_year()
    print(f"1. one replication-year (baseline, 365 days, KPIs): {year:.2f} s on one core")
    run_s, emulate_s, reps, size = wave(args.wave_points, args.workers)
    per_point = run_s / args.wave_points
    full = per_point * size + emulate_s
    print(
        f"2. history matching: {args.wave_points} points x {reps} replications in {run_s:.1f} s "
        f"({per_point:.2f} s a point on {args.workers} workers, {per_point * args.workers / reps / year:.2f} "
        f"replication-years of CPU per replication of a point); emulators fit + "
        f"{hm.load_settings().candidates:,} "
        f"candidates screened: {emulate_s:.1f} s"
    )
    print(f"   a wave of {size} points: about {full / 60:.1f} min (target: 30 min on two cores)")
    if args.skip_compare:
        return
    folder = Path(tempfile.mkdtemp(prefix="bordersim-worlds-"))
    try:
        real = Path(ROOT / "seeds" / "worlds.toml")
        path = (
            real
            if real.is_file() and len(load_worlds(real)) >= args.worlds
            else synthetic_worlds(args.worlds, folder)
        )
        worlds = load_worlds(path).first(args.worlds)
        start = time.perf_counter()
        compare_in_worlds(
            "baseline_2024", "demand_growth_2025", worlds, args.replications, args.days, workers=args.workers
        )
        cmp_s = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    n = len(worlds) * args.replications * 2
    print(
        f"3. compare --worlds: 2 scenarios x {len(worlds)} worlds x {args.replications} replications x "
        f"{args.days} days ({n} runs, {n * args.days / 365:.1f} replication-years) in {cmp_s / 60:.1f} min "
        f"on {args.workers} workers (target: 10 min; "
        f"{cmp_s / (n * args.days / 365):.2f} s a replication-year)"
    )


if __name__ == "__main__":
    main()
