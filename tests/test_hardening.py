"""Issue 26's findings that are not a refused hostile command (those are the command corpus,
tests/corpus/cases.py): the pieces that keep paths inside their folder, read input files within
bounds and give one validation path; what a comparison checks when it is read; --force and
calibrate --out over their own files only; silent cases that now warn; every I/O error naming
its path."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from corpus.cases import valid_text

from sim.cli import main
from sim.experiments.confine import within
from sim.experiments.integrity import FolderError, FolderLock, seal
from sim.experiments.results_folder import MANIFEST, ResultsFolder
from sim.scenario.files import (
    ScenarioError,
    data_with_settings,
    load_scenario,
    load_with_settings,
    normalised,
    read_bounded,
    scenario_from_data,
)
from sim.scenario.limits import MAX_NESTING
from sim.scenario.overrides import parse_setting, parse_settings
from sim.scenario.warnings import scenario_warnings

FAST = ["--replications", "1", "--workers", "1"]


def one_line(capsys, argv: list[str], code: int = 2) -> str:
    assert main(argv) == code
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A small scenario and two results folders of it (F, G), with records."""
    root = tmp_path_factory.mktemp("home")
    (root / "s.toml").write_text(valid_text(), encoding="utf-8")
    for name in ("F", "G"):
        assert main(["run", str(root / "s.toml"), *FAST, "--records", "--out", str(root / name)]) == 0
    return root


@pytest.fixture
def copy(home, tmp_path) -> Path:
    shutil.copytree(home, tmp_path / "home", symlinks=True)
    return tmp_path / "home"


# -- paths stay inside their folder ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["..", ".", "", "a/b", "/etc", "x\0y", "..\\x"])
def test_within_refuses_names_that_are_not_one_plain_component(tmp_path, name):
    with pytest.raises(FolderError):
        within(tmp_path, name)


def test_within_follows_links_only_inside(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "inner").symlink_to(tmp_path / "real")
    assert within(tmp_path, "inner", "f") == tmp_path / "inner" / "f"  # a link that stays inside
    outside = tmp_path.parent / f"{tmp_path.name}_outside"
    outside.mkdir()
    (tmp_path / "out").symlink_to(outside)
    with pytest.raises(FolderError, match="leads outside"):
        within(tmp_path, "out", "f")


def test_a_link_inside_a_results_folder_is_refused_before_anything_is_written(copy, capsys):
    outside = copy / "elsewhere"
    outside.mkdir()
    (copy / "F" / "kpis.csv").unlink()
    (copy / "F" / "kpis.csv").symlink_to(outside / "kpis.csv")
    argv = ["run", str(copy / "s.toml"), *FAST, "--records", "--out", str(copy / "F"), "--resume"]
    line = one_line(capsys, argv)
    assert "kpis.csv: is a symbolic link" in line
    assert not (outside / "kpis.csv").exists()


# -- input files within bounds ---------------------------------------------------------------------------
def test_read_bounded_reads_a_regular_file_within_its_limit(tmp_path):
    (tmp_path / "f").write_bytes(b"x" * 10)
    assert read_bounded(tmp_path / "f", 10) == b"x" * 10
    with pytest.raises(ScenarioError, match="10 bytes: expected a file of at most 9 bytes"):
        read_bounded(tmp_path / "f", 9)
    with pytest.raises(ScenarioError, match="a folder"):
        read_bounded(tmp_path, 10)
    with pytest.raises(ScenarioError, match="cannot be read"):
        read_bounded(tmp_path / "missing", 10)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_read_bounded_refuses_devices_that_never_end(device):
    with pytest.raises(ScenarioError, match="not a regular file"):
        read_bounded(device, 1000)


def test_read_bounded_does_not_wait_for_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ScenarioError, match="not a regular file"):
        read_bounded(tmp_path / "pipe", 1000)  # opened without blocking: no writer needed


