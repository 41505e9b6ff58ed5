"""Stopping a run safely: Ctrl-C, ``kill`` and a closed terminal as a request, not an exception.

Python turns Ctrl-C into a ``KeyboardInterrupt`` raised wherever the main thread
happens to be. Inside the locks of ``concurrent.futures`` or a Dask client that can
leave a lock held and the process hung at exit. While replications run in other
processes, :func:`deferred_stop` catches the signals and only records them; the
loop that waits for results checks :attr:`StopRequest.requested` between waits and
raises ``KeyboardInterrupt`` itself, at a safe point.

A face that runs a study in a background thread or process (the web workbench) stops it the same
way with a cancel token (:class:`sim.experiments.control.Control`): the loop raises
:class:`Cancelled`, a ``KeyboardInterrupt``, so every path that keeps a results folder resumable
after Ctrl-C does so after a cancel too. :func:`signals_as_interrupt` turns ``kill`` (SIGTERM) and
a closed terminal (SIGHUP) into the same stop while a command's work runs in the main thread.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

SIGNALS = tuple(
    s
    for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
    if s is not None
)


class Cancelled(KeyboardInterrupt):
    """A study stopped by its cancel token: handled wherever Ctrl-C is (files kept, resumable)."""


class Token(Protocol):
    """A cancel token: ``threading.Event`` or ``multiprocessing.Event`` (across processes)."""

    def is_set(self) -> bool: ...


class StopRequest:
    """Whether a stop signal arrived, or ``cancel`` was set; ``check()`` raises
    ``KeyboardInterrupt`` (:class:`Cancelled` for the token) if so."""

    def __init__(self, cancel: Token | None = None) -> None:
        self.requested = False
        self.cancel = cancel

    def __call__(self, signum, frame) -> None:  # noqa: ARG002
        self.requested = True

    def pending(self) -> bool:
        return self.requested or (self.cancel is not None and self.cancel.is_set())

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled
        if self.requested:
            raise KeyboardInterrupt


class Terminated(KeyboardInterrupt):
    """SIGTERM (kill) or SIGHUP (terminal closed), handled as Ctrl-C: stop the workers, keep the files."""


def _terminate(signum: int, frame: Any) -> None:  # noqa: ARG001
    raise Terminated()


@contextmanager
def signals_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` (a ``KeyboardInterrupt``):
    the work stops as after Ctrl-C. Main thread only; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stops = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, _terminate) for s in stops}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def deferred_stop(cancel: Token | None = None) -> Iterator[StopRequest]:
    """Within the block, stop signals set a flag instead of interrupting (main thread only;
    elsewhere, and for signals that are ignored, nothing changes); ``cancel``, a token, stops too."""
    stop = StopRequest(cancel)
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {}
    for s in SIGNALS:
        if signal.getsignal(s) is not signal.SIG_IGN:
            previous[s] = signal.signal(s, stop)
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
