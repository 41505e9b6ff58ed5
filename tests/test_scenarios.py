"""The scenario library: every file validates and runs, and each effect has the
direction the question expects.

Comparisons are paired: the same replications (rng_seed, r) give both scenarios the
same arrivals and the same service draws where they share them (common random numbers),
so differences come from the change, not from noise. Horizons are shortened for CI.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import conservation, load_scenario, replicate, run_once
from sim.experiments.replications import estimate
from sim.readouts.kpis import in_system_at
from sim.scenario.files import packaged_dir

REPS = 4


def runs(name: str, **overrides) -> list[dict[str, float]]:
    return replicate(load_scenario(name, overrides=overrides or None), REPS, workers=2)


def paired(a: list[dict], b: list[dict], key: str):
    """Estimate of b - a for ``key`` over paired replications."""
    return estimate(y[key] - x[key] for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("path", sorted(packaged_dir().glob("*.toml")), ids=lambda p: p.stem)
def test_every_scenario_runs_and_conserves_trucks(path):
    scenario = load_scenario(path, overrides={"horizon_days": 4, "warmup_days": 1})
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# "), f"{path.name} must open with a comment stating its question"
    text = path.read_text(encoding="utf-8")
    assert "ASSUMPTION" in text or path.stem == "office_hours", f"{path.name} must mark its assumptions"
    result = run_once(scenario)
    c, t = conservation(result), result.trucks
    assert c["initial_backlog"] == sum(b.trucks for b in scenario.initial_backlog)
    # Outcome codes against times: trucks still in the system by their timestamps.
    assert in_system_at(result, np.array([result.horizon_min]))[0] == c["in_system"]
    left = t["outcome"] > 0
    assert np.all(t["t_out"][left] >= t["t_arrive"][left])
