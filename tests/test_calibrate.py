"""Calibration machinery: targets files, dotted paths, and fitting a known answer.

The known-answer test simulates "observations" from an M/M/2 queue whose service mean is
known (20 min), with a different ``rng_seed`` from the fit's, turns them into a target
(the observed 95% interval as the band) and fits the service mean back: the truth must lie
inside the fitted parameter's profile interval, and a parameter the target cannot see is
reported as not identified.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from sim.engine.run import run_once
from sim.examples import mmc_dict
from sim.examples.theory import erlang_c
from sim.experiments.calibration import (
    Free,
    calibrated_file,
    evaluate,
    fit,
    free_parameter,
    profile_interval,
    settings_for,
)
from sim.experiments.calibration import _toml_value as toml_value
from sim.readouts.targets import target_kpis, target_value
from sim.scenario.files import ScenarioError, load_scenario
from sim.scenario.overrides import as_overrides
from sim.scenario.targets import Target, TargetsError, load_targets

SERVICE = "crossings.gate.routes.export.stages[0].service.default.mean_min"
TRUE_MEAN_MIN = 20.0
LAM_PER_H = 4.2  # rho = 4.2 * 20/60 / 2 = 0.7


def _write_scenario(path: Path, data: dict) -> Path:
    path.write_text("\n".join(f"{k} = {toml_value(v)}" for k, v in data.items()) + "\n", encoding="utf-8")
    return path


def _mm2(path: Path, rng_seed: int) -> Path:
    data = mmc_dict(LAM_PER_H, TRUE_MEAN_MIN, lanes=2, days=40, warmup_days=5, rng_seed=rng_seed)
    return _write_scenario(path, data)


def test_a_fitted_value_overrides_exactly_that_value() -> None:
    data = mmc_dict(LAM_PER_H, TRUE_MEAN_MIN, lanes=2, days=10, warmup_days=1)
    over = as_overrides(data, settings_for({SERVICE: 25.0, "horizon_days": 12}))
    assert over["horizon_days"] == 12
    stages = over["crossings"]["gate"]["routes"]["export"]["stages"]
    assert stages[0]["service"]["default"]["mean_min"] == 25.0
    assert {k: v for k, v in stages[0].items() if k != "service"} == {
        k: v for k, v in data["crossings"]["gate"]["routes"]["export"]["stages"][0].items() if k != "service"
    }
    assert (
        data["crossings"]["gate"]["routes"]["export"]["stages"][0]["service"]["default"]["mean_min"] == 20.0
    )
    with pytest.raises(ScenarioError, match=r"^--free .*stages\[3\]: no such item"):
        as_overrides(data, settings_for({"crossings.gate.routes.export.stages[3].lanes": 1}))


def test_free_parameter_bounds(tmp_path: Path) -> None:
    scenario = load_scenario(_mm2(tmp_path / "mm2.toml", 1))
    free = free_parameter(scenario, SERVICE)
    assert (free.low, free.high, free.integer) == (10.0, 40.0, False)
    lanes = free_parameter(scenario, "crossings.gate.routes.export.stages[0].lanes=1:6")
    assert (lanes.low, lanes.high, lanes.integer) == (1.0, 6.0, True)
    for bad in (f"{SERVICE}=5", f"{SERVICE}=9:3", f"{SERVICE}=a:b", "name"):
        with pytest.raises(ScenarioError, match=r"^--free "):
            free_parameter(scenario, bad)


def test_profile_interval_interpolates_where_chi2_crosses() -> None:
    profile = [(0.0, 10.0), (1.0, 2.0), (2.0, 0.0), (3.0, 2.0), (4.0, 10.0)]
    low, high = profile_interval(profile, 0.0)
    # chi2 = 3.84 between x=0 (10) and x=1 (2): 1 - (3.84-2)/8 ...
    assert low == pytest.approx(1.0 - (3.841458820694124 - 2.0) / 8.0)
    assert high == pytest.approx(3.0 + (3.841458820694124 - 2.0) / 8.0)
    assert profile_interval([(0.0, 0.0), (1.0, 0.5)], 0.0) == (0.0, 1.0)  # never rises: the range


def test_targets_file_errors_name_the_entry_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "targets.toml"
    bad.write_text(
        '[a]\nscenario = "baseline"\nkpi = "cleared_per_day"\nobserved = 1\nband = [2, 1]\n'
        'why = "x"\nsource = "F02"\nperiod = "p"\nunit = "u"\n'
        '[b]\nscenario = "baseline"\nkpi = "cleared_per_day"\nobserved = 1\nband = [1, 2]\n'
        'why = "x"\nsource = "somewhere"\nperiod = "p"\nunit = "u"\n',
        encoding="utf-8",
    )
    with pytest.raises(TargetsError) as err:
        load_targets(bad)
    lines = err.value.problems
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{bad}: a") and "low above high" in lines[0]
    assert lines[1].startswith(f"{bad}: b.source") and "fact id" in lines[1]


def test_the_packaged_targets_are_sourced_and_name_real_scenarios_and_kpis() -> None:
    """Every source is a fact id of FACTS.md or a source document; every scenario exists and
    has the KPIs the target names (a short run of each)."""
    targets = load_targets()
    shared = Path(__file__).resolve().parents[2] / "shared"
    facts = (shared / "FACTS.md").read_text(encoding="utf-8") if (shared / "FACTS.md").is_file() else None
    for name, t in targets.items():
        for source in t.sources:
            if facts is None:
                continue
            if source.startswith("F"):
                assert f"| {source} |" in facts, f"{name}: fact {source} is not in FACTS.md"
            else:
                assert (shared / "seeds" / source).is_file(), f"{name}: no source document {source}"
    for scenario_name in sorted({t.scenario for t in targets.values()}):
        scenario = load_scenario(scenario_name, overrides={"horizon_days": 2, "warmup_days": 0})
        keys = [k for t in targets.values() for k in (*t.keys, *t.divisors)]
        values = target_kpis(run_once(scenario, 0), keys)
        for name, t in targets.items():
            if t.scenario == scenario_name:
                target_value(values, t, name)  # raises, naming the KPI, if the run lacks it


@pytest.mark.slow
def test_fit_recovers_a_known_service_time(tmp_path: Path) -> None:
    observed_file = _mm2(tmp_path / "observed.toml", rng_seed=977)
    truth = evaluate(
        load_scenario(observed_file),
        {
            "w": Target(
                scenario="x",
                kpi="time_in_system_h.mean",
                observed=0,
                band=(0, 1),
                why="-",
                source="F02",
                period="-",
                unit="h",
            )
        },
        replications=10,
    )[0].model
    # The observations agree with theory before we fit to them (Erlang C, 99% tolerance).
    theory_h = erlang_c(LAM_PER_H / 60.0, TRUE_MEAN_MIN, 2).wait_min + TRUE_MEAN_MIN
    assert abs(truth.mean - theory_h / 60.0) <= 1.5 * truth.half_width + 0.02, (truth, theory_h / 60)
    target = Target(
        scenario="x",
        kpi="time_in_system_h.mean",
        observed=(truth.low, truth.high),
        band=(truth.low, truth.high),
        why="simulated with the service mean known to be 20 min",
        source="F02",
        period="-",
        unit="h",
    )
    model_file = _mm2(tmp_path / "model.toml", rng_seed=5)
    free = [
        Free(SERVICE, 10.0, 30.0, integer=False),
        # the reporting threshold changes no time in system: nothing identifies it
        Free("reporting.perishable_delay_h", 6.0, 48.0, integer=False),
    ]
    result = fit(model_file, {"w": target}, free, replications=10, max_evaluations=40)
    low, high = result.interval(SERVICE)
    assert low <= TRUE_MEAN_MIN <= high, (
        f"true service mean {TRUE_MEAN_MIN} min outside the fitted 95% interval {low:.2f}..{high:.2f} "
        f"(fitted {result.values[SERVICE]:.2f})"
    )
    assert high - low < 10.0, f"interval {low:.2f}..{high:.2f} too wide to say anything"
    assert result.identified(SERVICE)
    assert not result.identified("reporting.perishable_delay_h"), result.profiles
    text = calibrated_file("model.toml", model_file, result, ["known-answer fit"])
    assert "NOT IDENTIFIED" in text and "extends" in text
    written = tmp_path / "calibrated.toml"
    written.write_text(text, encoding="utf-8")
    fitted = load_scenario(written)
    stage = fitted.crossings["gate"].routes["export"].stages[0]
    assert math.isclose(stage.service["default"].mean_min, result.values[SERVICE])


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=300)


def test_calibrate_command_prints_the_table_and_refuses_bad_parameters(tmp_path: Path) -> None:
    done = _cli("calibrate", "baseline", "--replications", "2", "--days", "6", "--workers", "1")
    assert done.returncode in (0, 1), done.stderr  # 1: a target missed (six days are short for some)
    assert "| province_q1_2023 |" in done.stdout and "targets inside their band" in done.stdout
    for bad, field in (
        ("nope.x", "nope.x"),
        ("horizon_days=9:3", "horizon_days=9:3"),
        ("name", "name"),
    ):
        done = _cli("calibrate", "baseline", "--days", "6", "--free", bad)
        assert done.returncode == 2, (bad, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"--free {field}"), lines
        assert "Traceback" not in done.stderr
    targets = tmp_path / "t.toml"
    targets.write_text(
        '[x]\nscenario = "office_hours"\nkpi = "cleared_per_day"\nobserved = 1\nband = [0, 2]\n'
        'why = "-"\nsource = "F02"\nperiod = "-"\nunit = "-"\n',
        encoding="utf-8",
    )
    done = _cli("calibrate", "baseline", "--targets", str(targets), "--days", "6")
    assert done.returncode == 2 and "no target names the scenario 'baseline'" in done.stderr, done.stderr


def test_counts_by_cargo_class_add_up_to_the_vietnamese_count() -> None:
    """``cleared_per_day_cargo.<class>`` (F85's new cars): the loaded classes sum to cleared_per_day."""
    scenario = load_scenario("baseline", overrides={"horizon_days": 3, "warmup_days": 1})
    values = target_kpis(run_once(scenario, 0))
    loaded = [c for c, spec in scenario.cargo.items() if spec.loaded]
    assert math.isclose(sum(values[f"cleared_per_day_cargo.{c}"] for c in loaded), values["cleared_per_day"])
    assert math.isclose(values["cleared_per_day_cargo.empty"], values["empty_cleared_per_day"])


def _one_target(tmp_path: Path, band: str) -> Path:
    path = tmp_path / f"band_{band.replace(', ', '_')}.toml"
    path.write_text(
        f'[cleared]\nscenario = "baseline"\nkpi = "cleared_per_day"\nobserved = 1\nband = [{band}]\n'
        'why = "-"\nsource = "F02"\nperiod = "-"\nunit = "vehicles/day"\n',
        encoding="utf-8",
    )
    return path


def test_calibrate_exits_1_when_a_target_is_missed_and_writes_json(tmp_path: Path) -> None:
    """A band no run can reach (5,000-6,000 cleared a day, with 1,060 arriving) is missed: exit 1,
    and the line on standard error names it; a band that holds any run (0-100,000): exit 0."""
    args = ["--replications", "2", "--days", "4", "--workers", "1"]
    missed = _cli("calibrate", "baseline", "--targets", str(_one_target(tmp_path, "5000, 6000")), *args)
    assert missed.returncode == 1, missed.stderr
    assert missed.stderr.strip().splitlines()[-1] == (
        "bordersim calibrate: 1 of 1 targets outside their band: cleared"
    )
    met = _cli(
        "calibrate", "baseline", "--targets", str(_one_target(tmp_path, "0, 100000")), *args, "--json", "-"
    )
    assert met.returncode == 0, met.stderr
    data = json.loads(met.stdout)  # only the JSON on standard output
    (target,) = data["targets"]
    assert data["all_inside"] and target["inside"] and target["band"] == [0.0, 100000.0]
    assert target["model"]["n"] == 2 and 0 < target["model"]["mean"] < 100000
