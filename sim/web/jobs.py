"""Studies started from the workbench, each in a process of its own, followed and cancellable.

A job is one call of the study API (:mod:`sim.study`) in a child interpreter
(``python -m sim.web.jobs``: nothing of the server's threads or main module is inherited), so the
server's interpreter only serves pages while a study runs: the study's own work (summaries,
reports) never holds it. The child is told its call as one JSON line on its standard input and
reports one JSON line at a time on its standard output (progress, notices, the end: done,
stopped or failed), which a thread of the server reads. The cancel button writes ``cancel`` to
its standard input: the child sets the study's cancel token (:mod:`sim.experiments.control`), the
workers stop, the results folder keeps what is done and can be resumed. A job that dies (killed,
out of memory) leaves its folder as a stopped run does: every file in it was written atomically.

Jobs live in memory; what they leave is in the workspace, where the workbench finds it again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("run", "resume", "compare", "worlds_compare", "capacity", "report", "animate")


class Busy(Exception):
    """Too many studies running at once: the message says how many may run."""


@dataclass
class Job:
    """A study running (or run) in a child process, as the server sees it."""

    id: str
    kind: str
    title: str
    folder: Path | None
    started: float = field(default_factory=time.time)
    state: str = "starting"  # starting, running, done, stopped, failed
    progress: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    process: Any = None

    @property
    def active(self) -> bool:
        return self.state in ("starting", "running")

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "title": self.title, "state": self.state,
            "progress": self.progress, "notices": self.notices[-20:], "problems": self.problems,
            "result": self.result, "folder": self.folder.name if self.folder else None,
            "elapsed_s": round(time.time() - self.started, 1),
        }  # fmt: skip


class Jobs:
    """The workbench's jobs: at most ``limit`` running at once."""

    def __init__(self, limit: int = 1, workers: int | None = None):
        self.limit = limit
        self.workers = workers
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._spare: subprocess.Popen | None = None  # the next job's interpreter, its libraries loaded
        self._closed = False  # shut down: no spare is started any more

    def _child(self) -> subprocess.Popen:
        """A child interpreter for the next job: the spare one, started ahead so that its imports
        (NumPy, pyarrow, SciPy: a second or two on a busy machine) are not the job's first wait."""
        spare, self._spare = self._spare, None
        if spare is None or spare.poll() is not None:
            spare = _spawn()
        return spare

    def prepare(self) -> None:
        """Start the next job's interpreter now, if none is waiting."""
        with self._lock:
            if not self._closed and (self._spare is None or self._spare.poll() is not None):
                self._spare = _spawn()

    def start(self, kind: str, title: str, call: dict[str, Any], folder: Path | None) -> Job:
        """Start ``sim.study.<kind>(**call)`` in a child process; :class:`Busy` when ``limit`` run."""
        assert kind in KINDS, kind
        with self._lock:
            running = [j for j in self.jobs.values() if j.active]
            if len(running) >= self.limit:
                raise Busy(
                    f"{len(running)} of {self.limit} studies running already ({running[0].title}): "
                    "wait for it "
                    "or cancel it (bordersim serve --jobs N allows more at once)"
                )
            job = Job(uuid.uuid4().hex[:12], kind, title, folder)
            job.process = self._child()
            job.process.stdin.write(json.dumps({"kind": kind, "call": call, "workers": self.workers}) + "\n")
            job.process.stdin.flush()
            self.jobs[job.id] = job
        threading.Thread(target=self._follow, args=(job,), daemon=True, name=f"follow-{job.id}").start()
        return job

    def _follow(self, job: Job) -> None:
        _follow(job)
        self.prepare()  # the next job's interpreter, started once this one no longer needs the cores

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def cancel(self, job_id: str) -> Job | None:
        job = self.jobs.get(job_id)
        if job is not None and job.active:
            _tell(job, "cancel")
        return job

    def shutdown(self, grace_s: float = 10.0) -> None:
        """Cancel every running job and wait for it (its folder stays resumable)."""
        with self._lock:
            spare, self._spare, self._closed = self._spare, None, True
        if spare is not None:
            spare.stdin.close()  # no call comes: it ends
            spare.wait(10)
        for job in self.jobs.values():
            if job.active:
                _tell(job, "cancel")
        deadline = time.monotonic() + grace_s
        for job in self.jobs.values():
            try:
                job.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                job.process.terminate()  # as `kill`: the study stops as after Ctrl-C
                job.process.wait(10)


def _spawn() -> subprocess.Popen:
    command = [sys.executable, "-m", "sim.web.jobs"]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, encoding="utf-8", bufsize=1)  # fmt: skip


def _tell(job: Job, line: str) -> None:
    try:
        job.process.stdin.write(line + "\n")
        job.process.stdin.flush()
    except (OSError, ValueError):
        pass


