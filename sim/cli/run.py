"""``bordersim run``: a scenario's KPIs, into a results folder if asked (:func:`sim.study.run`)."""

from __future__ import annotations

import argparse
import shlex

from sim.cli import options


def add(sub) -> None:
    p = sub.add_parser("run", help="run a scenario and print its KPIs")
    p.add_argument("scenario", nargs="?", help="scenario file or packaged name (default: the baseline)")
    options.replications(p, 1)
    options.add(p, "execution", "scenario_path", "days", "rng_seed", "settings", "worlds")
    options.json_out(p, "the KPI summary and provenance")
    p.add_argument("--out", metavar="FOLDER", help="write a results folder (tables, manifest)")
    options.flag(p, "resume", "continue the interrupted run in --out")
    options.flag(p, "force", "replace the results already in --out")
    options.add(p, "records")
    p.add_argument("--event-log", metavar="FILE", help="also write the per-truck stage records as an event "
                   "log in vidigi's format (.csv or .parquet)")  # fmt: skip
    p.add_argument("--half-width", metavar="KPI=H", type=options.half_width, action="append", default=[],
                   help="the replications for a 95%% CI of half-width H on KPI (repeatable)")  # fmt: skip


def main(args: argparse.Namespace) -> int:
    import sim.study as study

    try:
        with options.execution_of(args) as execution:
            done = study.run(
                args.scenario, replications=args.replications, days=args.days, rng_seed=args.rng_seed,
                settings=args.settings, out=args.out, resume=args.resume, force=args.force,
                records=args.records, event_log=args.event_log, json_file=options.json_file(args.json),
                command=args.argv, execution=execution,
            )  # fmt: skip
    except study.Stopped as stop:
        words = [w for w in args.argv if w != "--force"] + ([] if "--resume" in args.argv else ["--resume"])
        options.say("bordersim: interrupted" if stop.folder is None else f"bordersim: interrupted; "
                    f"{stop.saved} of {args.replications} replications are saved in {args.out}. Continue "
                    f"with: bordersim {shlex.join(words)}")  # fmt: skip
        return options.EXIT_INTERRUPTED
    only_json = bool(args.json) and options.emit_json(args.json, done.as_dict())
    show = options.say if only_json else print
    if not only_json:
        print(done.text())
    for key, target in args.half_width:
        show(done.needed(key, target))
    if args.out:
        show(f"Results: {args.out} (bordersim report {args.out} builds the report)")
    if args.event_log:
        show(f"Event log: {args.event_log} ({done.events} events)")
    return 0
