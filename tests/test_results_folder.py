"""Results folders: tidy tables that agree with the KPIs, provenance, refusal to overwrite, reruns."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim import load_scenario
from sim.cli import main
from sim.engine.run import run_once
from sim.experiments.results_folder import ResultsFolder
from sim.readouts.kpis import kpis
from sim.readouts.replication import replication_output
from sim.scenario.files import scenario_hash

DAYS = ["--days", "5"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "base"
    args = ["run", "baseline", *DAYS, "--replications", "3", "--workers", "1", "--records", "--out", str(out)]
    assert main(args) == 0
    return out


def test_layout_and_manifest(folder):
    for name in ("manifest.json", "summary.csv", "kpis.csv", "daily_summary.csv"):
        assert (folder / name).is_file(), name
    for table in ("trucks", "stages", "daily", "series", "utilisation", "kpis"):
        assert sorted(p.name for p in (folder / table).iterdir()) == [f"r0000{i}.parquet" for i in range(3)]
    m = json.loads((folder / "manifest.json").read_text())
    scenario = load_scenario("baseline", overrides={"horizon_days": 5})
    assert m["status"] == "complete" and m["completed"] == 3 and m["replications"] == 3
    assert m["scenario_hash"] == scenario_hash(scenario)
    assert m["rng_seed"] == scenario.rng_seed and m["warmup_days"] == scenario.warmup_days
    assert m["version"] and m["wall_s"] > 0 and m["scenario"]["name"] == "baseline"
    assert m["warmup_suggestion"]["method"].startswith("MSER-5")
    assert not list(folder.rglob(".*.tmp"))


def test_tables_agree_with_the_kpis_of_a_rerun(folder):
    """Any number can be rerun: the scenario rebuilt from the manifest gives the same KPIs."""
    f = ResultsFolder.open(folder)
    scenario = f.scenario()
    runs = f.kpi_runs()
    for r in range(3):
        fresh = kpis(run_once(scenario, r))
        for k, v in fresh.items():
            assert (math.isnan(v) and math.isnan(runs[r][k])) or v == runs[r][k], k
    # the folder reads whole as one table; the all-crossings totals are a table of their own
    daily = pq.read_table(folder / "daily_total").to_pydict()
    days = scenario.horizon_days - scenario.warmup_days
    for r in range(3):
        rows = [
            i
            for i, (rep, measured) in enumerate(zip(daily["replication"], daily["measured"], strict=True))
            if rep == r and measured
        ]
        assert sum(daily["cleared"][i] for i in rows) / days == pytest.approx(runs[r]["cleared_per_day"])
        assert np.mean([daily["backlog_midnight"][i] for i in rows]) == pytest.approx(
            runs[r]["backlog_midnight.mean"]
        )
    trucks = pq.read_table(folder / "trucks" / "r00000.parquet").to_pydict()
    assert set(trucks["crossing"]) <= set(scenario.crossings)
    assert all(w >= -1e-9 for w in trucks["wait_min"])
    util = pq.read_table(folder / "utilisation" / "r00001.parquet").to_pydict()
    stage = "road_1119_1120/export/vn_customs"
    busy = sum(b for s, b in zip(util["stage"], util["busy_min"], strict=True) if s == stage)
    open_ = sum(o for s, o in zip(util["stage"], util["open_min"], strict=True) if s == stage)
    assert busy / open_ == pytest.approx(runs[1][f"utilisation.{stage}"], rel=1e-9)


def test_summary_csv_is_the_t_interval_over_replications(folder):
    rows = {r["kpi"]: r for r in csv.DictReader((folder / "summary.csv").open())}
    values = [float(r["cleared_per_day"]) for r in csv.DictReader((folder / "kpis.csv").open())]
    from scipy import stats

    half = stats.t.ppf(0.975, 2) * np.std(values, ddof=1) / math.sqrt(3)
    assert float(rows["cleared_per_day"]["mean"]) == pytest.approx(np.mean(values))
    assert float(rows["cleared_per_day"]["half_width"]) == pytest.approx(half)
    assert rows["cleared_per_day"]["n"] == "3"
    assert "road_queue_peak_km.max" in rows


def test_rerun_from_the_folder(folder, tmp_path, capsys):
    again = tmp_path / "again"
    assert main(["run", str(folder), "--replications", "3", "--workers", "1", "--out", str(again)]) == 0
    assert (again / "summary.csv").read_bytes() == (folder / "summary.csv").read_bytes()
    assert (
        json.loads((again / "manifest.json").read_text())["scenario_hash"]
        == json.loads((folder / "manifest.json").read_text())["scenario_hash"]
    )


def test_replication_output_is_what_the_folder_holds(folder):
    f = ResultsFolder.open(folder)
    out = replication_output(f.scenario(), 2)
    stored = pq.read_table(folder / "trucks" / "r00002.parquet").to_pydict()
    assert stored["t_arrive"] == out.trucks["t_arrive"].tolist()
    assert stored["replication"] == [2] * len(stored["t_arrive"])


def test_refuses_to_overwrite_another_scenario(folder, capsys):
    code = main(["run", "office_hours", *DAYS, "--replications", "3", "--out", str(folder), "--resume"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith(f"{folder}: holds scenario 'baseline'") and "office_hours" in err[0]
    code = main(["run", "baseline", *DAYS, "--replications", "3", "--out", str(folder)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--resume" in err[0] and "--force" in err[0]
    code = main(["run", "baseline", *DAYS, "--replications", "2", "--out", str(folder), "--resume"])
    assert code == 2 and "expected at least the 3" in capsys.readouterr().err


def test_force_replaces_and_a_foreign_folder_is_left_alone(tmp_path, capsys):
    out = tmp_path / "x"
    args = ["run", "baseline", "--days", "4", "--replications", "2", "--workers", "1", "--out", str(out)]
    assert main(args) == 0
    assert (
        main(["run", "office_hours", "--days", "4", "--replications", "2", "--out", str(out), "--force"]) == 0
    )
    assert json.loads((out / "manifest.json").read_text())["scenario_name"] == "office_hours"
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    capsys.readouterr()
    assert main(["run", "baseline", "--days", "4", "--out", str(foreign), "--force"]) == 2
    assert "not a results folder" in capsys.readouterr().err
    assert (foreign / "keep.txt").read_text() == "mine"


def test_incomplete_folder_is_reported_not_read(tmp_path):
    out = tmp_path / "partial"
    scenario = load_scenario("baseline", overrides={"horizon_days": 4})
    f = ResultsFolder.start(out, scenario, 3, "baseline")
    f.write_replication(replication_output(scenario, 0))
    from sim.experiments.results_folder import FolderError

    with pytest.raises(FolderError, match="incomplete: 2 of 3 replications missing"):
        ResultsFolder.open(out).kpi_runs()


def test_progress_bar_is_silent_when_not_a_terminal(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            "--days",
            "4",
            "--replications",
            "2",
            "--out",
            str(tmp_path / "p"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_half_width_suggestion(capsys):
    assert (
        main(
            [
                "run",
                "--days",
                "4",
                "--replications",
                "3",
                "--workers",
                "1",
                "--half-width",
                "cleared_per_day=2",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "cleared_per_day: a 95% CI of half-width 2 needs about" in out
    assert "MSER-5" in out
    assert main(["run", "--days", "4", "--replications", "2", "--half-width", "nope=2"]) == 2
    assert "unknown KPI 'nope'" in capsys.readouterr().err


def test_a_series_too_short_for_mser_is_said_not_raised(tmp_path, capsys):
    coarse = tmp_path / "coarse.toml"
    coarse.write_text(
        'extends = "baseline"\nname = "coarse"\nhorizon_days = 5\n[reporting]\nqueue_sample_min = 1440\n'
    )
    assert main(["run", str(coarse), "--replications", "2", "--workers", "1"]) == 0
    assert "too short for MSER-5" in capsys.readouterr().out


def test_compact_by_default_and_the_same_tables_from_workers(tmp_path):
    """Without --records a folder keeps no per-truck rows; parts written by worker processes
    are the bytes the parent process would have written."""
    one, two = tmp_path / "one", tmp_path / "two"
    args = ["run", "baseline", "--days", "4", "--replications", "3"]
    assert main([*args, "--workers", "1", "--out", str(one)]) == 0
    assert main([*args, "--workers", "2", "--out", str(two)]) == 0
    for out in (one, two):
        assert not (out / "trucks").exists() and not (out / "stages").exists()
        assert json.loads((out / "manifest.json").read_text())["records"] is False
    for table in ("daily", "series", "utilisation", "kpis"):
        for r in range(3):
            name = f"{table}/r0000{r}.parquet"
            assert (one / name).read_bytes() == (two / name).read_bytes(), name
    m1, m2 = (json.loads((o / "manifest.json").read_text()) for o in (one, two))
    assert m1["parts"] == m2["parts"]
    assert all(
        d["bytes"] == (one / t / f"{k}.parquet").stat().st_size
        for k, p in m1["parts"].items()
        for t, d in p.items()
    )


def test_resume_keeps_the_records_setting(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "baseline", "--days", "4", "--replications", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "run",
                "baseline",
                "--days",
                "4",
                "--replications",
                "3",
                "--records",
                "--out",
                str(out),
                "--resume",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "was run without --records" in err[0], err


def test_the_mean_backlog_read_one_replication_at_a_time_is_the_mean_series(folder):
    from sim.experiments.results_folder import ResultsFolder, mean_series

    results = ResultsFolder.open(folder)
    times, backlog = results.mean_backlog()
    expected_times, expected = mean_series(results.read_table("series"))
    assert times.tolist() == expected_times.tolist() and backlog.tolist() == expected.tolist()
