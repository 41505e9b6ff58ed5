"""Paired comparisons with common random numbers, and the scenario table."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sim.cli import main
from sim.engine.run import run_once
from sim.examples.scenarios import mmc_dict, validated
from sim.experiments.analysis import paired_difference, unpaired_difference
from sim.experiments.comparison import (
    TABLE_END,
    TABLE_START,
    compare_runs,
    load_common,
    replace_block,
    run_kpis,
    scenario_table,
    statements,
)
from sim.scenario.files import ScenarioError

REPLICATIONS = 20


def pair(lanes_b: int = 2, service_b: float = 25.0, rng_seed_b: int = 1):
    """A: an M/M/2 queue at 83% load; B: the same with ``lanes_b`` lanes and ``service_b`` minutes."""
    a = validated(mmc_dict(4.0, 25.0, 2, days=8, warmup_days=1, name="a"))
    b = validated(mmc_dict(4.0, service_b, lanes_b, days=8, warmup_days=1, rng_seed=rng_seed_b, name="b"))
    return a, b


def test_scenarios_sharing_demand_see_the_same_trucks():
    a, b = pair(lanes_b=3)
    ra, rb = run_once(a, 4), run_once(b, 4)
    assert np.array_equal(ra.trucks["t_arrive"], rb.trucks["t_arrive"])
    # Service times too: truck k starts k-th in both (FIFO), and takes the k-th draw of its stream.
    service = {}
    for r in (ra, rb):
        rows = r.stages
        done = ~np.isnan(rows["t_end"])
        service[id(r)] = dict(zip(rows["truck"][done], (rows["t_end"] - rows["t_start"])[done], strict=True))
    common = set(service[id(ra)]) & set(service[id(rb)])
    assert len(common) > 500
    # (equal up to rounding: t_end - t_start is computed from different clock times)
    assert all(abs(service[id(ra)][k] - service[id(rb)][k]) < 1e-9 for k in common)


def test_paired_interval_is_narrower_than_unpaired_with_common_random_numbers():
    """Service 8% faster (25 -> 23 min) at an M/M/2 at 83% load. With common random numbers
    both see the same arrivals, and each truck's service time is the same uniform draw scaled
    by the mean, so (1) the trucks cleared per day differ only by the few still queueing at
    the horizon: the paired interval must be far narrower than the unpaired one, which carries
    the whole Poisson variation of demand; (2) the mean time in system of A and B rises and
    falls with the same congestion (a monotone coupling), so cov(A, B) > 0 and
    var(B - A) = var A + var B - 2 cov(A, B) is well below var A + var B."""
    a, b = pair(service_b=23.0)
    runs_a, runs_b = run_kpis(a, REPLICATIONS), run_kpis(b, REPLICATIONS)
    by_key = {c.key: c for c in compare_runs(runs_a, runs_b)}
    cleared = by_key["cleared_per_day"]
    assert cleared.paired.half_width < 0.25 * cleared.unpaired.half_width
    tis = by_key["time_in_system_h.mean"]
    assert tis.paired.half_width < 0.75 * tis.unpaired.half_width
    assert tis.paired.significant and tis.paired.mean < 0  # faster service shortens the time
    x = [r["time_in_system_h.mean"] for r in runs_a]
    y = [r["time_in_system_h.mean"] for r in runs_b]
    r = np.corrcoef(x, y)[0, 1]
    assert r > 0.5
    print(
        f"\ncleared/day: paired ± {cleared.paired.half_width:.3f}, "
        f"unpaired ± {cleared.unpaired.half_width:.3f}; time in system h: paired ± "
        f"{tis.paired.half_width:.4f}, unpaired ± {tis.unpaired.half_width:.4f}, r = {r:.2f}"
    )


def test_without_common_random_numbers_pairing_gains_nothing():
    """The same two systems with different seeds: the pairs are independent, and the paired
    interval is no narrower on average than Welch's (here: within sampling noise of it)."""
    a, b = pair(service_b=23.0, rng_seed_b=999)
    runs_a, runs_b = run_kpis(a, REPLICATIONS), run_kpis(b, REPLICATIONS)
    x = [r["cleared_per_day"] for r in runs_a]
    y = [r["cleared_per_day"] for r in runs_b]
    assert paired_difference(x, y).half_width > 0.6 * unpaired_difference(x, y).half_width


def test_load_common_gives_every_scenario_the_first_ones_seed(tmp_path):
    other = tmp_path / "other_seed.toml"
    other.write_text('extends = "baseline"\nname = "other_seed"\nrng_seed = 7\n')
    base, changed = load_common(["baseline", other], days=4)
    assert changed.rng_seed == base.rng_seed and changed.horizon_days == 4
    assert load_common(["baseline", other], rng_seed=3)[1].rng_seed == 3


