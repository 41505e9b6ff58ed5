"""The two calibrated baselines: generated calibration tables, headroom and binding stages.

- scenarios/CALIBRATION.md holds one generated table per baseline; the slow tests below
  regenerate each with the page's own command and fail when it is stale.
- The 2024 baseline's capacity (`bordersim capacity`): throughput comes from demand
  *within* capacity, the binding stages are Chinese where the sources put them (F20,
  F38, F39, F43), and the two dedicated roads' capacities are checked against what
  Decision 865 calls current (F71). F71 figures are capacities, not KPIs of a run, so
  they are checked here rather than as entries of seeds/targets.toml.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim import load_scenario, replicate, summarise
from sim.experiments.calibration import evaluate, targets_for
from sim.experiments.capacity import ALL, capacity
from sim.reporting.calibration_table import calibration_markdown
from sim.scenario.targets import load_targets

PAGE = Path(__file__).resolve().parents[1] / "scenarios" / "CALIBRATION.md"
CAPACITY_REPLICATIONS = 5

# F71 (Decision 865/QĐ-TTg, Hanoi Times): "from 800" on route 1119-1120 and "from 400" on
# 1088/2-1089 vehicles a day, round planning figures of what the roads take today: a
# quarter either way (the decision does not say whether it counts loaded trucks only).
F71_CURRENT = {"road_1119_1120": (800, 0.25), "road_1088_1089": (400, 0.25)}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["baseline", "baseline_2024"])
def test_calibration_table_is_current(name):
    text = PAGE.read_text(encoding="utf-8")
    pattern = rf"bordersim calibrate {name} --replications (\d+) --table scenarios/CALIBRATION\.md"
    command = re.search(pattern, text)
    assert command, f"CALIBRATION.md must give the command that generates the {name} table"
    marker = f"<!-- bordersim table calibration-{name}"
    block = re.search(rf"{marker} start -->\n(.*?){marker} end -->", text, re.S)
    assert block, f"no calibration-{name} block in CALIBRATION.md"
    replications = int(command.group(1))
    results = evaluate(load_scenario(name), targets_for(name, load_targets()), replications, workers=2)
    fresh = calibration_markdown(results, replications)
    assert block.group(1).strip() == fresh.strip(), (
        f"the {name} calibration table is stale: rerun "
        f"bordersim calibrate {name} --replications {replications} --table scenarios/CALIBRATION.md"
    )


@pytest.fixture(scope="module")
def capacity_2024():
    rows = capacity(load_scenario("baseline_2024"), CAPACITY_REPLICATIONS, workers=2)
    return {(r.crossing, r.direction): r for r in rows}


@pytest.mark.slow
def test_f11_f59_2024_throughput_comes_from_demand_within_capacity(capacity_2024):
    """F11 (about 1,300 a day) cleared with headroom, yet less than the ~1,900 of 2025 (F15)
    needs more than the 2024 setting gives on the busy roads (tests/test_episodes.py)."""
    cap = capacity_2024[(ALL, "both")].loaded_per_day
    cleared = summarise(replicate(load_scenario("baseline_2024"), CAPACITY_REPLICATIONS, workers=2))
    e = cleared["cleared_per_day"]
    assert e.high < cap.low, f"2024 clears {e.mean:.0f}/day against a capacity of {cap.mean:.0f}: no headroom"
    assert cleared["backlog_growth_per_day"].low <= 1.0, "the 2024 backlog grows: demand above capacity"


@pytest.mark.slow
def test_f20_f43_2024_chinese_side_binds_at_the_main_ports(capacity_2024):
    """With every crossing saturated, Youyiguan or Puzhai binds both dedicated roads."""
    for crossing in ("road_1119_1120", "road_1088_1089"):
        for direction in ("export", "import"):
            binding = capacity_2024[(crossing, direction)].binding_when_all
            assert binding is not None and binding.split("/")[0] in ("youyiguan", "puzhai"), (
                f"{crossing} {direction}: {binding} binds; the sources put the limit on the Chinese side"
            )


def _road_capacity(rows, crossing):
    ex, im = rows[(crossing, "export")].loaded_per_day, rows[(crossing, "import")].loaded_per_day
    return ex.mean + im.mean


@pytest.mark.slow
def test_f71_road_1119_1120_current_capacity(capacity_2024):
    """F71: road 1119-1120 takes about 800 vehicles a day today (Decision 865, Aug 2024)."""
    value, share = F71_CURRENT["road_1119_1120"]
    got = _road_capacity(capacity_2024, "road_1119_1120")
    assert value * (1 - share) <= got <= value * (1 + share), f"model {got:.0f}/day, F71 about {value}"


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="FINDING: the model's road 1088/2-1089 takes about a third more loaded trucks a day than "
    "F71's 400: the Puzhai berths and the road's customs lanes (ASSUMPTIONS, not identified by the "
    "throughput targets) are generous; F07 counted 347 there on 22 Aug 2024, near F71's figure.",
)
def test_f71_road_1088_1089_current_capacity(capacity_2024):
    """F71: road 1088/2-1089 takes about 400 vehicles a day today (Decision 865, Aug 2024)."""
    value, share = F71_CURRENT["road_1088_1089"]
    got = _road_capacity(capacity_2024, "road_1088_1089")
    assert value * (1 - share) <= got <= value * (1 + share), f"model {got:.0f}/day, F71 about {value}"
