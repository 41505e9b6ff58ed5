"""The ``bordersim`` command line: argument parsing and printing over the study API (:mod:`sim.study`).

One module per command (or pair of related commands): ``add(sub)`` builds its parser, ``main(args)``
calls the study API and prints. A problem with a scenario, a folder or an option is one line per
problem on standard error and exit status 2, never a traceback. ``--help`` imports only these
modules: the scenario layer, NumPy and the rest load once a command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from sim.cli.options import EXIT_BAD_INPUT, EXIT_INTERRUPTED, say
from sim.version import __version__

COMMANDS = {  # command -> its module, sim/cli/<module>.py
    "run": "run", "compare": "compare", "report": "outputs", "table": "compare", "sweep": "designs",
    "sensitivity": "designs", "capacity": "capacity", "animate": "outputs", "validate": "scenarios",
    "show": "scenarios", "diff": "scenarios", "calibrate": "calibrate", "assumptions": "calibrate",
    "schema": "scenarios", "list": "scenarios", "serve": "serve", "history-match": "worlds",
}  # fmt: skip


class _Version(argparse.Action):
    """``--version``: the version, and whether the per-truck path runs compiled."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001
        import sim.compiled as compiled
        import sim.engine  # noqa: F401 - importing the engine chooses its per-truck path

        print(f"bordersim {__version__} (per-truck path: {compiled.status()})")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bordersim",
        description="Simulate freight trucks crossing the Vietnam–China border in Lạng Sơn.",
        epilog="Start with `bordersim run` (the Lạng Sơn baseline), `bordersim list`, or `bordersim serve` "
        "(the workbench in a browser); `bordersim COMMAND --help` describes a command.",
    )
    p.add_argument("--version", action=_Version, nargs=0, help="the version, and which per-truck path runs")
    sub = p.add_subparsers(dest="command")
    for module in dict.fromkeys(COMMANDS.values()):
        importlib.import_module(f"sim.cli.{module}").add(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:  # nothing asked: say what can be asked (exit 0, not an error)
        parser.print_help()
        return 0
    args.argv = argv
    from sim.experiments.bounds import check_replications
    from sim.experiments.distributed import SchedulerError
    from sim.experiments.integrity import FolderError
    from sim.experiments.memory import keep_freed_memory
    from sim.experiments.workers import WorkerError
    from sim.scenario.files import ScenarioError, scenario_path

    keep_freed_memory()  # replications run in this process too (--workers 1): sim/experiments/memory.py
    try:
        with scenario_path(getattr(args, "scenario_path", None) or []):
            if getattr(args, "replications", None) is not None:
                check_replications(args.replications)  # before anything is read or run
            module = "worlds" if getattr(args, "worlds", None) else COMMANDS[args.command]  # --worlds FILE
            return importlib.import_module(f"sim.cli.{module}").main(args)
    except (ScenarioError, FolderError, SchedulerError) as err:  # bad input: one line per problem
        for line in getattr(err, "problems", None) or [str(err)]:
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    except WorkerError as err:
        print(f"bordersim: {str(err).splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a stop outside the replications (reading, summarising)
        say("bordersim: interrupted")
        return EXIT_INTERRUPTED
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        print(f"bordersim: {where}{err.strerror or err}", file=sys.stderr)
        return 1