def test_statements_say_what_changes_and_whether_it_is_real():
    runs_a = [{"cleared_per_day": v, "gave_up_per_day": 0.0} for v in (100.0, 102.0, 98.0, 101.0)]
    runs_b = [{"cleared_per_day": v + 10 + e, "gave_up_per_day": 0.0} for v, e in zip(
        (100.0, 102.0, 98.0, 101.0), (0.1, -0.1, 0.2, 0.0), strict=True)]  # fmt: skip
    noisy = [{"cleared_per_day": v + e, "gave_up_per_day": 0.0} for v, e in zip(
        (100.0, 102.0, 98.0, 101.0), (3.0, -4.0, 2.0, -2.0), strict=True)]  # fmt: skip
    real = statements(compare_runs(runs_a, runs_b), "A", "B")
    assert real[0].startswith("cleared/day: B is higher than A by 10.1") and real[0].endswith(
        "a real difference."
    )
    assert real[1] == "gave up/day: identical in both (0.0)."
    assert statements(compare_runs(runs_a, noisy), "A", "B")[0].startswith(
        "cleared/day: no significant difference"
    )


def test_compare_command_on_scenarios_and_on_folders(tmp_path, capsys):
    # Eight days: the measured ones (after 3 of warm-up) include a weekend, when office hours
    # clear nothing; on two weekdays alone, with the backlog carried in, the two clear alike.
    args = ["--days", "8", "--replications", "3", "--workers", "1"]
    assert main(["compare", "baseline", "office_hours", *args]) == 0
    printed = capsys.readouterr().out
    assert "Common random numbers: rng_seed" in printed
    assert "cleared/day: office_hours is lower than baseline" in printed
    assert "| cleared/day |" in printed
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", "baseline", *args, "--out", str(a)]) == 0
    assert main(["run", "office_hours", *args, "--out", str(b)]) == 0
    capsys.readouterr()
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "a_vs_b")]) == 0
    from_folders = capsys.readouterr().out
    # The same numbers whether the runs are read from folders or run afresh.
    assert from_folders.split("\n", 1)[1].split("\n\nComparison:")[0] == printed.split("\n", 1)[1].rstrip(
        "\n"
    )
    assert (tmp_path / "a_vs_b" / "differences.csv").is_file()
    assert json.loads((tmp_path / "a_vs_b" / "manifest.json").read_text())["a"] == "../a"
    assert main(["compare", str(a), "office_hours"]) == 2
    assert "compare takes two results folders or two scenarios" in capsys.readouterr().err


def test_scenario_table_is_deterministic_and_marks_significant_differences():
    first = scenario_table(["office_hours"], "baseline", replications=3, days=5, workers=1)
    again = scenario_table(["office_hours"], "baseline", replications=3, days=5, workers=2)
    assert first == again
    lines = first.splitlines()
    assert lines[0].startswith(
        "| scenario | compared with | cleared/day | backlog at midnight | time in system"
    )
    assert lines[2].startswith("| baseline (reference) | ")
    office = lines[3]
    assert office.startswith("| office_hours | baseline | ")
    assert "(**-" in office  # a significant fall in cleared/day
    assert "3 replications of 5 days with rng_seed 20230101" in first
    assert "gave up/day" in lines[0] and "peak road queue km" in lines[0]


def test_table_out_replaces_only_the_marked_block(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Scenarios\n\nintro\n\n{TABLE_START}\nold table\n{TABLE_END}\n\nafter\n")
    args = ["table", "office_hours", "--replications", "2", "--days", "4", "--workers", "1"]
    assert main([*args, "--out", str(readme)]) == 0
    printed = capsys.readouterr().out
    text = readme.read_text()
    assert text.startswith("# Scenarios\n\nintro\n\n" + TABLE_START + "\n| scenario |")
    assert text.endswith(f"{TABLE_END}\n\nafter\n") and "old table" not in text
    assert printed in text
    assert replace_block(text, printed) == text  # regenerating gives the same file
    bare = tmp_path / "bare.md"
    bare.write_text("no markers here\n")
    assert main([*args, "--out", str(bare)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{bare}: the markers") and "missing" in err[0]
    assert bare.read_text() == "no markers here\n"
    with pytest.raises(ScenarioError, match="present 2 times"):
        replace_block(f"{TABLE_START}{TABLE_END}{TABLE_START}{TABLE_END}", "x")


def test_nan_kpis_are_left_out_of_pairs():
    runs_a = [{"k": 1.0}, {"k": math.nan}, {"k": 3.0}]
    runs_b = [{"k": 2.0}, {"k": 5.0}, {"k": 4.0}]
    (c,) = compare_runs(runs_a, runs_b)
    assert c.paired.n == 2 and c.paired.mean == 1.0
