"""Drawing durations from a scenario's distributions (``sim.scenario.distributions``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from itertools import chain

import numpy as np

from sim.scenario.distributions import (
    Deterministic,
    Distribution,
    Exponential,
    Gamma,
    Lognormal,
    Mixture,
    Triangular,
    Uniform,
)


def sample(dist: Distribution, rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw ``n`` durations in minutes."""
    if isinstance(dist, Deterministic):
        return np.full(n, dist.value_min)
    if isinstance(dist, Exponential):
        return rng.exponential(dist.mean_min, n)
    if isinstance(dist, Lognormal):
        # Parameters of the underlying normal from the lognormal's own mean and sd.
        sigma2 = math.log1p((dist.sd_min / dist.mean_min) ** 2)
        mu = math.log(dist.mean_min) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), n)
    if isinstance(dist, Gamma):
        shape = (dist.mean_min / dist.sd_min) ** 2
        return rng.gamma(shape, dist.mean_min / shape, n)
    if isinstance(dist, Uniform):
        return rng.uniform(dist.low_min, dist.high_min, n)
    if isinstance(dist, Triangular):
        return rng.triangular(dist.low_min, dist.mode_min, dist.high_min, n)
    if isinstance(dist, Mixture):
        probs = np.array([b.probability for b in dist.branches])
        choice = rng.choice(len(probs), size=n, p=probs / probs.sum())
        out = np.empty(n)
        for i, branch in enumerate(dist.branches):
            picked = choice == i
            out[picked] = sample(branch.duration, rng, int(picked.sum()))
        return out
    raise TypeError(f"unknown distribution {dist!r}")


def blocks(dist: Distribution, rng: np.random.Generator, block: int = 512) -> Iterator[np.ndarray]:
    """Durations from ``rng``, ``block`` at a time (read one by one by :func:`sampler` and by
    :class:`sim.engine.path.Draws`)."""
    while True:
        yield sample(dist, rng, block)


def sampler(dist: Distribution, rng: np.random.Generator, block: int = 512) -> Callable[[], float]:
    """A zero-argument function returning the next duration from ``rng``.

    Draws come in blocks of ``block``; the sequence depends only on ``rng``'s
    state and the number of draws, so a run stays reproducible.
    """
    if isinstance(dist, Deterministic):
        value = float(dist.value_min)
        return lambda: value
    # chain's __next__ is C: a draw runs no Python frame; a block is drawn, as before, only
    # when the previous one is used up (the same draws from ``rng`` in the same order).
    return chain.from_iterable(map(np.ndarray.tolist, blocks(dist, rng, block))).__next__
