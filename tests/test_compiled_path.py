"""The compiled per-truck path gives the same results as plain Python, to the bit (issue 13).

``sim/engine/path.py`` runs compiled when the installed build is current (``hatch_build.py``,
``sim/compiled.py``). The same runs are made in two fresh processes, one with
``BORDERSIM_PURE_PYTHON=1``, and every record of every run is compared through its SHA-256:
all the packaged scenarios, and small scenarios for what they do not use (daily quotas,
least-expected-wait routing, dated eligibility and re-routing, diversions, patience; issue
22: turning back after customs, holds at a shared facility for a crossing's closure and a
class suspension, slot pools with pre-registered days and waiting at the origin, logit
choice with re-routing).

Where the package was installed without a C compiler, the comparison is skipped, unless
``BORDERSIM_REQUIRE_COMPILED`` is set (CI sets it): then it fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim import compiled

ROOT = Path(__file__).resolve().parent.parent

HEAD = """
name = "{name}"
start_date = 2024-02-05
horizon_days = 3
warmup_days = 0
rng_seed = 11
[hours.always]
windows = [{{ open = "00:00", close = "24:00" }}]
[hours.day]
windows = [{{ open = "08:00", close = "17:00" }}]
[cargo.fruit]
perishable = true
patience = {{ kind = "exponential", mean_min = 300 }}
[cargo.general]
"""
GATE = """
[crossings.{cid}]
name = "{cid}"
kind = "auxiliary_gate"
accepts = ["fruit", "general"]
[crossings.{cid}.routes.export]
[[crossings.{cid}.routes.export.stages]]
name = "check"
hours = "{hours}"
lanes = 2
{extra}
service.default = {{ kind = "exponential", mean_min = {service} }}
"""
STREAMS = """
[demand.streams.fruit]
direction = "export"
cargo = "fruit"
trucks_per_day = 150
routing = { policy = "least_expected_wait", crossings = ["fast", "slow"] }
[demand.streams.general]
direction = "export"
cargo = "general"
trucks_per_day = 150
routing = { policy = "shares", shares = { fast = 0.7, slow = 0.3 } }
"""
SHARED = """
[crossings.{cid}]
name = "{cid}"
kind = "auxiliary_gate"
accepts = ["fruit", "general"]
{extra}
[crossings.{cid}.routes.export]
facility = "f"
[[crossings.{cid}.routes.export.stages]]
name = "vn"
hours = "always"
lanes = 2
service.default = {{ kind = "exponential", mean_min = 8 }}
"""
FACILITY = """
[facilities.f]
name = "F"
[[facilities.f.routes.export.stages]]
name = "cn"
side = "CN"
hours = "day"
lanes = 2
service.default = { kind = "exponential", mean_min = 12 }
[[facilities.f.suspensions]]
start = 2024-02-06T09:00:00
end = 2024-02-06T15:00:00
cargo = ["fruit"]
"""
SLOTS = """
[[crossings.fast.routes.export.slots]]
start = 2024-02-05
end = 2024-02-06
per_hour = 3
cargo = ["fruit"]
[[crossings.fast.routes.export.slots]]
start = 2024-02-07
end = 2024-02-07
per_day = 40
cargo = ["fruit"]
preregistered_only = true
[[crossings.fast.routes.export.slots]]
start = 2024-02-05
end = 2024-02-07
per_day = 60
cargo = ["general"]
"""
FEATURES = {
    # A daily quota (QuotaHop) on the gate least-expected-wait routing prefers.
    "quota": GATE.format(cid="fast", hours="day", service=8, extra="max_per_day = 60")
    + GATE.format(cid="slow", hours="always", service=15, extra=""),
    # Dated eligibility with re-routing, and a dated diversion share (CalledYard).
    "eligibility": GATE.format(cid="fast", hours="day", service=8, extra="")
    + GATE.format(cid="slow", hours="always", service=15, extra="")
    + """
[[crossings.fast.eligibility]]
start = 2024-02-06T03:00:00
accepts = ["general"]
reroute_to = ["slow"]
reroute_min = 30
reason = "test: fruit no longer accepted"
[[crossings.slow.diversions]]
start = 2024-02-06
end = 2024-02-06
share = 0.3
reason = "test"
""",
    # Issue 21: dwells (on arrival with an office-hours clock and a dated change; before the
    # Chinese side, always running), a ramp of a normal day's clearances after a closure, dated
    # staffing, day-to-day factors shared by crossing and a pause whose trucks come back.
    "time_at_border": GATE.format(
        cid="fast",
        hours="day",
        service=8,
        extra='ramp_after_closure = { of = "normal_day", fractions = [0.5], normal_days = 1 }\n'
        'staffing = [{ days = "daily", open = "08:00", close = "12:00", lanes = 1, '
        "start = 2024-02-07, end = 2024-02-07 }]",
    )
    + GATE.format(cid="slow", hours="always", service=15, extra="")
    + """
