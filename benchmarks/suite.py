"""Every figure of issue 13 in one run, today's code and this checkout side by side.

    python benchmarks/suite.py            # the full run (~15 min on 2 idle cores)
    python benchmarks/suite.py --quick    # fewer replications, RSS on 60-day replications (~3 min idle)
    python benchmarks/suite.py --batch 1000    # measure 1,000 replication-years instead of 100 (~20 min more)

"Today" is another commit of the project (``--old``, default ``b82031e``, main when issue 13
was opened), checked out once into a temporary git worktree. Every measurement runs in a fresh
Python process with one or the other source tree first on ``sys.path`` (same interpreter, same
libraries), alternating old and new, so that a shared machine's load falls on both alike: read
the ratios, not the seconds (the load average is printed at each row). It prints

1. trucks per second of a baseline year (load, ``run_once`` and ``kpis``) with the old code, the
   new code and the idiomatic SimPy reference (``reference_simpy.py``), and their ratios; the
   KPIs of old and new must be equal (the same scenario gives the same results);
2. replication-years per minute of ``bordersim run baseline --days 365 --out DIR`` on 1 and 2
   workers, their ratio, and bytes per replication-year of the results folder;
3. the time of 1,000 replication-years on 2 workers: extrapolated from row 2, and (full run)
   from a measured batch of ``--batch`` replication-years (100 by default: extrapolated x10;
   ``--batch 1000`` measures it);
4. peak RSS of each process (the parent and the largest worker, ``--workers 2``) at 1, 20 and
   100 replication-years of ``baseline`` and ``baseline_2024`` (one replication runs in the
   parent itself);
5. start-up of ``bordersim --help`` and ``bordersim validate FILE``: median wall and CPU seconds
   of 11 fresh processes, by ``python -c`` (both trees), ``python -m sim`` and the installed
   console script (this checkout, when it is the installed one);

then the targets of issue 13 against what was measured, and writes
``replication_years_per_minute.png`` (replication-years per minute against workers).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
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
    out = {"wall": wall, "trucks": int(result.trucks["t_arrive"].size),
           "kpis": {name: repr(value) for name, value in k.items()}}
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
    argv = ["run", args.get("scenario", "baseline"), "--days", str(args["days"]),
            "--replications", str(args["n"]), "--workers", str(args["workers"]), "--out", args["out"],
            *args.get("extra", [])]
    t0, c0 = time.perf_counter(), os.times()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    wall, c1 = time.perf_counter() - t0, os.times()
    size = sum(p.stat().st_size for p in __import__("pathlib").Path(args["out"]).rglob("*") if p.is_file())
    out = {"code": code, "wall": wall, "bytes": size,
           "cpu_self": c1.user - c0.user + c1.system - c0.system,
           "cpu_children": c1.children_user - c0.children_user + c1.children_system - c0.children_system,
           "rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "rss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
print("RESULT " + json.dumps(out))
"""


def probe(tree: Path, kind: str, pure: bool = False, **args) -> dict:
    """``kind`` measured in a fresh process on ``tree``; ``pure``: its per-truck path as plain
    Python even where it is compiled (sim/compiled.py)."""
    env = {**os.environ, "BORDERSIM_TREE": str(tree), "BORDERSIM_BENCH": str(HERE)}
    env.pop("BORDERSIM_PURE_PYTHON", None)
    if pure:
        env["BORDERSIM_PURE_PYTHON"] = "1"
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


