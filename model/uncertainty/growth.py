"""A budget year's prices and use: yearly growth of costs by level and of utilisation, compounded from the base
year, as multipliers on scenario paths. `growth_factors` is the one mapping from a year to them."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pydantic import model_validator

from model.errors import InputError
from model.scenario import Scenario
from model.scenario.resolve import scenarios_dir, set_path
from model.scenario.messages import Origins, refuse, validated
from model.scenario.types import Cited, Section, keyed, real, whole
from model.scenario.yamlio import read_yaml
from model.uncertainty.apply import Override, _scaled, get_path
from model.uncertainty.spec import GROWTH_PREFIX, UncertainParameter

YEARS = range(2016, 2036)
LEVELS = ("township", "county", "prefecture", "province")
DEFAULT_GROWTH = "default"


@dataclass(frozen=True)
class GrowthRates:
    """Yearly growth rates (fractions) from `base_year`."""

    base_year: int
    admission_cost_growth: dict[str, float]
    visit_cost_growth: float
    admission_use_growth: float
    visit_use_growth: float

    def replaced(self, path: str, value: float) -> "GrowthRates":
        """These rates with one, named by its path under growth. (as an uncertainty file names it), replaced."""
        keys = path.removeprefix(GROWTH_PREFIX).split(".")
        if keys[0] == "admission_cost_growth" and len(keys) == 2 and keys[1] in LEVELS:
            return GrowthRates(self.base_year, {**self.admission_cost_growth, keys[1]: value}, self.visit_cost_growth,
                               self.admission_use_growth, self.visit_use_growth)
        if len(keys) == 1 and keys[0] in ("visit_cost_growth", "admission_use_growth", "visit_use_growth"):
            return GrowthRates(**{**self.__dict__, keys[0]: value})
        raise InputError(f"growth path {path!r}: expected growth.admission_cost_growth.LEVEL ({', '.join(LEVELS)}), "
                         "growth.visit_cost_growth, growth.admission_use_growth or growth.visit_use_growth")

    def value_at(self, path: str) -> float:
        keys = path.removeprefix(GROWTH_PREFIX).split(".")
        if keys[0] == "admission_cost_growth" and len(keys) == 2 and keys[1] in LEVELS:
            return self.admission_cost_growth[keys[1]]
        self.replaced(path, 0.0)  # refuses an unknown path
        return getattr(self, keys[0])


GrowthRate = real(-0.5, 1)


class GrowthFile(Section):
    """A growth file (scenarios/growth/): yearly growth of costs by level and of use, from a base year."""

    required_keys: ClassVar[tuple[str, ...]] = ("id", "base_year", "admission_cost_growth", "visit_cost_growth",
                                                "admission_use_growth", "visit_use_growth")
    id: Any
    name: Any = None
    base_year: Cited[whole(1900, 2200)]
    admission_cost_growth: Cited[keyed(LEVELS, "level", GrowthRate)]
    visit_cost_growth: Cited[GrowthRate]
    admission_use_growth: Cited[GrowthRate]
    visit_use_growth: Cited[GrowthRate]

    @model_validator(mode="after")
    def _every_level(self) -> "GrowthFile":
        missing = [level for level in LEVELS if level not in self.admission_cost_growth.value]
        if missing:
            raise refuse(f"a rate for every level ({', '.join(LEVELS)})", found=f"none for {missing[0]}",
                         at=("admission_cost_growth",))
        return self

    def to_rates(self) -> GrowthRates:
        return GrowthRates(self.base_year.value, dict(self.admission_cost_growth.value),
                           self.visit_cost_growth.value, self.admission_use_growth.value, self.visit_use_growth.value)


def growth_path(reference: str = DEFAULT_GROWTH) -> Path:
    """The file of a growth reference: scenarios/growth/REFERENCE.yaml.

    Parameters
    ----------
    reference : str

    Returns
    -------
    Path
    """
    return scenarios_dir() / "growth" / f"{reference}.yaml"


def read_growth(reference: str = DEFAULT_GROWTH) -> GrowthRates:
    """The growth rates of a file in scenarios/growth/, checked, with messages naming the file and field."""
    path = growth_path(reference)
    return validated(GrowthFile, read_yaml(path), Origins(str(path))).to_rates()


def growth_factors(year: int, rates: GrowthRates) -> dict[str, float]:
    """Multipliers, by scenario path, that take the base year's costs and use to `year` (compounded yearly)."""
    years = year - rates.base_year
    factors = {f"population.costs.admission_mean.{level}": (1 + rates.admission_cost_growth[level]) ** years
               for level in LEVELS}
    factors["population.costs.visit_mean"] = (1 + rates.visit_cost_growth) ** years
    factors["population.illness.chronic.cost_per_visit"] = (1 + rates.visit_cost_growth) ** years
    factors["population.illness.admissions.share_admitted"] = (1 + rates.admission_use_growth) ** years
    factors["population.illness.outpatient.visits_per_year"] = (1 + rates.visit_use_growth) ** years
    return factors


def drawn_rates(parameters: tuple[UncertainParameter, ...], draw: dict[str, float]) -> GrowthRates:
    """The default growth rates with a replication's drawn ones in place."""
    rates = read_growth()
    for parameter in parameters:
        if not parameter.is_growth:
            continue
        for path in parameter.paths:
            value = draw[parameter.name] if parameter.of == "value" else rates.value_at(path) * draw[parameter.name]
            rates = rates.replaced(path, value)
    return rates


def growth_overrides(year: int, scenario: Scenario, settings: tuple[Override, ...],
                     parameters: tuple[UncertainParameter, ...], draw: dict[str, float]) -> tuple[Override, ...]:
    """`settings` followed by the budget year's: each grown path's value (after the draw) times its factor."""
    tree = copy.deepcopy(scenario.tree)
    origins = Origins("draw")
    for path, value, source in settings:
        set_path(tree, path, value, source, "draw", origins)
    grown = []
    for path, factor in growth_factors(year, drawn_rates(parameters, draw)).items():
        fake = UncertainParameter("budget_year", (path,), "factor", None, "", {}, (None, None), None)
        grown.append((path, _scaled(fake, get_path(tree, path), factor, path), f"grown to {year} (scenarios/growth/default.yaml)"))
    return tuple(settings) + tuple(grown)