[dwell.papers]
direction = "export"
at = "arrival"
hours = "day"
time.default = { kind = "lognormal", mean_min = 90, sd_min = 60 }
changes = [{ start = 2024-02-06T10:00:00, time.fruit = { kind = "exponential", mean_min = 30 } }]
[dwell.declaration]
direction = "export"
at = "before_cn"
crossings = ["slow"]
time.general = { kind = "gamma", mean_min = 45, sd_min = 30 }
[demand.day_to_day]
cv = 0.3
shared_by = "crossing"
[[demand.pauses]]
start = 2024-02-06
end = 2024-02-06
keep = 0.4
return_profile = [2, 1]
""",
    # Issue 22: turning back after customs at a shared facility, held there by the crossing's
    # closure and by a class suspension, on the waiting clock, with re-import paperwork.
    "held": SHARED.format(
        cid="fast", extra="closures = [{ start = 2024-02-05T10:00:00, end = 2024-02-05T14:00:00 }]"
    )
    + SHARED.format(cid="slow", extra="")
    + FACILITY,
    # Slots in pools (fruit hourly, then pre-registered only; general by the day), waiting at
    # the origin with its own patience, least expected wait counting those trucks.
    "slots": GATE.format(cid="fast", hours="always", service=8, extra="")
    + GATE.format(cid="slow", hours="always", service=15, extra="")
    + SLOTS,
}
# The pause's closure of "fast" (its ramp follows it).
FEATURES["time_at_border"] = FEATURES["time_at_border"].replace(
    'name = "fast"\n', 'name = "fast"\nclosures = [{ start = 2024-02-06, end = 2024-02-06 }]\n', 1
)
# The same streams with a logit choice and re-routing of waiting trucks, and an eligibility
# change that opens "slow" to fruit (its trucks waiting elsewhere may move).
LOGIT = STREAMS.replace(
    'routing = { policy = "least_expected_wait", crossings = ["fast", "slow"] }',
    'routing = { policy = "logit", shares = { fast = 0.6, slow = 0.4 }, bound_share = 0.3, scale_h = 0.5, '
    "reroute_saving_h = 0.5, review_min = 45 }",
)
OPENS = """
[[crossings.slow.eligibility]]
start = 2024-02-05
accepts = ["general"]
[[crossings.slow.eligibility]]
start = 2024-02-06T06:00:00
accepts = ["fruit", "general"]
"""

CHILD = r"""
import hashlib, json, sys
import numpy as np
from sim import compiled
from sim.engine.run import run_once
from sim.scenario.files import load_scenario, parse_scenario

def digest(result):
    h = hashlib.sha256()
    for table in (result.trucks, result.stages):
        for name in sorted(table):
            h.update(name.encode())
            h.update(np.ascontiguousarray(table[name]).tobytes())
    return h.hexdigest()

job = json.loads(sys.stdin.read())
out = {"status": compiled.status(), "runs": {}}
for name in job["files"]:
    s = load_scenario(name, overrides={"horizon_days": job["days"], "warmup_days": 0})
    out["runs"][name] = digest(run_once(s, replication=1))
for name, text in job["texts"].items():
    out["runs"][name] = digest(run_once(parse_scenario(text, name + ".toml")))
print(json.dumps(out))
"""


def _run_child(pure: bool, job: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k != compiled.PURE_ENV}
    if pure:
        env[compiled.PURE_ENV] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], input=json.dumps(job), env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_compiled_and_plain_python_give_identical_records():
    files = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
    texts = {name: HEAD.format(name=name) + body + STREAMS for name, body in FEATURES.items()}
    texts["logit"] = HEAD.format(name="logit") + FEATURES["quota"] + OPENS + LOGIT
    for name in ("held", "slots", "logit"):  # drivers with more to lose: origin patience, re-import
        texts[name] = texts[name].replace(
            "[cargo.general]",
            'origin_patience = { kind = "exponential", mean_min = 600 }\nreimport_h = 2\n'
            'patience_clock = "waiting"\n[cargo.general]',
        )
    job = {"files": files, "texts": texts, "days": 6}
    fast = _run_child(False, job)
    if not fast["status"].startswith("compiled"):
        if os.environ.get("BORDERSIM_REQUIRE_COMPILED"):
            pytest.fail(f"BORDERSIM_REQUIRE_COMPILED is set but the per-truck path is {fast['status']}")
        pytest.skip(f"the per-truck path is {fast['status']}")
    pure = _run_child(True, job)
    assert pure["status"].startswith("plain Python")
    assert len(fast["runs"]) == len(files) + len(texts)
    # The digests tell runs apart (a check that compared nothing would find them all equal).
    assert len(set(fast["runs"].values())) > len(files) // 2
    differ = [name for name in fast["runs"] if fast["runs"][name] != pure["runs"][name]]
    assert not differ, f"compiled and plain Python differ on {differ}"


def test_plain_python_runs_when_forced_or_when_the_build_is_stale(tmp_path):
    py, pxd = tmp_path / "path.py", tmp_path / "path.pxd"
    py.write_text("x = 1\n")
    pxd.write_text("# types\n")
    before = compiled.source_digest((py, pxd))
    so = tmp_path / "path.so"
    assert compiled.choice(so, before, before, pure_requested=False) is None
    assert "BORDERSIM_PURE_PYTHON" in compiled.choice(so, before, before, pure_requested=True)
    assert "not compiled" in compiled.choice(None, None, before, pure_requested=False)
    pxd.write_text("# other types\n")  # an edit to either file makes the build stale
    after = compiled.source_digest((py, pxd))
    assert after != before
    assert "changed" in compiled.choice(so, before, after, pure_requested=False)
    assert "changed" in compiled.choice(so, None, after, pure_requested=False)  # built by hand


def test_the_status_says_which_path_runs():
    import sim.engine.path as path

    assert compiled.is_compiled() == (Path(path.__file__).suffix != ".py")
    assert compiled.status().startswith(("compiled", "plain Python"))
    # `bordersim --version` tells a user the same, and BORDERSIM_PURE_PYTHON changes it.
    for pure in (False, True):
        env = {k: v for k, v in os.environ.items() if k != compiled.PURE_ENV}
        if pure:
            env[compiled.PURE_ENV] = "1"
        shown = subprocess.run(
            [sys.executable, "-m", "sim", "--version"], env=env, capture_output=True, text=True, timeout=60
        ).stdout
        expected = "plain Python: BORDERSIM_PURE_PYTHON is set" if pure else compiled.status()
        assert f"(per-truck path: {expected})" in shown, shown
