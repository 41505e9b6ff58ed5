"""The smart-gate target table (Decision 865 targets per road against each phase's capacity):
its input file, its verdicts, its command line, and the README block it generates."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.experiments.comparison import markers
from sim.experiments.replications import Estimate
from sim.reporting import smart_gate_targets as sgt
from sim.scenario.files import ScenarioError

REPO = Path(__file__).resolve().parents[1]
README = REPO / "scenarios" / "README.md"
TARGETS = REPO / "seeds" / "decision_865.toml"


def test_the_targets_file_holds_decision_865s_figures_and_packaged_phases():
    t = sgt.load_targets(TARGETS)
    roads = {r.crossing: r for r in t.roads}
    # F71: 1119–1120 from 800 to 2,000–2,500; 1088/2–1089 from 400 to 800–1,200 a day by 2027.
    assert roads["road_1119_1120"].target == (2000, 2500) and roads["road_1119_1120"].today == 800
    assert roads["road_1088_1089"].target == (800, 1200) and roads["road_1088_1089"].today == 400
    assert [p.scenario for p in t.phases] == ["smart_gate_pilot", "smart_gate_phase1", "smart_gate_full"]
    for p in t.phases:
        assert (REPO / "scenarios" / f"{p.scenario}.toml").is_file(), f"{p.scenario}: no packaged scenario"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("roads = 3", "roads = 3: expected a table"),
        (
            '[roads.r]\nname = "r"\ntoday = 1\ntarget = [5, 2]\n',
            "roads.r.target = [5, 2]: expected [low, high]",
        ),
        ('[roads.r]\nname = "r"\ntoday = "x"\ntarget = [1, 2]\n', "roads.r.today = 'x': expected a number"),
        (
            '[roads.r]\nname = "r"\ntoday = 1\ntarget = [1, 2]\ncount = "all"\n',
            "count = 'all': expected 'loaded'",
        ),
    ],
)
def test_a_bad_targets_file_is_one_line_naming_file_field_and_value(tmp_path, text, expected):
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        sgt.load_targets(path)
    (line,) = err.value.problems
    assert str(path) in line and expected in line, line


def test_bad_targets_file_exits_2_with_one_line(tmp_path):
    path = tmp_path / "targets.toml"
    path.write_text('[roads.r]\nname = "r"\ntoday = 1\ntarget = [5, 2]\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "sim", "capacity", "--targets", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 2, done.stderr
    assert "target = [5, 2]" in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_targets_refuses_a_scenario_argument_too():
    done = subprocess.run(
        [sys.executable, "-m", "sim", "capacity", "baseline", "--targets", str(TARGETS)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "--targets" in done.stderr, done.stderr


def _row(mean: float, half: float, target=(800.0, 1200.0)) -> sgt.Row:
    from sim.experiments.capacity import CrossingCapacity

    e = Estimate(mean, half, 5)
    cap = CrossingCapacity("r", e, e, {}, {}, {}, {})
    return sgt.Row(sgt.Phase("p", "s", "", []), sgt.Road("r", "r", 400, target, []), cap)


@pytest.mark.parametrize(
    ("mean", "half", "verdict"),
    [(900, 50, "met"), (1400, 50, "met (above the range)"), (700, 50, "not met"), (820, 50, "undecided")],
)
def test_verdict_reads_the_interval_against_the_target(mean, half, verdict):
    assert _row(mean, half).verdict == verdict


@pytest.mark.slow
def test_readme_target_table_is_current():
    """Regenerates the block with the command the README gives."""
    text = README.read_text(encoding="utf-8")
    start, end = markers(sgt.BLOCK)
    committed = text.split(start)[1].split(end)[0]
    command = re.search(
        r"bordersim capacity --targets (\S+) --replications (\d+) --days (\d+) --update scenarios/README.md",
        text,
    )
    assert command, "scenarios/README.md must give the command that generates the smart-gate target table"
    targets = sgt.load_targets(REPO / command.group(1))
    rows = sgt.evaluate(targets, int(command.group(2)), workers=2, days=int(command.group(3)))
    fresh = sgt.markdown(targets, rows, command.group(0))
    assert committed.strip() == fresh.strip(), (
        "the smart-gate target table in scenarios/README.md is stale: regenerate it with " + command.group(0)
    )


def test_lane_search_finds_the_lanes_theory_gives_for_two_stages_in_line():
    """Open 24 h, a lane clears 1440/6 = 240 a day at 'slow' and 1440/5 = 288 at 'fast'. For 680
    a day, 'slow' needs ceil(680/240) = 3 lanes; then 'fast' (2 x 288 = 576) binds and needs
    ceil(680/288) = 3: the search must find both, in that order of binding."""
    from sim.examples.scenarios import tandem_dict, validated
    from sim.experiments.capacity import lanes_for_target

    tandem = validated(tandem_dict([("fast", 2, 5.0), ("slow", 1, 6.0)], days=6, warmup_days=1))
    found = lanes_for_target(tandem, "gate", 680, replications=5, rounds=4)
    assert found.lanes == {"gate/export/slow": (1, 3), "gate/export/fast": (2, 3)}, found.lanes
    e = found.capacity.loaded_per_day
    assert found.reached and 680 <= e.mean and e.low <= 3 * 240, (
        f"the target (680) is reached, below the theory bound of 3 lanes x 240 = 720 a day; "
        f"got {e.mean:.0f} ± {e.half_width:.0f}"
    )
