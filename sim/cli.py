"""The ``bordersim`` command line: run, validate, schema.

Errors in scenario files are printed as one line per problem on standard
error, with exit status 2 and no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence

from sim import __version__
from sim.experiment import replicate, summarise
from sim.output import write_atomic
from sim.scenario_files import (
    ScenarioError,
    default_scenario_path,
    json_schema,
    load_scenario,
    normalised,
    packaged_names,
    scenario_hash,
)
from sim.tables import kpi_table

EXIT_BAD_INPUT = 2


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bordersim",
        description="Simulate freight trucks crossing the Vietnam–China border in Lạng Sơn.",
    )
    p.add_argument("--version", action="version", version=f"bordersim {__version__}")
    sub = p.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run a scenario and print its KPIs")
    run.add_argument(
        "scenario",
        nargs="?",
        help="scenario file or packaged name (default: the embedded Lạng Sơn baseline)",
    )
    run.add_argument("--replications", type=_positive, default=1, help="replications (default 1)")
    run.add_argument(
        "--workers", type=_positive, default=None, help="worker processes (default: cores, max replications)"
    )
    run.add_argument("--days", type=_positive, default=None, help="override horizon_days")
    run.add_argument("--rng-seed", type=int, default=None, help="override the scenario's rng_seed")
    run.add_argument("--json", metavar="FILE", help="also write the KPI summary and provenance as JSON")

    val = sub.add_parser("validate", help="check scenario files without running them")
    val.add_argument("files", nargs="+", help="scenario files")

    sub.add_parser("schema", help="print the JSON Schema of scenario files")
    sub.add_parser("list", help="list the packaged scenarios")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command in (None, "run"):
            if args.command is None:
                args = _parser().parse_args(["run"])
            return _run(args)
        if args.command == "validate":
            return _validate(args.files)
        if args.command == "schema":
            print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
            return 0
        if args.command == "list":
            print("\n".join(packaged_names()))
            return 0
    except ScenarioError as err:
        for line in err.problems:
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        print(f"bordersim: {err.filename or ''}: {err.strerror or err}", file=sys.stderr)
        return 1
    return 0


def _run(args: argparse.Namespace) -> int:
    overrides: dict = {}
    if args.days is not None:
        overrides["horizon_days"] = args.days
    if args.rng_seed is not None:
        overrides["rng_seed"] = args.rng_seed
    source = args.scenario or default_scenario_path()
    scenario = load_scenario(source, overrides=overrides)
    if scenario.warmup_days >= scenario.horizon_days:
        raise ScenarioError(
            [f"--days {scenario.horizon_days}: expected more days than the warm-up ({scenario.warmup_days})"]
        )
    workers = args.workers or min(os.cpu_count() or 1, args.replications)
    start = time.perf_counter()
    runs = replicate(scenario, args.replications, workers=workers)
    wall = time.perf_counter() - start
    summary = summarise(runs)
    header = (
        f"bordersim {__version__} — {scenario.name}: {scenario.horizon_days} days from "
        f"{scenario.start_date} (warm-up {scenario.warmup_days}), rng_seed {scenario.rng_seed}, "
        f"{args.replications} replication{'s' if args.replications > 1 else ''}"
        f"{' (mean ± 95% CI)' if args.replications > 1 else ''}, scenario hash "
        f"{scenario_hash(scenario)}, {wall:.1f} s"
    )
    print(kpi_table(scenario, summary, header))
    if args.json:
        payload = {
            "provenance": {
                "version": __version__,
                "scenario_source": str(source),
                "scenario_hash": scenario_hash(scenario),
                "rng_seed": scenario.rng_seed,
                "replications": args.replications,
                "warmup_days": scenario.warmup_days,
                "wall_s": wall,
            },
            "scenario": normalised(scenario),
            "kpis": {k: {"mean": e.mean, "half_width": e.half_width, "n": e.n} for k, e in summary.items()},
            "replications": runs,
        }
        write_atomic(args.json, json.dumps(payload, indent=1, ensure_ascii=False, allow_nan=True))
    return 0


def _validate(files: list[str]) -> int:
    status = 0
    for name in files:
        try:
            s = load_scenario(name)
        except ScenarioError as err:
            for line in err.problems:
                print(line, file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        print(
            f"{name}: ok ({s.name}: {sum(x.enabled for x in s.crossings.values())} crossings, "
            f"{len(s.demand.streams)} streams, {s.horizon_days} days)"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
