"""Speed of the full model against a minimal idiomatic SimPy model of the same system.

    python benchmarks/bench_model.py [--days 365] [--repeat 1] [--no-memory]

In one process, pinned to one core when the OS allows it, it alternates timed
runs of

* the full model: ``load_scenario("baseline", horizon_days=days, warmup_days=3)``,
  ``run_once`` and ``kpis`` (records and KPIs included), and
* the reference (``benchmarks/reference_simpy.py``): ``load_scenario`` and the
  plain SimPy model of the same crossings, stages, hours and arrivals,

then measures the peak memory of each in a separate, untimed pass with
``tracemalloc``, and prints trucks simulated per second, their ratio and the
targets: the full model at least 2x faster per truck than the reference, and
a simulated year of the baseline in under 10 s. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
import simpy  # noqa: E402
from reference_simpy import ReferenceModel  # noqa: E402

from sim.engine.model import Model  # noqa: E402
from sim.engine.run import run_once  # noqa: E402
from sim.readouts.kpis import kpis  # noqa: E402
from sim.scenario.files import load_scenario  # noqa: E402

SCENARIO = "baseline"
WARMUP_DAYS = 3
YEAR = 365
TARGET_RATIO = 2.0
TARGET_YEAR_S = 10.0
MIB = 1024.0 * 1024.0


def scenario_for(days: int):
    return load_scenario(
        SCENARIO, overrides={"horizon_days": days, "warmup_days": min(WARMUP_DAYS, days - 1)}
    )


def full_model(days: int) -> dict:
    """Load, run and compute the KPIs, as a study would: the timed unit of the full model."""
    t0 = time.perf_counter()
    scenario = scenario_for(days)
    t1 = time.perf_counter()
    result = run_once(scenario)
    t2 = time.perf_counter()
    out = kpis(result)
    t3 = time.perf_counter()
    assert out  # the KPIs are computed, not skipped
    return {
        "wall": t3 - t0,
        "trucks": int(result.trucks["t_arrive"].size),
        "cleared": int((result.trucks["outcome"] == 1).sum()),
        "parts": {"load": t1 - t0, "run_once": t2 - t1, "kpis": t3 - t2},
    }


def reference(days: int, yards: bool = False) -> dict:
    """Load and run the minimal SimPy model: the timed unit of the reference."""
    t0 = time.perf_counter()
    scenario = scenario_for(days)
    model = ReferenceModel(scenario, yards=yards)
    cleared = model.run()
    return {"wall": time.perf_counter() - t0, "trucks": model.n_trucks, "cleared": cleared}


def peak_mib(fn, *args) -> float:
    """Peak traced Python/NumPy allocation of ``fn(*args)``, in MiB (untimed: tracing is slow)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()
        gc.collect()


def check_same_trucks(days: int) -> None:
    """The reference simulates the model's trucks: same arrival times, crossings, directions, classes."""
    scenario = scenario_for(days)
    model, ref = Model(scenario), ReferenceModel(scenario)
    n0 = model.n_backlog
    mine = list(zip(model.crossing[:n0], model.direction[:n0], model.cargo[:n0], strict=True))
    theirs = list(
        zip(model.t_arr[n0:], model.crossing[n0:], model.direction[n0:], model.cargo[n0:], strict=True)
    )
    if mine != ref.backlog or theirs != ref.arrivals:
        sys.exit("benchmark: the reference's trucks differ from the model's; fix reference_simpy.py")


def pin_to_one_core(cpu: int) -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (os.sched_setaffinity unavailable)"
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as err:
        return f"not pinned ({err})"
    return f"pinned to CPU {cpu} of {os.cpu_count()} (os.sched_setaffinity)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=YEAR, help="simulated days (default 365)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs of each, alternated (default 1)")
    parser.add_argument("--cpu", type=int, default=0, help="core to pin the process to (default 0)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    parser.add_argument(
        "--reference-yards", action="store_true", help="give the reference a yard Resource per crossing"
    )
    args = parser.parse_args(argv)
    if args.days < 2 or args.repeat < 1:
        parser.error("need --days >= 2 and --repeat >= 1")

    pinned = pin_to_one_core(args.cpu)
    print(f"bordersim benchmark: {SCENARIO}, {args.days} days (warm-up {WARMUP_DAYS}), repeat {args.repeat}")
    print(
        f"Python {platform.python_version()}, SimPy {simpy.__version__}, NumPy {np.__version__}; {pinned}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )

    # Untimed: check both simulate the same trucks, and warm caches (imports, time zones).
    check_same_trucks(min(args.days, 7))
    full_model(2)
    reference(2, args.reference_yards)

    runs: dict[str, list[dict]] = {"model": [], "reference": []}
    for r in range(args.repeat):
        order = ("model", "reference") if r % 2 == 0 else ("reference", "model")
        for name in order:
            gc.collect()
            if name == "model":
                runs[name].append(full_model(args.days))
            else:
                runs[name].append(reference(args.days, args.reference_yards))
        m, ref = runs["model"][-1], runs["reference"][-1]
        parts = ", ".join(f"{k} {v:.2f}" for k, v in m["parts"].items())
        print(
            f"  run {r + 1} ({order[0]} first): model {m['wall']:.2f} s ({parts}), "
            f"reference {ref['wall']:.2f} s, ratio {ref['wall'] / m['wall']:.2f}x"
        )

    memory = {"model": float("nan"), "reference": float("nan")}
    if not args.no_memory:
        memory["model"] = peak_mib(full_model, args.days)
        memory["reference"] = peak_mib(reference, args.days, args.reference_yards)

    best = {name: min(rs, key=lambda x: x["wall"]) for name, rs in runs.items()}
    rate = {name: b["trucks"] / b["wall"] for name, b in best.items()}
    ratio = rate["model"] / rate["reference"]
    label = {"model": "full model (+records, KPIs)", "reference": "reference SimPy (minimal)"}
    how = "best" if args.repeat > 1 else "single run"
    print()
    print(f"{'':28}{'trucks':>10}{'wall s':>9}{'trucks/s':>11}{'peak MiB':>10}{'cleared':>10}")
    for name in ("model", "reference"):
        b = best[name]
        print(
            f"{label[name]:28}{b['trucks']:>10,}{b['wall']:>9.2f}{rate[name]:>11,.0f}"
            f"{memory[name]:>10.1f}{b['cleared']:>10,}"
        )
    mem_note = "skipped (--no-memory)" if args.no_memory else "tracemalloc, separate untimed pass"
    print(f"wall s: {how} of {args.repeat}; peak MiB: {mem_note}")
    if args.repeat > 1:
        paired = [r["wall"] / m["wall"] for m, r in zip(runs["model"], runs["reference"], strict=True)]
        print(
            f"paired ratios per run: {', '.join(f'{x:.2f}x' for x in paired)} "
            f"(median {statistics.median(paired):.2f}x)"
        )

    year_s = best["model"]["wall"] * YEAR / args.days
    year_note = "" if args.days == YEAR else f", extrapolated from {args.days} days"
    ok_ratio, ok_year = ratio >= TARGET_RATIO, year_s < TARGET_YEAR_S
    print(
        f"ratio model/reference (trucks/s): {ratio:.2f}x   "
        f"target >= {TARGET_RATIO:g}x: {'MET' if ok_ratio else 'NOT MET'}"
    )
    print(
        f"simulated year of the baseline: {year_s:.2f} s{year_note}   "
        f"target < {TARGET_YEAR_S:g} s on one core: {'MET' if ok_year else 'NOT MET'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
