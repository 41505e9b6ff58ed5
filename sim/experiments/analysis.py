"""Output analysis over replications: warm-up, precision, and differences between scenarios.

Every function here takes plain numbers (one value per replication, or an
output series) and knows nothing of the model:

* :func:`mser` — the MSER-5 truncation point of an output series (White 1997;
  Hoad, Robinson and Davies 2010): the warm-up that minimises the squared
  standard error of the mean of what is left;
* :func:`replications_needed` — how many replications give a confidence
  interval of a requested half-width (Law, *Simulation Modeling and Analysis*,
  §9.4.1, the sequential-t rule applied to a pilot's variance);
* :func:`paired_difference` — the mean of the per-replication differences
  ``b - a`` with its Student-t interval: the estimator that common random
  numbers make precise;
* :func:`unpaired_difference` — Welch's interval, which ignores the pairing
  (what one would get with independent streams), for comparison.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def _stats():
    """``scipy.stats``, imported when first needed: it takes most of a second to import,
    which the command line's start-up cannot afford (issue 13)."""
    from scipy import stats

    return stats


CONFIDENCE = 0.95


@dataclass(frozen=True)
class Difference:
    """An estimate of ``mean(b) - mean(a)`` with a confidence interval.

    Attributes
    ----------
    mean
        Estimated difference ``b - a``.
    half_width
        Half-width of the confidence interval (NaN when it cannot be computed).
    n
        Pairs used (paired) or the smaller sample size (unpaired).
    dof
        Degrees of freedom of the t quantile.
    p_value
        Two-sided p-value of the hypothesis "no difference".
    """

    mean: float
    half_width: float
    n: int
    dof: float
    p_value: float

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    @property
    def significant(self) -> bool:
        """True when the interval excludes zero (a zero-width interval at a non-zero value too)."""
        if math.isnan(self.mean) or math.isnan(self.half_width):
            return False
        return self.low > 0 or self.high < 0


