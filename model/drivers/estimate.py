"""Sobol indices from model runs at given parameter points: a polynomial chaos surrogate fitted to the runs
(the default), SALib's RBD-FAST on the same runs, or SALib's Saltelli design where runs are cheap.

The surrogate is a total-degree-2 expansion in orthonormal (shifted Legendre) polynomials of each parameter's
Sobol uniform; for such an expansion the Sobol indices are sums of squared coefficients, so they come exactly
from the fit. What the fit leaves (who fell ill in that replication) is noise around the metric's mean, which is
the function whose variance the indices split. Confidence intervals: bootstrap over runs (refit each time)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

Z95 = 1.959963984540054


def _legendre(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal shifted Legendre polynomials of degree 1 and 2 on (0, 1)."""
    x = 2 * u - 1
    return np.sqrt(3) * x, np.sqrt(5) * (1.5 * x * x - 0.5)


def design(u: np.ndarray) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """The expansion's columns at points `u` (n × d) and, per column, the parameters it involves."""
    n, d = u.shape
    first, second = _legendre(u)
    columns = [np.ones(n)]
    involves: list[tuple[int, ...]] = [()]
    for i in range(d):
        columns += [first[:, i], second[:, i]]
        involves += [(i,), (i,)]
    for i, j in combinations(range(d), 2):
        columns.append(first[:, i] * first[:, j])
        involves.append((i, j))
    return np.column_stack(columns), involves


@dataclass
class Surrogate:
    """A fitted polynomial chaos expansion: its coefficients, the inputs each term involves, and each coefficient's
    expected square from the runs' noise alone."""

    coefficients: np.ndarray
    involves: list[tuple[int, ...]]
    dimensions: int
    noise: np.ndarray | None = None  # each coefficient's expected square from the runs' noise alone

    def predict(self, u: np.ndarray) -> np.ndarray:
        return design(u)[0] @ self.coefficients

    def indices(self) -> tuple[np.ndarray, np.ndarray]:
        """First-order and total Sobol indices of the surrogate (exact for an orthonormal expansion). A fitted
        coefficient's square is its true square plus what the noise puts there (σ² (XᵀX)⁻¹ in expectation): that
        part is taken off, so a parameter that changes nothing gets indices about 0, not a share of the noise."""
        squares = self.coefficients ** 2
        if self.noise is not None:
            squares = np.maximum(squares - self.noise, 0.0)
        variance = squares[1:].sum()
        first = np.zeros(self.dimensions)
        total = np.zeros(self.dimensions)
        if variance <= 0:
            return first, total
        for square, members in zip(squares, self.involves):
            if len(members) == 1:
                first[members[0]] += square
            for member in members:
                total[member] += square
        return first / variance, total / variance


def fit_surrogate(u: np.ndarray, y: np.ndarray) -> Surrogate:
    """Least-squares fit of the degree-2 expansion (needs more runs than its 1 + 2d + d(d−1)/2 columns)."""
    matrix, involves = design(u)
    if len(y) <= matrix.shape[1]:
        raise ValueError(f"{len(y)} runs cannot fit {matrix.shape[1]} terms")
    coefficients, noise = _least_squares(matrix, y)
    return Surrogate(coefficients, involves, u.shape[1], noise)


