"""Output analysis against the textbook formulas and scipy's reference implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.experiments.analysis import mser, paired_difference, replications_needed, unpaired_difference


def test_paired_difference_is_the_t_interval_of_the_differences():
    rng = np.random.default_rng(1)
    a = rng.normal(10, 2, 12)
    b = a + rng.normal(0.5, 0.3, 12)
    d = paired_difference(a, b)
    diff = b - a
    half = stats.t.ppf(0.975, 11) * diff.std(ddof=1) / math.sqrt(12)
    assert d.mean == pytest.approx(diff.mean(), rel=1e-12)
    assert d.half_width == pytest.approx(half, rel=1e-12)
    assert d.p_value == pytest.approx(stats.ttest_rel(b, a).pvalue, rel=1e-9)
    assert d.significant and d.n == 12 and d.dof == 11


def test_unpaired_difference_is_welch():
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, 10), rng.normal(0.3, 3, 15)
    d = unpaired_difference(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert d.low == pytest.approx(ci.low, rel=1e-9)
    assert d.high == pytest.approx(ci.high, rel=1e-9)
    assert d.p_value == pytest.approx(ref.pvalue, rel=1e-9)


def test_differences_leave_out_nan_pairs_and_handle_degenerate_cases():
    d = paired_difference([1.0, math.nan, 3.0, 4.0], [2.0, 5.0, math.nan, 6.0])
    assert d.n == 2 and d.mean == pytest.approx(1.5)
    same = paired_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert same.mean == 0 and same.half_width == 0 and not same.significant
    shifted = paired_difference([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])  # a constant difference: certain
    assert shifted.half_width == 0 and shifted.significant
    assert math.isnan(paired_difference([1.0], [2.0]).half_width)
    with pytest.raises(ValueError, match="same length"):
        paired_difference([1.0, 2.0], [1.0])


@pytest.mark.parametrize("sd, target", [(1.0, 0.1), (5.0, 2.0), (3.0, 10.0), (1.0, 0.01)])
def test_replications_needed_is_the_smallest_n_meeting_the_half_width(sd, target):
    pilot = np.random.default_rng(3).normal(0.0, sd, 10)
    s = pilot.std(ddof=1)
    n = replications_needed(pilot, target)

    def half(k: int) -> float:
        return stats.t.ppf(0.975, k - 1) * s / math.sqrt(k)

    assert half(n) <= target
    assert n == 2 or half(n - 1) > target
    # Large n: the normal-theory answer (z s / h)^2.
    if n > 1000:
        assert n == pytest.approx((1.96 * s / target) ** 2, rel=0.01)


def test_replications_needed_rejects_what_it_cannot_answer():
    with pytest.raises(ValueError, match="at least two"):
        replications_needed([1.0], 0.1)
    with pytest.raises(ValueError, match="positive"):
        replications_needed([1.0, 2.0], 0.0)
    assert replications_needed([4.0, 4.0, 4.0], 0.1) == 2


def test_mser5_cuts_an_initial_transient_and_nothing_from_a_stationary_series():
    rng = np.random.default_rng(4)
    stationary = rng.normal(0.0, 1.0, 1000)
    assert mser(stationary).observations <= 50  # nothing to cut (up to noise)
    # An exponentially decaying start, as a queue that starts empty: 20 + noise -> 0 + noise.
    t = np.arange(1000)
    transient = 20.0 * np.exp(-t / 40.0) + rng.normal(0.0, 1.0, t.size)
    cut = mser(transient)
    assert cut.batch == 5 and cut.observations % 5 == 0
    # The bias left after the cut is small against the noise, and the cut is not needlessly long.
    assert 20.0 * math.exp(-cut.observations / 40.0) < 1.0
    assert cut.observations < 300
    assert cut.reliable


def test_mser5_statistic_is_the_definition():
    x = np.arange(30, dtype=float)[::-1] ** 0.5
    cut = mser(x)
    z = x.reshape(6, 5).mean(axis=1)
    expected = [((z[d:] - z[d:].mean()) ** 2).sum() / (6 - d) ** 2 for d in range(4)]
    assert np.allclose(cut.statistic, expected)
    assert cut.observations == 5 * int(np.argmin(expected))


def test_mser_flags_a_run_too_short_to_show_the_end_of_the_warm_up():
    rising = np.linspace(0.0, 100.0, 200)  # still trending: never settles
    assert not mser(rising).reliable
    with pytest.raises(ValueError, match="fewer than two batches"):
        mser([1.0, 2.0, 3.0])
