"""Sweeps and sensitivity: common random numbers, resumable folders, and a ranking that makes sense."""

from __future__ import annotations

import csv
import json
import shlex
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiments import sweep
from sim.experiments.comparison import markers
from sim.experiments.sensitivity import default_dimensions
from sim.reporting.sweeps import SENSITIVITY_BLOCK
from sim.scenario.files import ScenarioError, resolved_data

LANES = "crossings.chi_ma.routes.export.stages[0].lanes"


def test_grid_is_every_combination_last_fastest():
    varies = [sweep.parse_vary("a=1,2"), sweep.parse_vary("b.c[0]=x,'y,z'")]
    assert sweep.grid(varies) == [
        {"a": 1, "b.c[0]": "x"},
        {"a": 1, "b.c[0]": "y,z"},
        {"a": 2, "b.c[0]": "x"},
        {"a": 2, "b.c[0]": "y,z"},
    ]


def test_latin_hypercube_is_seeded_and_stratified():
    dims = [sweep.parse_range("a=0:1", "--design"), sweep.parse_range("b=10:20", "--design")]
    points = sweep.latin_hypercube(dims, 5, seed=7)
    assert points == sweep.latin_hypercube(dims, 5, seed=7)
    # one point in each fifth of every range
    assert sorted(int(p["a"] * 5) for p in points) == [0, 1, 2, 3, 4]
    assert sorted(int((p["b"] - 10) / 2) for p in points) == [0, 1, 2, 3, 4]


def test_patterns_match_every_number_they_name():
    data = {"s": {"x": {"n": 2, "name": "a"}, "y": {"n": 3.5}}, "l": [{"m": 1}, {"m": 2}]}
    assert sweep.matching_paths(data, "s.*.n") == [(("s", "x", "n"), 2), (("s", "y", "n"), 3.5)]
    assert sweep.matching_paths(data, "l[*].m") == [(("l", 0, "m"), 1), (("l", 1, "m"), 2)]


def test_bad_vary_and_range_are_one_line():
    with pytest.raises(ScenarioError) as err:
        sweep.parse_vary("lanes")
    assert err.value.problems == ["--vary lanes: expected PATH=V1,V2,..., e.g. horizon_days=7,14"]
    with pytest.raises(ScenarioError) as err:
        sweep.parse_range("x=3:1", "--design")
    assert err.value.problems == ["--design x=3:1: expected PATH=LOW:HIGH with LOW < HIGH, e.g. x=0.8:1.2"]


