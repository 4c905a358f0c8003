"""The distributions an uncertain parameter may carry, each read from its file entry and mapped from a uniform."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, ClassVar

import numpy as np
from pydantic import ConfigDict, PlainValidator, WithJsonSchema, model_validator
from scipy import stats

from model.money import to_decimal
from model.scenario.messages import refuse
from model.scenario.types import Section, choice

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


def _number(value: object) -> float:
    found = to_decimal(value) if not isinstance(value, str) else None
    if found is None:
        raise refuse("a number")
    return float(found)


def _positive_of(key: str):
    def check(value: object) -> float:
        found = _number(value)
        if found <= 0:
            raise refuse(f"a number above 0 ({key})")
        return found

    return Annotated[float, PlainValidator(check), WithJsonSchema({"type": "number", "exclusiveMinimum": 0})]


Number = Annotated[float, PlainValidator(_number), WithJsonSchema({"type": "number"})]


class Normal(Section):
    """A normal distribution of an uncertain parameter: mean and sd, in the parameter's unit."""

    mean: Number
    sd: _positive_of("sd")

    def to_distribution(self) -> Distribution:
        return Distribution("normal", {"mean": self.mean, "sd": self.sd}, stats.norm(self.mean, self.sd))


class Lognormal(Section):
    """A lognormal distribution of an uncertain parameter: median (the parameter's unit) and sigma (of the log)."""

    median: _positive_of("median")
    sigma: _positive_of("sigma")

    def to_distribution(self) -> Distribution:
        return Distribution("lognormal", {"median": self.median, "sigma": self.sigma},
                            stats.lognorm(self.sigma, scale=self.median))


class Beta(Section):
    """{mean, sd} or {alpha, beta}."""

    required_keys: ClassVar[tuple[str, ...]] = ()
    mean: Number = None
    sd: _positive_of("sd") = None
    alpha: _positive_of("alpha") = None
    beta: _positive_of("beta") = None

    @classmethod
    def check(cls, data: dict, info) -> None:
        if set(data) not in ({"alpha", "beta"}, {"mean", "sd"}):
            raise refuse("either {mean, sd} or {alpha, beta}", found=", ".join(sorted(map(str, data))) or "nothing")

    @model_validator(mode="after")
    def _moments_possible(self) -> "Beta":
        if self.mean is not None and (not 0 < self.mean < 1 or self.sd * self.sd >= self.mean * (1 - self.mean)):
            raise refuse("a mean in (0, 1) and an sd with sd² < mean × (1 − mean)",
                         found=f"mean {self.mean:g}, sd {self.sd:g}")
        return self

    def to_distribution(self) -> Distribution:
        if self.alpha is not None:
            a, b = self.alpha, self.beta
        else:
            common = self.mean * (1 - self.mean) / (self.sd * self.sd) - 1
            a, b = self.mean * common, (1 - self.mean) * common
        return Distribution("beta", {"alpha": a, "beta": b}, stats.beta(a, b))


class _LowHigh(Section):
    """A distribution between `low` and `high`, high above low."""

    @model_validator(mode="after")
    def _high_above_low(self):
        if not self.high > self.low:
            raise refuse(f"a number above low ({self.low:g})", at=("high",))
        return self


class Uniform(_LowHigh):
    """A uniform distribution of an uncertain parameter between low and high (the parameter's unit)."""

    low: Number
    high: Number

    def to_distribution(self) -> Distribution:
        return Distribution("uniform", {"low": self.low, "high": self.high}, stats.uniform(self.low, self.high - self.low))


class Triangular(Section):
    """A triangular distribution of an uncertain parameter: low, mode and high (the parameter's unit)."""

    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> "Triangular":
        low, mode, high = self.low, self.mode, self.high
        if not (low <= mode <= high and high > low):
            raise refuse("low ≤ mode ≤ high with low < high", found=f"low {low:g}, mode {mode:g}, high {high:g}")
        return self

    def to_distribution(self) -> Distribution:
        low, mode, high = self.low, self.mode, self.high
        return Distribution("triangular", {"low": low, "mode": mode, "high": high},
                            stats.triang((mode - low) / (high - low), loc=low, scale=high - low))


class Interval(Section):
    """An interval with its meaning: a confidence interval becomes a normal (or lognormal) with that coverage;
    a range becomes a uniform over it."""

    required_keys: ClassVar[tuple[str, ...]] = ("low", "high", "meaning")
    low: Number
    high: Number
    meaning: choice(tuple(INTERVAL_MEANINGS), "meaning of the interval")
    shape: choice(("normal", "lognormal", "uniform"), "shape") = None

    @model_validator(mode="after")
    def _possible(self) -> "Interval":
        if not self.high > self.low:
            raise refuse(f"a number above low ({self.low:g})", at=("high",))
        if self.shape == "lognormal" and self.low <= 0:
            raise refuse("a number above 0 (a lognormal interval)", at=("low",))
        return self

    def to_distribution(self) -> Distribution:
        low, high = self.low, self.high
        shape = self.shape or ("uniform" if self.meaning == "range" else "normal")
        coverage = INTERVAL_MEANINGS[self.meaning]
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
                frozen = stats.lognorm(math.log(high / low) / (2 * z), scale=math.sqrt(low * high))
        return Distribution("interval", {"low": low, "high": high, "coverage": coverage or 1.0}, frozen)


class DistributionEntry(Section):
    """One distribution as `{KIND: {parameters}}`."""

    model_config = ConfigDict(**Section.model_config, json_schema_extra={"minProperties": 1, "maxProperties": 1})
    required_keys: ClassVar[tuple[str, ...]] = ()
    normal: Normal = None
    lognormal: Lognormal = None
    beta: Beta = None
    uniform: Uniform = None
    triangular: Triangular = None
    interval: Interval = None

    @classmethod
    def precheck(cls, data: object) -> None:
        if not isinstance(data, dict) or len(data) != 1:
            raise refuse("one distribution as {KIND: {parameters}}, KIND one of: " + ", ".join(KINDS))
        (kind,) = data
        if kind not in KINDS:
            raise refuse("a distribution (" + ", ".join(KINDS) + ")", found=repr(kind), at=(str(kind),))

    def to_distribution(self) -> Distribution:
        return next(getattr(self, kind) for kind in KINDS if getattr(self, kind) is not None).to_distribution()
