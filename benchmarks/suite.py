"""Every figure of issue 13 in one run, today's code and this checkout side by side.

    python benchmarks/suite.py            # the full run (an estimated 15-20 min on 2 idle cores)
    python benchmarks/suite.py --quick    # one repeat, fewer replications, RSS on 60-day replications

"Today" is another commit of the project (``--old``, default ``b82031e``, main when issue 13
was opened), checked out once into a temporary git worktree. Every measurement runs in a fresh
Python process with one or the other source tree first on ``sys.path`` (same interpreter, same
libraries), alternating old and new, so that a shared machine's load falls on both alike: read
the ratios, not the seconds. It prints

* trucks per second of a baseline year (load, ``run_once`` and ``kpis``) with the old code, the
  new code and the idiomatic SimPy reference (``reference_simpy.py``), and their ratios; the
  KPIs of old and new must be equal (the same scenario gives the same results);
* replication-years per minute of ``bordersim run baseline --days 365 --out DIR`` on 1 and 2
  workers, and the time that makes for 1,000 replication-years;
* peak RSS of each process (the parent and the largest worker) at 1, 20 and 100 replication-years;
* bytes per replication-year of a results folder;
* start-up time of ``bordersim --help`` and ``bordersim validate FILE``;

and writes ``replication_years_per_minute.png`` (replication-years per minute against workers).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEW = HERE.parent
OLD_COMMIT = "b82031e"
YEAR = 365

# -- probes: run in a child process with one source tree first on sys.path --------------------------
PROBE = r"""
import json, os, resource, sys, time
sys.path.insert(0, os.environ["BORDERSIM_TREE"])
sys.path.insert(1, os.environ["BORDERSIM_BENCH"])
kind, args = sys.argv[1], json.loads(sys.argv[2])
if kind == "year":
    from sim.engine.run import run_once
    from sim.readouts.kpis import kpis
    from sim.scenario.files import load_scenario
    over = {"horizon_days": args["days"], "warmup_days": 3}
    run_once(load_scenario("baseline", overrides={"horizon_days": 2, "warmup_days": 0}))  # warm caches
    t0 = time.perf_counter()
    result = run_once(load_scenario("baseline", overrides=over))
    k = kpis(result)
    wall = time.perf_counter() - t0
    out = {"wall": wall, "trucks": int(result.trucks["t_arrive"].size), "kpis": repr(sorted(k.items()))}
elif kind == "reference":
    from reference_simpy import ReferenceModel
    from sim.scenario.files import load_scenario
    over = {"horizon_days": args["days"], "warmup_days": 3}
    t0 = time.perf_counter()
    model = ReferenceModel(load_scenario("baseline", overrides=over))
    model.run()
    out = {"wall": time.perf_counter() - t0, "trucks": model.n_trucks}
elif kind == "experiment":
    import contextlib, io
    from sim.cli import main
    argv = ["run", "baseline", "--days", str(args["days"]), "--replications", str(args["n"]),
            "--workers", str(args["workers"]), "--out", args["out"], *args.get("extra", [])]
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    wall = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in __import__("pathlib").Path(args["out"]).rglob("*") if p.is_file())
    out = {"code": code, "wall": wall, "bytes": size,
           "rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "rss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
print("RESULT " + json.dumps(out))
"""


def probe(tree: Path, kind: str, **args) -> dict:
    env = {**os.environ, "BORDERSIM_TREE": str(tree), "BORDERSIM_BENCH": str(HERE)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, kind, json.dumps(args)], env=env, capture_output=True, text=True
    )
    lines = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    if done.returncode or not lines:
        sys.exit(f"suite: probe {kind} {args} in {tree} failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1][7:])


def commit_tree(commit: str) -> Path:
    """A worktree of ``commit`` (made once, kept for later runs)."""
    sha = subprocess.run(["git", "-C", str(NEW), "rev-parse", "--short", commit], capture_output=True,
                         text=True, check=True).stdout.strip()  # fmt: skip
    path = Path(tempfile.gettempdir()) / f"bordersim-{sha}"
    if not (path / "sim").is_dir():
        subprocess.run(["git", "-C", str(NEW), "worktree", "add", "--detach", str(path), sha], check=True,
                       capture_output=True)  # fmt: skip
    return path


def startup(tree: Path, argv: list[str], repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds of ``bordersim ARGV`` (``python -c 'from sim.cli import main'``)."""
    code = (
        f"import sys; sys.path.insert(0, {str(tree)!r}); from sim.cli import main; sys.exit(main({argv!r}))"
    )
    walls, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t0)
        after = os.times()
        cpus.append(
            (after.children_user - before.children_user) + (after.children_system - before.children_system)
        )
    return min(walls), min(cpus)


