"""``bordersim compare`` (B against A, paired) and ``bordersim table`` (scenarios against their parents)."""

from __future__ import annotations

import argparse

from sim.cli import options


def add(sub) -> None:
    p = sub.add_parser("compare", help="what does B change against A, and is it real?")
    p.add_argument("a", help="results folder or scenario A (the reference)")
    p.add_argument("b", help="results folder or scenario B")
    options.replications(p, 10, "replications of each")
    options.add(p, "execution", "scenario_path", "settings", "records", "worlds")
    options.days(p, "override horizon_days of both")
    options.rng_seed(p, "seed of both (default: A's)")
    p.add_argument("--out", metavar="FOLDER", help="write a comparison folder (for `bordersim report`)")
    options.flag(p, "force", "replace results already in --out")
    options.flag(p, "resume", "continue an interrupted comparison in --out")
    options.flag(p, "all", "compare every KPI, not only the headline ones")
    options.strict(p)
    options.json_out(p, "the comparison")
    t = sub.add_parser("table", help="headline KPIs of scenarios, each against its parent, as Markdown")
    t.add_argument("scenarios", nargs="+", help="scenario files or packaged names")
    t.add_argument("--baseline", help="compare every scenario with this one (default: each with its parent, "
                   "the file it extends)")  # fmt: skip
    options.replications(t, 10, "replications of each")
    options.days(t, "override horizon_days of all")
    options.add(t, "settings", "execution", "scenario_path", "worlds")
    t.add_argument("--kpi", action="append", metavar="KEY", help="a KPI column instead of the headline ones "
                   "(repeatable), e.g. backlog_growth_per_day.road_1119_1120")  # fmt: skip
    t.add_argument("--out", metavar="FILE", help="replace the table between <!-- bordersim table start --> "
                   "and <!-- bordersim table end --> in FILE")  # fmt: skip
    t.add_argument("--block", metavar="NAME", help="with --out: <!-- bordersim table NAME start/end -->")
    options.json_out(t, "the table")
    options.strict(t, "a row differs from the row it is compared with")


def main(args: argparse.Namespace) -> int:
    import sim.study as study
    from sim.version import __version__

    with options.execution_of(args) as execution:
        if args.command == "table":
            return _table(args, study.table(
                args.scenarios, baseline=args.baseline, replications=args.replications, days=args.days,
                settings=args.settings, kpis=args.kpi or (), strict=args.strict, out=args.out,
                block=args.block,
                json_file=options.json_file(args.json), execution=execution,
            ), __version__)  # fmt: skip
        try:
            done = study.compare(
                args.a, args.b, replications=args.replications, days=args.days, rng_seed=args.rng_seed,
                settings=args.settings, out=args.out, records=args.records, force=args.force,
                resume=args.resume, all_kpis=args.all, strict=args.strict,
                json_file=options.json_file(args.json), execution=execution,
            )  # fmt: skip
        except study.Stopped as stop:
            options.say(f"bordersim: interrupted{f'; continue with: {stop.command}' if stop.command else ''}")
            return options.EXIT_INTERRUPTED
    if args.json and options.emit_json(args.json, done.as_dict()):
        return 0
    print("\n".join(done.lines()))
    if args.out:
        print(f"\nComparison: {args.out} (bordersim report {args.out} builds the report)")
    return 0


def _table(args: argparse.Namespace, results, version: str) -> int:
    from sim.experiments.comparison import table_json, table_markdown

    for row in results.rows():  # said first; the table's notes say it again under the table
        for line in row.warnings() if row.name_a != row.name_b else row.stability_b.lines(row.name_b):
            options.say(f"WARNING: {row.name_b} against {row.name_a}: {line}")
    if not (args.json and options.emit_json(args.json, {"version": version, **table_json(results)})):
        print(table_markdown(results), end="")
    return 0
