"""Run ``bordersim validate`` (and ``run``) on every file of a corpus folder, in this process,
each under a time limit; print one JSON line per file. With ``--commands FILE.json`` (a list of
``{"name": ..., "argv": [...]}``), run each command line instead, one JSON line each. Started by
tests/test_corpus.py in a subprocess under a memory limit (RLIMIT_AS)."""

from __future__ import annotations

import contextlib
import io
import json
import signal
import sys
import traceback

from sim.cli import main

LIMIT_S = 30


class TimedOut(BaseException):
    pass


def _alarm(signum, frame):  # noqa: ARG001
    raise TimedOut


def check(command: list[str]) -> dict:
    err, out = io.StringIO(), io.StringIO()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(LIMIT_S)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            rc = main(command)
    except TimedOut:
        rc = "timeout"
    except BaseException:  # noqa: BLE001 - reported, the test fails on it
        rc = "raised"
        err.write(traceback.format_exc())
    finally:
        signal.alarm(0)
    return {"rc": rc, "stderr": err.getvalue(), "stdout": out.getvalue()[:2000]}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--commands"]:
        with open(sys.argv[2], encoding="utf-8") as f:
            for case in json.load(f):
                print(json.dumps({"name": case["name"], **check(case["argv"])}), flush=True)
        sys.exit(0)
    for path in sys.argv[1:]:
        for command in (["validate", path], ["run", path]):
            print(json.dumps({"file": path, "command": command[0], **check(command)}), flush=True)