# -- one validation path ------------------------------------------------------------------------------
def test_data_goes_through_the_checks_of_a_file():
    data = normalised(load_scenario("baseline"))
    assert scenario_from_data(data, "form") == load_scenario("baseline")
    data["crossings"]["chi_ma"]["routes"]["export"]["stages"][0]["hours"] = "nowhere"
    with pytest.raises(ScenarioError) as err:
        scenario_from_data(data, "form")
    assert err.value.problems == [
        "form: crossings.chi_ma.routes.export.stages[0].hours = 'nowhere': "
        "expected one of the calendars in [hours]: cn, vn"
    ]


def test_data_with_settings_is_limited_like_a_file():
    data = normalised(load_scenario("baseline"))
    settings = parse_settings(["horizon_days=3000", "demand.streams.export_general.trucks_per_day=5000"])
    with pytest.raises(ScenarioError) as err:
        data_with_settings(data, "form", settings)
    assert len(err.value.problems) >= 1
    assert all(line.startswith("--set ") for line in err.value.problems), err.value.problems
    assert any("expected at most 5,000,000 trucks per replication" in line for line in err.value.problems)


def test_data_that_extends_a_file_is_refused():
    data = normalised(load_scenario("baseline"))
    data["extends"] = "../elsewhere.toml"
    with pytest.raises(ScenarioError, match="cannot extend a file"):
        scenario_from_data(data, "form")


def test_a_rerun_is_validated_before_it_runs(home, capsys):
    line = one_line(capsys, ["run", str(home / "F"), *FAST, "--set", "horizon_days=nan"])
    assert line == "--set horizon_days=nan: horizon_days = NaN: expected a finite number"


# -- --set is one assignment -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("horizon_days=2\nrng_seed=5", "one assignment on one line"),
        ("horizon_days=2\r\nrng_seed=5", "one assignment on one line"),
        ("name=a\tb\x1bc", "one assignment on one line"),
        ("horizon_days=2 rng_seed=5", "expected one TOML value"),
        ("horizon_days=[1", "expected one TOML value"),
        ("extends=baseline", "extends cannot be set"),
        ("description=" + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1), "nested more than 32 deep"),
        ("description=" + "{a=" * 5000 + "1" + "}" * 5000, "nested more than 32 deep"),
    ],
)
def test_a_setting_that_is_not_one_assignment_is_refused(text, words):
    with pytest.raises(ScenarioError) as err:
        parse_setting(text)
    (line,) = err.value.problems
    assert line.startswith("--set ") and words in line, line
    assert "\n" not in line and "\r" not in line


@pytest.mark.parametrize(
    ("text", "value"),
    [("name=my scenario", "my scenario"), ("name=mon-fri", "mon-fri"), ("horizon_days=14", 14),
     ('description="a = b"', "a = b"), ("x={ kind = 'exponential', mean_min = 12 }", {"kind": "exponential",
                                                                                       "mean_min": 12})],
)  # fmt: skip
def test_one_assignment_still_reads_toml_and_bare_words(text, value):
    assert parse_setting(text).value == value


def test_an_empty_table_over_a_table_is_refused_not_ignored():
    with pytest.raises(ScenarioError) as err:
        load_with_settings("baseline", parse_settings(["crossings={}"]))
    assert err.value.problems[0].startswith("--set crossings={}: crossings: an empty table changes nothing")


def test_a_field_of_an_entry_that_does_not_exist_names_the_setting():
    with pytest.raises(ScenarioError) as err:
        load_with_settings("baseline", parse_settings(["crossings.nowhere.enabled=false"]))
    (line,) = err.value.problems
    assert line.startswith("--set crossings.nowhere.enabled=false: crossings.nowhere: no such field")
    assert "command-line options" not in line


def test_a_text_for_a_boolean_is_refused_not_read_as_false():
    with pytest.raises(ScenarioError) as err:
        load_with_settings("baseline", parse_settings(["crossings.chi_ma.enabled=no"]))
    assert err.value.problems == [
        "--set crossings.chi_ma.enabled=no: crossings.chi_ma.enabled = 'no': expected a valid boolean"
    ]