def experiment(tree: Path, n: int, workers: int, days: int = YEAR, extra: tuple[str, ...] = ()) -> dict:
    root = Path(tempfile.mkdtemp(prefix="bordersim-suite-"))
    try:
        return probe(
            tree, "experiment", days=days, n=n, workers=workers, out=str(root / "r"), extra=list(extra)
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def figure(rates: dict[str, dict[int, float]], note: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.6))
    ax = fig.subplots()
    for (label, r), colour in zip(rates.items(), ["#999999", "#1f5fa8"], strict=False):
        w = sorted(r)
        ax.plot(w, [r[x] for x in w], "o-", color=colour, label=label)
        ax.plot(w, [r[w[0]] * x for x in w], ":", color=colour, lw=1)
        for x in w:
            ax.annotate(f"{r[x]:.1f}", (x, r[x]), textcoords="offset points", xytext=(6, -4), fontsize=8)
    ax.axhline(50, color="#d0582a", lw=1, ls="--", label="1,000 replication-years in 20 min")
    ax.set_xticks(sorted({w for r in rates.values() for w in r}))
    ax.set_xlabel("worker processes")
    ax.set_ylabel("replication-years per minute")
    ax.set_ylim(0, None)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title("bordersim run baseline --days 365 (dotted: one worker's rate x workers)", fontsize=9)
    fig.text(0.01, 0.005, note, fontsize=6.5, color="0.35")
    fig.savefig(path, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="one repeat, fewer replications, RSS on 60-day replications",
    )
    p.add_argument("--old", default=OLD_COMMIT, help=f"the commit measured as today (default {OLD_COMMIT})")
    p.add_argument(
        "--new",
        default=None,
        help="a commit measured as now, in its own worktree (default: this checkout)",
    )
    p.add_argument(
        "--figure", default=str(HERE / "replication_years_per_minute.png"), help="where to write the figure"
    )
    a = p.parse_args(argv)
    old = commit_tree(a.old)
    new = NEW if a.new is None else commit_tree(a.new)
    trees = {"today": old, "now": new}
    repeat = 1 if a.quick else 2
    n_rate = 2 if a.quick else 10
    rss_counts = (1, 5, 20) if a.quick else (1, 20, 100)
    rss_days = 60 if a.quick else YEAR  # quick: 60-day replications (memory per replication scales with days)
    started = time.perf_counter()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"bordersim suite: today = {a.old} ({old}), now = {a.new or 'this checkout'} ({new}); "
        f"{os.cpu_count()} cores, load {load:.1f}"
    )
    print("Every row: best of the alternated runs; ratios between columns of the same row.\n")

    # 1. A baseline year in one process, and the reference.
    years: dict[str, list[dict]] = {"today": [], "now": [], "reference": []}
    for i in range(repeat):
        order = ["today", "now"] if i % 2 == 0 else ["now", "today"]
        for side in order:
            years[side].append(probe(trees[side], "year", days=YEAR))
        years["reference"].append(probe(new, "reference", days=YEAR))
    best = {k: min(v, key=lambda x: x["wall"]) for k, v in years.items()}
    same = {r["kpis"] for r in years["today"] + years["now"]}
    print("1. A baseline year in one process (load, run_once, kpis)")
    print(f"   {'':14}{'seconds':>9}{'trucks/s':>10}{'vs reference':>14}")
    for side in ("today", "now", "reference"):
        b = best[side]
        rate = b["trucks"] / b["wall"]
        ref = best["reference"]["trucks"] / best["reference"]["wall"]
        print(f"   {side:14}{b['wall']:9.2f}{rate:10.0f}{rate / ref:13.2f}x")
    paired = [o["wall"] / n["wall"] for o, n in zip(years["today"], years["now"], strict=True)]
    speedup = best["today"]["wall"] / best["now"]["wall"]
    pairs = ", ".join(f"{x:.2f}x" for x in paired)
    print(f"   now vs today: {speedup:.2f}x faster (paired runs: {pairs}); "
          f"KPIs identical: {'yes' if len(same) == 1 else 'NO'}\n")  # fmt: skip

    # 2. Replication-years per minute on 1 and 2 workers.
    print(
        f"2. Replication-years per minute: bordersim run baseline --days 365 "
        f"--replications {n_rate} --out DIR"
    )
    rates: dict[str, dict[int, float]] = {"today": {}, "now": {}}
    runs: dict[tuple[str, int], list[dict]] = {}
    for i in range(repeat):
        for w in (1, 2):
            order = ["today", "now"] if (i + w) % 2 == 0 else ["now", "today"]
            for side in order:
                runs.setdefault((side, w), []).append(experiment(trees[side], n_rate, w))
    print(f"   {'':8}{'1 worker':>12}{'2 workers':>12}{'2 vs 1':>9}{'1,000 on 2':>12}{'bytes/rep-year':>16}")
    for side in ("today", "now"):
        for w in (1, 2):
            rates[side][w] = n_rate * 60.0 / min(r["wall"] for r in runs[(side, w)])
        size = runs[(side, 1)][0]["bytes"] / n_rate
        r1, r2 = rates[side][1], rates[side][2]
        print(f"   {side:8}{r1:9.1f}/min{r2:9.1f}/min{r2 / r1:8.2f}x"
              f"{1000 / r2:9.1f} min{size / 1e6:13.2f} MB")  # fmt: skip
    rec = experiment(new, 1, 1, extra=("--records",))
    print(f"   now with --records: {rec['bytes'] / 1e6:.1f} MB per replication-year\n")

    # 3. Peak RSS per process against replications (one worker: the replications run in the process).
    print(f"3. Peak RSS per process, {rss_days}-day baseline replications run back to back in one process "
          "(--workers 1)")  # fmt: skip
    print(
        f"   {'':8}"
        + "".join(f"{f'{n} rep.':>10}" for n in rss_counts)
        + f"{'2 workers, parent / worker':>30}"
    )
    for side in ("today", "now"):
        row = []
        for n in rss_counts:
            if side == "today" and n > 20:
                row.append("skipped")  # grows by ~125 MB a replication-year: 100 would need ~12 GB
                continue
            row.append(f"{experiment(trees[side], n, 1, days=rss_days)['rss_self_mb']:.0f} MB")
        two = experiment(trees[side], rss_counts[1], 2, days=rss_days)
        print(f"   {side:8}" + "".join(f"{x:>10}" for x in row)
              + f"{two['rss_self_mb']:>20.0f} / {two['rss_children_mb']:.0f} MB")  # fmt: skip
    print()

    # 4. Start-up.
    print("4. Start-up (best of 5; wall and CPU seconds)")
    baseline = str(NEW / "scenarios" / "baseline.toml")
    for label, args in (
        ("bordersim --help", ["--help"]),
        ("bordersim validate FILE", ["validate", baseline]),
    ):
        cells = []
        for side in ("today", "now"):
            wall, cpu = startup(trees[side], args, 5)
            cells.append(f"{side} {wall:.2f} s ({cpu:.2f} CPU)")
        print(f"   {label:26}" + "   ".join(cells))

    note = (f"{n_rate} replication-years per timed run, best of {repeat}; {os.cpu_count()} cores, "
            f"load {load:.1f}; today = {a.old}")  # fmt: skip
    figure({f"today ({a.old})": rates["today"], "now": rates["now"]}, note, Path(a.figure))
    print(f"\nFigure: {a.figure}. Suite wall time {(time.perf_counter() - started) / 60:.1f} min.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
