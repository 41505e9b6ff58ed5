"""The limits of a scenario: one documented constant each, listed in the README, enforced by
validate, and a valid scenario's results unchanged by them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sim.scenario import limits
from sim.scenario.files import load_scenario, packaged_names
from sim.scenario.schema import expected_trucks, limit_problems

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
CONSTANTS = {k: v for k, v in vars(limits).items() if k.isupper()}


def _shown(value) -> set[str]:
    if isinstance(value, date):
        return {str(value)}
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return {f"{value:,}", str(value)}


@pytest.mark.parametrize("name", sorted(CONSTANTS))
def test_every_limit_is_documented_and_in_the_readme(name):
    lines = Path(limits.__file__).read_text(encoding="utf-8").splitlines()
    i = next(k for k, text in enumerate(lines) if text.startswith(f"{name} ="))
    while i > 0 and lines[i - 1][:1].isupper():  # a group of constants under one comment
        i -= 1
    assert lines[i - 1].startswith("#:"), f"{name} has no comment above it"
    assert any(shown in README for shown in _shown(CONSTANTS[name])), f"{name} is not in the README"


@pytest.mark.parametrize("name", packaged_names())
def test_packaged_scenarios_are_well_within_the_limits(name):
    scenario = load_scenario(name)
    assert limit_problems(scenario) == []
    assert expected_trucks(scenario) < limits.MAX_TRUCKS_PER_RUN / 10
