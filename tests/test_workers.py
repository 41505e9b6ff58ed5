"""Worker processes: a bounded window of replications, none outliving the main process, and a
stop request honoured at any point, shutdown included."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.experiments.interrupts import StopRequest
from sim.experiments.workers import WorkerError, _shut_down, map_in_workers


def mark_and_return(folder: str, key: int) -> int:
    Path(folder, f"started-{key}").touch()
    return key


def fail(key: int) -> int:
    raise ValueError(f"replication {key} cannot be run")


def test_at_most_one_task_per_worker_is_in_flight(tmp_path):
    tasks = [(k, (str(tmp_path), k)) for k in range(40)]
    jobs = map_in_workers(mark_and_return, tasks, 2, StopRequest())
    first = next(jobs)
    assert first[0] in (0, 1)
    time.sleep(0.5)  # whatever the workers do meanwhile, nothing more was sent to them:
    # the results handed to the consumer (at most one per worker) and one new task per worker
    started = len(list(tmp_path.glob("started-*")))
    assert 2 <= started <= 4
    jobs.close()  # the consumer stops early: the workers are ended
    assert multiprocessing.active_children() == []


def test_a_worker_gets_its_next_task_before_the_consumer_handles_its_result(tmp_path):
    """While the consumer holds a result (the parent writing the manifest), the worker that produced
    it is already running the next task: the parent's work overlaps the workers'."""
    tasks = [(k, (str(tmp_path), k)) for k in range(40)]
    jobs = map_in_workers(mark_and_return, tasks, 2, StopRequest())
    next(jobs)  # and hold it
    deadline = time.monotonic() + 60  # a wait, not a measurement: passes as soon as it is true
    while len(list(tmp_path.glob("started-*"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(list(tmp_path.glob("started-*"))) >= 3
    jobs.close()
    assert multiprocessing.active_children() == []


def test_every_task_runs_once_and_results_come_back(tmp_path):
    tasks = [(k, (str(tmp_path), k)) for k in range(25)]
    results = dict(map_in_workers(mark_and_return, tasks, 2, StopRequest()))
    assert results == {k: k for k in range(25)}
    assert multiprocessing.active_children() == []


def test_an_error_in_a_worker_is_one_line_and_ends_the_workers():
    # both fail; whichever reply arrives first is reported (the race was a flaky test on main)
    with pytest.raises(
        WorkerError, match=r"replication ([01]) failed in a worker: ValueError: replication \1 "
    ):
        list(map_in_workers(fail, [(0, (0,)), (1, (1,))], 2, StopRequest()))
    assert multiprocessing.active_children() == []


def test_a_stop_request_ends_the_workers():
    stop = StopRequest()
    stop.requested = True
    with pytest.raises(KeyboardInterrupt):
        list(map_in_workers(time.sleep, [(k, (60,)) for k in range(4)], 2, stop))
    assert multiprocessing.active_children() == []


def test_a_stop_during_a_graceful_shutdown_is_honoured():
    """A worker that would not stop by itself is terminated when a signal comes in meanwhile."""
    from sim.experiments.workers import Worker

    ctx = multiprocessing.get_context()
    pool = [Worker(ctx)]
    pool[0].conn.send((time.sleep, (600,), 0))  # busy: it will not read the request to end
    stop = StopRequest()
    stop.requested = True
    with pytest.raises(KeyboardInterrupt):
        _shut_down(pool, stop, graceful=True)
    assert not pool[0].process.is_alive()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status is left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_the_main_process_is_killed(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            "baseline",
            "--days",
            "12",
            "--replications",
            "20",
            "--workers",
            "2",
            "--out",
            str(out),
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(children) < 2:
        try:
            text = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text()
            children = [int(x) for x in text.split()]
        except OSError:
            pass
        assert proc.poll() is None, "the run ended before its workers could be seen"
        time.sleep(0.05)
    assert len(children) >= 2, "no worker processes appeared"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30  # generous: it takes about a second
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children), "worker processes outlived a killed main process"


PARENT = """
import multiprocessing, sys, time
from sim.experiments.workers import Worker
w = Worker(multiprocessing.get_context())
w.conn.send((time.sleep, (600,), 0))  # a replication that would run for ten minutes
print(w.process.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_busy_worker_ends_when_its_parent_is_killed():
    """Not at the end of its replication: as soon as the parent is gone."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    assert _alive(worker)
    parent.kill()
    parent.wait(timeout=30)
    deadline = time.monotonic() + 60  # generous; the work itself would take 600 s
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.1)
    assert not _alive(worker), "the worker outlived its killed parent"
