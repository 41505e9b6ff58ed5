"""The model against queueing theory: Erlang C, utilisation and Little's law.

Every check compares a theoretical value with a Student-t confidence interval
over independent replications (``replication = 0..R-1``), never with a pinned
seeded number. The intervals are 99% ones: with a handful of checks the chance
that a correct model fails one by bad luck (after any change that reshuffles
the random streams) stays around 1% per check. Each test also asserts that its
interval is narrow enough to catch an error of a few percent, so it cannot pass
by being vague.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import stage_waits, t_interval

from sim.engine.calendar import MINUTES_PER_DAY
from sim.engine.run import RunResult, run_once
from sim.examples.scenarios import mmc_scenario
from sim.examples.theory import erlang_c
from sim.readouts.kpis import in_system_at, kpis
from sim.scenario.files import load_scenario

LEVEL = 0.99
REPLICATIONS = 20
DAYS, WARMUP_DAYS = 122, 2
# Waits are measured on trucks that join in [warm-up, horizon - 1 day): a truck that joins
# in the last day might still be waiting at the end, and leaving it out (or counting a
# truncated wait) would bias the mean down. A day is hundreds of mean waits here.
TAIL_DAYS = 1

# (lanes, rho, mean service minutes): M/M/1, a lightly loaded M/M/2, and M/M/3 near capacity.
MMC_CASES = [(1, 0.7, 10.0), (2, 0.5, 20.0), (3, 0.8, 30.0)]


def test_erlang_c_formula_matches_known_values() -> None:
    """The formula coded in the tests, against textbook cases: M/M/1 has Wq = rho / (mu - lambda)
    and P(wait) = rho; M/M/2 with a = 1 has P(wait) = 1/3."""
    assert erlang_c(0.07, 10.0, 1).wait_min == pytest.approx(0.7 / (0.1 - 0.07))
    assert erlang_c(0.07, 10.0, 1).p_wait == pytest.approx(0.7)
    assert erlang_c(0.05, 20.0, 2).p_wait == pytest.approx(1 / 3)
    assert erlang_c(0.05, 20.0, 2).wait_min == pytest.approx((1 / 3) / (2 / 20 - 0.05))


@functools.cache
def _mmc_runs(lanes: int, rho: float, mean_service_min: float) -> list[RunResult]:
    """The replications of one M/M/c case (shared by the wait and utilisation tests)."""
    lam_per_h = 60.0 * rho * lanes / mean_service_min
    scenario = mmc_scenario(lam_per_h, mean_service_min, lanes, DAYS, WARMUP_DAYS, rng_seed=20240501)
    return [run_once(scenario, replication=r) for r in range(REPLICATIONS)]


@pytest.mark.parametrize(("lanes", "rho", "mean_service_min"), MMC_CASES)
def test_mmc_wait_in_queue_matches_erlang_c(lanes: int, rho: float, mean_service_min: float) -> None:
    """Mean wait in queue and share of trucks that wait, against Erlang C.

    Per replication: the mean of ``t_start - t_queue`` over the stage rows that joined the
    queue in the measured window (after the warm-up, before the last day), and the share
    of those rows that waited at all. Across replications: a 99% Student-t interval, which
    must contain the theoretical value.
    """
    lam = rho * lanes / mean_service_min
    wq_theory = erlang_c(lam, mean_service_min, lanes).wait_min
    p_theory = erlang_c(lam, mean_service_min, lanes).p_wait
    t0, t1 = WARMUP_DAYS * MINUTES_PER_DAY, (DAYS - TAIL_DAYS) * MINUTES_PER_DAY
    means, shares = [], []
    for result in _mmc_runs(lanes, rho, mean_service_min):
        waits = stage_waits(result, 0, t0, t1)
        assert waits.size > 1000, "too few trucks measured for the comparison"
        rows = result.stages
        joined = (rows["t_queue"] >= t0) & (rows["t_queue"] < t1)
        assert not np.isnan(rows["t_start"][joined]).any(), "a measured truck never started: widen TAIL_DAYS"
        means.append(waits.mean())
        shares.append((waits > 0).mean())

    mean, lo, hi = t_interval(means, LEVEL)
    assert lo <= wq_theory <= hi, (
        f"M/M/{lanes} at rho={rho}: the simulated mean wait in queue, {mean:.2f} min "
        f"(99% CI {lo:.2f}-{hi:.2f}), does not contain the Erlang C value {wq_theory:.2f} min"
    )
    assert (hi - lo) / 2 < 0.1 * wq_theory, "the interval is too wide to test anything: add days"
    p_mean, p_lo, p_hi = t_interval(shares, LEVEL)
    assert p_lo <= p_theory <= p_hi, (
        f"M/M/{lanes} at rho={rho}: share of trucks that wait {p_mean:.3f} "
        f"(99% CI {p_lo:.3f}-{p_hi:.3f}) vs Erlang C {p_theory:.3f}"
    )


@pytest.mark.parametrize(("lanes", "rho", "mean_service_min"), MMC_CASES)
def test_mmc_utilisation_is_rho(lanes: int, rho: float, mean_service_min: float) -> None:
    """Busy lane-time over open lane-time (the ``utilisation.<stage>`` KPI) estimates
    rho = lambda E[S] / c; its 99% interval over replications must contain rho."""
    name = "utilisation.gate/export/service"
    values = [kpis(result)[name] for result in _mmc_runs(lanes, rho, mean_service_min)]
    mean, lo, hi = t_interval(values, LEVEL)
    assert lo <= rho <= hi, (
        f"M/M/{lanes}: the stage is open all day and trucks bring rho={rho} of its capacity, but "
        f"the utilisation KPI is {mean:.4f} (99% CI {lo:.4f}-{hi:.4f})"
    )
    assert (hi - lo) / 2 < 0.02, "the interval is too wide to test anything"


def test_littles_law_on_the_baseline() -> None:
    """L = lambda W on the Lạng Sơn baseline (10 days, 2 of warm-up), replication by replication.

    Estimator. The measured window is [a, b) = [day 2, day 9): both ends at midnight, so
    that the daily cycle of arrivals and opening hours is the same at both ends, and a
    final day after b lets every truck that arrived in the window leave (asserted), so its
    time in system is known and not censored.

    * L: the time-average number of trucks in the system over [a, b), from ``in_system_at``
      on a 5-minute grid at the interval midpoints (checked against the exact integral
      from the records).
    * lambda W: (arrivals in [a, b)) / (b - a) times their mean time in system
      (``t_out - t_arrive``, cleared or gave up).

    Edge effects. Over the window, the integral of N(t) equals the sum of each truck's
    time in the system inside [a, b). lambda W (b - a) instead counts the whole stay of
    the trucks that arrive in the window. The two differ by the time in [a, b) of the
    trucks already there at a (counted in L only) minus the time after b of the trucks
    still there at b (counted in lambda W only). With the same time of day at both ends
    and a periodic steady state after the warm-up, the two boundary terms have the same
    expectation, so L - lambda W has mean 0 but a replication-to-replication spread: we
    assert that the 99% interval of the relative gap (L - lambda W) / L covers 0, and that
    it is narrow (under 3%), so that a real violation of a few percent would show.
    """
    scenario = load_scenario("baseline", overrides={"horizon_days": 11, "warmup_days": 2})
    a, b = 2 * MINUTES_PER_DAY, 9 * MINUTES_PER_DAY  # two final days: a dwell on office hours
    grid = np.arange(a + 2.5, b, 5.0)
    gaps = []
    for r in range(10):
        result = run_once(scenario, replication=r)
        t = result.trucks
        arrived = (t["t_arrive"] >= a) & (t["t_arrive"] < b)
        assert arrived.sum() > 1000
        assert not np.isnan(t["t_out"][arrived]).any(), (
            "a truck that arrived before the last day is still in the system at the end: the "
            "estimator needs every stay in the window to be complete (lengthen the final day)"
        )
        big_l = in_system_at(result, grid).mean()
        out = np.where(np.isnan(t["t_out"]), result.horizon_min, t["t_out"])
        exact = np.clip(np.minimum(out, b) - np.maximum(t["t_arrive"], a), 0.0, None).sum() / (b - a)
        assert big_l == pytest.approx(exact, rel=0.01), "in_system_at disagrees with the records"
        lam = arrived.sum() / (b - a)
        w = float((t["t_out"][arrived] - t["t_arrive"][arrived]).mean())
        gaps.append((big_l - lam * w) / big_l)
    mean, lo, hi = t_interval(gaps, LEVEL)
    assert lo <= 0.0 <= hi, (
        f"Little's law: (L - lambda W) / L = {mean:+.4f} (99% CI {lo:+.4f} to {hi:+.4f}) should be 0 "
        "up to boundary effects of mean zero"
    )
    assert (hi - lo) / 2 < 0.03, "the interval is too wide to test Little's law"
