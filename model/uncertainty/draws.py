"""Each replication's parameter draw: point `replication` of a scrambled Sobol sequence seeded from the run seed,
mapped through each parameter's distribution, so that a draw depends only on (seed, replication, file)."""

from __future__ import annotations

import warnings
from decimal import Decimal

import numpy as np
from scipy.stats import qmc

# Sobol's direction numbers load on first use; loading them here, at import, keeps that Cython step out of the
# window where a stop signal (Ctrl-C, SIGTERM) may arrive, which it cannot pass on cleanly.
qmc.Sobol(1, scramble=False)

from model.uncertainty.spec import UncertainParameter

# The Sobol scramble's stream: a child of the run seed that no replication's people ever use (those are
# children 0, 1, 2, ... of the same root).
PARAMETER_STREAM = 2**31 - 15
EDGE = 1e-12  # keeps a quantile off 0 and 1, where unbounded distributions have no value


def sobol_points(seed: int, dimensions: int, first: int, count: int = 1) -> np.ndarray:
    """Points first .. first+count−1 of the run's scrambled Sobol sequence (uniforms in (0, 1), one row each)."""
    root = np.random.SeedSequence(seed, spawn_key=(PARAMETER_STREAM,))
    engine = qmc.Sobol(dimensions, scramble=True, seed=np.random.default_rng(root))
    if first:
        engine.fast_forward(first)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "balance properties need n a power of 2": we take points by index
        points = engine.random(count)
    return np.clip(points, EDGE, 1 - EDGE)


def quantize(value: float, decimals: int) -> Decimal:
    """An exact decimal with `decimals` places (the float's correctly rounded fixed-point text)."""
    return Decimal(f"{value:.{decimals}f}")


def draw_value(parameter: UncertainParameter, u: float) -> float:
    """The parameter's value (or multiplier) at quantile u, kept within its bounds."""
    value = float(parameter.distribution.ppf(u))
    low, high = parameter.bounds
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def replication_draw(parameters: tuple[UncertainParameter, ...], seed: int, replication: int) -> dict[str, float]:
    """Each parameter's value (or multiplier) for one replication, by name."""
    if not parameters:
        return {}
    u = sobol_points(seed, len(parameters), replication)[0]
    return {p.name: draw_value(p, float(x)) for p, x in zip(parameters, u)}


def replication_uniforms(parameters: tuple[UncertainParameter, ...], seed: int, replications: list[int]) -> np.ndarray:
    """The Sobol uniforms behind the given replications' draws (rows in the order given)."""
    if not replications:
        return np.zeros((0, len(parameters)))
    last = max(replications) + 1
    points = sobol_points(seed, len(parameters), 0, last)
    return points[np.asarray(replications, dtype=int)]