def _follow(job: Job) -> None:
    """Read what the child says until it ends; a child that ends without its last word has failed."""
    for line in job.process.stdout:
        try:
            kind, payload = json.loads(line)
        except (ValueError, TypeError):
            continue  # not one of ours (a library's print): ignored
        if kind == "progress":
            job.state = "running" if job.state == "starting" else job.state
            job.progress = payload
        elif kind == "notice":
            job.notices.append(payload)
        elif kind in ("done", "stopped", "failed"):
            job.state = kind
            if kind == "failed":
                job.problems = payload
            else:
                job.result = payload
    code = job.process.wait()
    if job.active:
        job.state = "failed"
        job.problems = job.problems or [f"the study's process ended (exit code {code})"]


def main() -> None:
    """In the child (``python -m sim.web.jobs``): load the study's libraries, read the call, run the
    study, say how it goes."""
    import sim.study as study
    import sim.study.capacities
    import sim.study.comparisons
    import sim.study.outputs
    import sim.study.runs  # noqa: F401 - loaded before the call comes (Jobs.prepare)
    from sim.experiments.integrity import FolderError
    from sim.experiments.workers import WorkerError
    from sim.scenario.files import ScenarioError

    out = sys.stdout
    sys.stdout = sys.stderr  # anything else printed goes to the server's log, not into the messages
    # The server's messages are read from the raw descriptor: a thread blocked in sys.stdin would
    # hold its lock, and a worker process forked meanwhile would hang closing its copy of it.
    commands = os.fdopen(os.dup(0), "rb", buffering=0)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - for the rest of the process
    spec = json.loads(_line(commands) or "{}")
    if not spec:
        return  # a spare interpreter the server no longer needs
    cancel = threading.Event()

    def listen() -> None:
        while (line := _line(commands)) is not None:
            if line.strip() == "cancel":
                cancel.set()
        cancel.set()  # the server is gone: stop, keeping what is done

    threading.Thread(target=listen, daemon=True).start()
    last = [0.0]

    def send(kind: str, payload: Any) -> None:
        try:
            out.write(json.dumps([kind, payload], default=str) + "\n")
            out.flush()
        except (OSError, ValueError):
            pass

    def progress(p) -> None:  # at most ten a second: the page asks twice a second
        now = time.monotonic()
        if now - last[0] >= 0.1 or p.done == p.total or p.stage != (spec.get("_stage")):
            last[0], spec["_stage"] = now, p.stage
            send("progress", p.as_dict())

    execution = study.Execution(workers=spec.get("workers"), progress=progress, cancel=cancel,
                                notice=lambda line: send("notice", line))  # fmt: skip
    try:
        send("progress", {"stage": "starting", "done": 0, "total": None, "fraction": None, "elapsed_s": 0})
        send("done", _CALLS[spec["kind"]](study, spec["call"], execution))
    except study.Stopped as stop:
        send("stopped", {"saved": stop.saved, "total": stop.total, "cancelled": stop.cancelled})
    except KeyboardInterrupt:
        send("stopped", {"saved": 0, "total": 0, "cancelled": True})
    except ScenarioError as err:
        send("failed", list(err.problems))
    except (FolderError, WorkerError, OSError, ValueError) as err:
        send("failed", [str(err).splitlines()[0] if str(err) else type(err).__name__])
    except Exception as err:  # noqa: BLE001 - reported to the page, never a silent hang
        send("failed", [f"{type(err).__name__}: {err}", *traceback.format_exc().splitlines()[-3:]])


def _line(stream) -> str | None:
    """One line from an unbuffered binary stream (None at its end)."""
    data = bytearray()
    while True:
        byte = stream.read(1)
        if not byte:
            return data.decode("utf-8") if data else None
        if byte == b"\n":
            return data.decode("utf-8")
        data += byte


def _run(study, call, execution) -> dict:
    done = study.run(**call, execution=execution)
    return {"wall_s": done.wall_s, "replications": done.replications}


def _resume(study, call, execution) -> dict:
    done = study.resume(**call, execution=execution)
    return {"wall_s": done.wall_s, "replications": done.replications}


def _compare(study, call, execution) -> dict:
    done = study.compare(**call, execution=execution)
    return {"replications": done.replications, "warnings": done.comparison.warnings()}


def _worlds_compare(study, call, execution) -> dict:
    from sim.study import worlds

    worlds.compare(**call, execution=execution)
    return {}


def _capacity(study, call, execution) -> dict:
    study.capacity(**call, execution=execution)
    return {}


def _report(study, call, execution) -> dict:
    return {"report": str(study.report(**call))}


def _animate(study, call, execution) -> dict:
    from datetime import datetime

    call = {**call, "start": datetime.fromisoformat(call["start"])}
    return {"page": str(study.animate(**call).path)}


_CALLS: dict[str, Callable[..., dict]] = {
    "run": _run, "resume": _resume, "compare": _compare, "worlds_compare": _worlds_compare,
    "capacity": _capacity, "report": _report,
    "animate": _animate,
}  # fmt: skip


if __name__ == "__main__":
    main()
