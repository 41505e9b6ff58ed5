"""``--worlds FILE`` on run, compare, table, capacity and sweep (the same question in every plausible
world, :mod:`sim.study.worlds`), and ``bordersim history-match`` (the waves that write the worlds)."""

from __future__ import annotations

import argparse

from sim.cli import options


def add(sub) -> None:
    h = sub.add_parser("history-match", help="rule out the parameter points the observations cannot have "
                       "come from (waves, emulators); write the plausible worlds")  # fmt: skip
    h.add_argument("--uncertain", metavar="FILE", help="the parameters (default: seeds/uncertain.toml)")
    h.add_argument("--settings", metavar="FILE", help="how observations enter (seeds/history_matching.toml)")
    h.add_argument("--targets", metavar="FILE", help="the observations (default: seeds/targets.toml)")
    h.add_argument("--out", metavar="FOLDER", default="results/history_matching",
                   help="the runs, one file a point (a rerun continues; default results/history_matching)")
    h.add_argument("--worlds", metavar="FILE", default="seeds/worlds.toml", help="the worlds file to write")
    h.add_argument("--report", metavar="FILE.md", default="scenarios/WORLDS.md", help="the report to write")
    options.add(h, "execution")


def main(args: argparse.Namespace) -> int:
    import sim.study.worlds as worlds

    with options.execution_of(args) as execution:
        if args.command == "history-match":
            print(worlds.history_match(
                out=args.out, worlds=args.worlds, report=args.report, uncertain=args.uncertain,
                settings=args.settings, targets=args.targets, command=args.argv, execution=execution,
                on_wave=lambda w: options.say(f"wave {w.number}: {w.points} points, {w.ruled_out:.0%} ruled "
                                              f"out, {w.kept_share_of_space:.2%} of the space left"),
            ))  # fmt: skip
            return 0
        common = dict(worlds=args.worlds, world_count=args.world_count, replications=args.replications,
                      days=args.days, execution=execution)  # fmt: skip
        if args.command == "run":
            done = worlds.run(args.scenario, rng_seed=args.rng_seed, settings=args.settings, out=args.out,
                              **common)  # fmt: skip
        elif args.command == "compare":
            done = worlds.compare(args.a, args.b, rng_seed=args.rng_seed, settings=args.settings,
                                  out=args.out, **common)  # fmt: skip
        elif args.command == "table":
            done = worlds.table(args.scenarios, baseline=args.baseline, kpis=args.kpi or (),
                                settings=args.settings, out=args.out, block=args.block, command=args.argv,
                                json_file=options.json_file(args.json), **common)  # fmt: skip
            if args.json and options.emit_json(args.json, done.data):  # '-': the JSON alone on stdout
                return 0
        elif args.command == "capacity" and args.targets:
            done = worlds.capacity_targets(args.targets, overload=args.overload, update=args.update,
                                           command=args.argv, **common)  # fmt: skip
        elif args.command == "capacity":
            done = worlds.capacity(args.scenario, rng_seed=args.rng_seed, overload=args.overload, **common)
        else:  # sweep
            done = worlds.sweep(args.scenario, vary=args.vary, design=args.design or (),
                                settings=args.settings, kpi=args.kpi, **common)  # fmt: skip
    print(done.text, end="")
    return 0
