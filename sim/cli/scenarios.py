"""Scenario files without running them: ``validate``, ``show``, ``diff``, ``schema``, ``list``."""

from __future__ import annotations

import argparse
import json

from sim.cli import options

WHICH = "scenario file, packaged name or results folder"


def add(sub) -> None:
    v = sub.add_parser("validate", help="check scenario files without running them")
    v.add_argument("files", nargs="+", help="scenario files")
    s = sub.add_parser("show", help="what a scenario file sets (--resolved: the whole scenario it makes)")
    s.add_argument("scenario", help=WHICH)
    options.flag(s, "resolved", "the merged scenario with every default filled in")
    d = sub.add_parser("diff", help="differences between two scenarios, by field path")
    d.add_argument("a", help=WHICH)
    d.add_argument("b", help=WHICH)
    for p in (v, s, d):
        options.add(p, "scenario_path")
    sub.add_parser("schema", help="print the JSON Schema of scenario files")
    sub.add_parser("list", help="list the packaged scenarios")


def main(args: argparse.Namespace) -> int:
    from sim.scenario import files
    from sim.study import scenarios

    if args.command == "validate":
        status = 0
        for name in args.files:
            checked = scenarios.check(name)
            for line in checked.problems + checked.warnings:
                options.say(line)
            if checked.scenario is None:
                status = options.EXIT_BAD_INPUT
            else:
                print(checked.summary())
        return status
    if args.command == "schema":
        lines = [json.dumps(files.json_schema(), indent=2, ensure_ascii=False)]
    elif args.command == "list":
        lines = files.packaged_names()
    elif args.command == "show":
        lines = scenarios.show_lines(args.scenario, args.resolved)
    else:
        lines = scenarios.difference(args.a, args.b).lines()
    print("\n".join(lines))
    return 0
