"""Reported congestion episodes, each run from its own inputs only (scenarios/episodes/).

Out-of-sample checks of the calibrated baselines' structure: the episode files change
only what the report gives (dates, hours, closures, capacities, arrivals), and nothing in
the baselines was tuned to them. Each test is named after its source and checks the
episode's targets in seeds/targets.toml (band from the report, model mean over
replications). An episode the model misses is marked ``xfail(strict=True)`` with the
finding and what it suggests: the miss is recorded, not tuned away, and a model change
that makes it pass fails the mark so the finding gets revisited.
"""

from __future__ import annotations

import pytest

from sim import load_scenario
from sim.experiments.calibration import evaluate
from sim.scenario.files import packaged_dir, packaged_names
from sim.scenario.targets import load_targets

REPLICATIONS = 10


def _results(episode: str):
    targets = {n: t for n, t in load_targets().items() if t.scenario == f"episodes/{episode}.toml"}
    assert targets, f"no target in seeds/targets.toml names episodes/{episode}.toml"
    return evaluate(load_scenario(packaged_dir() / "episodes" / f"{episode}.toml"), targets, REPLICATIONS, 2)


def _check(episode: str, names: list[str] | None = None):
    misses = [
        f"{r.name}: model {r.model.mean:.1f} ± {r.model.half_width:.1f}, band {list(r.target.band)}"
        for r in _results(episode)
        if (names is None or r.name in names) and not r.inside
    ]
    assert not misses, "; ".join(misses)


def test_every_episode_is_packaged_and_has_a_target():
    episodes = [n for n in packaged_names() if n.startswith("episodes/")]
    assert len(episodes) >= 7
    named = {t.scenario for t in load_targets().values()}
    for e in episodes:
        assert e in named, f"{e} has no target entry in seeds/targets.toml"


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="FINDING: with the Chinese side open 5 h instead of 12 the model still clears about 2.5x "
    "the reported ~300/day: hours alone do not explain April 2020. The rest (China's 5 gates of "
    "12, Covid procedures, the driver relay) is not expressible in the episode's inputs.",
)
def test_f20_april_2020_hours_cut():
    _check("f20_april_2020_hours_cut")


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="FINDING: a 10-min Puzhai check with the Q1 2023 demand grows the Tân Thanh queue by about "
    "half the reported ~170/day: October (dragon-fruit season) demand at Tân Thanh is higher than "
    "the baseline's, and no arrival count is reported for the episode.",
)
def test_f38_october_2020_tan_thanh_check_slowdown():
    _check("f38_october_2020_tan_thanh_slowdown")


@pytest.mark.slow
def test_f39_tan_thanh_acceptance_limit():
    """With 1,000 arrivals and 300 accepted a day, trucks that never gave up made a queue of
    hundreds of km in ten days, not 'tens of km' (the finding before issue 22). With drivers
    who turn back (the packaged fruit patience, 72 h ± 36 h) the queue is tens of km. Not an
    out-of-sample check of patience: its range was read off this episode (with F20)."""
    _check("f39_tan_thanh_acceptance_limit")


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="FINDING: +300/day on top of the baseline's Hữu Nghị pair (~585, F02) gives ~850, not "
    "620-630: F05's '+300' implies ~320/day in early March, which F02's 500-600 contradicts. The two "
    "reports count Hữu Nghị differently (gate alone vs gate and road 1119-1120).",
)
def test_f05_march_2023_huu_nghi_surge():
    _check("f05_march_2023_huu_nghi_surge")


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="FINDING: the 2024 baseline's Chinese side, open to 21:00 Beijing, clears about 1,650 "
    "a day and the backlog grows, where 1,906 crossed 'without congestion': the Chinese inspection "
    "berth counts and the customs lanes of road 1119-1120 and the Hữu Nghị gate (ASSUMPTIONS the "
    "2024 targets do not identify) are too few for 2025. Dwells change nothing here (they take no "
    "lane); with about half again as many lanes at the busy stages the episode clears ~1,950 "
    "without a growing backlog (issue 21's closing note).",
)
def test_f15_f44_april_2025_record_without_congestion():
    _check("f15_f44_april_2025_record")


@pytest.mark.slow
def test_f48_april_2025_short_closures_leave_no_lasting_backlog():
    _check("f48_april_2025_short_closures")


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="FINDING: the 2024 baseline with F52's faster border check clears about 1,530 a day of "
    "~2,155 arrivals, not 1,911, leaving 3.6 times the 488 waiting; new cars are half the 333 in "
    "two days. Same capacity finding as F15; the 2026 mix has more cars than 2024's. The dwells "
    "(F54, F56) add to the standing count; with about half again as many lanes at the busy stages "
    "the same dwells leave ~650 (inside 250-750) and exports spend ~8 h (F57: under 24 h): the "
    "standing queue is dwell once capacity suffices (issue 21's closing note).",
)
def test_f18_pre_tet_2026():
    _check("f18_pre_tet_2026")
