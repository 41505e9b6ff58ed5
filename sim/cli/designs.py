"""``bordersim sweep`` (a grid or a Latin hypercube) and ``bordersim sensitivity`` (Morris screening)."""

from __future__ import annotations

import argparse

from sim.cli import options


def add(sub) -> None:
    p = sub.add_parser("sweep", help="run a scenario over a grid or a Latin hypercube of parameter values")
    p.add_argument("scenario", help="scenario file or packaged name")
    p.add_argument("--vary", metavar="PATH=V1,V2,...", action="append", default=[],
                   help="a field and its values (repeatable: the grid of all combinations)")  # fmt: skip
    p.add_argument("--design", nargs="+", metavar="ARG",
                   help="lhs:N PATH=LOW:HIGH [PATH=LOW:HIGH ...]: N points of a Latin hypercube")  # fmt: skip
    options.replications(p, 3, "replications per point")
    p.add_argument("--kpi", default="cleared_per_day", help="KPI of the figure (default cleared_per_day)")
    p.add_argument("--out", metavar="FOLDER", required=True, help="the sweep folder (kept points reused)")
    options.add(p, "worlds")
    options.flag(p, "force", "replace another sweep in --out")
    s = sub.add_parser("sensitivity", help="rank the assumed parameters by their effect on the headline KPIs "
                       "(Morris)")  # fmt: skip
    s.add_argument("scenario", nargs="?", default="baseline", help="scenario (default: baseline)")
    s.add_argument("--factor", metavar="PATTERN=LOW:HIGH", action="append", default=[], help="multiply every "
                   "number matching PATTERN (* and [*] match any name or index) by a factor in [LOW, HIGH] "
                   "(repeatable; default: the baseline's assumptions, ±25%%)")  # fmt: skip
    s.add_argument("--trajectories", type=options.positive, default=6, help="Morris trajectories (default 6)")
    s.add_argument("--levels", type=options.positive, default=4, help="Morris grid levels (default 4)")
    options.replications(s, 2, "replications per point")
    s.add_argument("--out", metavar="FOLDER", required=True, help="the sensitivity folder")
    options.flag(s, "force", "replace another analysis in --out")
    s.add_argument("--table", metavar="FILE", help="replace the block <!-- bordersim table sensitivity "
                   "start/end --> in FILE with the table of factors against KPIs")  # fmt: skip
    for q in (p, s):
        options.add(q, "days", "settings", "scenario_path", "execution")


def main(args: argparse.Namespace) -> int:
    import sim.study as study

    common = dict(out=args.out, replications=args.replications, days=args.days, settings=args.settings,
                  force=args.force, command=args.argv)  # fmt: skip
    try:
        with options.execution_of(args) as execution:
            if args.command == "sweep":
                done = study.sweep(args.scenario, vary=args.vary, design=args.design or (), kpi=args.kpi,
                                   execution=execution, **common)  # fmt: skip
            else:
                done = study.sensitivity(args.scenario, factors=args.factor, trajectories=args.trajectories,
                                         levels=args.levels, table=args.table, execution=execution, **common)
    except study.Stopped as stop:
        options.say(f"bordersim: interrupted; finished points are kept in {args.out}. Continue with: "
                    f"{stop.command}")  # fmt: skip
        return options.EXIT_INTERRUPTED
    print("\n".join(done.lines()))
    if args.command == "sweep":
        print(f"\nSweep: {args.out} (sweep.csv, sweep.md; figure of {args.kpi}: {done.figure})")
    else:
        print(f"\nSensitivity: {done.report} (sensitivity.csv, sensitivity.png)")
    return 0
