"""Coverage of the 95% confidence intervals on an M/M/c queue whose answer is known.

M experiments, each of n replications with its own rng_seed, each giving the
Student-t interval of ``sim.experiment.estimate`` for three KPIs whose steady-state
expectations are known exactly:

* ``utilisation`` of the stage: rho = lambda / (c mu);
* ``cleared_per_day``: 24 lambda (what arrives leaves, in steady state);
* ``backlog_midnight.mean``: L, the mean number in an M/M/c system (Erlang C and
  Little's law), sampled at midnights.

Each run starts empty and discards one day, far longer than the queue's relaxation
time at this load (about 6 hours: 1 / (c mu (1 - sqrt(rho))^2)), so the estimators are unbiased for practical
purposes. If the intervals are right, the number that cover the truth is
Binomial(M, 0.95); the test accepts the central 99.9% of that law for each KPI.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest
from scipy import stats

from sim.examples.scenarios import mmc_dict, validated
from sim.examples.theory import erlang_c
from sim.experiments.comparison import headline_kpis_of
from sim.experiments.replications import estimate

LAM_PER_H, SERVICE_MIN, LANES = 4.2, 20.0, 2  # rho = 0.7
DAYS, WARMUP = 21, 1
EXPERIMENTS, REPLICATIONS = 200, 10
STAGE = "utilisation.gate/export/service"


def one_experiment(m: int) -> dict[str, list[float]]:
    scenario = validated(mmc_dict(LAM_PER_H, SERVICE_MIN, LANES, DAYS, WARMUP, rng_seed=1000 + m))
    runs = [headline_kpis_of(scenario, r) for r in range(REPLICATIONS)]
    keys = (STAGE, "cleared_per_day", "backlog_midnight.mean")
    return {k: [run[k] for run in runs] for k in keys}


@pytest.mark.slow
def test_95_percent_intervals_cover_the_truth_95_percent_of_the_time():
    mean_in_system = erlang_c(LAM_PER_H / 60.0, SERVICE_MIN, LANES).in_system
    truth = {
        STAGE: LAM_PER_H * SERVICE_MIN / 60.0 / LANES,
        "cleared_per_day": 24.0 * LAM_PER_H,
        "backlog_midnight.mean": mean_in_system,
    }
    with ProcessPoolExecutor(max_workers=2) as pool:
        experiments = list(pool.map(one_experiment, range(EXPERIMENTS)))
    low = int(stats.binom.ppf(0.0005, EXPERIMENTS, 0.95))
    high = int(stats.binom.isf(0.0005, EXPERIMENTS, 0.95))
    report = []
    for key, value in truth.items():
        covered = 0
        for exp in experiments:
            e = estimate(exp[key])
            covered += e.low <= value <= e.high
        report.append(f"{key}: {covered}/{EXPERIMENTS} = {covered / EXPERIMENTS:.1%} (truth {value:.4g})")
        assert low <= covered <= high, (
            f"{key}: {covered} of {EXPERIMENTS} 95% intervals cover the truth {value:.4g}; "
            f"a correct interval covers between {low} and {high} (central 99.9% of Binomial)"
        )
    print("\n" + "\n".join(report))
