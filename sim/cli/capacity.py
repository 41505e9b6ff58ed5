"""``bordersim capacity``: what each crossing can clear and what binds (:func:`sim.study.capacity`)."""

from __future__ import annotations

import argparse

from sim.cli import options


def add(sub) -> None:
    p = sub.add_parser("capacity", help="most trucks a day each crossing and direction clears (saturating "
                       "demand), and what binds")  # fmt: skip
    p.add_argument("scenario", nargs="?", help="scenario file or packaged name (default: the baseline)")
    options.replications(p, 10)
    options.add(p, "execution", "days", "rng_seed", "worlds")
    p.add_argument("--overload", type=float, default=2.0,
                   help="demand as a multiple of each route's upper bound (default 2)")  # fmt: skip
    options.json_out(p, "the table")
    p.add_argument("--out", metavar="FOLDER", help="write capacity.json and a report with its figures")
    p.add_argument("--targets", metavar="FILE", help="instead of one scenario: the phases and road targets "
                   "of FILE (seeds/decision_865.toml): capacity against target per phase and road")
    p.add_argument("--update", metavar="FILE", help="with --targets: replace the table between "
                   "<!-- bordersim table smart_gate_targets start/end --> in FILE")  # fmt: skip


def main(args: argparse.Namespace) -> int:
    import sim.study as study
    from sim.experiments.bounds import check_overload

    check_overload(args.overload)
    targets = args.targets is not None or args.update is not None
    for bad, why in (
        (args.targets is None, "--update needs --targets FILE"),
        (args.scenario is not None, f"--targets: the phases come from the file; got a scenario too "
         f"({args.scenario})"),  # fmt: skip
        (args.rng_seed is not None, "--targets: --rng-seed is not used (each phase keeps its own)"),
        (args.json is not None or args.out is not None, "--targets: use --update FILE, not --json or --out"),
    ):
        if targets and bad:
            options.say(f"bordersim capacity: {why}")
            return options.EXIT_BAD_INPUT
    with options.execution_of(args) as execution:
        if targets:  # each smart-gate phase's road capacities against the targets
            print(study.capacity_targets(args.targets, replications=args.replications, days=args.days,
                                         overload=args.overload, update=args.update, execution=execution),
                  end="")  # fmt: skip
            return 0
        done = study.capacity(
            args.scenario, replications=args.replications, days=args.days, rng_seed=args.rng_seed,
            overload=args.overload, out=args.out, json_file=options.json_file(args.json), execution=execution,
        )  # fmt: skip
    if not (args.json and options.emit_json(args.json, done.as_rows())):  # '-': the JSON alone on stdout
        print(done.markdown(), end="")
    if done.report is not None:
        options.say(f"bordersim: capacity report in {done.report}/report.html")
    return 0
