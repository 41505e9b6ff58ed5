"""Stopping a run safely: Ctrl-C, ``kill`` and a closed terminal as a request, not an exception.

Python turns Ctrl-C into a ``KeyboardInterrupt`` raised wherever the main thread
happens to be. Inside the locks of ``concurrent.futures`` or a Dask client that can
leave a lock held and the process hung at exit. While replications run in other
processes, :func:`deferred_stop` catches the signals and only records them; the
loop that waits for results checks :attr:`StopRequest.requested` between waits and
raises ``KeyboardInterrupt`` itself, at a safe point.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = tuple(
    s
    for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
    if s is not None
)


class StopRequest:
    """Whether a stop signal arrived; ``check()`` raises ``KeyboardInterrupt`` if one did."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum, frame) -> None:  # noqa: ARG002
        self.requested = True

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt


@contextmanager
def deferred_stop() -> Iterator[StopRequest]:
    """Within the block, stop signals set a flag instead of interrupting (main thread only;
    elsewhere, and for signals that are ignored, nothing changes)."""
    stop = StopRequest()
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