def _least_squares(matrix: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and, for each, the noise's expected contribution to its square (residual variance times
    the diagonal of (XᵀX)⁻¹)."""
    from scipy.linalg import qr, solve_triangular

    # One QR: X = QR gives the coefficients R⁻¹Qᵀy and diag((XᵀX)⁻¹) as the row sums of squares of R⁻¹.
    q, r = qr(matrix, mode="economic", check_finite=False)
    if np.min(np.abs(np.diag(r))) < 1e-10 * np.max(np.abs(np.diag(r))):
        # rank-deficient (a resample repeating runs): the pseudo-inverse of X itself, since (XᵀX)⁺ = X⁺X⁺ᵀ and
        # the SVD of XᵀX (its condition number squared) may not converge
        pseudo = np.linalg.pinv(matrix)
        coefficients = pseudo @ y
        inverse_diagonal = np.einsum("ij,ij->i", pseudo, pseudo)
    else:
        coefficients = solve_triangular(r, q.T @ y, check_finite=False)
        r_inverse = solve_triangular(r, np.eye(r.shape[0]), check_finite=False)
        inverse_diagonal = np.einsum("ij,ij->i", r_inverse, r_inverse)
    residual = y - matrix @ coefficients
    sigma2 = float(residual @ residual) / max(1, len(y) - matrix.shape[1])
    return coefficients, sigma2 * inverse_diagonal


def terms(dimensions: int) -> int:
    """The number of terms of a degree-2 polynomial chaos expansion in `dimensions` inputs: the constant, a
    linear and a quadratic term each, and every pairwise interaction.

    Parameters
    ----------
    dimensions : int
        Uncertain parameters.

    Returns
    -------
    int
    """
    return 1 + 2 * dimensions + dimensions * (dimensions - 1) // 2


@dataclass
class Indices:
    """First-order and total indices with their 95% confidence half-widths, one entry a parameter."""

    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    method: str
    runs: int


def surrogate_indices(u: np.ndarray, y: np.ndarray, resamples: int = 300, seed: int = 0) -> tuple[Indices, Surrogate]:
    """Sobol indices of the fitted surrogate, with bootstrap (refitting on resampled runs) 95% half-widths
    (1.96 × the bootstrap sd, as SALib reports its `_conf`)."""
    from threadpoolctl import threadpool_limits

    # One BLAS thread: each fit is a few hundred rows, so threads cost more than they give (on oversubscribed
    # cores the bootstrap ran many times slower), and the bits then do not depend on the cores present.
    with threadpool_limits(limits=1, user_api="blas"):
        y = np.asarray(y, dtype=float)
        # Scale to keep the fit well conditioned; indices do not depend on it.
        scale = float(np.std(y)) or 1.0
        surrogate = fit_surrogate(u, (y - y.mean()) / scale)
        first, total = surrogate.indices()
        rng = np.random.default_rng(seed)
        boot_first, boot_total = [], []
        matrix, involves = design(u)
        for _ in range(resamples):
            rows = rng.integers(0, len(y), len(y))
            coefficients, noise = _least_squares(matrix[rows], (y[rows] - y.mean()) / scale)
            f, t = Surrogate(coefficients, involves, u.shape[1], noise).indices()
            boot_first.append(f)
            boot_total.append(t)
    surrogate.coefficients = surrogate.coefficients * scale
    surrogate.coefficients[0] += y.mean()
    surrogate.noise = surrogate.noise * scale * scale
    return Indices(first, Z95 * np.std(boot_first, axis=0, ddof=1), total, Z95 * np.std(boot_total, axis=0, ddof=1),
                   "polynomial chaos surrogate (degree 2), bootstrap", len(y)), surrogate


def problem(names: list[str]) -> dict:
    """A SALib problem over the parameters' Sobol uniforms."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def rbd_fast_indices(u: np.ndarray, y: np.ndarray, seed: int = 0) -> Indices:
    """SALib's RBD-FAST on given runs: first-order indices only (total indices are left NaN)."""
    from SALib.analyze import rbd_fast

    names = [f"x{i}" for i in range(u.shape[1])]
    result = rbd_fast.analyze(problem(names), u, np.asarray(y, dtype=float), seed=seed)
    nan = np.full(u.shape[1], np.nan)
    return Indices(np.asarray(result["S1"]), np.asarray(result["S1_conf"]), nan, nan.copy(), "RBD-FAST (SALib)", len(y))


def saltelli_points(dimensions: int, base: int, seed: int = 0) -> np.ndarray:
    """SALib's Saltelli design: base × (d + 2) points in the unit cube (no second-order indices)."""
    from SALib.sample import sobol as sobol_sample

    names = [f"x{i}" for i in range(dimensions)]
    return sobol_sample.sample(problem(names), base, calc_second_order=False, seed=seed)


def saltelli_indices(y: np.ndarray, dimensions: int, seed: int = 0) -> Indices:
    """SALib's Sobol analysis of runs at saltelli_points (Jansen / Saltelli 2010 estimators, bootstrap intervals)."""
    from SALib.analyze import sobol

    names = [f"x{i}" for i in range(dimensions)]
    result = sobol.analyze(problem(names), np.asarray(y, dtype=float), calc_second_order=False, seed=seed)
    return Indices(np.asarray(result["S1"]), np.asarray(result["S1_conf"]), np.asarray(result["ST"]),
                   np.asarray(result["ST_conf"]), "Saltelli (SALib)", len(y))


def swings(surrogate: Surrogate, u: np.ndarray, y: np.ndarray, low: float = 0.05, high: float = 0.95,
           percentile: float = 95) -> dict[str, np.ndarray]:
    """One parameter at a time at its `low` and `high` quantile while the others keep their drawn values: the
    metric's mean and P95 over the runs, each run's own residual (its people) kept. Returns arrays by parameter:
    mean_low, mean_high, p95_low, p95_high."""
    residual = np.asarray(y, dtype=float) - surrogate.predict(u)
    out = {key: np.zeros(u.shape[1]) for key in ("mean_low", "mean_high", "p95_low", "p95_high")}
    for i in range(u.shape[1]):
        for name, quantile in (("low", low), ("high", high)):
            moved = u.copy()
            moved[:, i] = quantile
            values = surrogate.predict(moved) + residual
            out[f"mean_{name}"][i] = values.mean()
            out[f"p95_{name}"][i] = np.percentile(values, percentile)
    return out
