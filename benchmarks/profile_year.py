"""Profile one replication of a scenario with cProfile (issue 13: the per-truck path).

    python benchmarks/profile_year.py [--scenario baseline] [--days 365] [--top 30] [--no-profile]

Prints the wall time of ``run_once`` + ``kpis`` and trucks per second, then (unless
``--no-profile``) the functions with the most own time. Run it with ``PYTHONPATH`` pointing at
another source tree to profile that tree instead (the checkout's own tree is used otherwise).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.engine.run import run_once  # noqa: E402
from sim.readouts.kpis import kpis  # noqa: E402
from sim.scenario.files import load_scenario  # noqa: E402


def one(scenario_name: str, days: int | None) -> tuple[float, int]:
    overrides = {} if days is None else {"horizon_days": days, "warmup_days": min(3, days - 1)}
    scenario = load_scenario(scenario_name, overrides=overrides)
    t0 = time.perf_counter()
    result = run_once(scenario)
    kpis(result)
    return time.perf_counter() - t0, int(result.trucks["t_arrive"].size)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="baseline")
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--no-profile", action="store_true")
    a = p.parse_args(argv)
    import sim

    print(f"source: {Path(sim.__file__).parent.parent}")
    one(a.scenario, 2)  # warm caches
    for _ in range(a.repeat):
        wall, trucks = one(a.scenario, a.days)
        print(f"{a.scenario} {a.days} d: {wall:.2f} s, {trucks:,} trucks, {trucks / wall:,.0f} trucks/s")
    if not a.no_profile:
        prof = cProfile.Profile()
        prof.enable()
        one(a.scenario, a.days)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(a.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
