"""The simulated year: poverty line, exited share, incomes, consumption and food spending of that year (cited)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from model.scenario.node import Node

# Income groups in model.population.params.INCOME_GROUPS order.
ORDINARY, REGISTERED_POOR, REGISTERED_EXITED, DIBAO, EXTREME_POOR = range(5)
BY_YEAR_KEYS = ("incomes_describe", "rural_poor_population_millions", "poverty_line", "poverty_area_income",
                "rural_engel_coefficient", "food_income_elasticity", "food_share_sigma")
# A food share stays within these bounds: no household eats nothing or spends everything on food.
FOOD_SHARE_BOUNDS = (0.05, 0.95)


@dataclass(frozen=True)
class YearFigures:
    """What the simulated year sets: the line, how many registered households are out of poverty, price levels."""

    year: int
    poverty_line: float  # yuan a person a year
    exited_share: float  # registered-poor households out of poverty (income above the line) in the year
    line_index: float  # the year's poverty line / the line of the year the incomes describe
    income_index: float  # rural income in poverty-stricken areas, the year / the year the incomes describe
    engel_coefficient: float  # rural food share of consumption
    food_elasticity: float  # income (consumption) elasticity of food spending
    food_sigma: float  # lognormal spread of a household's food share about Engel's curve
    poverty_lines: tuple[tuple[int, float], ...] = ()  # (year, yuan) of by_year.poverty_line: the one table of lines

    def line_in(self, year: int) -> float:
        """The national poverty line of `year` (yuan a person a year), from the population's by_year table, which
        every part of the model reads it from (the simulated year's line, and each year of a --years run)."""
        lines = dict(self.poverty_lines)
        if year not in lines:
            from model.errors import InputError

            raise InputError(f"population.by_year.poverty_line: expected a figure for {year} (a year of the run), "
                             f"found years {', '.join(map(str, sorted(lines)))}")
        return lines[year]


def _table(node: Node, low: float, high: float | None = None) -> dict[int, float]:
    from model.population.params import _cited, _float

    table = _cited(node)
    if not isinstance(table.value, dict) or not table.value:
        raise table.fail("a mapping of years to numbers, such as {2018: 10371, 2019: 11567}")
    values = {}
    for key, item in table.items():
        if not str(key).isdigit() or not 1990 <= int(key) <= 2100:
            raise item.fail("a year 1990-2100 as key", found=repr(key))
        values[int(key)] = _float(item, low, high)
    return values


def _at(node: Node, table: dict[int, float], year: int, what: str) -> float:
    if year not in table:
        raise node.fail(f"a figure of {what} for the simulated year {year}", found=f"years {', '.join(map(str, sorted(table)))}")
    return table[year]


def year_figures(year_node: Node, by_year: Node) -> YearFigures:
    """The figures of the simulated year (`population.year`) from the population's `by_year` tables."""
    from model.population.params import _cited, _float

    year = _cited(year_node).integer(1990, 2100)
    parts = by_year.mapping(BY_YEAR_KEYS, required=BY_YEAR_KEYS)
    reference = _cited(parts["incomes_describe"]).integer(1990, 2100)
    poor = _table(parts["rural_poor_population_millions"], 0)
    lines = _table(parts["poverty_line"], 0)
    incomes = _table(parts["poverty_area_income"], 0)
    engel = _table(parts["rural_engel_coefficient"], 0.01, 0.99)
    start = min(poor)
    remaining = _at(parts["rural_poor_population_millions"], poor, year, "the rural poor population")
    # Exit is certified on the year's income: households counted out of poverty at the end of the year had
    # incomes above the line in it. The stock is counted from the earliest year given.
    exited = 1 - remaining / poor[start] if poor[start] else 0.0
    return YearFigures(
        year=year,
        poverty_line=_at(parts["poverty_line"], lines, year, "the poverty line"),
        exited_share=min(max(exited, 0.0), 1.0),
        line_index=_at(parts["poverty_line"], lines, year, "the poverty line") / _at(parts["poverty_line"], lines, reference, "the poverty line"),
        income_index=_at(parts["poverty_area_income"], incomes, year, "rural income in poverty-stricken areas")
        / _at(parts["poverty_area_income"], incomes, reference, "rural income in poverty-stricken areas"),
        engel_coefficient=_at(parts["rural_engel_coefficient"], engel, year, "the rural Engel coefficient"),
        food_elasticity=_float(_cited(parts["food_income_elasticity"]), 0, 2),
        food_sigma=_float(_cited(parts["food_share_sigma"]), 0, 3),
        poverty_lines=tuple(sorted(lines.items())),
    )


def year_incomes(income: np.ndarray, figures: YearFigures) -> tuple[np.ndarray, np.ndarray]:
    """Income medians of the year [group, (median, sigma)] and their bounds [group, (low, high)], yuan a person.

    Households still registered as poor are below the year's line and exited ones above it (exit requires
    income steadily above the line); the other groups grow with rural incomes in poverty-stricken areas.
    """
    scaled = income.copy()
    scaled[:, 0] *= figures.income_index
    scaled[REGISTERED_POOR, 0] = income[REGISTERED_POOR, 0] * figures.line_index
    bounds = np.tile([0.0, np.inf], (income.shape[0], 1))
    bounds[REGISTERED_POOR, 1] = figures.poverty_line
    bounds[REGISTERED_EXITED, 0] = figures.poverty_line
    return scaled, bounds


def bounded_lognormal(median: np.ndarray, sigma: np.ndarray, low: np.ndarray, high: np.ndarray, z: np.ndarray) -> np.ndarray:
    """median·exp(σ z') where z' is z carried through the normal CDF onto the part of the distribution within
    [low, high]: one standard normal draw a value, so bounds never shift other draws."""
    with np.errstate(divide="ignore"):
        a = ndtr(np.log(low / median) / np.where(sigma > 0, sigma, 1))
        b = ndtr(np.log(high / median) / np.where(sigma > 0, sigma, 1))
    bounded = (a > 0) | (b < 1)
    mapped = ndtri(np.clip(a + ndtr(z) * (b - a), 1e-15, 1 - 1e-15))
    value = median * np.exp(sigma * np.where(bounded, mapped, z))
    return np.clip(value, low, high)


def bounded_median(median: float, sigma: float, low: float, high: float) -> float:
    """The median of the bounded lognormal of `bounded_lognormal`."""
    return float(bounded_lognormal(np.array([median]), np.array([sigma]), np.array([low]), np.array([high]), np.zeros(1))[0])


def reference_consumption(income: np.ndarray, consumption_ratio: np.ndarray) -> float:
    """Per-person consumption at which the food share is the rural Engel coefficient: the ordinary rural
    household's (median income × median consumption ratio)."""
    return float(income[ORDINARY, 0] * consumption_ratio[0, 0])


def food_shares(figures: YearFigures, reference: float, per_capita_consumption: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Food share of consumption by Engel's law: the Engel coefficient at the reference consumption, falling as
    consumption rises with elasticity − 1, and a household's own lognormal deviation."""
    ratio = np.maximum(per_capita_consumption, 1.0) / reference
    share = figures.engel_coefficient * ratio ** (figures.food_elasticity - 1) * np.exp(figures.food_sigma * z)
    return np.clip(share, *FOOD_SHARE_BOUNDS)


def year_sets(year: int | None) -> tuple[str, ...]:
    """`--set` options that simulate `year` (None: the year the scenario files describe): the population's year
    (incomes, exited share, poverty line) and the care year (claim dates)."""
    return () if year is None else (f"population.year={year}", f"care.year={year}")
