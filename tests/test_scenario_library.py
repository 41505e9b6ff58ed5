"""The scenario library's conventions (issue 16): every packaged planner scenario opens with
its question, the facts it encodes and its assumptions, and extends the calibrated baseline
of its period — ``baseline`` (Q1 2023, calibrated to 001_) for 2023, ``baseline_2024``
(calibrated to F07d, F11, F12, F64d, F85) for later years — so that its demand and capacity
come from a calibration rather than from numbers of its own.

The reported episodes (``episodes/``) are out-of-sample checks with their own conventions
(tests/test_episodes.py) and are not planner scenarios.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim import load_scenario
from sim.scenario.files import packaged_dir, read_chain

BASELINES = {"baseline", "baseline_2024"}
PLANNER_FILES = sorted(packaged_dir().glob("*.toml"))
FACT = re.compile(r"\bF\d{2}[a-z]?\b|\b\d{3}_[0-9a-f]*")


def header(path: Path) -> str:
    """The comment block a file opens with."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            if lines:
                break
            continue
        lines.append(line.lstrip("# "))
    return "\n".join(lines)


@pytest.mark.parametrize("path", PLANNER_FILES, ids=lambda p: p.stem)
def test_every_scenario_opens_with_its_question_facts_and_assumptions(path):
    text = header(path)
    assert text, f"{path.name}: no opening comment (expected the planner's question, facts, assumptions)"
    if path.stem not in BASELINES:
        assert re.search(r"question", text, re.IGNORECASE), (
            f"{path.name}: the opening comment should state the planner's question ('Question: ...')"
        )
    assert FACT.search(text), f"{path.name}: the opening comment names no fact id (F..) or source file (NNN_)"
    assert "ASSUMPTION" in text.upper(), f"{path.name}: the opening comment names no ASSUMPTION"


@pytest.mark.parametrize("path", [p for p in PLANNER_FILES if p.stem not in BASELINES], ids=lambda p: p.stem)
def test_every_scenario_extends_the_calibrated_baseline_of_its_period(path):
    chain = read_chain(path)
    # The nearest calibrated baseline up the chain (baseline_2024 itself extends baseline).
    root = next((p.stem for p, _ in chain[1:] if p.stem in BASELINES), chain[-1][0].stem)
    assert root in BASELINES, f"{path.name}: its extends chain reaches no calibrated baseline ({root!r})"
    year = load_scenario(path).start_date.year
    expected = "baseline" if year <= 2023 else "baseline_2024"
    assert root == expected, (
        f"{path.name}: starts in {year} but extends {root!r}; a {year} question should build on "
        f"{expected!r}, whose demand and capacity are calibrated for that period"
    )
