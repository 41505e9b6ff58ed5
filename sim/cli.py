"""The ``bordersim`` command line: run, compare, report, table, animate, validate, schema, list.

Errors in scenario files, results folders and options are printed as one line
per problem on standard error, with exit status 2 and no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.experiments.atomic import write_atomic
from sim.experiments.integrity import FolderError
from sim.experiments.memory import keep_freed_memory
from sim.version import __version__

if TYPE_CHECKING:
    from sim.experiments.comparison_folder import ComparisonFolder
    from sim.experiments.distributed import SchedulerError
    from sim.experiments.results_folder import ResultsFolder
    from sim.experiments.workers import WorkerError
    from sim.scenario.files import (
        ScenarioError,
        json_schema,
        load_scenario,
        load_with_settings,
        normalised,
        packaged_names,
        scenario_hash,
        scenario_path,
    )
    from sim.scenario.overrides import Setting, parse_settings
    from sim.scenario.schema import Scenario

# Start-up (issue 13): `bordersim --help` imports no more than argparse and a few light modules;
# the scenario layer (pydantic models) is imported by :func:`_import_commands` once a command is
# chosen, and NumPy, SciPy, SimPy, pyarrow and the plotting libraries by the commands that use them.


def _import_commands() -> None:
    """Bind the scenario layer's names used by the commands (module globals, as if imported at the
    top): done by :func:`main` after the arguments are parsed, so that ``--help`` skips it."""
    global SchedulerError, WorkerError, ScenarioError, json_schema
    global load_scenario, normalised, packaged_names, scenario_hash, scenario_path
    global load_with_settings, parse_settings, Scenario
    from sim.experiments.distributed import SchedulerError
    from sim.experiments.workers import WorkerError
    from sim.scenario.files import (
        ScenarioError,
        json_schema,
        load_scenario,
        load_with_settings,
        normalised,
        packaged_names,
        scenario_hash,
        scenario_path,
    )
    from sim.scenario.overrides import parse_settings
    from sim.scenario.schema import Scenario


def __getattr__(name: str):
    """``from sim.cli import load_scenario`` and the like, from outside, before :func:`main` ran."""
    if not name.startswith("__"):  # the import machinery asks for ``__path__`` and the like
        _import_commands()
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module 'sim.cli' has no attribute {name!r}")


EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _local_datetime(text: str):
    from datetime import datetime

    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a local date or date-time, YYYY-MM-DD or YYYY-MM-DDTHH:MM, got {text!r}"
        ) from None


def _half_width(text: str) -> tuple[str, float]:
    key, sep, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not sep or not key or not number > 0:
        raise argparse.ArgumentTypeError(f"expected KPI=HALF_WIDTH with a positive number, got {text!r}")
    return key, number


def _add_execution(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers", type=_positive, default=None, help="worker processes (default: cores, max replications)"
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the replications on a Dask cluster (e.g. tcp://host:8786); needs bordersim[distributed]",
    )


def _add_records(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--records",
        action="store_true",
        help="also keep the per-truck and per-stage records in --out (about 40 MB a replication-year; "
        "needed by the report's waiting-time distribution and by animate)",
    )


def _add_scenario_path(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scenario-path",
        metavar="DIR",
        action="append",
        default=[],
        help="a folder whose files `extends` may name, besides the scenario's own folder (repeatable)",
    )


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        dest="settings",
        metavar="PATH=VALUE",
        action="append",
        default=[],
        help="change one field, value in TOML (repeatable), e.g. "
        "--set crossings.chi_ma.routes.export.stages[0].lanes=4",
    )


def _add_worlds(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--worlds",
        metavar="FILE",
        help="answer in every plausible world of FILE (seeds/worlds.toml, from `bordersim history-match`): "
        "the median, the 90%% range across worlds and the share of worlds where each conclusion holds",
    )
    p.add_argument(
        "--world-count", type=_positive, default=None, metavar="N", help="with --worlds: the first N worlds"
    )


class _Version(argparse.Action):
    """``--version``: the version, and whether the per-truck path runs compiled (imported only
    here, so that ``--help`` stays quick)."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001
        import sim.compiled as compiled
        import sim.engine  # noqa: F401 - importing the engine chooses its per-truck path

        print(f"bordersim {__version__} (per-truck path: {compiled.status()})")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bordersim",
        description="Simulate freight trucks crossing the Vietnam–China border in Lạng Sơn.",
        epilog="Start with `bordersim run` (the Lạng Sơn baseline) or `bordersim list`; "
        "`bordersim COMMAND --help` describes a command.",
    )
    p.add_argument("--version", action=_Version, nargs=0, help="the version, and which per-truck path runs")
    sub = p.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run a scenario and print its KPIs")
    run.add_argument(
        "scenario",
        nargs="?",
        help="scenario file or packaged name (default: the embedded Lạng Sơn baseline)",
    )
    run.add_argument("--replications", type=_positive, default=1, help="replications (default 1)")
    _add_execution(run)
    _add_worlds(run)
    _add_scenario_path(run)
    run.add_argument("--days", type=_positive, default=None, help="override horizon_days")
    run.add_argument("--rng-seed", type=int, default=None, help="override the scenario's rng_seed")
    _add_set(run)
    run.add_argument("--json", metavar="FILE", help="also write the KPI summary and provenance as JSON")
    run.add_argument("--out", metavar="FOLDER", help="write a results folder (tables, manifest)")
    run.add_argument("--resume", action="store_true", help="continue the interrupted run in --out")
    run.add_argument("--force", action="store_true", help="replace the results already in --out")
    _add_records(run)
    run.add_argument(
        "--event-log",
        metavar="FILE",
        help="also write the per-truck stage records as an event log in vidigi's format (.csv or .parquet)",
    )
    run.add_argument(
        "--half-width",
        metavar="KPI=H",
        type=_half_width,
        action="append",
        default=[],
        help="suggest the replications for a 95%% CI of half-width H on KPI (repeatable)",
    )

    cmp_ = sub.add_parser("compare", help="what does B change against A, and is it real?")
    cmp_.add_argument("a", help="results folder or scenario A (the reference)")
    cmp_.add_argument("b", help="results folder or scenario B")
    cmp_.add_argument("--replications", type=_positive, default=10, help="replications of each (default 10)")
    _add_execution(cmp_)
    _add_worlds(cmp_)
    _add_scenario_path(cmp_)
    cmp_.add_argument("--days", type=_positive, default=None, help="override horizon_days of both")
    cmp_.add_argument("--rng-seed", type=int, default=None, help="seed of both (default: A's)")
    _add_set(cmp_)
    cmp_.add_argument("--out", metavar="FOLDER", help="write a comparison folder (for `bordersim report`)")
    _add_records(cmp_)
    cmp_.add_argument("--force", action="store_true", help="replace results already in --out")
    cmp_.add_argument("--resume", action="store_true", help="continue an interrupted comparison in --out")
    cmp_.add_argument("--all", action="store_true", help="compare every KPI, not only the headline ones")
    cmp_.add_argument(
        "--strict",
        action="store_true",
        help="refuse (exit 2) when A and B differ in period, horizon, warm-up or demand",
    )
    cmp_.add_argument(
        "--json", metavar="FILE", help="also write the comparison as JSON ('-': JSON on standard output only)"
    )

    rep = sub.add_parser("report", help="Markdown and HTML report of a results or comparison folder")
    rep.add_argument("folder", help="results folder (from run --out or compare --out)")
    rep.add_argument("--out", metavar="FOLDER", help="where to write the report (default: FOLDER/report)")

    tab = sub.add_parser(
        "table", help="headline KPIs of scenarios, each against the scenario it extends, as Markdown"
    )
    tab.add_argument("scenarios", nargs="+", help="scenario files or packaged names")
    tab.add_argument(
        "--baseline",
        default=None,
        help="compare every scenario with this one (default: each with its parent, the file it extends)",
    )
    tab.add_argument("--replications", type=_positive, default=10, help="replications of each (default 10)")
    tab.add_argument("--days", type=_positive, default=None, help="override horizon_days of all")
    _add_set(tab)
    _add_execution(tab)
    _add_worlds(tab)
    _add_scenario_path(tab)
    tab.add_argument(
        "--kpi",
        action="append",
        metavar="KEY",
        help="a KPI column instead of the headline ones (repeatable), e.g. "
        "backlog_growth_per_day.road_1119_1120",
    )
    tab.add_argument(
        "--out",
        metavar="FILE",
        help="replace the block between the markers <!-- bordersim table start --> and "
        "<!-- bordersim table end --> in FILE",
    )
    tab.add_argument(
        "--block",
        metavar="NAME",
        help="with --out: use the markers <!-- bordersim table NAME start/end --> (a second table)",
    )
    tab.add_argument(
        "--json", metavar="FILE", help="also write the table as JSON ('-': JSON on standard output only)"
    )
    tab.add_argument(
        "--strict",
        action="store_true",
        help="refuse (exit 2) when a row differs from the row it is compared with in period, horizon, "
        "warm-up or demand",
    )

    swp = sub.add_parser("sweep", help="run a scenario over a grid or a Latin hypercube of parameter values")
    swp.add_argument("scenario", help="scenario file or packaged name")
    swp.add_argument(
        "--vary",
        metavar="PATH=V1,V2,...",
        action="append",
        default=[],
        help="a field and its values (repeatable: the grid of all combinations)",
    )
    swp.add_argument(
        "--design",
        nargs="+",
        metavar="ARG",
        help="lhs:N PATH=LOW:HIGH [PATH=LOW:HIGH ...]: N points of a Latin hypercube",
    )
    swp.add_argument("--replications", type=_positive, default=3, help="replications per point (default 3)")
    swp.add_argument("--days", type=_positive, default=None, help="override horizon_days")
    _add_set(swp)
    _add_scenario_path(swp)
    swp.add_argument("--kpi", default="cleared_per_day", help="KPI of the figure (default cleared_per_day)")
    swp.add_argument("--out", metavar="FOLDER", required=True, help="the sweep folder (kept points reused)")
    swp.add_argument("--force", action="store_true", help="replace another sweep in --out")
    _add_execution(swp)
    _add_worlds(swp)

    sen = sub.add_parser(
        "sensitivity", help="rank the assumed parameters by their effect on the headline KPIs (Morris)"
    )
    sen.add_argument("scenario", nargs="?", default="baseline", help="scenario (default: baseline)")
    sen.add_argument(
        "--factor",
        metavar="PATTERN=LOW:HIGH",
        action="append",
        default=[],
        help="multiply every number matching PATTERN (* and [*] match any name or index) by a factor "
        "in [LOW, HIGH] (repeatable; default: the baseline's assumptions, ±25%%)",
    )
    sen.add_argument("--trajectories", type=_positive, default=6, help="Morris trajectories (default 6)")
    sen.add_argument("--levels", type=_positive, default=4, help="Morris grid levels (default 4)")
    sen.add_argument("--replications", type=_positive, default=2, help="replications per point (default 2)")
    sen.add_argument("--days", type=_positive, default=None, help="override horizon_days")
    _add_set(sen)
    _add_scenario_path(sen)
    sen.add_argument("--out", metavar="FOLDER", required=True, help="the sensitivity folder")
    sen.add_argument("--force", action="store_true", help="replace another analysis in --out")
    sen.add_argument(
        "--table",
        metavar="FILE",
        help="replace the block <!-- bordersim table sensitivity start/end --> in FILE with the table "
        "of factors against KPIs",
    )
    _add_execution(sen)

    cap = sub.add_parser(
        "capacity",
        help="most trucks a day each crossing and direction clears (saturating demand), and what binds",
    )
    cap.add_argument("scenario", nargs="?", help="scenario file or packaged name (default: the baseline)")
    cap.add_argument("--replications", type=_positive, default=10, help="replications (default 10)")
    _add_execution(cap)
    _add_worlds(cap)
    cap.add_argument("--days", type=_positive, default=None, help="override horizon_days")
    cap.add_argument("--rng-seed", type=int, default=None, help="override the scenario's rng_seed")
    cap.add_argument(
        "--overload",
        type=float,
        default=2.0,
        help="demand as a multiple of each route's upper bound (default 2)",
    )
    cap.add_argument("--json", metavar="FILE", help="also write the table as JSON")
    cap.add_argument("--out", metavar="FOLDER", help="write capacity.json and a report with its figures")
    cap.add_argument(
        "--targets",
        metavar="FILE",
        help="instead of one scenario: the phases and road targets of FILE (seeds/decision_865.toml), "
        "as a table of capacity against target per phase and road",
    )
    cap.add_argument(
        "--update",
        metavar="FILE",
        help="with --targets: replace the block between the markers "
        "<!-- bordersim table smart_gate_targets start/end --> in FILE",
    )

    ani = sub.add_parser("animate", help="an animated HTML page of one crossing's trucks, queues and lanes")
    ani.add_argument("source", help="results folder (with its per-truck records) or scenario file/name")
    ani.add_argument("--crossing", required=True, metavar="NAME", help="crossing id, e.g. huu_nghi")
    ani.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="DATE",
        type=_local_datetime,
        help="start of the window in local time: YYYY-MM-DD or YYYY-MM-DDTHH:MM",
    )
    ani.add_argument("--hours", type=_positive, default=12, help="length of the window (default 12)")
    ani.add_argument("--out", required=True, metavar="FILE.html", help="the HTML page to write")
    ani.add_argument("--replication", type=int, default=0, help="which replication (default 0)")
    ani.add_argument("--step-min", type=_positive, default=None, help="minutes between frames (default 5)")
    ani.add_argument("--days", type=_positive, default=None, help="override horizon_days (a scenario)")
    ani.add_argument("--rng-seed", type=int, default=None, help="override rng_seed (a scenario)")

    val = sub.add_parser("validate", help="check scenario files without running them")
    val.add_argument("files", nargs="+", help="scenario files")
    _add_scenario_path(val)

    sho = sub.add_parser("show", help="what a scenario file sets (--resolved: the whole scenario it makes)")
    sho.add_argument("scenario", help="scenario file, packaged name or results folder")
    sho.add_argument(
        "--resolved", action="store_true", help="the merged scenario with every default filled in"
    )

    dif = sub.add_parser("diff", help="differences between two scenarios, by field path")
    dif.add_argument("a", help="scenario file, packaged name or results folder")
    dif.add_argument("b", help="scenario file, packaged name or results folder")
    _add_scenario_path(sho)
    _add_scenario_path(dif)

    cal = sub.add_parser(
        "calibrate",
        help="a scenario against its calibration targets; with --free, fit parameters to them "
        "(exit status 1 when a target is missed)",
    )
    cal.add_argument("scenario", help="scenario file or packaged name")
    cal.add_argument("--targets", metavar="FILE", help="targets file (default: seeds/targets.toml)")
    cal.add_argument(
        "--free",
        action="append",
        default=[],
        metavar="PATH[=LOW:HIGH]",
        help="a parameter to fit, by dotted path (e.g. crossings.chi_ma.routes.export.stages[0].lanes=1:6); "
        "without bounds, half to twice its value (repeatable)",
    )
    cal.add_argument("--replications", type=_positive, default=10, help="replications per point (default 10)")
    cal.add_argument("--days", type=_positive, default=None, help="override horizon_days")
    cal.add_argument("--workers", type=_positive, default=None, help="worker processes (default: cores)")
    _add_scenario_path(cal)
    cal.add_argument("--max-evaluations", type=_positive, default=60, help="fit budget (default 60 points)")
    cal.add_argument("--out", metavar="FILE", help="write the calibrated scenario (a short extends file)")
    cal.add_argument("--table", metavar="FILE", help="replace the calibration table block in FILE (Markdown)")
    cal.add_argument(
        "--json", metavar="FILE", help="also write the results as JSON ('-': JSON on standard output only)"
    )

    _add_history_match(sub)

    asm = sub.add_parser(
        "assumptions", help="what stays an assumption after calibration: KPIs at ±20%% of each, with CRN"
    )
    asm.add_argument("scenario", help="scenario file or packaged name")
    asm.add_argument("--replications", type=_positive, default=10, help="replications per point (default 10)")
    asm.add_argument("--workers", type=_positive, default=None, help="worker processes (default: cores)")
    asm.add_argument("--table", metavar="FILE", help="replace the block assumptions-NAME in FILE (Markdown)")

    sub.add_parser("schema", help="print the JSON Schema of scenario files")
    sub.add_parser("list", help="list the packaged scenarios")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:  # nothing asked: say what can be asked (exit 0, not an error)
        parser.print_help()
        return 0
    _import_commands()
    keep_freed_memory()  # replications run in this process too (--workers 1): sim/experiments/memory.py
    try:
        # what a command holds until it ends (a sweep folder's lock), released however it ends
        with scenario_path(getattr(args, "scenario_path", None) or []), contextlib.ExitStack() as held:
            args.held = held
            return _dispatch(args, argv)
    except ScenarioError as err:
        for line in err.problems:
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    except (FolderError, SchedulerError) as err:
        print(str(err), file=sys.stderr)
        return EXIT_BAD_INPUT
    except WorkerError as err:
        print(f"bordersim: {str(err).splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a stop outside the replications (reading, summarising)
        _say("bordersim: interrupted")
        return EXIT_INTERRUPTED
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        print(f"bordersim: {where}{err.strerror or err}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace, argv: list[str]) -> int:
    from sim.experiments.bounds import check_replications

    if getattr(args, "replications", None) is not None:
        check_replications(args.replications)  # before anything is read or run
    if args.command in ("run", "compare", "table", "capacity", "sweep") and args.worlds:
        return _in_worlds(args, argv)
    if args.command == "run":
        return _run(args, argv)
    if args.command == "compare":
        return _compare(args)
    if args.command == "report":
        return _report(args)
    if args.command == "table":
        return _table(args)
    if args.command == "capacity":
        return _capacity(args)
    if args.command == "animate":
        return _animate(args)
    if args.command == "sweep":
        return _sweep(args, argv)
    if args.command == "sensitivity":
        return _sensitivity(args, argv)
    if args.command == "validate":
        return _validate(args.files)
    if args.command == "show":
        return _show(args.scenario, args.resolved)
    if args.command == "diff":
        return _diff(args.a, args.b)
    if args.command == "calibrate":
        return _calibrate(args)
    if args.command == "assumptions":
        return _assumptions(args)
    if args.command == "history-match":
        return _history_match(args, argv)
    if args.command == "schema":
        print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
        return 0
    if args.command == "list":
        print("\n".join(packaged_names()))
        return 0
    return 0


def _scenario_of(
    reference: str | None, overrides: dict, settings: Sequence[Setting] = ()
) -> tuple[Scenario, str]:
    """The scenario of a file, a packaged name, or a results folder (rerun from its manifest),
    through the one validation path (:func:`sim.experiments.results_folder.scenario_of`)."""
    from sim.experiments.results_folder import scenario_of

    return scenario_of(reference, overrides, settings)


def _overrides(args: argparse.Namespace) -> dict:
    overrides: dict = {}
    if args.days is not None:
        overrides["horizon_days"] = args.days
    if args.rng_seed is not None:
        overrides["rng_seed"] = args.rng_seed
    return overrides


def _check_days(scenario: Scenario) -> None:
    if scenario.warmup_days >= scenario.horizon_days:
        raise ScenarioError(
            [f"--days {scenario.horizon_days}: expected more days than the warm-up ({scenario.warmup_days})"]
        )


def _progress(total: int, initial: int, desc: str):
    """A progress bar on standard error (replications done, time left); silent unless it is a terminal."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit="rep",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        dynamic_ncols=True,
        leave=False,
    )


class _Terminated(KeyboardInterrupt):
    """SIGTERM (kill) or SIGHUP (terminal closed), handled as Ctrl-C: stop the workers, keep the files."""


def _on_sigterm(signum, frame):  # noqa: ARG001
    raise _Terminated()


def execute(
    scenario: Scenario,
    replications: int,
    workers: int,
    scheduler: str | None,
    folder: ResultsFolder | None,
    records: bool = False,
) -> tuple[list, float, int]:
    """Run the replications not yet in ``folder`` (all without one), writing each as it finishes.

    Returns the outputs kept in memory (without a folder), the wall time and how many ran.
    Raises KeyboardInterrupt (Ctrl-C or SIGTERM) after stopping the workers.
    """
    from sim.experiments.replications import run_replications
    from sim.experiments.results_folder import encoded_replication, written_replication
    from sim.readouts.replication import replication_output

    done = set(folder.done()) if folder is not None else set()
    todo = [r for r in range(replications) if r not in done]
    outputs = []
    start = time.perf_counter()
    stops = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, _on_sigterm) for s in stops}
    ran = 0
    try:
        with _progress(replications, len(done), scenario.name) as bar:
            if folder is not None and scheduler is not None:
                # Dask workers may not see this disk: they send the encoded files back to be written.
                jobs = run_replications(
                    encoded_replication, scenario, todo, workers, scheduler, extra=(records,)
                )
            elif folder is not None:  # each worker writes its own parts; this process records them
                jobs = run_replications(
                    written_replication, scenario, todo, workers, scheduler, extra=(str(folder.path), records)
                )
            else:
                jobs = run_replications(
                    replication_output, scenario, todo, workers, scheduler, extra=(None, records)
                )
            for _, output in jobs:
                if folder is not None:
                    folder.write_replication(output)
                else:
                    outputs.append(output)
                ran += 1
                bar.update(1)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        wall = time.perf_counter() - start
        if folder is not None:
            folder.record_session(wall, ran, workers, scheduler)
    outputs.sort(key=lambda o: o.replication)
    return outputs, wall, ran


def _say(line: str) -> None:
    """A line on standard error, which may be gone (a closed terminal)."""
    try:
        print(line, file=sys.stderr)
    except OSError:
        pass


def _resume_command(argv: Sequence[str]) -> str:
    words = [w for w in argv if w != "--force"]
    if "--resume" not in words:
        words.append("--resume")
    return "bordersim " + shlex.join(words)


def _run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.experiments.confine import check_output_file, check_output_folder
    from sim.experiments.results_folder import ResultsFolder, input_paths

    settings = parse_settings(args.settings)
    scenario, source = _scenario_of(args.scenario, _overrides(args), settings)
    _check_days(scenario)
    _check_event_log(args.event_log)
    inputs = input_paths(args.scenario)
    if args.out:
        check_output_folder(args.out, "--out", inputs)
    if args.json:
        check_output_file(args.json, "--json", inputs, (".json",))
    if args.event_log:
        check_output_file(args.event_log, "--event-log", inputs, (".csv", ".parquet"))
    _warn(scenario, source)
    workers = args.workers or min(os.cpu_count() or 1, args.replications)
    folder = None
    if args.out:
        folder = ResultsFolder.start(
            args.out,
            scenario,
            args.replications,
            source,
            argv,
            resume=args.resume,
            force=args.force,
            records=_records(args),
        )
        folder.record_settings([x.text for x in settings])
    try:
        return _run_in(args, argv, scenario, source, workers, folder, settings)
    finally:
        if folder is not None:
            folder.release()


def _run_in(
    args: argparse.Namespace,
    argv: Sequence[str],
    scenario: Scenario,
    source: str,
    workers: int,
    folder: ResultsFolder | None,
    settings: list,
) -> int:
    from sim.experiments.results_folder import describe_warmup, summarise_runs, to_arrow, warmup_suggestion
    from sim.experiments.stability import stability
    from sim.reporting.tables import kpi_table

    try:
        outputs, wall, _ = execute(
            scenario, args.replications, workers, args.scheduler, folder, records=_records(args)
        )
    except KeyboardInterrupt:
        if folder is None:
            _say("bordersim: interrupted")
        else:
            _say(
                f"bordersim: interrupted; {len(folder.done())} of {args.replications} replications are saved "
                f"in {args.out}. Continue with: {_resume_command(argv)}"
            )
        return EXIT_INTERRUPTED
    if folder is not None:
        summary = folder.finish()
        runs = folder.kpi_runs()
        warmup = folder.manifest()["warmup_suggestion"]
        wall = float(folder.manifest()["wall_s"])
    else:
        runs = [o.kpis for o in outputs]
        summary = summarise_runs(runs)
        import pyarrow as pa

        warmup = warmup_suggestion(pa.concat_tables([to_arrow(o.series) for o in outputs]), scenario)
    stable = stability(runs, scenario)
    header = (
        f"bordersim {__version__} — {scenario.name}: {scenario.horizon_days} days from "
        f"{scenario.start_date} (warm-up {scenario.warmup_days}), rng_seed {scenario.rng_seed}, "
        f"{args.replications} replication{'s' if args.replications > 1 else ''}"
        f"{' (mean ± 95% CI)' if args.replications > 1 else ''}, scenario hash "
        f"{scenario_hash(scenario)}, {wall:.1f} s"
    )
    only_json = False
    if args.json:
        payload = {
            "provenance": {
                "version": __version__,
                "scenario_source": str(source),
                "scenario_hash": scenario_hash(scenario),
                "rng_seed": scenario.rng_seed,
                "replications": args.replications,
                "settings": [x.text for x in settings],
                "warmup_days": scenario.warmup_days,
                "wall_s": wall,
            },
            "stability": stable.as_dict(),
            "warnings": stable.lines(scenario.name),
            "scenario": normalised(scenario),
            "kpis": {k: {"mean": e.mean, "half_width": e.half_width, "n": e.n} for k, e in summary.items()},
            "replications": runs,
        }
        only_json = _emit_json(args.json, payload)  # '-': the JSON alone on standard output
    say = _say if only_json else print
    if not only_json:
        print(kpi_table(scenario, summary, header, stable))
        print()
        print(describe_warmup(warmup))
    for key, target in args.half_width:
        say(_needed_line(runs, key, target))
    if folder is not None:
        say(f"Results: {args.out} (bordersim report {args.out} builds the report)")
    if args.event_log:
        say(_write_event_log(args.event_log, scenario, outputs, folder))
    return 0


def _records(args: argparse.Namespace) -> bool:
    """Keep the per-truck and per-stage records: asked for, or needed for the event log."""
    return bool(args.records or args.event_log)


def _check_event_log(path: str | None) -> None:
    from sim.experiments.event_log_file import event_log_format

    if path is not None and event_log_format(path) is None:
        raise ScenarioError([f"--event-log {path}: expected a file name ending in .csv or .parquet"])


def _write_event_log(path: str, scenario: Scenario, outputs: list, folder: ResultsFolder | None) -> str:
    """Write the event log of every replication, from memory or from the results folder's records;
    returns the line that says so."""
    from sim.experiments.event_log_file import folder_records, write_event_log
    from sim.readouts.event_log import event_log

    def logs():
        if folder is None:
            for o in outputs:
                yield event_log(o.trucks, o.stages, scenario)
        else:
            for r in folder.replications():
                yield event_log(*folder_records(folder, r), scenario)

    n = write_event_log(path, logs())
    return f"Event log: {path} ({n} events)"


def _needed_line(runs: list[dict[str, float]], key: str, target: float) -> str:
    from sim.experiments.analysis import replications_needed

    if runs and key not in runs[0]:
        known = ", ".join(list(runs[0])[:6])
        raise ScenarioError(
            [f"--half-width {key}={target:g}: unknown KPI {key!r} (KPIs are e.g. {known}, ...)"]
        )
    values = [r[key] for r in runs]
    try:
        n = replications_needed(values, target)
    except ValueError:
        return f"{key}: a half-width of {target:g} needs a variance estimate: run at least 2 replications."
    return (
        f"{key}: a 95% CI of half-width {target:g} needs about {n} replications "
        f"(estimated from the variance of these {len(values)})."
    )


def _compare(args: argparse.Namespace) -> int:
    from sim.experiments.comparison_folder import ComparisonFolder, comparison_sources
    from sim.experiments.confine import check_output_file
    from sim.experiments.results_folder import input_paths

    folders = comparison_sources(args.a, args.b)
    settings = parse_settings(args.settings)
    if folders and settings:
        raise ScenarioError(
            [f"--set {settings[0].text}: applies to scenarios, not to results folders (they are already run)"]
        )
    inputs = [*input_paths(args.a), *input_paths(args.b)]
    if args.json and args.json != "-":
        check_output_file(args.json, "--json", inputs, (".json",))
    # The comparison folder is checked and locked before any work: never over a run, an input
    # or a folder of other files, and never written by two processes at once.
    out = ComparisonFolder.start(args.out, inputs) if args.out else None
    try:
        return _compare_in(args, folders, settings, out)
    finally:
        if out is not None:
            out.release()


def _compare_in(
    args: argparse.Namespace, folders: bool, settings: list, out: ComparisonFolder | None
) -> int:
    from sim.experiments.comparison import (
        compare,
        comparison_markdown,
        differences_csv,
        load_common,
        question_problems,
        run_kpis,
        statements,
    )
    from sim.experiments.results_folder import ResultsFolder
    from sim.readouts.headline import HEADLINE

    workers = args.workers or min(os.cpu_count() or 1, args.replications)
    if folders:
        fa, fb = ResultsFolder.open(args.a), ResultsFolder.open(args.b)
        sa, sb = fa.scenario(), fb.scenario()
        _refuse_other_question(args, question_problems([(sa, sb)]))
        runs_a, runs_b = fa.kpi_runs(), fb.kpi_runs()
        n = min(len(runs_a), len(runs_b))
        if len(runs_a) != len(runs_b):
            _say(
                f"bordersim: A has {len(runs_a)} replications and B {len(runs_b)}: pairing replications "
                f"0 to {n - 1} of each only (the other {abs(len(runs_a) - len(runs_b))} of "
                f"{'A' if len(runs_a) > n else 'B'} are left out)"
            )
        runs_a, runs_b = runs_a[:n], runs_b[:n]
        where = (Path(args.a), Path(args.b))
        extra = {"replications": n, "replications_a": len(fa.replications()),
                 "replications_b": len(fb.replications()), "version": __version__}  # fmt: skip
    else:
        sa, sb = load_common([args.a, args.b], days=args.days, rng_seed=args.rng_seed, settings=settings)
        _check_days(sa)
        _check_days(sb)
        _refuse_other_question(args, question_problems([(sa, sb)]))
        n = args.replications
        if out is not None:
            runs = []
            argv = ["compare", args.a, args.b, "--out", str(out.path), "--replications", str(n)]
            argv += [w for x in settings for w in ("--set", x.text)]
            for label, s, src in (("a", sa, args.a), ("b", sb, args.b)):
                folder = ResultsFolder.start(
                    out.path / label,
                    s,
                    n,
                    str(src),
                    argv,
                    resume=args.resume,
                    force=args.force,
                    records=args.records,
                )
                folder.record_settings([x.text for x in settings])
                try:
                    execute(s, n, workers, args.scheduler, folder, records=args.records)
                    folder.finish()
                    runs.append(folder.kpi_runs())
                except KeyboardInterrupt:
                    _say(f"bordersim: interrupted; continue with: bordersim {shlex.join(argv)} --resume")
                    return EXIT_INTERRUPTED
                finally:
                    folder.release()
            runs_a, runs_b = runs
            where = (out.path / "a", out.path / "b")
            extra = {"replications": n, "version": __version__}
        else:
            with _progress(2 * n, 0, "compare") as bar:
                runs_a = run_kpis(sa, n, workers, args.scheduler, bar.update)
                runs_b = run_kpis(sb, n, workers, args.scheduler, bar.update)
    keys = list(runs_a[0]) if args.all else [h.key for h in HEADLINE]
    result = compare(sa, sb, runs_a, runs_b, keys)
    if out is not None:  # every KPI's verdict in differences.csv, then the sealed manifest
        out.write(where[0], where[1], differences_csv(compare(sa, sb, runs_a, runs_b).kpis), extra)
    if args.json:
        payload = {"version": __version__, "settings": list(args.settings), **result.as_dict()}
        if _emit_json(args.json, payload):
            return 0
    from sim.experiments.question import dates

    print(
        f"bordersim {__version__} — B: {sb.name} ({dates(sb)}) against A: {sa.name} ({dates(sa)}), "
        f"{n} paired replications"
    )
    for line in result.warnings():
        print(f"WARNING: {line}")
    print(
        f"Common random numbers: rng_seed {sa.rng_seed} for both."
        if result.common_random_numbers
        else f"Different rng_seeds ({sa.rng_seed}, {sb.rng_seed}): no common random numbers, wider intervals."
    )
    print()
    for line in statements(result.kpis, sa.name, sb.name):
        print(f"- {line}")
    print()
    print(comparison_markdown(result.kpis, sa.name, sb.name))
    if out is not None:
        print(f"\nComparison: {args.out} (bordersim report {args.out} builds the report)")
    return 0


def _refuse_other_question(args: argparse.Namespace, problems: list[str]) -> None:
    """``--strict``: a comparison of two different questions is refused before anything runs."""
    if args.strict and problems:
        raise ScenarioError(problems)


def _emit_json(target: str, payload: dict) -> bool:
    """Write ``payload`` as JSON to ``target`` (atomically), or print it for '-'; True if printed.

    NaN (no interval with one replication) is written as null, so that any JSON reader takes it.
    """
    text = json.dumps(_nulls(payload), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    if target == "-":
        sys.stdout.write(text)
        return True
    write_atomic(target, text)
    return False


def _nulls(value):
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _nulls(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nulls(v) for v in value]
    return value


def _report(args: argparse.Namespace) -> int:
    from sim.reporting import worlds_answers

    if worlds_answers.is_worlds_folder(args.folder):
        target = worlds_answers.report(args.folder, args.out)
        print(f"Report: {target / 'report.md'} (figure: {target / 'spread.png'})")
        return 0
    from sim.reporting.report import build_report

    target = build_report(args.folder, args.out)
    print(f"Report: {target / 'report.html'} and {target / 'report.md'} (figures in {target / 'figures'})")
    return 0


def _animate(args: argparse.Namespace) -> int:
    from sim.experiments.results_folder import ResultsFolder, is_results_folder
    from sim.readouts.replication import replication_output

    try:
        import plotly  # noqa: F401
    except ImportError:
        from sim.reporting.animation import INSTALL_HINT

        print(INSTALL_HINT, file=sys.stderr)
        return EXIT_BAD_INPUT
    from sim.experiments.bounds import check_replication_index
    from sim.experiments.confine import check_output_file
    from sim.experiments.event_log_file import folder_records
    from sim.experiments.results_folder import input_paths
    from sim.reporting.animation import animation_html, window_bounds

    if not args.out.lower().endswith((".html", ".htm")):
        raise ScenarioError([f"--out {args.out}: expected a file name ending in .html"])
    check_replication_index(args.replication)  # before anything runs
    check_output_file(args.out, "--out", input_paths(args.source), (".html", ".htm"))
    if is_results_folder(args.source):
        if args.days is not None or args.rng_seed is not None:
            raise ScenarioError(
                [f"{args.source}: is a results folder: --days and --rng-seed apply to a scenario only"]
            )
        folder = ResultsFolder.open(args.source)
        scenario = folder.scenario()
    else:
        scenario, _ = _scenario_of(args.source, _overrides(args))
    enabled = [c for c, x in scenario.crossings.items() if x.enabled]
    if args.crossing not in enabled:
        raise ScenarioError(
            [f"--crossing {args.crossing}: expected one of the scenario's crossings: {', '.join(enabled)}"]
        )
    try:
        t0, _ = window_bounds(scenario, args.start, args.hours)
    except ValueError as err:
        raise ScenarioError([f"--from {err}"]) from None
    if is_results_folder(args.source):
        trucks, stages = folder_records(folder, args.replication)
    else:
        output = replication_output(scenario, args.replication)
        trucks, stages = output.trucks, output.stages
    page = animation_html(scenario, trucks, stages, args.crossing, t0, args.hours, args.step_min)
    write_atomic(args.out, page)
    print(
        f"Animation: {args.out} ({args.crossing}, {args.start:%Y-%m-%d %H:%M} local time + {args.hours} h, "
        f"replication {args.replication} of {scenario.name}, rng_seed {scenario.rng_seed})"
    )
    return 0


def _table(args: argparse.Namespace) -> int:
    from sim.experiments.comparison import table_json, table_markdown, table_results, table_rows, update_file
    from sim.experiments.confine import check_output_file
    from sim.experiments.results_folder import input_paths
    from sim.readouts.headline import HEADLINE, Headline

    references = [*args.scenarios, *([args.baseline] if args.baseline else [])]
    inputs = [p for ref in references for p in input_paths(ref)]
    if args.out:  # a Markdown file with the markers (its own kind), never an input
        check_output_file(args.out, "--out", inputs)
    if args.json and args.json != "-":
        check_output_file(args.json, "--json", inputs, (".json",))
    columns = [Headline(key, key) for key in args.kpi] if args.kpi else HEADLINE
    workers = args.workers or (os.cpu_count() or 1)
    total = args.replications * len(table_rows(args.scenarios, args.baseline)[0])
    with _progress(total, 0, "table") as bar:
        results = table_results(
            args.scenarios,
            args.baseline,
            args.replications,
            args.days,
            workers,
            args.scheduler,
            bar.update,
            columns=columns,
            settings=parse_settings(args.settings),
            strict=args.strict,
        )
    for row in results.rows():  # said first; the table's notes say it again under the table
        for line in row.warnings() if row.name_a != row.name_b else row.stability_b.lines(row.name_b):
            _say(f"WARNING: {row.name_b} against {row.name_a}: {line}")
    text = table_markdown(results)
    if args.json and _emit_json(args.json, {"version": __version__, **table_json(results)}):
        return 0
    print(text, end="")
    if args.out:
        update_file(args.out, text, args.block)
    return 0


def _capacity(args: argparse.Namespace) -> int:
    from sim.experiments.bounds import check_overload
    from sim.experiments.capacity import OUT_FILES as CAPACITY_FILES
    from sim.experiments.capacity import as_rows, capacity, markdown
    from sim.experiments.confine import check_folder_kind, check_output_file, check_output_folder
    from sim.experiments.results_folder import input_paths

    check_overload(args.overload)
    if args.targets is not None or args.update is not None:
        return _capacity_targets(args)
    overrides = {} if args.rng_seed is None else {"rng_seed": args.rng_seed}
    scenario, _ = _scenario_of(args.scenario, overrides)
    inputs = input_paths(args.scenario)
    if args.json:
        check_output_file(args.json, "--json", inputs, (".json",))
    if args.out:
        check_output_folder(args.out, "--out", inputs)
        check_folder_kind(args.out, "--out", CAPACITY_FILES, "capacity report")
    workers = args.workers or min(os.cpu_count() or 1, args.replications)
    configs = sum(x.enabled for x in scenario.crossings.values()) + 1
    with _progress(args.replications * configs, 0, "capacity") as bar:
        result = capacity(
            scenario,
            args.replications,
            workers,
            args.overload,
            args.days,
            scheduler=args.scheduler,
            on_done=lambda n: bar.update(1),
        )
    if not (args.json and _emit_json(args.json, as_rows(result))):  # '-': the JSON alone on stdout
        print(markdown(result, scenario), end="")
    if args.out:
        from sim.reporting.report import build_capacity_report  # matplotlib and the report: only for --out

        target = build_capacity_report(result, scenario, args.out)
        _say(f"bordersim: capacity report in {target}/report.html")
    return 0


def _capacity_targets(args: argparse.Namespace) -> int:
    """``bordersim capacity --targets FILE``: each phase's road capacities against the targets."""
    from sim.experiments.comparison import update_file
    from sim.reporting import smart_gate_targets as sgt

    for bad, flag in (
        (args.targets is None, "--update needs --targets FILE"),
        (
            args.scenario is not None,
            f"--targets: the phases come from the file; got a scenario too ({args.scenario})",
        ),
        (args.rng_seed is not None, "--targets: --rng-seed is not used (each phase keeps its own)"),
        (args.json is not None or args.out is not None, "--targets: use --update FILE, not --json or --out"),
    ):
        if bad:
            print(f"bordersim capacity: {flag}", file=sys.stderr)
            return EXIT_BAD_INPUT
    targets = sgt.load_targets(args.targets)
    workers = args.workers or min(os.cpu_count() or 1, args.replications)
    rows = sgt.evaluate(targets, args.replications, workers, args.days, args.scheduler, args.overload)
    command = f"bordersim capacity --targets {args.targets} --replications {args.replications}"
    if args.days is not None:
        command += f" --days {args.days}"
    text = sgt.markdown(targets, rows, command + (f" --update {args.update}" if args.update else ""))
    print(text, end="")
    if args.update:
        update_file(args.update, text, sgt.BLOCK)
    return 0


def _run_plan(plan, args: argparse.Namespace, argv: Sequence[str], desc: str) -> list | None:
    """Run the points of a sweep not yet in its folder; the KPI runs of every point, None if stopped."""
    from sim.experiments import sweep
    from sim.experiments.results_folder import input_paths

    inputs = input_paths(args.scenario)
    todo, lock = sweep.start(args.out, plan, argv, force=args.force, warn=_say, inputs=inputs)
    args.held.callback(lock.release)  # held until the sweep's tables and figure are written
    kept = len(plan.points) - len(todo)
    if kept:
        _say(f"{args.out}: {kept} of {len(plan.points)} points already done, kept")
    jobs = len(todo) * plan.replications
    workers = args.workers or min(os.cpu_count() or 1, max(jobs, 1))
    stops = [x for x in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if x is not None]
    previous = {x: signal.signal(x, _on_sigterm) for x in stops}
    try:
        with _progress(len(plan.points) * plan.replications, kept * plan.replications, desc) as bar:
            sweep.run(args.out, plan, todo, workers, args.scheduler, lambda: bar.update(1))
    except KeyboardInterrupt:
        _say(f"bordersim: interrupted; finished points are kept in {args.out}. Continue with: "
             f"bordersim {shlex.join(w for w in argv if w != '--force')}")  # fmt: skip
        return None
    finally:
        for x, handler in previous.items():
            signal.signal(x, handler)
    return sweep.point_runs(args.out, plan)


def _sweep_plan(args: argparse.Namespace, settings: list):
    """The sweep's design and the scenario of each point (``--vary`` grid or ``--design lhs:N``)."""
    from sim.experiments import sweep

    if bool(args.vary) == bool(args.design):
        raise ScenarioError(
            ["sweep: give either --vary PATH=V1,V2,... (repeatable) or --design lhs:N PATH=LOW:HIGH"]
        )
    overrides = {"horizon_days": args.days} if args.days else {}
    if args.vary:
        varies = [sweep.parse_vary(v) for v in args.vary]
        dims = [d for d, _ in varies]
        points = sweep.grid(varies)
        design = {"method": "grid", "values": {d.name: v for d, v in varies}}
    else:
        count, dims = sweep.parse_design(args.design)
        base = load_with_settings(args.scenario, settings, overrides)
        points = sweep.latin_hypercube(dims, count, base.rng_seed)
        design = {"method": "lhs", "n": count, "seed": base.rng_seed}
    plan = sweep.plan("sweep", args.scenario, dims, points, args.replications, settings, overrides, design)
    for s in plan.scenarios:
        _check_days(s)
    return plan


def _sweep(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.experiments import sweep
    from sim.readouts.headline import HEADLINE
    from sim.reporting.sweeps import sweep_markdown, write_sweep

    settings = parse_settings(args.settings)
    plan = _sweep_plan(args, settings)
    runs = _run_plan(plan, args, argv, "sweep")
    if runs is None:
        return EXIT_INTERRUPTED
    keys = [h.key for h in HEADLINE]
    if args.kpi not in runs[0][0]:
        raise ScenarioError([f"--kpi {args.kpi}: expected a KPI such as {', '.join(keys[:4])}, ..."])
    keys = list(dict.fromkeys([*keys, args.kpi]))
    est = sweep.summaries(runs, keys)
    figure = write_sweep(Path(args.out), plan, est, keys, args.kpi)
    print(
        f"bordersim {__version__} — sweep of {plan.scenarios[0].name}: {len(plan.points)} points × "
        f"{args.replications} replications, rng_seed {plan.scenarios[0].rng_seed} at every point "
        "(common random numbers); mean ± 95% CI"
    )
    print()
    print(sweep_markdown(plan, est, keys))
    print(f"\nSweep: {args.out} (sweep.csv, sweep.md; figure of {args.kpi}: {figure})")
    return 0


def _sensitivity(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.experiments import sensitivity, sweep
    from sim.reporting.sweeps import write_sensitivity

    settings = parse_settings(args.settings)
    overrides = {"horizon_days": args.days} if args.days else {}
    if args.factor:
        dims = [sweep.parse_range(t, "--factor", kind="scale") for t in args.factor]
    else:
        from sim.scenario.files import resolved_data

        dims, skipped = sensitivity.default_dimensions(resolved_data(args.scenario))
        for pattern in skipped:
            _say(
                f"bordersim sensitivity: the default factor {pattern} matches nothing in "
                f"{args.scenario}: left out"
            )
        if not dims:
            raise ScenarioError(
                [f"{args.scenario}: no default factor matches it: give --factor PATTERN=LOW:HIGH"]
            )
    if args.levels < 2:
        raise ScenarioError([f"--levels {args.levels}: expected at least 2"])
    base = load_with_settings(args.scenario, settings, overrides)
    points = sensitivity.morris_design(dims, args.trajectories, args.levels, base.rng_seed)
    design = {
        "method": "morris",
        "trajectories": args.trajectories,
        "levels": args.levels,
        "seed": base.rng_seed,
    }
    plan = sweep.plan(
        "sensitivity", args.scenario, dims, points, args.replications, settings, overrides, design
    )
    for s in plan.scenarios:
        _check_days(s)
    runs = _run_plan(plan, args, argv, "sensitivity")
    if runs is None:
        return EXIT_INTERRUPTED
    keys = [k for k in sensitivity.SENSITIVITY_KPIS if k in runs[0][0]]
    est = sweep.summaries(runs, keys)
    means = {k: [e[k].mean for e in est] for k in keys}
    effects = sensitivity.analyse(dims, points, means, args.levels, base.rng_seed)
    intro = sensitivity.describe(
        base.name, base.horizon_days, len(dims), args.trajectories, len(points), args.replications,
        base.rng_seed, args.levels,
    )  # fmt: skip
    report = write_sensitivity(Path(args.out), effects, intro)
    if args.table:
        from sim.experiments.comparison import update_file
        from sim.reporting.sweeps import SENSITIVITY_BLOCK, sensitivity_table

        update_file(args.table, sensitivity_table(effects, intro), SENSITIVITY_BLOCK)
    print(f"bordersim {__version__} — {intro}")
    print()
    from sim.experiments.sensitivity import effects_markdown

    print(effects_markdown(effects))
    print(f"\nSensitivity: {report} (sensitivity.csv, sensitivity.png)")
    return 0


def _show(reference: str, resolved: bool) -> int:
    from sim.experiments.results_folder import is_results_folder
    from sim.scenario.files import read_chain
    from sim.scenario.inspect import flatten, show_value

    if resolved or is_results_folder(reference):
        scenario, source = _scenario_of(reference, {})
        print(f"# {scenario.name}: resolved from {source}, every default filled in (scenario hash "
              f"{scenario_hash(scenario)})")  # fmt: skip
        data = normalised(scenario)
    else:
        load_scenario(reference)  # only valid scenarios are shown
        chain = read_chain(reference)
        print(f"# {chain[0][0]}: what this file sets" + "".join(f"; extends {p}" for p, _ in chain[1:]))
        data = chain[0][1]
    for path, value in flatten(data):
        print(f"{path} = {show_value(value)}")
    return 0


def _diff(a: str, b: str) -> int:
    from sim.scenario.inspect import diff

    sa, source_a = _scenario_of(a, {})
    sb, source_b = _scenario_of(b, {})
    changes = diff(normalised(sa), normalised(sb))
    print(f"# A: {source_a} ({sa.name}); B: {source_b} ({sb.name}); resolved scenarios, defaults filled in")
    print(f"# {len(changes)} difference{'s' if len(changes) != 1 else ''}: ~ changed (A -> B), + only in B, "
          "- only in A")  # fmt: skip
    for c in changes:
        print(c.line())
    return 0


def _warn(scenario: Scenario, source: str | Path) -> None:
    """Plausible mistakes (:mod:`sim.scenario.warnings`), one line each on standard error."""
    from sim.scenario.warnings import scenario_warnings

    for line in scenario_warnings(scenario):
        _say(f"warning: {source}: {line}")


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
        _warn(s, name)
        print(
            f"{name}: ok ({s.name}: {sum(x.enabled for x in s.crossings.values())} crossings, "
            f"{len(s.demand.streams)} streams, {s.horizon_days} days)"
        )
    return status


def _calibrate(args: argparse.Namespace) -> int:
    """Evaluate a scenario against its targets; with ``--free``, fit those parameters first."""
    from sim.experiments.calibration import (
        CALIBRATED_MARK,
        calibrated_file,
        calibration_json,
        check_calibrated_out,
        evaluate,
        fit,
        free_parameter,
        targets_for,
    )
    from sim.experiments.comparison import update_file
    from sim.experiments.results_folder import input_paths
    from sim.reporting.calibration_table import calibration_markdown
    from sim.scenario.targets import TargetsError, default_targets_path, load_targets

    overrides = _overrides(argparse.Namespace(days=args.days, rng_seed=None))
    scenario = load_scenario(args.scenario, overrides=overrides)
    _check_days(scenario)
    workers = args.workers or min(os.cpu_count() or 1, args.replications)
    targets_file = Path(args.targets) if args.targets else default_targets_path()
    if args.out:  # before the fit: never over the scenario, its parents or the targets
        inputs = [*input_paths(args.scenario), targets_file, *([args.table] if args.table else [])]
        check_calibrated_out(args.out, inputs)
    try:
        targets = targets_for(args.scenario, load_targets(targets_file), relative_to=targets_file.parent)
        if not targets:
            raise TargetsError([f"{targets_file}: no target names the scenario {args.scenario!r}"])
        free = [free_parameter(scenario, text) for text in args.free]
        if not free:
            results = evaluate(scenario, targets, args.replications, workers)
            table = calibration_markdown(results, args.replications)
            if not (args.json and _emit_json(args.json, calibration_json(results, args.replications))):
                print(table, end="")
            if args.table:
                update_file(args.table, table, f"calibration-{scenario.name}")
            return _missed(results)

        def progress(n: int, values: dict[str, float], chi2: float) -> None:
            shown = ", ".join(f"{k}={v:.4g}" for k, v in values.items())
            print(f"point {n}: {shown}: chi2 {chi2:.3f}", file=sys.stderr, flush=True)

        result = fit(
            args.scenario,
            targets,
            free,
            args.replications,
            workers,
            overrides=overrides,
            max_evaluations=args.max_evaluations,
            progress=progress,
        )
    except (TargetsError, KeyError) as err:
        for line in getattr(err, "problems", None) or [str(err).strip("'\"")]:
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    only_json = bool(args.json) and _emit_json(
        args.json, calibration_json(result.results, args.replications, result)
    )  # '-': the JSON alone on standard output
    say = _say if only_json else print
    say(f"fitted after {result.evaluations} points, chi2 {result.chi2:.3f}:")
    for path, value in result.values.items():
        if result.identified(path):
            low, high = result.interval(path)
            say(f"  {path} = {value:.4g}  (95% profile interval {low:.4g} to {high:.4g})")
        else:
            say(f"  {path} = {value:.4g}  NOT IDENTIFIED by these targets (flat profile)")
    table = calibration_markdown(result.results, args.replications)
    if not only_json:
        print(table, end="")
    if args.out:
        out = Path(args.out)
        source = resolve_reference(args.scenario, out)
        header = [
            f"{scenario.name}, {CALIBRATED_MARK} against {targets_file.name}",
            f"({len(targets)} targets, {args.replications} replications per point, chi2 {result.chi2:.3f}).",
        ]
        write_atomic(out, calibrated_file(source, args.scenario, result, header))
        print(f"wrote {out}", file=sys.stderr)
        if Path(source).parts[:1] == ("..",):  # extends may only name files below its folder
            from sim.scenario.files import shown

            parent_dir = shown(Path(args.scenario).resolve().parent)
            print(f"{out}: extends = {source!r} is outside its folder: load it with "
                  f"--scenario-path {parent_dir}", file=sys.stderr)  # fmt: skip
    if args.table:
        update_file(args.table, table, f"calibration-{scenario.name}")
    return _missed(result.results)


EXIT_TARGET_MISSED = 1  # calibrate: a target's mean outside its band (a failed check, not bad input)


def _missed(results: list) -> int:
    """``calibrate``'s exit status: 1 when a target's model mean is outside its band, else 0."""
    missed = [r.name for r in results if not r.inside]
    if missed:
        _say(
            f"bordersim calibrate: {len(missed)} of {len(results)} targets outside their band: "
            + ", ".join(missed)
        )
        return EXIT_TARGET_MISSED
    return 0


def _assumptions(args: argparse.Namespace) -> int:
    """Sensitivity of the headline KPIs to each remaining assumption (±20%, paired, CRN)."""
    from sim.experiments.assumptions import STEP, one_at_a_time
    from sim.experiments.comparison import update_file
    from sim.reporting.assumptions_table import assumptions_markdown

    scenario = load_scenario(args.scenario)
    workers = args.workers or min(os.cpu_count() or 1, args.replications)
    rows = one_at_a_time(args.scenario, args.replications, workers)
    table = assumptions_markdown(rows, args.replications, STEP)
    print(table, end="")
    if args.table:
        update_file(args.table, table, f"assumptions-{scenario.name}")
    return 0


def _in_worlds(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``--worlds FILE`` on run, compare, table, capacity and sweep: the same question in every
    plausible world (sim/reporting/worlds_answers.py does the work)."""
    from sim.experiments.comparison import update_file
    from sim.experiments.worlds import load_worlds
    from sim.reporting import worlds_answers as wa

    worlds = load_worlds(args.worlds).first(args.world_count)
    settings = parse_settings(getattr(args, "settings", []))
    command = "bordersim " + shlex.join(argv)
    run = {"workers": args.workers or (os.cpu_count() or 1), "scheduler": args.scheduler}
    with _progress(len(worlds) * args.replications, 0, "worlds") as bar:
        if args.command == "run":
            text = wa.run(args.scenario or "baseline", worlds, args.replications, _overrides(args), **run,
                          on_done=bar.update, settings=settings, out=args.out)  # fmt: skip
        elif args.command == "compare":
            text = wa.compare(args.a, args.b, worlds, args.replications, args.days, args.rng_seed, **run,
                              on_done=bar.update, settings=settings, out=args.out)  # fmt: skip
        elif args.command == "table":
            from sim.readouts.headline import HEADLINE, Headline

            columns = [Headline(key, key) for key in args.kpi] if args.kpi else HEADLINE
            text, data = wa.table(args.scenarios, worlds, args.baseline, args.replications, args.days, **run,
                                  on_done=bar.update, columns=columns, settings=settings,
                                  command=command)  # fmt: skip
            if args.json and _emit_json(args.json, {"version": __version__, **data}):
                return 0
            if args.out:
                update_file(args.out, text, args.block)
        elif args.command == "capacity" and args.targets:
            text = wa.smart_gate_targets(args.targets, worlds, args.replications, args.days, args.overload,
                                         **run, command=command)  # fmt: skip
            if args.update:
                update_file(args.update, text, "smart_gate_targets_worlds")
        elif args.command == "capacity":
            text = wa.capacity(args.scenario or "baseline", worlds, args.replications, args.days,
                               args.overload, **run, rng_seed=args.rng_seed)  # fmt: skip
        else:  # sweep
            text = wa.sweep(_sweep_plan(args, settings), worlds, args.scenario, args.kpi, **run,
                            on_done=bar.update)  # fmt: skip
    print(text, end="")
    return 0


def _add_history_match(sub) -> None:  # noqa: ANN001
    hm = sub.add_parser(
        "history-match",
        help="rule out the parameter points the observations cannot have come from (waves, emulators); "
        "write the plausible worlds",
    )
    hm.add_argument("--uncertain", metavar="FILE", help="the parameters (default: seeds/uncertain.toml)")
    hm.add_argument("--settings", metavar="FILE", help="how observations enter (seeds/history_matching.toml)")
    hm.add_argument("--targets", metavar="FILE", help="the observations (default: seeds/targets.toml)")
    hm.add_argument("--out", metavar="FOLDER", default="results/history_matching",
                    help="the runs, one file a point (a rerun continues; default results/history_matching)")
    hm.add_argument("--worlds", metavar="FILE", default="seeds/worlds.toml", help="the worlds file to write")
    hm.add_argument("--report", metavar="FILE.md", default="scenarios/WORLDS.md", help="the report to write")
    _add_execution(hm)


def _history_match(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``bordersim history-match``: the waves, then the worlds file and the report."""
    from sim.reporting.worlds_report import run_and_write

    workers = args.workers or (os.cpu_count() or 1)
    command = "bordersim " + shlex.join(argv)
    with _progress(0, 0, "history matching") as bar:
        summary = run_and_write(
            args.out, args.worlds, args.report, command, args.uncertain, args.settings, args.targets,
            workers, args.scheduler, on_wave=lambda w: _say(
                f"wave {w.number}: {w.points} points, {w.ruled_out:.0%} ruled out, "
                f"{w.kept_share_of_space:.2%} of the space left"), on_done=lambda: bar.update(1),
        )  # fmt: skip
    print(summary)
    return 0


def resolve_reference(reference: str, out: Path) -> str:
    """How a file written at ``out`` names ``reference`` in ``extends``: a packaged name as is,
    a file by its path relative to ``out``'s folder."""
    if Path(reference).is_file():
        return os.path.relpath(Path(reference).resolve(), out.resolve().parent)
    return reference


if __name__ == "__main__":
    sys.exit(main())
