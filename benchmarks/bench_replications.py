"""Replications per minute on one core and on all cores, and the figure of it.

    python benchmarks/bench_replications.py [--replications 16] [--days 28] [--repeat 2]

Times what ``bordersim run baseline --replications N --workers W --out DIR`` does
(each replication run, its tables read out, sent back to the parent and written
to a results folder as Parquet, then the summaries), for W = 1 and W = the
number of cores, alternating the two ``--repeat`` times and keeping the best of
each. Prints replications per minute and their ratio, and writes the figure
``benchmarks/replications_per_minute.png``. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.scenario.files import load_scenario  # noqa: E402
from sim.study.execution import Execution  # noqa: E402
from sim.study.runs import run_scenario  # noqa: E402

FIGURE = Path(__file__).resolve().parent / "replications_per_minute.png"


def timed_run(scenario, replications: int, workers: int) -> float:
    """Wall seconds of one results-folder run (processes started, files written, summaries)."""
    folder_root = Path(tempfile.mkdtemp(prefix="bordersim-bench-"))
    try:
        start = time.perf_counter()
        out = folder_root / "r"
        run_scenario(scenario, "baseline", replications, [], out, False, False, False, None, None, (),
                     Execution(workers=workers))  # fmt: skip
        return time.perf_counter() - start
    finally:
        shutil.rmtree(folder_root, ignore_errors=True)


def figure(rates: dict[int, float], note: str) -> bytes:
    import io

    fig = Figure(figsize=(6, 3.6))
    ax = fig.subplots()
    workers = sorted(rates)
    x = np.arange(len(workers))
    bars = ax.bar(x, [rates[w] for w in workers], color=["#1f5fa8", "#d0582a", "#2b8a3e"][: len(workers)])
    one = rates[workers[0]]
    ax.hlines(
        [one * w for w in workers], x - 0.4, x + 0.4, colors="k", linestyles="--", lw=1,
        label="ideal: one core's rate x cores",
    )  # fmt: skip
    for bar, w in zip(bars, workers, strict=True):
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            bar.get_height() / 2,
            f"{rates[w]:.0f} / min\n{rates[w] / one:.2f}x",
            ha="center",
            va="center",
            color="white",
            fontsize=10,
            fontweight="bold",
        )
    ax.set_xticks(x, labels=[f"{w} worker{'s' if w > 1 else ''}" for w in workers])
    ax.set_ylabel("replications per minute")
    ax.set_ylim(0, max(one * workers[-1], max(rates.values())) * 1.25)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title("bordersim run: replications per minute", fontsize=10)
    fig.text(0.01, 0.005, note, fontsize=6.5, color="0.35")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=16, help="replications per timed run")
    parser.add_argument("--days", type=int, default=28, help="horizon_days of the baseline (default 28)")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each, alternated (default 2)")
    parser.add_argument("--no-figure", action="store_true", help="do not write the figure")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    scenario = load_scenario("baseline", overrides={"horizon_days": args.days})
    print(
        f"bordersim replications benchmark: baseline, {args.days} days, {args.replications} replications, "
        f"repeat {args.repeat}; Python {platform.python_version()}, {cores} cores, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    timed_run(load_scenario("baseline", overrides={"horizon_days": 4}), 2, 1)  # warm caches
    settings = sorted({1, cores})
    walls: dict[int, list[float]] = {w: [] for w in settings}
    for r in range(args.repeat):
        order = settings if r % 2 == 0 else settings[::-1]
        for w in order:
            walls[w].append(timed_run(scenario, args.replications, w))
            print(f"  run {r + 1}: {w} worker(s): {walls[w][-1]:.2f} s")
    rates = {w: 60.0 * args.replications / min(v) for w, v in walls.items()}
    print()
    for w in settings:
        print(
            f"{w} worker(s): {rates[w]:7.1f} replications/min (best of {args.repeat}: {min(walls[w]):.2f} s)"
        )
    if len(settings) > 1:
        print(f"ratio {cores} workers / 1 worker: {rates[cores] / rates[1]:.2f}x (ideal {cores}x)")
    if not args.no_figure:
        note = (
            f"baseline, {args.days} days, {args.replications} replications per run, results folder written; "
            f"best of {args.repeat}; {cores} cores, Python {platform.python_version()}"
        )
        FIGURE.write_bytes(figure(rates, note))
        print(f"figure: {FIGURE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
