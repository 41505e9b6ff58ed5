"""How a face controls a study it started: cancel it, follow its progress, keep it off its own process.

A study (a run, a comparison, a capacity measurement, a sweep, a fit) reaches its replications
through several functions (:func:`sim.experiments.capacity.capacity`, :func:`sim.experiments.sweep.run`,
:func:`sim.experiments.calibration.fit`, ...). Rather than add three parameters to each, the
study API (:mod:`sim.study`) sets one :class:`Control` for the duration of a call, in a context
variable, and :func:`sim.experiments.replications.run_replications`, through which every
replication passes, reads it:

* ``cancel``: a token (``threading.Event``, or ``multiprocessing.Event`` across processes). Once
  set, the replications stop at the next safe point as after Ctrl-C (the workers are terminated,
  what is written stays written) and :class:`~sim.experiments.interrupts.Cancelled` is raised.
* ``on_replication``: called in the calling thread after each replication comes back, with its key;
  ``on_share``: while one runs, with its key and the share of its horizon simulated
  (:mod:`sim.engine.progress`; asked of the engine only when set).
* ``processes``: replications always run in worker processes, even one at a time, so that a
  server running the study keeps its interpreter for its pages.

A context variable belongs to the thread (and the asyncio task) that set it: two studies in two
threads each have their own, and a study without one runs as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sim.experiments.interrupts import Cancelled, Token


@dataclass(frozen=True)
class Control:
    """What a face asks of the replications of its study (see the module docstring)."""

    cancel: Token | None = None
    on_replication: Callable[[Any], object] | None = None
    processes: bool = False
    on_share: Callable[[Any, float], object] | None = None

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` when the token is set (between replications run in this process)."""
        if self.cancelled():
            raise Cancelled


_CONTROL: ContextVar[Control | None] = ContextVar("bordersim_study_control", default=None)


@contextmanager
def controlled(control: Control | None) -> Iterator[None]:
    """Within the block, replications follow ``control`` (None: as without one)."""
    token = _CONTROL.set(control)
    try:
        yield
    finally:
        _CONTROL.reset(token)


def current() -> Control | None:
    """The control set by the innermost :func:`controlled` of this thread, or None."""
    return _CONTROL.get()
