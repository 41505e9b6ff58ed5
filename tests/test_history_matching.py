"""History matching tested on a known truth: a tandem of two M/M/c stations.

The truth: a border check with 2 lanes of 4 min (exponential) and an inspection with 3 lanes of
12 min, open 24 h. Two "episodes" observe it: a light day (10 trucks an hour: the mean time in
system, from Erlang C for each station of the tandem, Burke's theorem) and an overloaded one (20 an
hour: the inspection binds, 3 lanes x 5 an hour = 15 an hour = 360 a day cleared). The observations
are these theoretical values, not model output. The space: a factor on the check's lanes and one on
the inspection's time, 0.5 to 2 each. History matching must keep the truth in every wave, rule out
most of the space, and the worlds it keeps must cover the truth's answer to a new question (the time
in system at 12 an hour, from theory). No number here depends on timing.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.examples.scenarios import tandem_dict
from sim.examples.theory import erlang_c
from sim.experiments.calibration import _toml_value
from sim.experiments.history_matching import (
    choose_worlds,
    evaluate_point,
    history_match,
    implausibility,
    observed,
    problem,
    ranked,
)
from sim.experiments.replications import estimate
from sim.scenario.files import load_scenario
from sim.scenario.targets import load_targets
from sim.scenario.uncertain import load_space, values_to_unit, world_scenario

CHECK = ("check", 2, 4.0)  # name, lanes, mean minutes
INSPECT = ("inspect", 3, 12.0)
REPLICATIONS = 3


def tandem_minutes(lam_per_h: float, check_lanes: int = 2, inspect_min: float = 12.0) -> float:
    """Mean time in the tandem (minutes): each station an M/M/c queue fed by Poisson arrivals."""
    lam = lam_per_h / 60
    a = erlang_c(lam, CHECK[2], check_lanes)
    b = erlang_c(lam, inspect_min, INSPECT[1])
    return a.wait_min + CHECK[2] + b.wait_min + inspect_min


def _write_scenario(path, lam_per_h: float, days: int, name: str) -> None:
    data = tandem_dict([CHECK, INSPECT], days=days, warmup_days=1, trucks_per_day=24 * lam_per_h, name=name)
    data["start_date"] = "2023-02-13"
    lines = []
    for key, value in data.items():
        if key == "start_date":
            lines.append(f"{key} = {value}")
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def truth_problem(tmp_path_factory):
    root = tmp_path_factory.mktemp("truth")
    _write_scenario(root / "light.toml", 10.0, 12, "light")
    _write_scenario(root / "heavy.toml", 20.0, 6, "heavy")
    light_h = tandem_minutes(10.0) / 60
    (root / "targets.toml").write_text(
        f"""
[light_time]
scenario = "light.toml"
kpi = "time_in_system_h.mean"
observed = {light_h!r}
band = [{light_h * 0.98!r}, {light_h * 1.02!r}]
why = "Erlang C for each station of the tandem at 10 an hour; 2% for the measurement."
source = "F02"
period = "synthetic"
unit = "h"

[heavy_throughput]
scenario = "heavy.toml"
kpi = "cleared_per_day"
observed = 360
band = [352, 368]
why = "The inspection binds: 3 lanes x 5 an hour x 24 h; 2% for the measurement."
source = "F02"
period = "synthetic"
unit = "trucks/day"
""",
        encoding="utf-8",
    )
    (root / "uncertain.toml").write_text(
        """
[parameters.check_lanes]
paths = ["crossings.gate.routes.export.stages[name=check].lanes"]
range = [0.5, 2.0]
unit = "x lanes"
why = "ASSUMPTION: the test's unknown."

[parameters.inspect_time]
paths = ["crossings.gate.routes.export.stages[name=inspect].service.default.mean_min"]
range = [0.5, 2.0]
unit = "x minutes"
why = "ASSUMPTION: the test's unknown."
""",
        encoding="utf-8",
    )
    (root / "settings.toml").write_text(
        f"""
cutoff = 3.0
rank = 1
replications = {REPLICATIONS}
wave_points = 24
max_waves = 3
candidates = 4000
stop_shrink = 0.95
worlds = 8
seed = 7

