"""How a study runs: where its replications go, who hears of its progress, how it is stopped.

Every call of the study API takes one :class:`Execution` (default: the cores, no progress, no
cancel): the command line passes its ``--workers``/``--scheduler`` and a progress bar; the web
workbench passes worker processes, a progress sink and a cancel token; a notebook passes nothing.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sim.experiments.control import Control, controlled
from sim.experiments.interrupts import Cancelled, Token

__all__ = ["DEFAULT", "Cancelled", "Execution", "Progress", "cancel_token"]


@dataclass(frozen=True)
class Progress:
    """Where a study stands: ``done`` of ``total`` replications (``total`` None: not known ahead,
    as in a fit) and ``running``, the simulated share of those running now (their horizons' days
    done, summed), what it is doing (``stage``), and seconds since it started."""

    stage: str
    done: int
    total: int | None
    elapsed_s: float
    running: float = 0.0

    @property
    def fraction(self) -> float | None:
        return None if not self.total else min(1.0, (self.done + self.running) / self.total)

    def as_dict(self) -> dict[str, object]:
        return {"stage": self.stage, "done": self.done, "total": self.total,
                "running": round(self.running, 3),
                "fraction": self.fraction, "elapsed_s": round(self.elapsed_s, 3)}  # fmt: skip


@dataclass(frozen=True)
class Execution:
    """Where and how a study's replications run.

    ``workers``: worker processes (None: the cores, at most the replications); ``scheduler``: a
    Dask scheduler's address instead; ``processes``: always in worker processes, even one (a
    server keeps its own interpreter for its pages); ``progress``: called with a
    :class:`Progress` at each stage and after each replication, in the calling thread;
    ``cancel``: a token (:func:`cancel_token`, or a ``multiprocessing.Event`` from another
    process) that stops the study as Ctrl-C does, with :class:`Cancelled`: what is written stays
    written and a results folder can be resumed; ``notice``: told each warning or remark a face
    should show while the study runs (a scenario's plausible mistakes, points kept).
    """

    workers: int | None = None
    scheduler: str | None = None
    processes: bool = False
    progress: Callable[[Progress], object] | None = None
    cancel: Token | None = None
    notice: Callable[[str], object] | None = field(default=None)

    def workers_for(self, jobs: int) -> int:
        """Worker processes for ``jobs`` replications: as asked, or the cores, at most ``jobs``."""
        return self.workers or min(os.cpu_count() or 1, max(jobs, 1))

    def say(self, line: str) -> None:
        if self.notice is not None:
            self.notice(line)

    @contextmanager
    def tracking(self, stage: str, total: int | None, done: int = 0) -> Iterator[Tracker]:
        """Within the block, every replication counts towards ``total`` and is reported; the
        cancel token and ``processes`` hold for every replication the block runs."""
        tracker = Tracker(self, stage, total, done)
        tracker.report()
        follow = tracker.share if self.progress is not None else None  # asked of the engine only if heard
        control = Control(self.cancel, tracker.replication_done, self.processes, follow)
        with controlled(control):
            yield tracker


class Tracker:
    """Counts a study's replications and tells :attr:`Execution.progress`."""

    def __init__(self, execution: Execution, stage: str, total: int | None, done: int = 0):
        self.execution = execution
        self.stage = stage
        self.total = total
        self.done = done
        self.start = time.monotonic()
        self.shares: dict[object, float] = {}  # replications running: share of their horizon done

    def replication_done(self, key: object = None) -> None:
        self.shares.pop(key, None)
        self.done += 1
        self.report()

    def share(self, key: object, share: float) -> None:
        self.shares[key] = share
        self.report()

    def at(self, stage: str) -> None:
        """A new stage of the study (``"summaries"``, ``"B"``): reported at once."""
        self.stage = stage
        self.report()

    def report(self) -> None:
        if self.execution.progress is not None:
            elapsed = time.monotonic() - self.start
            running = sum(self.shares.values())
            self.execution.progress(Progress(self.stage, self.done, self.total, elapsed, running))


DEFAULT = Execution()  # the cores, no progress, no cancel, no notices


def cancel_token() -> threading.Event:
    """A token for :attr:`Execution.cancel` within one process: ``token.set()`` stops the study."""
    return threading.Event()
