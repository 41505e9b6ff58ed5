"""How live the workbench feels: page response times while a study runs, and how often progress comes.

Starts ``bordersim serve`` on a free loopback port with a fresh workspace, asks each page a number
of times while idle, then starts a 28-day, 5-replication run of the baseline (the issue's
reference study) and asks the same pages again while it runs, following the job's progress. Then
the same study through the study API in this process, recording when each progress report comes.
Prints figures; asserts nothing (timings are never tests: the machine is shared).

    python benchmarks/workbench_latency.py [--rounds 40] [--replications 5] [--days 28]
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, str(ROOT))


def _get(url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as r:
        body = r.read()
    return time.perf_counter() - start, body


def _post(url: str, data: dict) -> str:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), method="POST")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=60)
    except urllib.error.HTTPError as err:
        if err.code == 303:
            return err.headers["location"]
        raise
    raise RuntimeError("expected a redirect to the job's page")


def _figures(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return f"median {statistics.median(ms):6.1f} ms, p95 {p95:6.1f} ms, max {ms[-1]:6.1f} ms (n={len(ms)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=40, help="requests of each page while idle")
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--days", type=int, default=28)
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workspace = Path(tempfile.mkdtemp(prefix="bordersim-bench-ws-"))
    server = subprocess.Popen([sys.executable, "-m", "sim", "serve", "--workspace", str(workspace), "--port",
                               str(port)], stdout=subprocess.DEVNULL, cwd=ROOT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base + "/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        pages = {"home": "/", "scenario (baseline, its form)": "/scenario?ref=packaged:baseline"}
        _get(base + pages["scenario (baseline, its form)"])  # its first view validates and builds the form
        idle = {name: [_get(base + path)[0] for _ in range(args.rounds)] for name, path in pages.items()}
        job = _post(base + "/run", {"ref": "packaged:baseline", "replications": args.replications,
                                    "days": args.days})  # fmt: skip
        posted = time.perf_counter()
        pages.update({"job page": job, "job state (what the page polls)": job + "/state"})
        busy: dict[str, list[float]] = {name: [] for name in pages}
        slow: list[tuple[float, str, float]] = []  # (s after the POST, page, ms) of answers over 100 ms
        changes, last, state = [], None, {}
        while True:
            for name, path in pages.items():
                elapsed, body = _get(base + path)
                busy[name].append(elapsed)
                if elapsed > 0.1:
                    slow.append((time.perf_counter() - posted, name, elapsed * 1000))
                if path.endswith("/state"):
                    state = json.loads(body)
                    seen = (state.get("state"), json.dumps(state.get("progress"), sort_keys=True))
                    if seen != last:
                        changes.append(time.perf_counter() - posted)
                        last = seen
            if state.get("state") not in ("starting", "running"):
                break
        print(f"bordersim serve, {args.replications} replications of {args.days} days of the baseline "
              f"(2 worker processes, this machine: {shutil.os.cpu_count()} cores); the job ended "
              f"{state.get('state')} after {changes[-1]:.1f} s")  # fmt: skip
        print()
        for name in pages:
            if name in idle:
                print(f"{name:34} idle:    {_figures(idle[name])}")
            print(f"{name:34} running: {_figures(busy[name])}")
        if slow:
            print("answers over 100 ms: " + "; ".join(f"{n} at {t:.2f} s: {ms:.0f} ms" for t, n, ms in slow))
        gaps = [b - a for a, b in zip(changes, changes[1:], strict=False)]
        print()
        print(
            f"job state changes seen by polling: {len(changes)}; the first {changes[0]:.2f} s after the "
            f"POST; longest gap between changes {max(gaps, default=0):.2f} s"
        )
        print("  at (s after the POST): " + ", ".join(f"{t:.2f}" for t in changes))
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(workspace, ignore_errors=True)

    import sim.study as study

    times: list[tuple[float, object]] = []
    start = time.perf_counter()
    out = Path(tempfile.mkdtemp(prefix="bordersim-bench-")) / "run"
    study.run(
        "baseline",
        replications=args.replications,
        days=args.days,
        out=out,
        execution=study.Execution(workers=2, progress=lambda p: times.append((time.perf_counter(), p))),
    )
    end = time.perf_counter()
    stamps = [start] + [t for t, _ in times] + [end]
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    print(
        f"study API in this process: {len(times)} progress reports over {end - start:.2f} s; longest gap "
        f"{max(gaps):.2f} s (from the call to the first report, between reports, and to the return)"
    )
    shutil.rmtree(out.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
