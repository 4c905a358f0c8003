"""Uncertainty files: which scenario parameters are uncertain, how (a cited distribution), and what they are called."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from model.errors import InputError
from model.scenario.node import Node, Origins
from model.scenario.resolve import scenarios_dir
from model.scenario.yamlio import read_yaml
from model.uncertainty.distributions import Distribution, read_distribution

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


def _label(node: Node, name: str) -> dict[str, str]:
    if node is None:
        return {"zh": name, "en": name}
    parts = node.mapping(("zh", "en"), required=("zh", "en"))
    return {key: parts[key].text() for key in ("zh", "en")}


def read_uncertainty(reference: str) -> UncertaintySpec:
    """Read and check an uncertainty file (see scenarios/uncertainty/default.yaml for the form)."""
    path = locate_uncertainty(reference)
    node = Node(read_yaml(path), (), Origins(str(path)))
    top = node.mapping(("id", "name", "description", "parameters"), required=("id", "parameters"))
    parameters = []
    for name, entry in top["parameters"].items():
        parts = entry.mapping(("path", "paths", "of", "distribution", "source", "label", "bounds", "decimals", "note"),
                              required=("of", "distribution", "source"))
        if ("path" in parts) == ("paths" in parts):
            raise entry.fail("exactly one of path (a dotted path) or paths (a list of them)",
                             found="both" if "path" in parts else "neither")
        paths = (parts["path"].text(),) if "path" in parts else tuple(e.text() for e in parts["paths"].elements())
        if not paths or any(not p or p.startswith(".") or p.endswith(".") or ".." in p for p in paths):
            raise (parts.get("path") or parts["paths"]).fail("dotted paths such as population.costs.admission_mean.county")
        of = parts["of"].choice(OF, "kind of uncertainty")
        if of == "value" and len(paths) > 1:
            raise parts["paths"].fail("one path for `of: value` (a shared multiplier needs `of: factor`)")
        source = parts["source"].text()
        if not source.strip():
            raise parts["source"].fail("the source of this uncertainty (a published interval, a range across "
                                       "provinces, or 'assumed: why')")
        bounds: tuple[float | None, float | None] = (None, None)
        if "bounds" in parts:
            items = parts["bounds"].elements()
            if len(items) != 2:
                raise parts["bounds"].fail("[low, high]")
            low, high = (None if i.value is None else float(i.number()) for i in items)
            if low is not None and high is not None and high <= low:
                raise parts["bounds"].fail("[low, high] with low < high")
            bounds = (low, high)
        decimals = parts["decimals"].integer(0, 6) if "decimals" in parts else None
        distribution = read_distribution(parts["distribution"])
        if of == "factor" and float(distribution.ppf(0.001)) <= 0 and bounds[0] is None:
            raise parts["distribution"].fail("a multiplier above 0 at its 0.1% quantile (or bounds: [low, high])",
                                             found=distribution.describe())
        parameters.append(UncertainParameter(name, paths, of, distribution, source,
                                             _label(parts.get("label"), name), bounds, decimals))
    if not parameters:
        raise top["parameters"].fail("at least one uncertain parameter")
    return UncertaintySpec(top["id"].text(), path, tuple(parameters))
