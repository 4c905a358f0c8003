"""A budget year's prices and use: yearly growth of costs by level and of utilisation, compounded from the base
year, as multipliers on scenario paths. `growth_factors` is the one mapping from a year to them."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal

from model.errors import InputError
from model.scenario import Scenario
from model.scenario.node import Node, Origins
from model.scenario.resolve import scenarios_dir, set_path
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


def read_growth(reference: str = DEFAULT_GROWTH) -> GrowthRates:
    path = scenarios_dir() / "growth" / f"{reference}.yaml"
    node = Node(read_yaml(path), (), Origins(str(path)))
    parts = node.mapping(("id", "name", "base_year", "admission_cost_growth", "visit_cost_growth",
                          "admission_use_growth", "visit_use_growth"),
                         required=("id", "base_year", "admission_cost_growth", "visit_cost_growth",
                                   "admission_use_growth", "visit_use_growth"))

    def rate(item: Node) -> float:
        return float(item.number(Decimal("-0.5"), Decimal("1")))

    base_year, _ = parts["base_year"].cited()
    by_level = parts["admission_cost_growth"].cited_mapping(LEVELS, "level", rate)
    missing = [level for level in LEVELS if level not in by_level]
    if missing:
        raise parts["admission_cost_growth"].fail(f"a rate for every level ({', '.join(LEVELS)})",
                                                  found=f"none for {missing[0]}")
    return GrowthRates(base_year.integer(1900, 2200), by_level,
                       *(rate(parts[key].cited()[0]) for key in ("visit_cost_growth", "admission_use_growth",
                                                                  "visit_use_growth")))


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
