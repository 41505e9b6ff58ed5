"""The results table in scenarios/README.md is generated, and fails this test when stale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.experiments.comparison import markers, scenario_table
from sim.readouts.headline import Headline

README = Path(__file__).resolve().parents[1] / "scenarios" / "README.md"
BLOCK = re.compile(r"<!-- bordersim table start -->\n(.*?)<!-- bordersim table end -->", re.S)


@pytest.mark.slow
def test_scenarios_readme_table_is_current():
    """Regenerates the table exactly as the README's command does
    (`bordersim table scenarios/*.toml --replications 10 --out scenarios/README.md`)."""
    text = README.read_text(encoding="utf-8")
    (committed,) = BLOCK.findall(text)
    command = re.search(r"bordersim table scenarios/\*\.toml --replications (\d+)", text)
    assert command, "the README must give the command that generates its table"
    paths = sorted(str(p) for p in README.parent.glob("*.toml"))  # as the shell expands the glob
    fresh = scenario_table(paths, replications=int(command.group(1)), workers=2)
    assert committed.strip() == fresh.strip(), (
        "scenarios/README.md's table is stale: regenerate it with "
        "bordersim table scenarios/*.toml --replications 10 --out scenarios/README.md"
    )


@pytest.mark.slow
def test_saturation_table_is_current():
    """Regenerates the per-crossing saturation table with the README's own command."""
    text = README.read_text(encoding="utf-8")
    start, end = markers("saturation")
    committed = text.split(start)[1].split(end)[0]
    command = re.search(
        r"bordersim table scenarios/demand_growth_\*\.toml --replications (\d+) ((?:--kpi \S+ )+)"
        r"--out scenarios/README.md --block saturation",
        text,
    )
    assert command, "the README must give the command that generates its saturation table"
    keys = command.group(2).split()[1::2]
    paths = sorted(str(p) for p in README.parent.glob("demand_growth_*.toml"))
    fresh = scenario_table(
        paths, replications=int(command.group(1)), workers=2, columns=[Headline(k, k) for k in keys]
    )
    assert committed.strip() == fresh.strip(), "the saturation table is stale: rerun the README's command"


def test_every_scenario_is_listed_in_the_readme():
    text = README.read_text(encoding="utf-8")
    for path in sorted(README.parent.glob("*.toml")):
        assert f"`{path.name}`" in text, f"{path.name} is missing from the list in scenarios/README.md"
