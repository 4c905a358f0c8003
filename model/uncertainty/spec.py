"""Uncertainty files: which scenario parameters are uncertain, how (a cited distribution), and what they are called."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, ConfigDict, PlainValidator, WithJsonSchema, model_validator

from model.errors import InputError
from model.money import to_decimal
from model.scenario.resolve import scenarios_dir
from model.scenario.messages import Origins, refuse, validated
from model.scenario.types import Section, Text, choice, whole, within
from model.scenario.yamlio import read_yaml
from model.uncertainty.distributions import Distribution, DistributionEntry

UNCERTAINTY_FOLDER = "uncertainty"
DEFAULT_UNCERTAINTY = "default"
# `value`: the distribution is of the parameter itself. `factor`: of a multiplier on the scenario's own value
# (every number under the path when it names a mapping), so the same file serves any preset and follows a
# central value changed with --set.
OF = ("value", "factor")
# Paths under this prefix are the budget year's growth rates (model/uncertainty/growth.py), not scenario values.
GROWTH_PREFIX = "growth."


@dataclass(frozen=True)
class UncertainParameter:
    """One uncertain input: a name, the dotted path(s) it sets, its distribution and the source of that uncertainty."""

    name: str
    paths: tuple[str, ...]
    of: str
    distribution: Distribution
    source: str
    label: dict[str, str]
    bounds: tuple[float | None, float | None] = (None, None)
    decimals: int | None = None  # None: 2 for values of 1 or more (money to the fen), else 6 (rates in ppm)

    @property
    def is_growth(self) -> bool:
        return all(path.startswith(GROWTH_PREFIX) for path in self.paths)


@dataclass(frozen=True)
class UncertaintySpec:
    """An uncertainty file: its id, where it came from and its parameters in file order (the Sobol dimensions)."""

    id: str
    path: Path
    parameters: tuple[UncertainParameter, ...]

    def active(self, with_growth: bool) -> tuple[UncertainParameter, ...]:
        """The parameters a run draws: growth rates only when it prices a budget year."""
        return tuple(p for p in self.parameters if with_growth or not p.is_growth)


def locate_uncertainty(reference: str) -> Path:
    """An id in scenarios/uncertainty/ or a path to a file."""
    as_path = Path(reference)
    if as_path.suffix in (".yaml", ".yml") or "/" in reference:
        if as_path.is_file():
            return as_path
        raise InputError(f"{reference}: no such uncertainty file")
    candidate = scenarios_dir() / UNCERTAINTY_FOLDER / f"{reference}.yaml"
    if not candidate.is_file():
        known = sorted(p.stem for p in (scenarios_dir() / UNCERTAINTY_FOLDER).glob("*.yaml"))
        raise InputError(f"uncertainty {reference!r}: not a file and not an id in {candidate.parent} "
                         f"(known: {', '.join(known)})")
    return candidate


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise refuse("text")
    return value


def _dotted(path: str) -> bool:
    return bool(path) and not path.startswith(".") and not path.endswith(".") and ".." not in path


DOTTED = "dotted paths such as population.costs.admission_mean.county"


def _path(value: object) -> str:
    if not _dotted(_text(value)):
        raise refuse(DOTTED)
    return value


def _paths(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise refuse("a list")
    paths = tuple(within((f"[{i}]",), _text, item) for i, item in enumerate(value))
    if not paths or not all(_dotted(p) for p in paths):
        raise refuse(DOTTED)
    return paths


def _source(value: object) -> str:
    if not _text(value).strip():
        raise refuse("the source of this uncertainty (a published interval, a range across provinces, or 'assumed: why')")
    return value


def _bound(value: object) -> float | None:
    if value is None:
        return None
    found = to_decimal(value) if not isinstance(value, str) else None
    if found is None:
        raise refuse("a number")
    return float(found)


def _bounds(value: object) -> tuple[float | None, float | None]:
    if not isinstance(value, list):
        raise refuse("a list")
    if len(value) != 2:
        raise refuse("[low, high]")
    low, high = (within((f"[{i}]",), _bound, item) for i, item in enumerate(value))
    if low is not None and high is not None and high <= low:
        raise refuse("[low, high] with low < high")
    return low, high


DottedPath = Annotated[str, PlainValidator(_path), WithJsonSchema({"type": "string", "description": DOTTED})]
DottedPaths = Annotated[tuple[str, ...], PlainValidator(_paths), WithJsonSchema({
    "type": "array", "minItems": 1, "items": {"type": "string"}, "description": DOTTED})]
UncertaintySource = Annotated[str, PlainValidator(_source), WithJsonSchema({
    "type": "string", "minLength": 1,
    "description": "the source of this uncertainty: a published interval, a range across provinces, or 'assumed: why'"})]
Bounds = Annotated[tuple, PlainValidator(_bounds), WithJsonSchema({
    "type": "array", "minItems": 2, "maxItems": 2, "items": {"type": ["number", "null"]},
    "description": "[low, high] that clip a draw (null: no bound on that side)"})]


class Label(Section):
    """An uncertain parameter's label, Chinese and English, as the drivers table, report and brief show it."""

    zh: Text
    en: Text


