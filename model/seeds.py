"""Seeds: a child stream is named by its index, so drawing it twice, or in another order, gives the same numbers."""

from __future__ import annotations

import numpy as np


def child_seed(seed: np.random.SeedSequence, index: int) -> np.random.SeedSequence:
    """The index-th child of a seed: what a first seed.spawn() would give, without spawn's hidden counter."""
    return np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + (index,))
