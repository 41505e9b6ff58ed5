"""The uncertain space as data, worlds applied to scenarios, answers across worlds, and the
generated worlds files and tables checked for staleness by the hash of their inputs (history
matching and the tables across worlds are too costly for CI: they are not rerun here)."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

from sim import load_scenario
from sim.cli import main
from sim.experiments.history_matching import (
    default_settings_path,
    inputs_digest,
    load_settings,
    problem,
)
from sim.experiments.worlds import inputs_sha256, load_worlds, spread
from sim.scenario.files import packaged_dir, packaged_names
from sim.scenario.targets import default_targets_path, load_targets
from sim.scenario.uncertain import (
    UncertainError,
    era_of,
    load_space,
    matches,
    world_data,
    world_scenario,
)

ROOT = Path(__file__).resolve().parents[1]
WORLDS = ROOT / "seeds" / "worlds.toml"


def test_every_parameter_matches_numbers_in_the_packaged_scenarios():
    space = load_space()
    hits = dict.fromkeys(space.names, 0)
    for name in packaged_names():
        src = packaged_dir() / name
        data = load_scenario(src).model_dump(mode="python")
        era = era_of(src, space)
        for pname, p in space.parameters.items():
            if p.era in (None, era):
                hits[pname] += sum(len(matches(data, pattern)) for pattern in p.paths)
    assert [n for n, h in hits.items() if h == 0] == []


def test_a_factor_multiplies_its_group_in_its_era_only():
    space = load_space()
    b23 = load_scenario("baseline")
    b24 = load_scenario("baseline_2024")
    values = {"vn_lanes_1119_import_2023": 1.5, "cn_berths_puzhai_import": 2.0}
    w23 = world_scenario(b23, "2023", space, values)
    w24 = world_scenario(b24, "2024", space, values)
    road = "road_1119_1120"
    lanes = {st.name: st.lanes for st in w23.crossings[road].routes["import"].stages}
    assert lanes["vn_customs"] == 12 and lanes["vn_border_guard"] == 2  # 8 x 1.5; the guard untouched
    assert {st.name: st.lanes for st in w24.crossings[road].routes["import"].stages}["vn_customs"] == 8
    assert w23.facilities["puzhai"].routes["import"].stages[0].lanes == 10  # 5 x 2 in every era
    assert w24.facilities["puzhai"].routes["import"].stages[0].lanes == 10
    assert world_scenario(b23, "2023", space, space.nominal()) is b23


def test_a_share_factor_keeps_each_stream_summing_to_one():
    space = load_space()
    data = load_scenario("baseline_2024").model_dump(mode="python")
    out, changes = world_data(data, "2024", space, {"huu_nghi_gate_share_2024": 1.5})
    streams = out["demand"]["streams"]
    assert changes
    for name, s in streams.items():
        assert abs(sum(s["routing"]["shares"].values()) - 1) < 1e-9, name
    before = data["demand"]["streams"]["import_general"]["routing"]["shares"]["huu_nghi"]
    assert streams["import_general"]["routing"]["shares"]["huu_nghi"] == pytest.approx(1.5 * before)
    assert streams["import_new_vehicle"]["routing"]["shares"] == {"huu_nghi": 1.0}  # alone: left alone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[parameters.x]\npaths = ["a.b"]\nrange = [0.5, 2]\nunit = "x"\nwhy = "a guess"\n',
            "parameters.x.why = 'a guess': expected a fact id",
        ),
        (
            '[parameters.x]\npaths = ["a..b"]\nrange = [0.5, 2]\nunit = "x"\nwhy = "ASSUMPTION"\n',
            "parameters.x.paths",
        ),
        (
            '[parameters.x]\npaths = ["a.b"]\nrange = [1.2, 2]\nunit = "x"\nwhy = "ASSUMPTION"\n',
            "expected to include 1",
        ),
        (
            '[parameters.x]\npaths = ["a.b"]\nrange = [0.5, 2]\nunit = "x"\nwhy = "F59"\nera = "2030"\n',
            "expected one of the eras",
        ),
    ],
)
def test_a_bad_uncertain_file_is_one_line_each_and_exit_2(tmp_path, capsys, text, expected):
    bad = tmp_path / "uncertain.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(UncertainError) as err:
        load_space(bad)
    assert len(err.value.problems) == 1 and expected in err.value.problems[0], err.value.problems
    assert main(["history-match", "--uncertain", str(bad), "--out", str(tmp_path / "hm")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(str(bad)), lines


def test_every_target_enters_or_is_excluded_with_a_reason():
    targets = load_targets()
    settings = load_settings(default_settings_path(), targets)
    assert set(settings.observations) == set(targets)
    for name, e in settings.observations.items():
        assert e.why.strip(), name
        if not e.use:
            assert e.why.startswith("EXCLUDED"), f"{name}: an excluded target says EXCLUDED and why"
    assert {"F16", "F71"} <= set(settings.facts)


def test_spread_is_median_and_90_percent_range():
    s = spread([float(x) for x in range(101)])
    assert (s.median, s.low, s.high, s.n) == (50.0, 5.0, 95.0, 101)


# -- the generated files -------------------------------------------------------------------------------
def test_worlds_file_is_current():
    """The worlds carry the SHA-256 of every input (seeds, scenario files, engine and readouts
    sources); after an engine change, rerun the command in the file's header."""
    raw = tomllib.loads(WORLDS.read_text(encoding="utf-8"))
    space = load_space()
    targets = load_targets()
    p = problem(space, targets, default_targets_path().parent)
    fresh = inputs_digest(
        ROOT / "seeds" / "uncertain.toml", default_settings_path(), default_targets_path(), p
    )
    stale = sorted(k for k in set(fresh) | set(raw["inputs"]) if fresh.get(k) != raw["inputs"].get(k))
    command = re.search(r"#   (bordersim history-match.*)", WORLDS.read_text(encoding="utf-8"))
    assert stale == [], f"seeds/worlds.toml is stale ({', '.join(stale[:5])}): rerun {command.group(1)}"
    worlds = load_worlds(WORLDS)
    assert len(worlds) >= 10
    assert all(w["max_implausibility"] <= raw["cutoff"] for w in raw["worlds"])