class ParameterEntry(Section):
    """One uncertain parameter: the path(s) it sets, of the value or of a multiplier, its cited distribution."""

    model_config = ConfigDict(**Section.model_config,
                              json_schema_extra={"oneOf": [{"required": ["path"]}, {"required": ["paths"]}]})
    required_keys: ClassVar[tuple[str, ...]] = ("of", "distribution", "source")
    path: DottedPath = None
    paths: DottedPaths = None
    of: choice(OF, "kind of uncertainty")
    source: UncertaintySource
    bounds: Bounds = (None, None)
    decimals: whole(0, 6) = None
    distribution: DistributionEntry
    label: Label = None
    note: Any = None

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return ("path", "paths", "of", "distribution", "source", "label", "bounds", "decimals", "note")

    @classmethod
    def check(cls, data: dict, info) -> None:
        if ("path" in data) == ("paths" in data):
            raise refuse("exactly one of path (a dotted path) or paths (a list of them)",
                         found="both" if "path" in data else "neither")

    @model_validator(mode="after")
    def _consistent(self) -> "ParameterEntry":
        if self.of == "value" and self.paths is not None and len(self.paths) > 1:
            raise refuse("one path for `of: value` (a shared multiplier needs `of: factor`)", at=("paths",))
        distribution = self.distribution.to_distribution()
        if self.of == "factor" and float(distribution.ppf(0.001)) <= 0 and self.bounds[0] is None:
            raise refuse("a multiplier above 0 at its 0.1% quantile (or bounds: [low, high])",
                         found=distribution.describe(), at=("distribution",))
        return self

    def to_parameter(self, name: str) -> UncertainParameter:
        label = {"zh": self.label.zh, "en": self.label.en} if self.label is not None else {"zh": name, "en": name}
        return UncertainParameter(name, (self.path,) if self.path is not None else self.paths, self.of,
                                  self.distribution.to_distribution(), self.source, label, self.bounds, self.decimals)


def _parameters_mapping(value: object) -> object:
    if not isinstance(value, dict):
        raise refuse("a mapping")
    return {str(key): entry for key, entry in value.items()}


class UncertaintyFile(Section):
    """An uncertainty file (scenarios/uncertainty/): which scenario parameters are uncertain and how."""

    required_keys: ClassVar[tuple[str, ...]] = ("id", "parameters")
    # the parameters are checked before the id, as before the move to a model
    parameters: Annotated[dict[str, ParameterEntry], BeforeValidator(_parameters_mapping)]
    id: Text
    name: Any = None
    description: Any = None

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return ("id", "name", "description", "parameters")

    @model_validator(mode="after")
    def _some(self) -> "UncertaintyFile":
        if not self.parameters:
            raise refuse("at least one uncertain parameter", at=("parameters",))
        return self


def read_uncertainty(reference: str) -> UncertaintySpec:
    """Read and check an uncertainty file (see scenarios/uncertainty/default.yaml for the form)."""
    path = locate_uncertainty(reference)
    written = validated(UncertaintyFile, read_yaml(path), Origins(str(path)))
    return UncertaintySpec(written.id, path, tuple(entry.to_parameter(name) for name, entry in written.parameters.items()))
