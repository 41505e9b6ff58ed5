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
    comparison_markdown,
    decimals_for,
    load_common,
    replace_block,
    run_kpis,
    scenario_table,
    statements,
)
from sim.scenario.files import ScenarioError
from sim.scenario.schema import SmallestDifference

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


def test_statements_say_whether_a_difference_is_real_and_whether_it_matters():
    """The smallest difference that matters for cleared/day is 10 a day by default: +10.05 with a
    tight interval is real, +3 with a tight interval is detectable but small, noise is nothing."""
    base = (100.0, 102.0, 98.0, 101.0)
    runs_a = [{"cleared_per_day": v, "gave_up_per_day": 0.0} for v in base]

    def shifted(shift: float, noise: tuple[float, ...]) -> list[dict[str, float]]:
        return [
            {"cleared_per_day": v + shift + e, "gave_up_per_day": 0.0}
            for v, e in zip(base, noise, strict=True)
        ]

    real = statements(compare_runs(runs_a, shifted(10, (0.1, -0.1, 0.2, 0.0))), "A", "B")
    assert real[0].startswith("cleared/day: B is higher than A by 10.05 (110.30 against 100.25; 95% CI")
    assert real[0].endswith("a real difference (at least 10, the smallest that matters).")
    assert real[1] == "gave up/day: identical in both (0.0)."
    small = statements(compare_runs(runs_a, shifted(3, (0.1, -0.1, 0.2, 0.0))), "A", "B")[0]
    assert small.endswith("detectable but small (under 10, the smallest that matters).")
    assert "a real difference" not in small
    noisy = statements(compare_runs(runs_a, shifted(0, (3.0, -4.0, 2.0, -2.0))), "A", "B")[0]
    assert noisy.startswith("cleared/day: no detectable difference")
    # The interval (-0.25 +/- 5.3) still reaches 10 a day? No: it stops short of it.
    assert "more replications" not in noisy
    wide = statements(compare_runs(runs_a, shifted(0, (9.0, -12.0, 8.0, -6.0))), "A", "B")[0]
    assert wide.startswith("cleared/day: no detectable difference") and "more replications would tell" in wide
    # A scenario's own threshold: with 2 trucks a day, +3 is real.
    strict = SmallestDifference(cleared_per_day=2.0)
    (c, _) = compare_runs(runs_a, shifted(3, (0.1, -0.1, 0.2, 0.0)), smallest=strict)
    assert c.verdict == "real"


def test_a_kpi_without_a_smallest_difference_is_detectable_never_real():
    runs_a = [{"utilisation.x": v} for v in (0.5, 0.51, 0.49, 0.5)]
    runs_b = [
        {"utilisation.x": v + 0.00002 + e}
        for v, e in zip((0.5, 0.51, 0.49, 0.5), (0, 1e-6, -1e-6, 0), strict=True)
    ]
    (c,) = compare_runs(runs_a, runs_b)
    assert c.verdict == "detectable"
    (line,) = statements([c], "A", "B")
    assert "real" not in line and "no smallest difference that matters is set" in line
    assert "0.00 " not in line  # shown to its meaningful digits, not rounded to zero


@pytest.mark.parametrize(
    ("half_width", "decimals"),
    [(190.8, 0), (4.4, 1), (0.49, 2), (0.004, 4), (0.0, 2), (math.nan, 2), (12.0, 0), (0.099, 3)],
)
def test_numbers_keep_two_significant_digits_of_their_half_width(half_width, decimals):
    assert decimals_for(half_width, 2) == decimals


def test_censored_estimates_are_marked_as_lower_bounds_and_bound_the_difference():
    runs_a = [{"time_in_system_h.mean": v} for v in (3.8, 3.9, 3.7, 3.8)]
    runs_b = [{"time_in_system_h.mean": v} for v in (90.0, 92.0, 91.0, 93.0)]
    (c,) = compare_runs(runs_a, runs_b, censored=(False, True))
    assert c.bound == "lower" and c.verdict == "real"
    (line,) = statements([c], "A", "B")
    assert "by ≥ 87.7" in line and "(≥ 91.5 against 3.8" in line
    (both,) = compare_runs(runs_a, runs_b, censored=(True, True))
    assert both.verdict == "unbounded" and "real" not in statements([both], "A", "B")[0]
    table = comparison_markdown([c], "A", "B")
    assert "| ≥ 91.5 ± " in table and "| ≥ +87.7 ± " in table


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
    # Ten days (seven measured): with the dwells trucks spend hours at the border, and in a shorter
    # run more than reporting.censored_share of the arrivals would still be there at the end.
    first = scenario_table(["office_hours"], "baseline", replications=3, days=10, workers=1)
    again = scenario_table(["office_hours"], "baseline", replications=3, days=10, workers=2)
    assert first == again
    lines = first.splitlines()
    assert lines[0].startswith(
        "| scenario | compared with | cleared/day | backlog at midnight | time in system"
    )
    assert lines[2].startswith("| baseline (reference) | ")
    office = lines[3]
    # Office hours cannot keep up (its backlog grows over the seven measured days: unstable) and a
    # large share of its arrivals still waits at the end (censored).
    assert office.startswith("| office_hours (unstable, censored) | baseline | ")
    assert "(**-" in office  # a real fall in cleared/day
    assert "| ≥ " in office  # its time in system is a lower bound
    assert "3 replications of 10 days with rng_seed 20230101" in first
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
    err = [x for x in capsys.readouterr().err.strip().splitlines() if not x.startswith("WARNING: ")]
    assert len(err) == 1 and err[0].startswith(f"{bare}: the markers") and "missing" in err[0]
    assert bare.read_text() == "no markers here\n"
    with pytest.raises(ScenarioError, match="present 2 times"):
        replace_block(f"{TABLE_START}{TABLE_END}{TABLE_START}{TABLE_END}", "x")


def test_nan_kpis_are_left_out_of_pairs():
    runs_a = [{"k": 1.0}, {"k": math.nan}, {"k": 3.0}]
    runs_b = [{"k": 2.0}, {"k": 5.0}, {"k": 4.0}]
    (c,) = compare_runs(runs_a, runs_b)
    assert c.paired.n == 2 and c.paired.mean == 1.0