def test_sweep_uses_one_seed_keeps_done_points_and_writes_table_and_figure(tmp_path, capsys):
    out = tmp_path / "sweep"
    args = ["sweep", "baseline", "--vary", f"{LANES}=1,3", "--days", "4", "--replications", "2",
            "--workers", "1", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["rng_seed"] == 20230101 and len(manifest["points"]) == 2
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    assert [r[LANES] for r in rows] == ["1", "3"]
    first = (out / "points" / "p0000.json").read_text()
    # A second run of the same sweep keeps its points (nothing rerun, the same files).
    (out / "points" / "p0001.json").unlink()
    assert main(args) == 0
    assert "1 of 2 points already done, kept" in capsys.readouterr().err
    assert (out / "points" / "p0000.json").read_text() == first
    assert rows == list(csv.DictReader((out / "sweep.csv").open()))
    # Worker processes give the same numbers as one process.
    parallel = [a if a != str(out) else str(tmp_path / "parallel") for a in args]
    parallel[parallel.index("--workers") + 1] = "2"
    assert main(parallel) == 0
    assert (tmp_path / "parallel" / "sweep.csv").read_text() == (out / "sweep.csv").read_text()
    # Another design is refused without --force.
    other = [a if a != f"{LANES}=1,3" else f"{LANES}=2,3" for a in args]
    assert main(other) == 2
    assert "holds another sweep" in capsys.readouterr().err


def test_sweep_errors_name_the_point(tmp_path, capsys):
    assert (
        main(["sweep", "baseline", "--vary", f"{LANES}=0,1", "--days", "4", "--out", str(tmp_path / "x")])
        == 2
    )
    assert capsys.readouterr().err.strip() == (
        f"sweep point {LANES}=0: --set {LANES}=0: {LANES} = 0: expected at least 1"
    )


def test_sensitivity_ranks_demand_above_a_factor_that_changes_nothing(tmp_path):
    """Road metres per truck do not change any truck's path: with common random numbers its
    elementary effects on throughput are exactly zero, while demand's interval excludes zero."""
    out = tmp_path / "sens"
    args = ["sensitivity", "baseline", "--factor", "demand.streams.*.trucks_per_day=0.7:1.3",
            "--factor", "crossings.*.road_m_per_truck=0.5:1.5", "--trajectories", "3", "--replications", "1",
            "--days", "5", "--workers", "2", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    rows = [r for r in csv.DictReader((out / "sensitivity.csv").open()) if r["kpi"] == "cleared_per_day"]
    by = {r["factor"]: r for r in rows}
    demand, road = by["demand.streams.*.trucks_per_day"], by["crossings.*.road_m_per_truck"]
    assert demand["rank"] == "1"
    assert float(demand["mu_star"]) - float(demand["mu_star_conf"]) > 0
    assert float(road["mu_star"]) == 0.0
    assert (out / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"
    assert (
        "| cleared_per_day | 1 | demand (trucks/day, every stream) |" in (out / "sensitivity.md").read_text()
    )


README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_commands(prefix: str) -> list[list[str]]:
    """The README's commands starting with ``prefix``, as words (continuation lines joined)."""
    text = README.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith(prefix)]


def test_every_default_factor_matches_the_packaged_baselines():
    """The defaults follow today's scenario structure (the Chinese stages under facilities):
    each baseline keeps at least five of them, and the Chinese stage times among them."""
    for name in ("baseline", "baseline_2024"):
        dims, skipped = default_dimensions(resolved_data(name))
        names = [d.name for d in dims]
        assert len(names) >= 5 and "facilities.*.routes.*.stages[*].service.*.mean_min" in names, (
            name,
            skipped,
        )


@pytest.mark.slow
def test_the_readmes_sensitivity_commands_run_and_its_table_is_current(tmp_path):
    """Runs each `bordersim sensitivity` command of the README as written (its --out in a temporary
    folder), then the one that generates the README's table, which must equal the committed one.

    Theory check of "μ* per whole range": all demand clears in the baseline, so moving demand from
    0.75 to 1.25 times its 1,060 loaded trucks a day (scenarios/baseline.toml) moves cleared/day by
    0.5 x 1,060 = 530: μ* must be within 5% of it (a step of 2/3 of the range would give 353)."""
    commands = _readme_commands("bordersim sensitivity ")
    assert len(commands) >= 2, "the README shows the sensitivity command and the one that makes its table"
    for i, words in enumerate(commands):
        out = words.index("--out")
        words[out + 1] = str(tmp_path / f"{i}_{words[out + 1].replace('/', '_')}")
        if "--table" in words:
            table = Path(words[out + 1])
            copy = tmp_path / "README.md"
            copy.write_text(README.read_text(encoding="utf-8"), encoding="utf-8")
            words[words.index("--table") + 1] = str(copy)
        assert main([*words, "--workers", "2"]) == 0, words
    start, end = markers(SENSITIVITY_BLOCK)
    committed = README.read_text(encoding="utf-8").split(start)[1].split(end)[0]
    fresh = copy.read_text(encoding="utf-8").split(start)[1].split(end)[0]
    assert fresh == committed, "README.md's sensitivity table is stale: rerun its command"
    rows = list(csv.DictReader((table / "sensitivity.csv").open()))
    demand = next(r for r in rows if r["kpi"] == "cleared_per_day" and r["factor"].startswith("demand."))
    assert abs(float(demand["mu_star"]) - 530.0) < 0.05 * 530.0
