"""Probability distributions of durations, as scenario specs and as samplers.

A distribution is written in a scenario file as a table with a ``kind``
(a discriminated union), in minutes::

    service = { kind = "lognormal", mean_min = 12, sd_min = 5 }

Samplers draw in vectorised blocks and hand values out one at a time, so the
per-truck path pays a list iteration, not a NumPy call, for each draw.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.limits import MAX_BRANCHES, MAX_DURATION_MIN, MIN_DURATION_MIN
from sim.spec import Spec

Minutes = Annotated[float, Field(ge=0, le=MAX_DURATION_MIN)]
PositiveMinutes = Annotated[float, Field(ge=MIN_DURATION_MIN, le=MAX_DURATION_MIN)]


class Deterministic(Spec):
    """Always the same duration."""

    kind: Literal["deterministic"]
    value_min: Minutes = Field(description="The duration, in minutes.")

    @property
    def mean_min(self) -> float:
        return self.value_min


class Exponential(Spec):
    """Memoryless duration (the M of M/M/c)."""

    kind: Literal["exponential"]
    mean_min: PositiveMinutes = Field(description="Mean duration, in minutes.")


class Lognormal(Spec):
    """Right-skewed duration given by its own mean and standard deviation."""

    kind: Literal["lognormal"]
    mean_min: PositiveMinutes = Field(description="Mean duration, in minutes.")
    sd_min: PositiveMinutes = Field(description="Standard deviation, in minutes.")


class Gamma(Spec):
    """Duration with a gamma law, given by its mean and standard deviation."""

    kind: Literal["gamma"]
    mean_min: PositiveMinutes = Field(description="Mean duration, in minutes.")
    sd_min: PositiveMinutes = Field(description="Standard deviation, in minutes.")


class Uniform(Spec):
    """Duration equally likely anywhere between two bounds."""

    kind: Literal["uniform"]
    low_min: Minutes = Field(description="Shortest duration, in minutes.")
    high_min: Minutes = Field(description="Longest duration, in minutes.")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high_min < self.low_min:
            raise ValueError(f"high_min ({self.high_min}) must be at least low_min ({self.low_min})")
        return self

    @property
    def mean_min(self) -> float:
        return (self.low_min + self.high_min) / 2


class Triangular(Spec):
    """Duration with a most likely value between two bounds."""

    kind: Literal["triangular"]
    low_min: Minutes = Field(description="Shortest duration, in minutes.")
    mode_min: Minutes = Field(description="Most likely duration, in minutes.")
    high_min: Minutes = Field(description="Longest duration, in minutes.")

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low_min <= self.mode_min <= self.high_min or self.low_min == self.high_min:
            raise ValueError("expected low_min <= mode_min <= high_min with low_min < high_min")
        return self

    @property
    def mean_min(self) -> float:
        return (self.low_min + self.mode_min + self.high_min) / 3


Simple = Annotated[
    Deterministic | Exponential | Lognormal | Gamma | Uniform | Triangular,
    Field(discriminator="kind"),
]


class Branch(Spec):
    """One branch of a mixture, e.g. a customs risk channel."""

    name: str = Field(description="Name of the branch, e.g. 'green' (document-free channel).")
    probability: float = Field(ge=0, le=1, description="Share of trucks taking this branch.")
    duration: Simple = Field(description="Duration of this branch.")


class Mixture(Spec):
    """A random choice among branches, each with its own duration.

    Vietnamese customs sorts declarations into risk channels (document-free,
    document check, physical inspection): a mixture with one branch each.
    """

    kind: Literal["mixture"]
    branches: list[Branch] = Field(
        min_length=1, max_length=MAX_BRANCHES, description="The branches; probabilities sum to 1."
    )

    @model_validator(mode="after")
    def _sums_to_one(self) -> Mixture:
        total = sum(b.probability for b in self.branches)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"branch probabilities must sum to 1, got {total:g}")
        return self

    @property
    def mean_min(self) -> float:
        return sum(b.probability * b.duration.mean_min for b in self.branches)


Distribution = Annotated[
    Deterministic | Exponential | Lognormal | Gamma | Uniform | Triangular | Mixture,
    Field(discriminator="kind"),
]


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


def _blocks(dist: Distribution, rng: np.random.Generator, block: int) -> Iterator[float]:
    while True:
        yield from sample(dist, rng, block).tolist()


def sampler(dist: Distribution, rng: np.random.Generator, block: int = 512) -> Callable[[], float]:
    """A zero-argument function returning the next duration from ``rng``.

    Draws come in blocks of ``block``; the sequence depends only on ``rng``'s
    state and the number of draws, so a run stays reproducible.
    """
    if isinstance(dist, Deterministic):
        value = float(dist.value_min)
        return lambda: value
    return _blocks(dist, rng, block).__next__