def _blocks(text: str):
    """Each generated block made with --worlds: its command and its recorded inputs hash."""
    for m in re.finditer(
        r"Generated by `(bordersim [^`]*--worlds[^`]*)`.*?<!-- inputs sha256 ([0-9a-f]{64}) -->", text, re.S
    ):
        yield m.group(1), m.group(2)


@pytest.mark.parametrize("page", ["scenarios/README.md"])
def test_tables_across_worlds_are_current(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    found = list(_blocks(text))
    assert found, f"{page}: no table generated with --worlds"
    worlds = load_worlds(WORLDS)
    for command, recorded in found:
        words = command.split()
        if words[1] == "table":
            sources = [w for w in words[2:] if w.endswith(".toml") and not w.startswith("seeds/")]
        else:  # capacity --targets: the phases' scenarios
            from sim.reporting.smart_gate_targets import load_targets as phases

            sources = [ph.scenario for ph in phases(ROOT / "seeds" / "decision_865.toml").phases]
        assert inputs_sha256(worlds, sources) == recorded, f"{page}: stale, rerun: {command}"


def test_run_across_worlds_on_the_command_line(tmp_path, capsys):
    worlds = _small_worlds(tmp_path)
    args = [
        "run",
        "baseline",
        "--days",
        "4",
        "--replications",
        "2",
        "--workers",
        "1",
        "--worlds",
        str(worlds),
    ]
    assert main([*args, "--out", str(tmp_path / "w")]) == 0
    out = capsys.readouterr().out
    assert "median [90% range across worlds]" in out and "not a probability of the future" in out
    assert (tmp_path / "w" / "spread.png").is_file()
    assert main(["report", str(tmp_path / "w")]) == 0


def _small_worlds(tmp_path: Path) -> Path:
    space = load_space()
    lines = ['format = "bordersim-worlds/1"', 'inputs_sha256 = "test"', ""]
    for k, f in enumerate((0.8, 1.0, 1.6)):
        values = ", ".join(
            f"{n} = {min(max(f, p.range[0]), p.range[1])!r}" for n, p in space.parameters.items()
        )
        lines += ["[[worlds]]", f'id = "t{k}"', f"values = {{ {values} }}", ""]
    path = tmp_path / "worlds.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_a_world_outside_the_space_is_one_line(tmp_path, capsys):
    bad = tmp_path / "worlds.toml"
    bad.write_text('format = "bordersim-worlds/1"\n[[worlds]]\nvalues = { growth = 9.0 }\n', encoding="utf-8")
    assert main(["run", "baseline", "--days", "4", "--worlds", str(bad)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "worlds[0].values.growth = 9.0" in lines[0]


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason="Dask is not installed")
def test_dask_gives_the_process_pools_answers_and_keeps_freed_memory(tmp_path):
    from distributed import LocalCluster

    from sim.experiments.distributed import dask_map
    from sim.experiments.memory import kept
    from sim.experiments.worlds import compare_in_worlds

    worlds = load_worlds(_small_worlds(tmp_path))
    pool, _ = compare_in_worlds("baseline", "office_hours", worlds, 2, days=4, workers=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask, _ = compare_in_worlds(
            "baseline", "office_hours", worlds, 2, days=4, scheduler=cluster.scheduler_address
        )
        memory = [ok for _, ok in dask_map(kept, None, [0, 1], cluster.scheduler_address)]
    assert [(x.per_world, x.per_world_difference) for x in pool] == [
        (x.per_world, x.per_world_difference) for x in dask
    ]
    assert memory == [True, True], "Dask workers do not keep freed memory as the pool's workers do"
