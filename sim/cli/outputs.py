"""``bordersim report`` (a folder's report) and ``bordersim animate`` (a crossing's animated page)."""

from __future__ import annotations

import argparse

from sim.cli import options


def add(sub) -> None:
    p = sub.add_parser("report", help="Markdown and HTML report of a results or comparison folder")
    p.add_argument("folder", help="results folder (from run --out or compare --out)")
    p.add_argument("--out", metavar="FOLDER", help="where to write the report (default: FOLDER/report)")

    a = sub.add_parser("animate", help="an animated HTML page of one crossing's trucks, queues and lanes")
    a.add_argument("source", help="results folder (with its per-truck records) or scenario file/name")
    a.add_argument("--crossing", required=True, metavar="NAME", help="crossing id, e.g. huu_nghi")
    a.add_argument("--from", dest="start", required=True, metavar="DATE", type=options.local_datetime,
                   help="start of the window in local time: YYYY-MM-DD or YYYY-MM-DDTHH:MM")  # fmt: skip
    a.add_argument("--hours", type=options.positive, default=12, help="length of the window (default 12)")
    a.add_argument("--out", required=True, metavar="FILE.html", help="the HTML page to write")
    a.add_argument("--replication", type=int, default=0, help="which replication (default 0)")
    a.add_argument("--step-min", type=options.positive, help="minutes between frames (default 5)")
    options.days(a, "override horizon_days (a scenario)")
    options.rng_seed(a, "override rng_seed (a scenario)")


def main(args: argparse.Namespace) -> int:
    import sim.study as study

    if args.command == "report":
        out = study.report(args.folder, args.out)
        if (out / "report.html").is_file():
            print(f"Report: {out / 'report.html'} and {out / 'report.md'} (figures in {out / 'figures'})")
        else:  # a folder of answers across worlds
            print(f"Report: {out / 'report.md'} (figure: {out / 'spread.png'})")
        return 0
    done = study.animate(args.source, args.crossing, args.start, args.out, hours=args.hours,
                         replication=args.replication, step_min=args.step_min, days=args.days,
                         rng_seed=args.rng_seed)  # fmt: skip
    print(f"Animation: {args.out} ({args.crossing}, {args.start:%Y-%m-%d %H:%M} local time + {args.hours} h, "
          f"replication {args.replication} of {done.scenario_name}, rng_seed {done.rng_seed})")  # fmt: skip
    return 0
