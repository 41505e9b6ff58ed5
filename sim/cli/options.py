"""Options that several commands share, and how the command line prints and shows progress.

Each command's parser takes the shared options it needs by name, ``options.add(p, "days",
"settings", ...)``: an option new to several commands is one entry of :data:`SHARED` and one name in
each command's list.
Nothing heavy is imported here, so that ``--help`` stays quick.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def local_datetime(text: str):
    from datetime import datetime

    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a local date or date-time, YYYY-MM-DD or YYYY-MM-DDTHH:MM, got {text!r}"
        ) from None


def half_width(text: str) -> tuple[str, float]:
    key, sep, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not sep or not key or not number > 0:
        raise argparse.ArgumentTypeError(f"expected KPI=HALF_WIDTH with a positive number, got {text!r}")
    return key, number


def replications(p: argparse.ArgumentParser, default: int, what: str = "replications") -> None:
    p.add_argument("--replications", type=positive, default=default, help=f"{what} (default {default})")


def days(p: argparse.ArgumentParser, what: str = "override horizon_days") -> None:
    p.add_argument("--days", type=positive, help=what)


def rng_seed(p: argparse.ArgumentParser, what: str = "override the scenario's rng_seed") -> None:
    p.add_argument("--rng-seed", type=int, help=what)


def execution(p: argparse.ArgumentParser, scheduler: bool = True) -> None:
    p.add_argument("--workers", type=positive, help="worker processes (default: cores, max replications)")
    if scheduler:
        p.add_argument("--scheduler", metavar="ADDRESS", help="run the replications on a Dask cluster "
                       "(e.g. tcp://host:8786); needs bordersim[distributed]")  # fmt: skip


def worlds(p: argparse.ArgumentParser) -> None:
    p.add_argument("--worlds", metavar="FILE", help="answer in every plausible world of FILE "
                   "(seeds/worlds.toml, from `bordersim history-match`): the median, the 90%% range across "
                   "worlds and the share of worlds where each conclusion holds")  # fmt: skip
    p.add_argument("--world-count", type=positive, metavar="N", help="with --worlds: the first N worlds")


def flag(p: argparse.ArgumentParser, name: str, what: str) -> None:
    p.add_argument(f"--{name}", action="store_true", help=what)


SHARED: dict[str, Callable[[argparse.ArgumentParser], object]] = {
    "days": days,
    "rng_seed": rng_seed,
    "execution": execution,
    "records": lambda p: flag(p, "records", "also keep the per-truck and per-stage records in --out "
                              "(about 40 MB a replication-year; needed by the report's waiting-time "
                              "distribution and by animate)"),
    "scenario_path": lambda p: p.add_argument("--scenario-path", metavar="DIR", action="append", default=[],
                                              help="a folder whose files `extends` may name, besides the "
                                              "scenario's own folder (repeatable)"),
    "worlds": lambda p: worlds(p),
    "settings": lambda p: p.add_argument("--set", dest="settings", metavar="PATH=VALUE", action="append",
                                         default=[], help="change one field, value in TOML (repeatable), "
                                         "e.g. --set crossings.chi_ma.routes.export.stages[0].lanes=4"),
}  # fmt: skip


def add(p: argparse.ArgumentParser, *names: str) -> None:
    """The shared options ``names`` (:data:`SHARED`), each with its usual help."""
    for name in names:
        SHARED[name](p)


def json_out(p: argparse.ArgumentParser, what: str = "the results") -> None:
    p.add_argument("--json", metavar="FILE", help=f"also write {what} as JSON ('-': on standard output only)")


def strict(p: argparse.ArgumentParser, what: str = "A and B differ") -> None:
    flag(p, "strict", f"refuse (exit 2) when {what} in period, horizon, warm-up or demand")


def say(line: str) -> None:
    """A line on standard error, which may be gone (a closed terminal)."""
    try:
        print(line, file=sys.stderr)
    except OSError:
        pass


def emit_json(target: str, payload: Any) -> bool:
    """For ``--json -``, print ``payload`` (True: standard output holds the JSON alone); the study
    itself writes a file (:func:`json_file`)."""
    if target == "-":
        from sim.study.outputs import json_text

        sys.stdout.write(json_text(payload))
    return target == "-"


def json_file(target: str | None) -> str | None:
    return None if target in (None, "-") else target


@contextmanager
def execution_of(args: argparse.Namespace):
    """The study's :class:`~sim.study.execution.Execution` from ``--workers``/``--scheduler``, with a
    progress bar on standard error (replications done, time left) when it is a terminal."""
    from sim.study.execution import Execution

    bar = None

    def progress(p) -> None:
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=p.total, initial=p.done, desc=p.stage, unit="rep", file=sys.stderr,
                       dynamic_ncols=True, leave=False)  # fmt: skip
        bar.update(p.done + p.running - bar.n)

    try:
        yield Execution(getattr(args, "workers", None), getattr(args, "scheduler", None),
                        progress=progress if sys.stderr.isatty() else None, notice=say)  # fmt: skip
    finally:
        if bar is not None:
            bar.close()
