"""Reported congestion episodes, each run from its own inputs only (scenarios/episodes/), in the
plausible worlds.

The episode files change only what the report gives (dates, hours, closures, capacities,
arrivals). History matching (seeds/history_matching.toml) uses each episode's targets or
excludes them with the reason; the worlds (seeds/worlds.toml) are the points no target in use
rules out. So:

- an episode **in use** must be met (implausibility at most the cut-off) in every plausible world
  checked here — run again with the replications history matching used, the same seeds, so a
  stale worlds file or a model change that breaks an episode fails here;
- an episode **excluded as structural** must be missed in every plausible world (what the
  exclusion says): when a model change (patience, holding inland, Covid-era procedures) lets a
  world meet it, this test fails and the episode goes back into history matching.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.history_matching import (
    default_settings_path,
    evaluate_point,
    implausibility,
    load_settings,
    observed,
    problem,
)
from sim.experiments.worlds import default_worlds_path, load_worlds
from sim.scenario.files import packaged_names
from sim.scenario.targets import default_targets_path, load_targets
from sim.scenario.uncertain import load_space

WORLDS_CHECKED = 10


def test_every_episode_is_packaged_and_has_a_target():
    episodes = [n for n in packaged_names() if n.startswith("episodes/")]
    assert len(episodes) >= 8
    named = {t.scenario for t in load_targets().values()}
    for e in episodes:
        assert e in named, f"{e} has no target entry in seeds/targets.toml"


def test_f05_and_f02_contradict_each_other():
    """Why F05 is excluded: its '+300 on the first half of March' puts the Hữu Nghị pair at about
    320-330 a day before the surge, below F02's 500-600 for the same gate and weeks."""
    t = load_targets()
    f05 = t["episode_f05_march_2023"].observed
    f02 = t["huu_nghi_feb_mar_2023"].observed
    before = (f05[0] - 300, f05[1] - 300)
    assert before[1] < f02[0], (before, f02)


def _episode(name: str):
    space = load_space()
    targets = {n: t for n, t in load_targets().items() if t.scenario == f"episodes/{name}.toml"}
    assert targets, f"no target in seeds/targets.toml names episodes/{name}.toml"
    settings = load_settings(default_settings_path())
    p = problem(space, targets, default_targets_path().parent)
    return p, settings


def _implausibility_in_worlds(name: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Each world's implausibility for each of the episode's targets, and each target's use."""
    p, settings = _episode(name)
    worlds = load_worlds(default_worlds_path()).first(WORLDS_CHECKED)
    obs = observed(p, settings)
    rows = []
    for values in worlds.values:
        runs = np.array([evaluate_point(p, values, r) for r in range(settings.replications)], float)
        rows.append(implausibility(runs.mean(axis=0), runs.var(axis=0, ddof=1), settings.replications, obs))
    return obs.names, np.array(rows), obs.use


IN_USE = [
    "f08_august_2024_pre_holiday",
    "f15_f44_april_2025_record",
    "f18_pre_tet_2026",
    "f38_october_2020_tan_thanh_slowdown",
    "f39_tan_thanh_acceptance_limit",  # re-entered once patience was in the space (issue 22)
    "f48_april_2025_short_closures",
]


@pytest.mark.slow
@pytest.mark.parametrize("episode", IN_USE)
def test_episode_is_met_in_every_plausible_world(episode):
    names, impl, use = _implausibility_in_worlds(episode)
    cutoff = load_settings(default_settings_path()).cutoff
    misses = [
        f"world {w + 1}: {n} I = {impl[w, k]:.2f}"
        for w in range(len(impl))
        for k, n in enumerate(names)
        if use[k] and not impl[w, k] <= cutoff
    ]
    assert not misses, "; ".join(misses[:5])


# Excluded as structural: missed in every world (seeds/history_matching.toml says what each points at).
STRUCTURAL = [
    ("f20_april_2020_hours_cut", "episode_f20_april_2020"),  # Covid-era procedures, not in the inputs
]
# Excluded for other reasons, so not tested as structural: F05 (it contradicts F02: tested above) and
# F18's new cars (the episode's input mix, which no parameter of the space changes).


@pytest.mark.slow
@pytest.mark.parametrize(("episode", "target"), STRUCTURAL)
def test_structural_finding_holds_in_every_plausible_world(episode, target):
    names, impl, _ = _implausibility_in_worlds(episode)
    cutoff = load_settings(default_settings_path()).cutoff
    k = names.index(target)
    met = [w + 1 for w in range(len(impl)) if impl[w, k] <= cutoff]
    assert not met, (
        f"{target} is met in worlds {met}: the structural finding no longer holds; put it back into "
        "history matching (seeds/history_matching.toml) and regenerate the worlds"
    )
