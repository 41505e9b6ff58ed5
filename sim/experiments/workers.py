"""Worker processes for replications: a bounded window of work, and no orphans.

A small pool of our own instead of :class:`concurrent.futures.ProcessPoolExecutor`, for three
properties the executor does not give:

* **bounded**: each worker holds at most one replication, and at most one finished result per
  worker waits for the consumer, so the replications in flight and the results waiting to be
  written stay within ``workers`` each, whatever ``--replications``. A worker gets its next
  replication as soon as its result is in, before the consumer writes that result: the parent's
  writing overlaps the workers' runs instead of leaving them idle;
* **no orphans**: a worker ends within about a second of its parent's death, even a ``kill -9``
  (``PR_SET_PDEATHSIG`` on Linux, and a thread watching ``getppid()`` everywhere);
* **stops promptly**: stopping terminates the workers (then kills those that linger) and joins
  them with time limits; no manager thread is left behind to hang the interpreter at exit.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from sim.experiments.interrupts import StopRequest
from sim.experiments.memory import keep_freed_memory

POLL_S = 0.2  # how often a stop request is looked at while waiting for workers
PARENT_POLL_S = 0.5  # how often a worker checks that its parent is alive
TERMINATE_GRACE_S = 2.0  # time a terminated worker gets before it is killed
PR_SET_PDEATHSIG = 1


class WorkerError(Exception):
    """A worker process died or a replication raised; the message is one line."""


def _worker_signals() -> None:
    """In a worker: Ctrl-C is the parent's to handle (it stops the workers and keeps what is done);
    SIGTERM and SIGHUP end the worker, whatever handlers it inherited from the parent by fork."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def _die_with_parent(parent: int) -> None:
    """End this process when ``parent`` (its parent at start) is gone."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(PARENT_POLL_S)

    if os.getppid() != parent:  # died before the watch began
        os._exit(1)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker_main(conn: Connection, parent: int) -> None:
    from sim.engine.progress import reporting_progress  # the engine: in the workers, not in the parent

    _worker_signals()
    _die_with_parent(parent)
    keep_freed_memory()  # replications back to back reuse one replication's memory
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        work, args, key, *follow = task
        hook = _progress_sender(conn, key) if follow and follow[0] else None
        try:
            with reporting_progress(hook):
                reply: tuple[Any, bool | None, Any] = (key, True, work(*args))
        except BaseException as err:  # noqa: BLE001 - reported to the parent, which raises it
            text = "".join(traceback.format_exception_only(type(err), err)).strip()
            reply = (key, False, f"{text}\n{traceback.format_exc()}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def _progress_sender(conn: Connection, key: Any):
    """In a worker: tell the parent how far the replication ``key`` has got (``ok`` None)."""

    def send(share: float) -> None:
        try:
            conn.send((key, None, share))
        except (OSError, ValueError):
            pass

    return send


class Worker:
    def __init__(self, ctx: Any):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.key: Any = None  # the task in progress, None when idle


def map_in_workers(
    work: Callable[..., Any],
    tasks: Sequence[tuple[Any, tuple[Any, ...]]],
    workers: int,
    stop: StopRequest,
    on_progress: Callable[[Any, float], object] | None = None,
) -> Iterator[tuple[Any, Any]]:
    """``work(*args)`` for each ``(key, args)`` of ``tasks`` in ``workers`` processes, yielded as
    ``(key, result)`` when done (in completion order; ties in key order). At most one task per
    worker is in flight, and at most one result per worker waits for the consumer.
    ``stop.check()`` is called between waits; on any early exit (a stop, an error, the consumer
    closing the generator) the workers are terminated. With ``on_progress``, each worker also
    says how far its replication has got (:mod:`sim.engine.progress`): ``on_progress(key, share)``."""
    ctx = multiprocessing.get_context()
    pool = [Worker(ctx) for _ in range(max(1, min(workers, len(tasks))))]
    queue = list(reversed(tasks))
    finished_normally = False
    try:
        _hand_out(pool, queue, work, on_progress is not None)
        while any(w.key is not None for w in pool):
            stop.check()
            busy = [w for w in pool if w.key is not None]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=POLL_S)
            replies = []
            for w in busy:
                if w.conn in ready:
                    try:
                        reply = w.conn.recv()
                        while reply[1] is None:  # how far its replication has got; the result follows
                            if on_progress is not None:
                                on_progress(reply[0], reply[2])
                            reply = w.conn.recv() if w.conn.poll() else None
                            if reply is None:
                                break
                    except (EOFError, OSError):
                        raise WorkerError(
                            f"a worker process died (exit code {w.process.exitcode}) while running "
                            f"replication {w.key}"
                        ) from None
                    if reply is not None:
                        replies.append((w, reply))
                elif w.process.sentinel in ready:
                    w.process.join(timeout=1)
                    raise WorkerError(
                        f"a worker process died (exit code {w.process.exitcode}) while running "
                        f"replication {w.key}"
                    )
            replies.sort(key=lambda x: x[1][0])
            for w, _ in replies:
                w.key = None
            if all(ok for _, (_, ok, _) in replies):
                # The next tasks go out before the consumer sees these results: its work on them
                # (the parent writing the manifest) overlaps the workers' next runs instead of
                # leaving the workers that just finished idle meanwhile.
                _hand_out(pool, queue, work, on_progress is not None)
            for _, (key, ok, value) in replies:
                if not ok:
                    raise WorkerError(f"replication {key} failed in a worker: {value}")
                yield key, value
        stop.check()
        finished_normally = True
    finally:
        _shut_down(pool, stop, graceful=finished_normally)


def _hand_out(
    pool: list[Worker],
    queue: list[tuple[Any, tuple[Any, ...]]],
    work: Callable[..., Any],
    follow: bool = False,
) -> None:
    """Give each idle worker the next task of ``queue`` (popped from its end); ``follow``: the worker
    reports how far the replication has got."""
    for w in pool:
        if w.key is None and queue:
            key, args = queue.pop()
            w.conn.send((work, args, key, follow))
            w.key = key


def _shut_down(pool: list[Worker], stop: StopRequest, graceful: bool) -> None:
    """End the workers: asked to (graceful) or terminated, then killed if they linger.
    A stop request during a graceful shutdown turns it into a termination."""
    if graceful:
        for w in pool:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 30
        while any(w.process.is_alive() for w in pool) and time.monotonic() < deadline and not stop.pending():
            wait([w.process.sentinel for w in pool if w.process.is_alive()], timeout=POLL_S)
    for w in pool:
        if w.process.is_alive():
            w.process.terminate()
    deadline = time.monotonic() + TERMINATE_GRACE_S
    for w in pool:
        w.process.join(timeout=max(0.0, deadline - time.monotonic()))
    for w in pool:
        if w.process.is_alive():
            w.process.kill()
            w.process.join(timeout=5)
        w.conn.close()
    if graceful and stop.pending():
        stop.check()
