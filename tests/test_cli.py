"""The command line: exit codes, one-line errors, no tracebacks, atomic outputs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim.cli import main


def bordersim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=300)


def test_run_default_scenario_prints_the_table():
    done = bordersim("run", "--days", "5")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for text in (
        "baseline",
        "Vehicles cleared per day",
        "Backlog at midnight",
        "Time in system",
        "Share cleared the same day",
        "Utilisation",
        "Peak road queue",
        "Hữu Nghị",
    ):
        assert text in out


def test_no_arguments_runs_the_default(capsys):
    assert main(["run", "--days", "4"]) == 0
    assert "Vehicles cleared per day" in capsys.readouterr().out


def test_validate_bad_file_one_line_per_problem_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "baseline"\nname = "bad"\nhorizon_days = 0\nfoo = 1\n')
    done = bordersim("validate", str(bad))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"{bad}: horizon_days = 0: expected at least 1",
        f"{bad}: foo = 1: unknown key; expected one of: cargo, crossings, demand, description, dwell, "
        "extends, facilities, horizon_days, hours, initial_backlog, name, reporting, rng_seed, staging, "
        "start_date, timezone, warmup_days",
    ]


def test_run_bad_file_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    done = bordersim("run", str(bad))
    assert done.returncode == 2
    assert done.stderr.startswith(f"{bad}: not valid TOML")
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_validate_good_files(capsys):
    assert main(["validate", "baseline", "office_hours"]) == 0
    assert capsys.readouterr().out.count(": ok (") == 2


def test_schema_is_json(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "crossings" in schema["$defs"]["Scenario"]["properties"]


@pytest.mark.parametrize("option", [["--replications", "0"], ["--days", "x"]])
def test_bad_options_exit_2(option):
    with pytest.raises(SystemExit) as exit_:
        main(["run", *option])
    assert exit_.value.code == 2


def test_json_output_is_written_atomically_and_rerunnable(tmp_path, capsys):
    out = tmp_path / "kpis.json"
    assert main(["run", "--days", "4", "--replications", "2", "--workers", "1", "--json", str(out)]) == 0
    payload = json.loads(out.read_text())
    assert payload["provenance"]["rng_seed"] == payload["scenario"]["rng_seed"]
    assert len(payload["replications"]) == 2
    assert not list(tmp_path.glob(".*.tmp"))
    # The same command gives the same numbers.
    first = payload["kpis"]["cleared_per_day"]["mean"]
    assert main(["run", "--days", "4", "--replications", "2", "--workers", "2", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["kpis"]["cleared_per_day"]["mean"] == first


def test_failed_write_keeps_previous_output(tmp_path, capsys):
    out = tmp_path / "kpis.json"
    out.write_text("previous")
    folder_as_file = tmp_path / "kpis.json" / "x.json"  # parent is a file: cannot be created
    assert main(["run", "--days", "4", "--json", str(folder_as_file)]) == 1
    assert out.read_text() == "previous"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("bordersim: ")


def test_table_with_chosen_kpis_and_a_named_block(tmp_path, capsys):
    readme = tmp_path / "README.md"
    start, end = "<!-- bordersim table growth start -->", "<!-- bordersim table growth end -->"
    readme.write_text(f"intro\n{start}\nSTALE TABLE\n{end}\n")
    args = ["table", "round_the_clock", "--replications", "2", "--days", "4", "--workers", "1"]
    key = "backlog_growth_per_day.road_1119_1120"
    assert main([*args, "--kpi", key, "--out", str(readme), "--block", "growth"]) == 0
    text = readme.read_text()
    assert f"| scenario | compared with | {key} |" in text
    assert "STALE TABLE" not in text and text.startswith("intro\n")
    capsys.readouterr()
    assert main([*args, "--kpi", "no_such_kpi"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("--kpi no_such_kpi: expected a KPI of baseline")
    assert main([*args, "--out", str(readme)]) == 2  # the default markers are not in this file
    assert "<!-- bordersim table start -->" in capsys.readouterr().err


def test_bare_bordersim_prints_help_and_exits_0():
    done = bordersim()
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("usage: bordersim")
    for command in ("run", "compare", "sweep", "sensitivity", "show", "diff", "schema"):
        assert command in done.stdout


def test_json_dash_is_standard_output_for_run_as_for_compare_and_table(tmp_path, capsys, monkeypatch):
    """`--json -` prints only the JSON (NaN as null) and writes no file named '-'."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--days", "4", "--replications", "2", "--workers", "1", "--json", "-"]) == 0
    text = capsys.readouterr().out
    payload = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    assert payload["kpis"]["cleared_per_day"]["n"] == 2 and "stability" in payload
    assert "NaN" not in text
    assert not (tmp_path / "-").exists()
