"""Nothing lost: a run killed part-way and continued with --resume ends with exactly the files
of an uninterrupted run (the manifest's timings aside)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main

ARGS = ["run", "baseline", "--days", "12", "--replications", "10"]


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json" and "report" not in p.parts
    }


def start(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *ARGS, "--out", str(out), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_parts(out: Path, proc: subprocess.Popen, at_least: int) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = len(list((out / "kpis").glob("r*.parquet"))) if (out / "kpis").is_dir() else 0
        if done >= at_least:
            return done
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be interrupted: {proc.stderr.read()}")
        time.sleep(0.005)
    pytest.fail("no replication finished in time")


def processes_writing(out: Path) -> list[int]:
    """Processes whose command line names ``out`` (Linux /proc; empty elsewhere), after a grace period."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    deadline = time.monotonic() + 10
    while True:
        found = []
        for p in proc.iterdir():
            try:
                if p.name.isdigit() and str(out).encode() in (p / "cmdline").read_bytes():
                    found.append(int(p.name))
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("ref") / "whole"
    assert main([*ARGS, "--workers", "1", "--out", str(out)]) == 0
    return files_of(out)


@pytest.mark.slow
def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path, reference):
    out = tmp_path / "killed"
    proc = start(out, "--workers", "1")
    wait_for_parts(out, proc, 2)
    proc.send_signal(signal.SIGKILL)  # no chance to clean up
    proc.wait(timeout=60)
    done = len(list((out / "kpis").glob("r*.parquet")))
    assert 2 <= done < 10, "the kill came too late to test anything"
    # What is on disk is whole: every visible part is a complete Parquet file.
    import pyarrow.parquet as pq

    for part in out.rglob("r*.parquet"):
        pq.read_metadata(part)
    assert main([*ARGS, "--workers", "2", "--out", str(out), "--resume"]) == 0
    assert files_of(out) == reference
    assert not list(out.rglob(".*.tmp"))


@pytest.mark.slow
def test_interrupted_run_says_how_to_continue(tmp_path, reference):
    """Ctrl-C (SIGINT) or kill (SIGTERM) with worker processes: exit 130 and the command to resume."""
    interrupted = 0
    for sig in (signal.SIGINT, signal.SIGTERM):
        out = tmp_path / f"stopped-{int(sig)}"
        proc = start(out, "--workers", "2")
        wait_for_parts(out, proc, 1)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        if proc.returncode == 0:  # finished before the signal landed: nothing to test this time
            continue
        assert proc.returncode == 130, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err, err
        assert "--resume" in lines[0] and str(out) in lines[0]
        assert processes_writing(out) == [], "worker processes outlived the run"
        interrupted += 1
        assert main([*ARGS, "--workers", "1", "--out", str(out), "--resume"]) == 0
        assert files_of(out) == reference
    assert interrupted, "every run finished before its signal: nothing was tested"


def test_resume_of_a_complete_folder_changes_nothing(tmp_path, reference):
    out = tmp_path / "complete"
    assert main([*ARGS, "--workers", "1", "--out", str(out)]) == 0
    before = {p: os.stat(out / p).st_mtime_ns for p in files_of(out) if p.endswith(".parquet")}
    assert main([*ARGS, "--workers", "1", "--out", str(out), "--resume"]) == 0
    assert {p: os.stat(out / p).st_mtime_ns for p in before} == before
    assert files_of(out) == reference


@pytest.mark.slow
def test_killed_at_random_moments_and_resumed_the_files_are_those_of_an_uninterrupted_run():
    """benchmarks/kill_and_resume.py: SIGKILL at three random moments, resume, compare
    (every file byte for byte; in the manifest only the timing fields may differ)."""
    script = Path(__file__).parent.parent / "benchmarks" / "kill_and_resume.py"
    proc = subprocess.run(
        [sys.executable, str(script), "--kills", "3", "--days", "8", "--replications", "6", "--seed", "7"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 of 3 trials identical" in proc.stdout
