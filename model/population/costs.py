"""Costs of care by facility level: skewed totals about calibrated means, and the share outside the catalogue."""

from __future__ import annotations

import numpy as np

from model.population.params import PopulationParams

MAX_OUT_OF_LIST_SHARE = 0.95


def lognormal_factor(sigma: float, z: np.ndarray) -> np.ndarray:
    """exp(σz − σ²/2): mean 1, so a cost is its mean times this factor."""
    return np.exp(sigma * z - sigma * sigma / 2)


def out_of_list_amount(params: PopulationParams, level: np.ndarray, total: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Fen outside the catalogue: the level's mean share times the episode's factor (mean 1), capped."""
    share = np.minimum(MAX_OUT_OF_LIST_SHARE, params.out_of_list_share[level] * factor)
    return np.round(total * share).astype(np.int64)


def admission_total(params: PopulationParams, level: np.ndarray, multiplier: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Total cost of admissions (fen) at `level`, the episode's cost quantile z kept whatever the level."""
    mean = params.admission_mean[level] * multiplier
    return np.round(mean * lognormal_factor(params.sigma_admission, z) * 100).astype(np.int64)
