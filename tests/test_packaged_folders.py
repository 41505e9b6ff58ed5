"""Every packaged scenario runs into a results folder, resumes, reports and compares; dates,
date-times (with their UTC offsets) and time zones survive the manifest's round trip exactly."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sim.cli import main
from sim.engine.calendar import closed_intervals, model_epoch
from sim.experiments.results_folder import ResultsFolder
from sim.scenario.files import load_scenario, normalised, packaged_names, parse_scenario, scenario_hash
from sim.scenario.schema import Scenario

NAMES = [n.removesuffix(".toml") for n in packaged_names()]
SHORT = 2  # measured days after each scenario's warm-up


def days_of(name: str) -> str:
    return str(load_scenario(name).warmup_days + SHORT)


@pytest.mark.parametrize("name", NAMES)
def test_manifest_round_trip_is_exact(name):
    scenario = load_scenario(name)
    again = Scenario.model_validate(normalised(scenario))
    assert again == scenario
    assert scenario_hash(again) == scenario_hash(scenario)


OFFSETS = """
extends = "baseline.toml"
name = "offsets"
[hours.vn]
closures = [
  { start = 2023-02-14, end = 2023-02-14, reason = "a whole day (a date)" },
  { start = 2023-02-15T07:00:00+08:00, end = 2023-02-15T09:00:00+08:00, reason = "Beijing time" },
  { start = 2023-02-16T07:00:00, end = 2023-02-16T09:00:00, reason = "local time" },
]
"""


def test_dates_and_offsets_survive_the_manifest_and_are_honoured(tmp_path):
    scenario = parse_scenario(OFFSETS, name=str(tmp_path / "offsets.toml"))
    out = tmp_path / "out"
    folder = ResultsFolder.start(out, scenario, 1, "offsets")
    folder.release()
    back = ResultsFolder.open(out).scenario()
    assert back == scenario
    closures = back.hours["vn"].closures
    assert type(closures[0].start) is date and type(closures[0].end) is date
    assert closures[1].start == datetime(2023, 2, 15, 7, tzinfo=timezone(timedelta(hours=8)))
    assert closures[2].start.tzinfo is None
    epoch = model_epoch(scenario.start_date, scenario.timezone)
    (d0, d1), (b0, b1), (l0, l1) = closed_intervals(closures, "Asia/Ho_Chi_Minh", epoch)
    day = 1440.0
    start = (date(2023, 2, 14) - scenario.start_date).days * day
    assert (d0, d1) == (start, start + day)  # a date is a whole local day, its end inclusive
    assert (b0, b1) == (start + day + 6 * 60, start + day + 8 * 60)  # 07:00 Beijing = 06:00 Hanoi
    assert (l0, l1) == (start + 2 * day + 7 * 60, start + 2 * day + 9 * 60)


@pytest.mark.parametrize("name", ["pre_tet", "disruption_closure"])
def test_dated_closures_run_into_a_results_folder(tmp_path, name, capsys):
    out = tmp_path / name
    args = ["run", name, "--days", days_of(name), "--replications", "2", "--workers", "1", "--out", str(out)]
    assert main(args) == 0, capsys.readouterr().err
    assert main([*args, "--resume"]) == 0, capsys.readouterr().err
    assert ResultsFolder.open(out).manifest()["status"] == "complete"


@pytest.fixture(scope="module")
def baseline_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("base") / "baseline"
    assert (
        main(["run", "baseline", "--days", days_of("baseline"), "--replications", "2", "--out", str(out)])
        == 0
    )
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_every_packaged_scenario_runs_resumes_reports_and_compares(tmp_path, name, baseline_folder, capsys):
    out = tmp_path / name
    args = ["run", name, "--days", days_of(name), "--replications", "2", "--workers", "2", "--out", str(out)]
    assert main(args) == 0, capsys.readouterr().err
    before = {p: p.read_bytes() for p in out.rglob("*.parquet")}
    assert main([*args, "--resume"]) == 0, capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*.parquet")} == before
    assert main(["report", str(out)]) == 0, capsys.readouterr().err
    assert (out / "report" / "report.html").is_file()
    comparison = tmp_path / "cmp"
    assert main(["compare", str(baseline_folder), str(out), "--out", str(comparison)]) == 0
    assert (comparison / "differences.csv").is_file()
    assert main(["report", str(comparison)]) == 0, capsys.readouterr().err