# -- comparisons ------------------------------------------------------------------------------------------
def test_a_comparison_is_locked_while_written(copy, capsys):
    out = copy / "cmp"
    out.mkdir()
    lock = FolderLock(out).acquire()
    try:
        line = one_line(capsys, ["compare", str(copy / "F"), str(copy / "G"), "--out", str(out)])
    finally:
        lock.release()
    assert "another bordersim process" in line
    assert sorted(p.name for p in out.iterdir()) == [".lock"]


def test_a_comparison_is_sealed_and_names_the_folders_it_compared(copy, capsys):
    out = copy / "cmp"
    assert main(["compare", str(copy / "F"), str(copy / "G"), "--out", str(out)]) == 0
    capsys.readouterr()
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["a_manifest_sha256"] == ResultsFolder.open(copy / "F").manifest()["manifest_sha256"]
    assert main(["report", str(out)]) == 0
    capsys.readouterr()
    edited = dict(manifest, replications=7)  # a hand edit, not resealed
    (out / MANIFEST).write_text(json.dumps(edited))
    assert "manifest_sha256 does not match" in one_line(capsys, ["report", str(out)])
    (out / MANIFEST).write_text(json.dumps(manifest))
    (out / "differences.csv").write_text("kpi\n")
    assert "differences.csv: sha256 does not match" in one_line(capsys, ["report", str(out)])


def test_a_comparison_whose_folder_was_replaced_is_refused(copy, capsys):
    out = copy / "cmp"
    assert main(["compare", str(copy / "F"), str(copy / "G"), "--out", str(out)]) == 0
    args = ["run", str(copy / "s.toml"), *FAST, "--records", "--rng-seed", "7"]
    args += ["--out", str(copy / "F"), "--force"]
    assert main(args) == 0
    capsys.readouterr()
    line = one_line(capsys, ["report", str(out)])
    assert "is not the folder this comparison was made from" in line


def test_a_comparison_of_the_old_format_is_refused_in_one_line(copy, capsys):
    out = copy / "cmp"
    out.mkdir()
    old = {"format": "bordersim-comparison/1", "kind": "comparison", "a": "../F", "b": "../G"}
    (out / MANIFEST).write_text(json.dumps(old))
    assert "older bordersim" in one_line(capsys, ["report", str(out)])


def test_a_resealed_comparison_is_only_ever_read_from_verified_folders(copy, capsys):
    out = copy / "cmp"
    assert main(["compare", str(copy / "F"), str(copy / "G"), "--out", str(out)]) == 0
    capsys.readouterr()
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["b"] = "../s.toml"  # not a results folder
    resealed = seal({k: v for k, v in manifest.items() if k != "manifest_sha256"})
    (out / MANIFEST).write_text(json.dumps(resealed))
    assert "not a folder" in one_line(capsys, ["report", str(out)])


# -- never over what a command did not write -------------------------------------------------------
def test_force_removes_only_the_folders_own_entries(copy, capsys):
    (copy / "F" / "notes.txt").write_text("mine\n")
    args = ["run", str(copy / "s.toml"), *FAST, "--rng-seed", "3", "--out", str(copy / "F"), "--force"]
    assert main(args) == 0
    capsys.readouterr()
    assert (copy / "F" / "notes.txt").read_text() == "mine\n"
    assert not (copy / "F" / "trucks").exists()  # its own entries replaced: this run has no records
    ResultsFolder.open(copy / "F").replications()