def startup(command: list[str], repeat: int, env: dict | None = None) -> tuple[float, float]:
    """Median wall and CPU seconds of ``command`` over ``repeat`` fresh processes."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        t0 = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        walls.append(time.perf_counter() - t0)
        after = os.times()
        cpus.append(
            (after.children_user - before.children_user) + (after.children_system - before.children_system)
        )
    return statistics.median(walls), statistics.median(cpus)


def tree_command(tree: Path, argv: list[str]) -> list[str]:
    """``bordersim ARGV`` with ``tree`` first on ``sys.path`` (what the console script does)."""
    code = (
        f"import sys; sys.path.insert(0, {str(tree)!r}); from sim.cli import main; sys.exit(main({argv!r}))"
    )
    return [sys.executable, "-c", code]


def installed_script() -> Path | None:
    """The ``bordersim`` console script next to this interpreter, if it runs this checkout."""
    script = Path(sys.executable).parent / "bordersim"
    if not script.is_file():
        return None
    where = subprocess.run([sys.executable, "-c", "import sim; print(sim.__file__)"], capture_output=True,
                           text=True, cwd=tempfile.gettempdir()).stdout.strip()  # fmt: skip
    return script if where and Path(where).resolve().parent.parent == NEW.resolve() else None


def experiment(
    tree: Path,
    n: int,
    workers: int,
    days: int = YEAR,
    extra: tuple[str, ...] = (),
    scenario: str = "baseline",
) -> dict:
    root = Path(tempfile.mkdtemp(prefix="bordersim-suite-"))
    try:
        out = probe(tree, "experiment", days=days, n=n, workers=workers, out=str(root / "r"),
                    extra=list(extra), scenario=scenario)  # fmt: skip
        out["load"] = load_average()
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


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


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="one repeat, 4 replication-years per rate, RSS on 60-day replications at 1/5/20, no batch",
    )
    p.add_argument("--old", default=OLD_COMMIT, help=f"the commit measured as today (default {OLD_COMMIT})")
    p.add_argument(
        "--new", default=None, help="a commit measured as now, in its own worktree (default: this checkout)"
    )
    p.add_argument(
        "--batch",
        type=int,
        default=None,
        help="replication-years of the measured batch on 2 workers (default 100; 0 with --quick)",
    )
    p.add_argument(
        "--figure", default=str(HERE / "replication_years_per_minute.png"), help="where to write the figure"
    )
    p.add_argument("--rows", default="1,2,3,4,5", help="which rows to measure (default all: 1,2,3,4,5)")
    a = p.parse_args(argv)
    rows = {int(x) for x in a.rows.split(",") if x.strip()}
    old = commit_tree(a.old)
    new = NEW if a.new is None else commit_tree(a.new)
    trees = {"today": old, "now": new}
    repeat = 1 if a.quick else 2
    n_rate = 4 if a.quick else 10
    rss_counts = (1, 5, 20) if a.quick else (1, 20, 100)
    rss_days = 60 if a.quick else YEAR  # quick: 60-day replications (memory per replication scales with days)
    batch = a.batch if a.batch is not None else (0 if a.quick else 100)
    started = time.perf_counter()
    load = load_average()
    print(
        f"bordersim suite{' --quick' if a.quick else ''}: today = {a.old} ({old}), "
        f"now = {a.new or 'this checkout'} ({new}); {os.cpu_count()} cores, load {load:.1f}"
    )
    print("Every row: best of the alternated runs; ratios between columns of the same row.\n")

    model_vs_ref: float | None = None
    rates: dict[str, dict[int, float]] = {"today": {}, "now": {}}
    size_now: float | None = None
    thousand: dict[str, float] = {}
    measured: dict | None = None
    rss_max: dict[str, float] = {}
    starts: dict[str, float] = {}

    # 1. A baseline year in one process, and the reference.
    if 1 in rows:
        years: dict[str, list[dict]] = {"today": [], "now": [], "now, plain": [], "reference": []}
        for i in range(repeat):
            order = ["today", "now", "now, plain"] if i % 2 == 0 else ["now, plain", "now", "today"]
            for side in order:
                tree = trees["today" if side == "today" else "now"]
                years[side].append(probe(tree, "year", pure=side == "now, plain", days=YEAR))
            years["reference"].append(probe(new, "reference", days=YEAR))
        best = {k: min(v, key=lambda x: x["wall"]) for k, v in years.items()}
        # KPIs both trees compute (the newer code has KPIs the older one had not).
        runs = years["today"] + years["now"] + years["now, plain"]
        common = sorted(set.intersection(*(set(r["kpis"]) for r in runs)))
        same = {tuple(r["kpis"][key] for key in common) for r in runs}
        ref = best["reference"]["trucks"] / best["reference"]["wall"]
        print(f"1. A baseline year in one process (load, run_once, kpis); load {load_average():.1f}")
        print(f"   {'':14}{'seconds':>9}{'trucks/s':>10}{'vs reference':>14}")
        for side in ("today", "now", "now, plain", "reference"):
            b = best[side]
            rate = b["trucks"] / b["wall"]
            print(f"   {side:14}{b['wall']:9.2f}{rate:10.0f}{rate / ref:13.2f}x")
        model_vs_ref = best["now"]["trucks"] / best["now"]["wall"] / ref
        paired = [o["wall"] / n["wall"] for o, n in zip(years["today"], years["now"], strict=True)]
        speedup = best["today"]["wall"] / best["now"]["wall"]
        pairs = ", ".join(f"{x:.2f}x" for x in paired)
        compiled = best["now, plain"]["wall"] / best["now"]["wall"]
        print(f"   now vs today: {speedup:.2f}x faster (paired runs: {pairs}); compiled vs plain Python "
              f"per-truck path: {compiled:.2f}x; the {len(common)} KPIs all compute identical: "
              f"{'yes' if len(same) == 1 else 'NO'}")
        print("   (now: the per-truck path compiled at install, sim/compiled.py; now, plain: the\n"
              "   same code with BORDERSIM_PURE_PYTHON=1)\n")

    # 2. Replication-years per minute on 1 and 2 workers.
    if 2 in rows:
        print(f"2. Replication-years per minute: bordersim run baseline --days 365 --replications {n_rate} "
              f"--workers W --out DIR (best of {repeat}); load {load_average():.1f}")  # fmt: skip
        runs: dict[tuple[str, int], list[dict]] = {}
        for i in range(repeat):
            for w in (1, 2):
                order = ["today", "now"] if (i + w) % 2 == 0 else ["now", "today"]
                for side in order:
                    runs.setdefault((side, w), []).append(experiment(trees[side], n_rate, w))
        print(f"   {'':8}{'1 worker':>12}{'2 workers':>12}{'2 vs 1':>9}{'bytes/rep-year':>16}"
              f"{'CPU s/rep-year, 1 w.':>22}{'2 w.: parent + workers':>24}")  # fmt: skip
        for side in ("today", "now"):
            for w in (1, 2):
                rates[side][w] = n_rate * 60.0 / min(r["wall"] for r in runs[(side, w)])
            size = runs[(side, 1)][0]["bytes"] / n_rate
            size_now = size if side == "now" else size_now
            r1, r2 = rates[side][1], rates[side][2]
            one = min(runs[(side, 1)], key=lambda x: x["wall"])
            two = min(runs[(side, 2)], key=lambda x: x["wall"])
            cpu1 = (one["cpu_self"] + one["cpu_children"]) / n_rate
            cpu2 = f"{two['cpu_self'] / n_rate:.2f} + {two['cpu_children'] / n_rate:.2f}"
            cells = f"{r1:9.1f}/min{r2:9.1f}/min{r2 / r1:8.2f}x{size / 1e6:13.2f} MB"
            print(f"   {side:8}{cells}{cpu1:17.2f}{cpu2:>24}")
        print(
            "   (CPU seconds count each process's own work whatever the load: with 2 workers the parent's\n"
            "   share is what it does besides waiting, its imports and the summaries included)"
        )
        rec = experiment(new, 1, 1, extra=("--records",))
        print(f"   now with --records: {rec['bytes'] / 1e6:.1f} MB per replication-year\n")

    # 3. 1,000 replication-years on 2 workers.
    if 3 in rows:
        print("3. 1,000 replication-years of the baseline on 2 workers")
        thousand = {side: 1000 / rates[side][2] for side in ("today", "now") if rates[side]}
        if thousand:
            print(
                f"   extrapolated from row 2 ({n_rate} replication-years a run): "
                + ", ".join(f"{side} {m:.1f} min" for side, m in thousand.items())
            )
        if batch:
            measured = experiment(new, batch, 2)
            how = (
                "measured"
                if batch >= 1000
                else f"extrapolated x{1000 / batch:g} from a measured batch of {batch}"
            )
            measured["thousand_min"] = measured["wall"] * 1000 / batch / 60
            m = measured
            print(f"   now, {how}: {batch} replication-years in {m['wall'] / 60:.1f} min "
                  f"({batch * 60 / m['wall']:.1f}/min) -> 1,000 in {m['thousand_min']:.1f} min; "
                  f"load {m['load']:.1f}; CPU s per replication-year: parent "
                  f"{m['cpu_self'] / batch:.3f}, workers {m['cpu_children'] / batch:.2f}")  # fmt: skip
        print()

    # 4. Peak RSS per process against replications, on 2 workers.
    if 4 in rows:
        print(f"4. Peak RSS per process (parent / largest worker), {rss_days}-day replications, --workers 2 "
              "(1 replication runs in the parent)")  # fmt: skip
        print(f"   {'':22}" + "".join(f"{f'{n} rep.':>18}" for n in rss_counts))
        for scenario in ("baseline", "baseline_2024"):
            for side in ("today", "now") if scenario == "baseline" else ("now",):
                row = []
                for n in rss_counts:
                    if side == "today" and n > 20:
                        row.append("skipped")  # grows by ~125 MB a replication-year: 100 would need ~12 GB
                        continue
                    if (
                        side == "now"
                        and scenario == "baseline"
                        and n == batch
                        and rss_days == YEAR
                        and measured
                    ):
                        r = measured  # the batch of row 3 is this run
                    else:
                        r = experiment(trees[side], n, 2, days=rss_days, scenario=scenario)
                    row.append(f"{r['rss_self_mb']:.0f} / {r['rss_children_mb']:.0f} MB")
                    if side == "now":
                        rss_max[scenario] = max(
                            rss_max.get(scenario, 0.0), r["rss_self_mb"], r["rss_children_mb"]
                        )
                print(f"   {scenario + ' ' + side:22}" + "".join(f"{x:>18}" for x in row))
        print(f"   load {load_average():.1f}\n")

    # 5. Start-up.
    if 5 in rows:
        print(f"5. Start-up: median of 11 fresh processes, wall (CPU) seconds; load {load_average():.1f}")
        baseline = str(NEW / "scenarios" / "baseline.toml")
        script = installed_script()
        for label, args in (
            ("bordersim --help", ["--help"]),
            ("bordersim validate FILE", ["validate", baseline]),
        ):
            cells = []
            for side in ("today", "now"):
                wall, cpu = startup(tree_command(trees[side], args), 11)
                cells.append(f"{side} {wall:.2f} ({cpu:.2f})")
            if a.new is None:
                env = {**os.environ, "PYTHONPATH": str(NEW)}
                wall, cpu = startup([sys.executable, "-m", "sim", *args], 11, env=env)
                cells.append(f"python -m sim {wall:.2f} ({cpu:.2f})")
                if script is not None:
                    wall, cpu = startup([str(script), *args], 11)
                    cells.append(f"console script {wall:.2f} ({cpu:.2f})")
                starts[label] = wall
            print(f"   {label:25}" + "   ".join(cells))

    # Targets.
    print("\nIssue 13's targets, now (at the load printed on each row):")
    lines: list[tuple[str, bool]] = []
    if model_vs_ref is not None:
        lines.append((f"model >= 2x the SimPy reference per truck: {model_vs_ref:.2f}x", model_vs_ref >= 2))
    if rates["now"]:
        r1, r2 = rates["now"][1], rates["now"][2]
        lines.append((f"2 workers >= 1.85x one: {r2 / r1:.2f}x", r2 / r1 >= 1.85))
    thousand_now = measured["thousand_min"] if measured else thousand.get("now")
    if thousand_now is not None:
        which = "from the measured batch" if measured else "extrapolated from row 2"
        lines.append((f"1,000 replication-years of the 2023 baseline in < 20 min: {thousand_now:.1f} min "
                      f"({which})", thousand_now < 20))  # fmt: skip
    if size_now is not None:
        lines.append(
            (f"results <= 2 MB per replication-year by default: {size_now / 1e6:.2f} MB", size_now <= 2e6)
        )
    if rss_days == YEAR and "baseline_2024" in rss_max:
        lines.append((f"peak RSS < 600 MB per process, 2024 baseline year: {rss_max['baseline_2024']:.0f} MB",
                      rss_max["baseline_2024"] < 600))  # fmt: skip
    for label, wall in starts.items():
        lines.append((f"{label} < 0.4 s: {wall:.2f} s (console script or python -m sim)", wall < 0.4))
    for text, ok in lines:
        print(f"   {verdict(ok):8} {text}")

    if rates["now"]:
        note = (f"{n_rate} replication-years per timed run, best of {repeat}; {os.cpu_count()} cores, "
                f"load {load:.1f}; today = {a.old}")  # fmt: skip
        figure({f"today ({a.old})": rates["today"], "now": rates["now"]}, note, Path(a.figure))
        print(f"\nFigure: {a.figure}.")
    print(f"Suite wall time {(time.perf_counter() - started) / 60:.1f} min.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
