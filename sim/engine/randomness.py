"""Named random streams: one ``SeedSequence`` tree per run, one child per source.

A stream is keyed by ``(rng_seed, replication, name)``. Its state does not
depend on which other streams exist or in what order they are drawn, so
adding a sampling site does not shift the others, and two scenarios that
share a source of randomness (the same demand, say) see the same draws:
common random numbers for paired comparisons.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: str) -> int:
    # A stable integer for a name (Python's hash() is salted per process).
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class Streams:
    """Factory of the named generators of one replication."""

    def __init__(self, rng_seed: int, replication: int = 0):
        self.rng_seed = rng_seed
        self.replication = replication

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        return np.random.SeedSequence(entropy=self.rng_seed, spawn_key=(self.replication, _name_key(name)))

    def get(self, name: str) -> np.random.Generator:
        """The generator of source ``name`` (a new one at the start of its sequence)."""
        return np.random.Generator(np.random.PCG64(self.seed_sequence(name)))
