"""Probability distributions of durations, as scenario specs and as samplers.

A distribution is written in a scenario file as a table with a ``kind``
(a discriminated union), in minutes::

    service = { kind = "lognormal", mean_min = 12, sd_min = 5 }

Samplers draw in vectorised blocks and hand values out one at a time, so the
per-truck path pays a list iteration, not a NumPy call, for each draw.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.limits import MAX_BRANCHES, MAX_DURATION_MIN, MIN_DURATION_MIN
from sim.scenario.spec import Spec

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