def test_calibrate_writes_over_its_own_file_only(copy, capsys):
    targets = copy / "targets.toml"
    targets.write_text(
        '[t]\nscenario = "s.toml"\nkpi = "cleared_per_day"\nobserved = 100\nband = [80, 120]\n'
        'why = "test"\nsource = "F02"\nperiod = "test"\nunit = "vehicles/day"\n'
    )
    out = copy / "calibrated.toml"
    args = ["calibrate", str(copy / "s.toml"), "--targets", str(targets), *FAST, "--max-evaluations", "3",
            "--free", "demand.streams.flow.trucks_per_day=80:120", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    first = out.read_text()
    assert "calibrated by `bordersim calibrate`" in first.splitlines()[0]
    assert main(args) == 0  # its own file: written again
    capsys.readouterr()
    assert load_scenario(out).name == "corpus"


# -- I/O errors name their path -------------------------------------------------------------------------
def test_a_full_disk_names_the_file(home, tmp_path, capsys, monkeypatch):
    import sim.experiments.atomic as atomic

    def full(fd):  # noqa: ARG001
        raise OSError(errno.ENOSPC, "No space left on device")  # as write() raises it: no file name

    monkeypatch.setattr(atomic.os, "fsync", full)
    out = tmp_path / "kpis.json"
    line = one_line(capsys, ["run", str(home / "s.toml"), *FAST, "--json", str(out)], code=1)
    assert line == f"bordersim: {out}: No space left on device"
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))


# -- silent cases that now warn ---------------------------------------------------------------------------
HEAD = 'extends = "baseline"\nname = "x"\n'  # baseline: 28 days from 2023-02-13


def warnings_of(text: str) -> list[str]:
    from sim.scenario.files import parse_scenario

    return scenario_warnings(parse_scenario(HEAD + text))


SLOTS = "[crossings.road_1119_1120.routes.export]\nslots = [{{ start = {start}, end = {end}, {rule} }}]\n"


def test_a_slot_rule_outside_the_run_warns():
    (line,) = warnings_of(SLOTS.format(start="2024-01-01", end="2024-01-31", rule="per_hour = 10"))
    assert line == (
        "crossings.road_1119_1120.routes.export.slots[0] = 2024-01-01 to 2024-01-31: outside the run "
        "(the run covers 2023-02-13 to 2023-03-12); it has no effect"
    )


def test_no_slots_over_the_whole_run_warns():
    (line,) = warnings_of(SLOTS.format(start="2023-01-01", end="2023-12-31", rule="per_day = 0"))
    assert line.startswith("crossings.road_1119_1120.routes.export.slots[0].per_day = 0 over the whole run")
    assert warnings_of(SLOTS.format(start="2023-02-20", end="2023-02-21", rule="per_day = 0")) == []


def test_an_eligibility_change_after_the_run_warns():
    text = (
        '[cargo.fruit]\nperishable = true\n[crossings.chi_ma]\n'
        'eligibility = [{ start = 2024-06-01, accepts = ["general"] }]\n'
    )
    lines = [w for w in warnings_of(text) if "eligibility" in w]
    assert lines == [
        "crossings.chi_ma.eligibility[0].start = 2024-06-01: after the run (the run covers 2023-02-13 to "
        "2023-03-12); it has no effect"
    ]


def test_closures_of_both_kinds_are_compared_as_instants():
    text = (
        "[hours.vn]\nclosures = [{ start = 2020-02-14, end = 2020-02-14 }, "
        "{ start = 2023-02-15T07:00:00+08:00, end = 2023-02-15T09:00:00+08:00 }, "
        "{ start = 2023-03-12T23:30:00+08:00, end = 2023-03-13T02:00:00+08:00 }]\n"
    )
    # the first is outside; the third starts at 22:30 Hanoi time on the run's last day: inside
    assert warnings_of(text) == [
        "hours.vn.closures[0] = 2020-02-14 to 2020-02-14: outside the run (the run covers 2023-02-13 to "
        "2023-03-12); it has no effect"
    ]


def test_loaded_only_counts_are_described_as_loaded():
    from sim.experiments.data_dictionary import COLUMNS, KPIS

    loaded_only = ("arrived_per_day", "gave_up_per_day", "same_day_share", "backlog_midnight.")
    loaded_only += ("cleared_per_day.",)
    for key in loaded_only:
        assert "loaded" in KPIS[key][0].lower(), key
    for column in ("arrived", "cleared", "gave_up", "backlog_midnight", "time_in_system_h_mean"):
        assert "loaded" in COLUMNS[column][0].lower(), column