[observations.light_time]
discrepancy_sd = 0.0
why = "The model is the truth's structure."

[observations.heavy_throughput]
discrepancy_sd = 0.0
why = "The model is the truth's structure."
""",
        encoding="utf-8",
    )
    return root


def _match(root, out, workers):
    space = load_space(root / "uncertain.toml")
    truth = np.array([values_to_unit(space, {"check_lanes": 1.0, "inspect_time": 1.0})])
    h = history_match(
        out,
        root / "uncertain.toml",
        root / "settings.toml",
        root / "targets.toml",
        workers=workers,
        probes=truth,
    )
    return h, space


@pytest.mark.slow
def test_history_matching_keeps_the_truth_and_rules_out_most_of_the_space(truth_problem, tmp_path):
    h, space = _match(truth_problem, tmp_path / "hm", workers=1)
    assert len(h.waves) >= 2, "the waves stopped after the first"
    for w in h.waves:
        assert w.probes_kept == [True], f"wave {w.number}: the emulators rule out the truth"
    # The truth itself, run: not ruled out.
    targets = load_targets(truth_problem / "targets.toml")
    p = problem(space, targets, truth_problem)
    runs = np.array(
        [evaluate_point(p, {"check_lanes": 1.0, "inspect_time": 1.0}, r) for r in range(REPLICATIONS)]
    )
    impl = implausibility(
        runs.mean(axis=0, keepdims=True),
        runs.var(axis=0, ddof=1, keepdims=True),
        REPLICATIONS,
        observed(p, h.settings),
    )
    assert ranked(impl, h.obs.use, 1)[0] <= h.settings.cutoff, f"the truth is ruled out: I = {impl}"
    # Most of the space is ruled out: the inspection's time is pinned by the throughput.
    assert h.waves[-1].kept_share_of_space < 0.3, h.waves[-1]
    kept = h.unit[h.kept]
    assert len(kept) >= 3
    k = space.names.index("inspect_time")
    low, high = (0.5 + 1.5 * kept[:, k].min(), 0.5 + 1.5 * kept[:, k].max())
    assert low <= 1.0 <= high and high - low < 0.5, (low, high)


@pytest.mark.slow
def test_the_worlds_cover_the_truths_answer(truth_problem, tmp_path):
    h, space = _match(truth_problem, tmp_path / "hm", workers=2)
    chosen = choose_worlds(h, h.settings.worlds)
    assert len(chosen) >= 3
    truth = tandem_minutes(12.0) / 60  # a new question: the time in system at 12 an hour (theory)
    _write_scenario(tmp_path / "question.toml", 12.0, 12, "question")
    base = load_scenario(tmp_path / "question.toml")
    from sim.engine.run import run_once
    from sim.readouts.kpis import kpis

    lows, highs = [], []
    for i in chosen:
        s = world_scenario(base, None, space, h.values(i))
        e = estimate(kpis(run_once(s, r))["time_in_system_h.mean"] for r in range(REPLICATIONS))
        lows.append(e.low)
        highs.append(e.high)
    assert min(lows) <= truth <= max(highs), (
        f"truth {truth:.3f} h outside the worlds' {min(lows):.3f}-{max(highs):.3f}"
    )


@pytest.mark.slow
def test_history_matching_is_the_same_whatever_the_workers_and_resumes(truth_problem, tmp_path):
    one, _ = _match(truth_problem, tmp_path / "a", workers=1)
    two, _ = _match(truth_problem, tmp_path / "b", workers=2)
    assert np.array_equal(one.unit, two.unit) and np.array_equal(one.mean, two.mean, equal_nan=True)
    # A rerun in the same folder reuses every point (none is run again) and gives the same.
    files = sorted((tmp_path / "a" / "points").iterdir())
    stamps = [f.stat().st_mtime_ns for f in files]
    again, _ = _match(truth_problem, tmp_path / "a", workers=1)
    assert [f.stat().st_mtime_ns for f in files] == stamps
    assert np.array_equal(again.mean, one.mean, equal_nan=True)
    assert json.loads(files[0].read_text())["targets"] == ["light_time", "heavy_throughput"]
