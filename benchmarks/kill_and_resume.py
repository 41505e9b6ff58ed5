"""Fault injection: kill a multi-replication run at random moments, resume it, compare.

    python benchmarks/kill_and_resume.py [--kills 10] [--days 20] [--replications 16] [--workers 2] [--seed 1]

Runs ``bordersim run baseline --out DIR`` once uninterrupted (the reference), then
``--kills`` times: starts the same run in a fresh folder at the same path, sends it
SIGKILL at a moment drawn uniformly over the reference's wall time, resumes it with
``--resume`` and compares the folder with the reference: every file byte for byte,
and the manifest field by field. Prints one line per trial and the manifest fields
that differed in any trial, which must be only ``TIMING_FIELDS`` of
:mod:`sim.experiments.results_folder`. Exit status 1 if anything else differed.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.experiments.results_folder import MANIFEST, TIMING_FIELDS


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in (MANIFEST, ".lock")
    }


def trial(run: list[str], out: Path, at_s: float) -> tuple[bool, int]:
    """Start, SIGKILL after ``at_s`` seconds (unless it ended), resume; whether it was killed,
    and the replications on disk at the kill."""
    proc = subprocess.Popen([*run, "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=at_s)
        killed = False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        killed = True
    done = len(list((out / "kpis").glob("r*.parquet"))) if (out / "kpis").is_dir() else 0
    resumed = subprocess.run(
        [*run, "--out", str(out), "--resume"], capture_output=True, text=True, timeout=600
    )
    if resumed.returncode != 0:
        raise SystemExit(f"resume failed (exit {resumed.returncode}): {resumed.stderr.strip()}")
    return killed, done


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=10)
    p.add_argument("--days", type=int, default=20)
    p.add_argument("--replications", type=int, default=16)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=1, help="seed of the kill moments")
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    run = [sys.executable, "-m", "sim", "run", "baseline", "--days", str(args.days),
           "--replications", str(args.replications), "--workers", str(args.workers)]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        out, ref = Path(tmp) / "run", Path(tmp) / "reference"
        start = time.perf_counter()
        subprocess.run([*run, "--out", str(out)], check=True, capture_output=True)
        wall = time.perf_counter() - start
        out.rename(ref)
        ref_files = files_of(ref)
        ref_manifest = json.loads((ref / MANIFEST).read_text())
        differed: set[str] = set()
        failures = 0
        for k in range(args.kills):
            at = rng.uniform(0.0, wall)
            killed, done = trial(run, out, at)
            files_same = files_of(out) == ref_files
            manifest = json.loads((out / MANIFEST).read_text())
            fields = {f for f in set(manifest) | set(ref_manifest) if manifest.get(f) != ref_manifest.get(f)}
            differed |= fields
            ok = files_same and fields <= set(TIMING_FIELDS)
            failures += not ok
            print(
                f"trial {k + 1:2d}: SIGKILL at {at:5.2f} s of {wall:.2f} s "
                f"({'killed' if killed else 'had already ended'}, {done} of {args.replications} "
                f"replications on disk); after --resume: files {'identical' if files_same else 'DIFFERENT'}, "
                f"manifest fields differing: {sorted(fields) or 'none'}"
            )
            shutil.rmtree(out)
        print(
            f"{args.kills - failures} of {args.kills} trials identical to the uninterrupted run; "
            f"manifest fields that differed: {sorted(differed)} (allowed: {list(TIMING_FIELDS)})"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
