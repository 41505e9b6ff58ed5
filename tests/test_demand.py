"""Arrivals: exact non-homogeneous Poisson sampling, shaped by hour, weekday and windows."""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim import load_scenario
from sim.engine.demand import hourly_rates, sample_arrivals


def test_counts_per_hour_are_poisson_with_the_profile_rate():
    # A step profile: arrivals only in hours 6..9, four times the rate in hour 9.
    rates = np.zeros(24 * 200)
    for day in range(200):
        rates[day * 24 + 6 : day * 24 + 9] = 2.0
        rates[day * 24 + 9] = 8.0
    times = sample_arrivals(rates, np.random.default_rng(3))
    hours = np.floor(times / 60).astype(int) % 24
    assert set(np.unique(hours)) <= {6, 7, 8, 9}, "an arrival fell in an hour with zero rate"
    # Total count: Poisson with mean sum(rates); a 99.9% interval.
    total = rates.sum()
    lo, hi = stats.poisson.ppf([0.0005, 0.9995], total)
    assert lo <= times.size <= hi
    # No arrivals lost at profile boundaries: hour 9 carries 8/14 of the arrivals.
    share = (hours == 9).mean()
    se = np.sqrt(share * (1 - share) / times.size)
    assert abs(share - 8 / 14) < 4 * se


def test_times_uniform_within_an_hour():
    times = sample_arrivals(np.full(2000, 5.0), np.random.default_rng(5))
    within = (times % 60) / 60
    assert stats.kstest(within, "uniform").pvalue > 0.001
    assert np.all(np.diff(times) >= 0)


def test_windows_multiply_only_their_classes_and_days():
    s = load_scenario(
        "baseline",
        overrides={
            "demand": {
                "windows": [
                    {
                        "name": "surge",
                        "start": "2023-02-14",
                        "end": "2023-02-15",
                        "factor": 2.0,
                        "cargo": ["perishable"],
                    }
                ]
            },
        },
    )
    base = load_scenario("baseline")
    perishable = s.demand.streams["export_perishable"]
    general = s.demand.streams["export_general"]
    r_surge, r_base = hourly_rates(s, perishable), hourly_rates(base, perishable)
    per_day = (r_surge / r_base).reshape(-1, 24)[:, 0]
    assert list(per_day[:4]) == [1.0, 2.0, 2.0, 1.0]
    assert np.array_equal(hourly_rates(s, general), hourly_rates(base, general))


def test_profile_keeps_the_daily_mean():
    s = load_scenario("baseline")
    stream = s.demand.streams["import_general"]
    per_day = hourly_rates(s, stream).reshape(-1, 24).sum(axis=1)
    assert np.allclose(per_day, stream.trucks_per_day)
