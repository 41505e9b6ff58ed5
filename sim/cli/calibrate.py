"""``bordersim calibrate`` (targets met? fit free parameters) and ``bordersim assumptions``."""

from __future__ import annotations

import argparse

from sim.cli import options

EXIT_TARGET_MISSED = 1  # calibrate: a target's mean outside its band (a failed check, not bad input)


def add(sub) -> None:
    p = sub.add_parser("calibrate", help="a scenario against its calibration targets; with --free, fit "
                       "parameters to them (exit status 1 when a target is missed)")  # fmt: skip
    p.add_argument("scenario", help="scenario file or packaged name")
    p.add_argument("--targets", metavar="FILE", help="targets file (default: seeds/targets.toml)")
    p.add_argument("--free", action="append", default=[], metavar="PATH[=LOW:HIGH]", help="a parameter to "
                   "fit, by dotted path (e.g. crossings.chi_ma.routes.export.stages[0].lanes=1:6); without "
                   "bounds, half to twice its value (repeatable)")  # fmt: skip
    options.replications(p, 10, "replications per point")
    options.add(p, "days", "scenario_path")
    options.execution(p, scheduler=False)
    p.add_argument("--max-evaluations", type=options.positive, default=60, help="fit budget (default 60)")
    p.add_argument("--out", metavar="FILE", help="write the calibrated scenario (a short extends file)")
    p.add_argument("--table", metavar="FILE", help="replace the calibration table block in FILE (Markdown)")
    options.json_out(p)
    a = sub.add_parser("assumptions", help="what stays an assumption after calibration: KPIs at ±20%% of "
                       "each, with CRN")  # fmt: skip
    a.add_argument("scenario", help="scenario file or packaged name")
    options.replications(a, 10, "replications per point")
    options.execution(a, scheduler=False)
    a.add_argument("--table", metavar="FILE", help="replace the block assumptions-NAME in FILE (Markdown)")


def main(args: argparse.Namespace) -> int:
    import sim.study as study
    from sim.scenario.targets import TargetsError

    def point(n: int, values: dict[str, float], chi2: float) -> None:
        options.say(f"point {n}: {', '.join(f'{k}={v:.4g}' for k, v in values.items())}: chi2 {chi2:.3f}")

    with options.execution_of(args) as execution:
        if args.command == "assumptions":
            print(study.assumptions(args.scenario, replications=args.replications, table=args.table,
                                    execution=execution), end="")  # fmt: skip
            return 0
        try:
            done = study.calibrate(
                args.scenario, targets=args.targets, free=args.free, replications=args.replications,
                days=args.days, max_evaluations=args.max_evaluations, out=args.out, table=args.table,
                json_file=options.json_file(args.json), on_point=point, execution=execution,
            )  # fmt: skip
        except (TargetsError, KeyError) as err:
            for line in getattr(err, "problems", None) or [str(err).strip("'\"")]:
                options.say(line)
            return options.EXIT_BAD_INPUT
    only_json = bool(args.json) and options.emit_json(args.json, done.as_dict())
    for line in done.fit_lines():
        (options.say if only_json else print)(line)
    if not only_json:
        print(done.table(), end="")
    if done.written is not None:
        options.say(f"wrote {done.written}")
        if done.outside_folder is not None:  # extends may only name files below its folder
            options.say(f"{done.written}: extends = {done.extends!r} is outside its folder: load it with "
                f"--scenario-path {done.outside_folder}")  # fmt: skip
    if done.missed:
        options.say(f"bordersim calibrate: {len(done.missed)} of {len(done.results)} targets outside their "
                    f"band: {', '.join(done.missed)}")  # fmt: skip
        return EXIT_TARGET_MISSED
    return 0
