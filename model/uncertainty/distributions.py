"""The distributions an uncertain parameter may carry, each read from its file entry and mapped from a uniform."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from model.scenario.node import Node

# An interval's meaning: the central probability it covers (a range means every value is equally likely).
INTERVAL_MEANINGS = {"ci90": 0.90, "ci95": 0.95, "ci99": 0.99, "range": None}
KINDS = ("normal", "lognormal", "beta", "uniform", "triangular", "interval")


@dataclass(frozen=True)
class Distribution:
    """A univariate distribution: its kind as written, its parameters, and the scipy object that maps quantiles."""

    kind: str
    parameters: dict[str, float]
    frozen: object  # a frozen scipy.stats distribution

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """The value at quantile(s) `u` in (0, 1)."""
        return np.asarray(self.frozen.ppf(u), dtype=float)

    def mean(self) -> float:
        return float(self.frozen.mean())

    def describe(self) -> str:
        inside = ", ".join(f"{k} {v:g}" for k, v in self.parameters.items())
        return f"{self.kind}({inside})"


def _positive(node: Node, key: str) -> float:
    value = float(node.number())
    if value <= 0:
        raise node.fail(f"a number above 0 ({key})")
    return value


def read_distribution(node: Node) -> Distribution:
    """One distribution from `{KIND: {parameters}}` (KIND among KINDS), validated with messages naming the field."""
    if not isinstance(node.value, dict) or len(node.value) != 1:
        raise node.fail("one distribution as {KIND: {parameters}}, KIND one of: " + ", ".join(KINDS))
    (kind, body), = node.value.items()
    if kind not in KINDS:
        raise node.at(str(kind), body).fail("a distribution (" + ", ".join(KINDS) + ")", found=repr(kind))
    at = node.at(kind, body)
    if kind == "normal":
        parts = at.mapping(("mean", "sd"), required=("mean", "sd"))
        mean, sd = float(parts["mean"].number()), _positive(parts["sd"], "sd")
        return Distribution(kind, {"mean": mean, "sd": sd}, stats.norm(mean, sd))
    if kind == "lognormal":
        parts = at.mapping(("median", "sigma"), required=("median", "sigma"))
        median, sigma = _positive(parts["median"], "median"), _positive(parts["sigma"], "sigma")
        return Distribution(kind, {"median": median, "sigma": sigma}, stats.lognorm(sigma, scale=median))
    if kind == "beta":
        parts = at.mapping(("mean", "sd", "alpha", "beta"))
        if set(parts) == {"alpha", "beta"}:
            a, b = _positive(parts["alpha"], "alpha"), _positive(parts["beta"], "beta")
        elif set(parts) == {"mean", "sd"}:
            mean, sd = float(parts["mean"].number()), _positive(parts["sd"], "sd")
            if not 0 < mean < 1 or sd * sd >= mean * (1 - mean):
                raise at.fail("a mean in (0, 1) and an sd with sd² < mean × (1 − mean)",
                              found=f"mean {mean:g}, sd {sd:g}")
            common = mean * (1 - mean) / (sd * sd) - 1
            a, b = mean * common, (1 - mean) * common
        else:
            raise at.fail("either {mean, sd} or {alpha, beta}", found=", ".join(sorted(parts)) or "nothing")
        return Distribution(kind, {"alpha": a, "beta": b}, stats.beta(a, b))
    if kind == "uniform":
        parts = at.mapping(("low", "high"), required=("low", "high"))
        low, high = float(parts["low"].number()), float(parts["high"].number())
        if not high > low:
            raise parts["high"].fail(f"a number above low ({low:g})")
        return Distribution(kind, {"low": low, "high": high}, stats.uniform(low, high - low))
    if kind == "triangular":
        parts = at.mapping(("low", "mode", "high"), required=("low", "mode", "high"))
        low, mode, high = (float(parts[k].number()) for k in ("low", "mode", "high"))
        if not (low <= mode <= high and high > low):
            raise at.fail("low ≤ mode ≤ high with low < high", found=f"low {low:g}, mode {mode:g}, high {high:g}")
        return Distribution(kind, {"low": low, "mode": mode, "high": high},
                            stats.triang((mode - low) / (high - low), loc=low, scale=high - low))
    # An interval with its meaning: a confidence interval becomes a normal (or lognormal) with that coverage;
    # a range becomes a uniform over it.
    parts = at.mapping(("low", "high", "meaning", "shape"), required=("low", "high", "meaning"))
    low, high = float(parts["low"].number()), float(parts["high"].number())
    meaning = parts["meaning"].choice(tuple(INTERVAL_MEANINGS), "meaning of the interval")
    shape = parts["shape"].choice(("normal", "lognormal", "uniform"), "shape") if "shape" in parts else (
        "uniform" if meaning == "range" else "normal")
    if not high > low:
        raise parts["high"].fail(f"a number above low ({low:g})")
    coverage = INTERVAL_MEANINGS[meaning]
    if shape == "uniform":
        if coverage is not None:
            # a uniform whose central `coverage` is the interval
            half = (high - low) / 2 / coverage
            centre = (high + low) / 2
            low, high = centre - half, centre + half
        frozen = stats.uniform(low, high - low)
    else:
        z = stats.norm.ppf(0.5 + (coverage if coverage is not None else 0.95) / 2)
        if shape == "normal":
            frozen = stats.norm((low + high) / 2, (high - low) / (2 * z))
        else:
            if low <= 0:
                raise parts["low"].fail("a number above 0 (a lognormal interval)")
            frozen = stats.lognorm(math.log(high / low) / (2 * z), scale=math.sqrt(low * high))
    return Distribution("interval", {"low": low, "high": high, "coverage": coverage or 1.0}, frozen)