def _finite_pairs(a: Sequence[float], b: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(a, float), np.asarray(b, float)
    if x.shape != y.shape:
        raise ValueError(f"paired samples must have the same length, got {x.size} and {y.size}")
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def paired_difference(a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE) -> Difference:
    """Paired-t interval of ``mean(b - a)``; replication ``i`` of ``a`` is paired with that of ``b``.

    Pairs where either value is NaN are left out. The interval is
    ``mean(d) ± t_{n-1} s_d / sqrt(n)`` with ``d = b - a``.
    """
    x, y = _finite_pairs(a, b)
    d = y - x
    n = d.size
    if n == 0:
        return Difference(math.nan, math.nan, 0, math.nan, math.nan)
    mean = float(d.mean())
    if n == 1:
        return Difference(mean, math.nan, 1, 0.0, math.nan)
    sd = float(d.std(ddof=1))
    t = float(_stats().t.ppf(0.5 + confidence / 2, n - 1))
    half = t * sd / math.sqrt(n)
    if sd == 0.0:
        p = 1.0 if mean == 0.0 else 0.0
    else:
        p = float(2 * _stats().t.sf(abs(mean) / (sd / math.sqrt(n)), n - 1))
    return Difference(mean, half, n, float(n - 1), p)


def unpaired_difference(a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE) -> Difference:
    """Welch's interval of ``mean(b) - mean(a)`` for independent samples (NaNs left out).

    ``se = sqrt(s_a^2/n_a + s_b^2/n_b)``, with the Welch–Satterthwaite degrees of freedom.
    """
    x = np.asarray([v for v in a if not math.isnan(v)], float)
    y = np.asarray([v for v in b if not math.isnan(v)], float)
    if x.size == 0 or y.size == 0:
        return Difference(math.nan, math.nan, 0, math.nan, math.nan)
    mean = float(y.mean() - x.mean())
    n = int(min(x.size, y.size))
    if x.size < 2 or y.size < 2:
        return Difference(mean, math.nan, n, math.nan, math.nan)
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se2 = va + vb
    if se2 == 0.0:
        return Difference(mean, 0.0, n, math.inf, 1.0 if mean == 0.0 else 0.0)
    dof = se2**2 / (va**2 / (x.size - 1) + vb**2 / (y.size - 1))
    se = math.sqrt(se2)
    half = float(_stats().t.ppf(0.5 + confidence / 2, dof)) * se
    p = float(2 * _stats().t.sf(abs(mean) / se, dof))
    return Difference(mean, half, n, float(dof), p)


def replications_needed(
    values: Sequence[float], half_width: float, confidence: float = CONFIDENCE, limit: int = 10**9
) -> int:
    """Replications whose Student-t interval would have at most ``half_width``.

    The pilot's sample standard deviation ``s`` stands for the true one: the
    answer is the smallest ``n >= 2`` with ``t_{n-1, (1+confidence)/2} s / sqrt(n) <= half_width``.

    Parameters
    ----------
    values
        One value per pilot replication (NaNs left out); at least two.
    half_width
        The requested half-width, in the unit of ``values``; positive.
    limit
        Largest answer searched; ``limit`` is returned if even that is not enough.

    Raises
    ------
    ValueError
        With fewer than two finite values or a half-width that is not positive.
    """
    x = np.asarray([v for v in values if not math.isnan(v)], float)
    if x.size < 2:
        raise ValueError("replications_needed: need at least two replications to estimate the variance")
    if not half_width > 0:
        raise ValueError(f"replications_needed: half_width = {half_width}: expected a positive number")
    s = float(x.std(ddof=1))
    if s == 0.0:
        return 2
    # Start from the normal approximation and step up: t_{n-1} decreases with n.
    z = float(_stats().norm.ppf(0.5 + confidence / 2))
    n = max(2, math.ceil((z * s / half_width) ** 2))
    while n > 2 and float(_stats().t.ppf(0.5 + confidence / 2, n - 2)) * s / math.sqrt(n - 1) <= half_width:
        n -= 1
    while n < limit and float(_stats().t.ppf(0.5 + confidence / 2, n - 1)) * s / math.sqrt(n) > half_width:
        n += 1
    return n


@dataclass(frozen=True)
class Truncation:
    """Result of MSER: how many observations to discard, and whether to trust it.

    Attributes
    ----------
    observations
        Observations to discard from the start (a multiple of the batch size).
    batch
        Batch size (5 for MSER-5).
    statistic
        The MSER statistic at each candidate truncation, in batches.
    reliable
        False when the minimum lies at the edge of the searched half of the series:
        the run may be too short to show the end of the warm-up.
    """

    observations: int
    batch: int
    statistic: np.ndarray
    reliable: bool


def mser(series: Sequence[float], batch: int = 5) -> Truncation:
    """MSER-``batch`` truncation point of an output series (MSER-5 by default).

    The series is cut into ``k`` batches of ``batch`` consecutive observations
    (a remainder at the end is dropped) with means ``Z_1..Z_k``. For each
    ``d = 0..k//2`` batches discarded,

    ``MSER(d) = sum_{j>d} (Z_j - mean(Z_{d+1..k}))^2 / (k - d)^2``,

    and the suggested warm-up is ``d* batch`` observations with ``d*`` the
    minimiser (the first one on ties). Only the first half of the series is
    searched, as is customary, since the statistic is unstable near the end.
    Apply it to the mean over replications of a series.
    """
    x = np.asarray(series, float)
    if batch < 1:
        raise ValueError(f"mser: batch = {batch}: expected at least 1")
    k = x.size // batch
    if k < 2:
        raise ValueError(f"mser: a series of {x.size} observations has fewer than two batches of {batch}")
    z = x[: k * batch].reshape(k, batch).mean(axis=1)
    candidates = np.arange(k // 2 + 1)
    stat = np.empty(candidates.size)
    for d in candidates:
        rest = z[d:]
        stat[d] = float(((rest - rest.mean()) ** 2).sum()) / (k - d) ** 2
    best = int(np.argmin(stat))
    reliable = bool(best < candidates[-1])
    return Truncation(observations=best * batch, batch=batch, statistic=stat, reliable=reliable)
