"""The simulated year: poverty line, exited share, incomes, consumption and food spending of that year (cited)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, PlainValidator, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from model.errors import describe_found
from model.scenario.messages import refuse
from model.scenario.types import Cited, Section, real, whole, within

# Income groups in model.population.params.INCOME_GROUPS order.
ORDINARY, REGISTERED_POOR, REGISTERED_EXITED, DIBAO, EXTREME_POOR = range(5)
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
    # by_year.registered_income_mean: the published mean income a registered person a year, the simulated year's and
    # that of the year the incomes describe, with that year's line and exited share (None: the table is not given)
    registered_income_mean: float | None = None
    registered_income_mean_described: float | None = None
    line_described: float | None = None
    exited_share_described: float | None = None

    def line_in(self, year: int) -> float:
        """The national poverty line of `year` (yuan a person a year), from the population's by_year table, which
        every part of the model reads it from (the simulated year's line, and each year of a --years run)."""
        lines = dict(self.poverty_lines)
        if year not in lines:
            from model.errors import InputError

            raise InputError(f"population.by_year.poverty_line: expected a figure for {year} (a year of the run), "
                             f"found years {', '.join(map(str, sorted(lines)))}")
        return lines[year]


def found_within(at: tuple, check, value: object) -> Any:
    """`within`, the found value named here: a mapping keyed by numbers (years, household sizes) is not
    walked back to it by its key's text."""
    try:
        return check(value)
    except PydanticCustomError as exc:
        context = dict(exc.context or {})
        if context.get("found") is None and not context.get("at"):
            context["found"] = describe_found(value)
        context["at"] = tuple(at) + tuple(context.get("at") or ())
        raise PydanticCustomError(exc.type, exc.message_template, context) from None


def _years(low: float, high: float | None = None):
    """A table of years to numbers, such as {2018: 10371, 2019: 11567}, as {year: float}."""
    number = real(low, high).__metadata__[0].func

    def check(value: object) -> dict[int, float]:
        if not isinstance(value, dict) or not value:
            raise refuse("a mapping of years to numbers, such as {2018: 10371, 2019: 11567}")
        table = {}
        for key, item in value.items():
            if not str(key).isdigit() or not 1990 <= int(key) <= 2100:
                raise refuse("a year 1990-2100 as key", found=repr(str(key)), at=(str(key),))
            table[int(key)] = found_within((str(key),), number, item)
        return table

    return Annotated[dict, PlainValidator(check), WithJsonSchema({
        "type": "object", "minProperties": 1, "propertyNames": {"pattern": "^[0-9]{4}$"},
        "additionalProperties": {"type": "number", "minimum": low, **({"maximum": high} if high is not None else {})},
        "description": "year: figure"})]


def _needed(what: str, *at_years: str):
    """A year table that must hold a figure for each of `at_years` (names in the validation context: the
    simulated `year`, or `incomes_describe`), refused naming the years it has."""

    def check(table: dict[int, float], info: ValidationInfo) -> dict[int, float]:
        for name in at_years:
            year = (info.context or {}).get(name)
            if year is not None and year not in table:
                raise refuse(f"a figure of {what} for the simulated year {year}",
                             found=f"years {', '.join(map(str, sorted(table)))}")
        return table

    return AfterValidator(check)


def _remember(name: str):
    """Keep a validated year in the validation context, for the year tables read after it."""

    def keep(year: int, info: ValidationInfo) -> int:
        if info.context is not None:
            info.context[name] = year
        return year

    return AfterValidator(keep)


SimulatedYear = Annotated[int, PlainValidator(whole(1990, 2100).__metadata__[0].func), _remember("year"),
                          WithJsonSchema({"type": "integer", "minimum": 1990, "maximum": 2100})]
DescribedYear = Annotated[int, PlainValidator(whole(1990, 2100).__metadata__[0].func), _remember("incomes_describe"),
                          WithJsonSchema({"type": "integer", "minimum": 1990, "maximum": 2100})]


class ByYear(Section):
    """What the simulated year sets (`population.by_year`): each table needs a figure for that year."""

    incomes_describe: Cited[DescribedYear]
    rural_poor_population_millions: Cited[Annotated[_years(0), _needed("the rural poor population", "year")]]
    poverty_line: Cited[Annotated[_years(0), _needed("the poverty line", "year", "incomes_describe")]]
    poverty_area_income: Cited[Annotated[_years(0), _needed("rural income in poverty-stricken areas", "year",
                                                            "incomes_describe")]]
    registered_income_mean: Cited[Annotated[_years(0), _needed("the mean income of registered-poor persons", "year",
                                                               "incomes_describe")]] = None
    rural_engel_coefficient: Cited[Annotated[_years(0.01, 0.99), _needed("the rural Engel coefficient", "year")]]
    food_income_elasticity: Cited[real(0, 2)]
    food_share_sigma: Cited[real(0, 3)]

    def figures(self, year: int) -> YearFigures:
        """The figures of the simulated `year` (its tables hold it: checked when read)."""
        poor = self.rural_poor_population_millions.value
        lines = self.poverty_line.value
        incomes = self.poverty_area_income.value
        reference = self.incomes_describe.value
        # Exit is certified on the year's income: households counted out of poverty at the end of the year had
        # incomes above the line in it. The stock is counted from the earliest year given.
        start = min(poor)

        def exited_in(when: int) -> float:
            return min(max(1 - poor[when] / poor[start] if poor[start] else 0.0, 0.0), 1.0)

        registered = self.registered_income_mean.value if self.registered_income_mean is not None else None
        return YearFigures(
            year=year,
            poverty_line=lines[year],
            exited_share=exited_in(year),
            line_index=lines[year] / lines[reference],
            income_index=incomes[year] / incomes[reference],
            engel_coefficient=self.rural_engel_coefficient.value[year],
            food_elasticity=self.food_income_elasticity.value,
            food_sigma=self.food_share_sigma.value,
            poverty_lines=tuple(sorted(lines.items())),
            registered_income_mean=None if registered is None else registered[year],
            registered_income_mean_described=None if registered is None else registered[reference],
            line_described=lines[reference],
            exited_share_described=exited_in(reference) if reference in poor else None,
        )


def bounded_mean(median: float, sigma: float, low: float, high: float) -> float:
    """The mean of the bounded lognormal of `bounded_lognormal` (a lognormal truncated to [low, high])."""
    from scipy.special import ndtr

    if sigma <= 0:
        return float(min(max(median, low), high))
    mu = np.log(median)
    with np.errstate(divide="ignore"):
        a, b = (np.log(low) - mu) / sigma, (np.log(high) - mu) / sigma
    inside = ndtr(b) - ndtr(a)
    if inside <= 0:
        return float(low if median < low else high)
    return float(median * np.exp(sigma**2 / 2) * (ndtr(b - sigma) - ndtr(a - sigma)) / inside)


def exited_median_for_mean(mean: float, exited_share: float, poor: tuple[float, float], exited_sigma: float,
                           line: float) -> float:
    """The median income of exited registered households (a lognormal above `line`) at which registered persons'
    mean income is `mean`, the still poor (median, sigma in `poor`, below the line) making up 1 − exited_share.
    Exit does not depend on household size, so the person-weighted mean is this mixture of the two groups' means."""
    poor_mean = bounded_mean(poor[0], poor[1], 0.0, line)
    needed = (mean - (1 - exited_share) * poor_mean) / exited_share
    floor = bounded_mean(line * 1e-3, exited_sigma, line, np.inf)  # the lowest mean incomes above the line can have
    if needed <= floor:
        return line * 1e-3
    # bisection on the log median (the mean rises with the median); scipy.optimize would cost every run ~40 MiB
    low, high = np.log(line * 1e-3), np.log(needed * 10)
    while high - low > 1e-12:
        middle = (low + high) / 2
        if bounded_mean(np.exp(middle), exited_sigma, line, np.inf) < needed:
            low = middle
        else:
            high = middle
    return float(np.exp((low + high) / 2))


def exited_index(income: np.ndarray, figures: YearFigures) -> float:
    """How the exited households' median moves from the year the incomes describe to the simulated year: with
    by_year.registered_income_mean, by the ratio of the medians that give registered persons each year's published
    mean income (so the preset's exited median, set for the year it describes, gives every year's published mean);
    without it, with rural incomes in poverty-stricken areas."""
    described = figures.exited_share_described
    if figures.registered_income_mean is None or not figures.exited_share or not described:
        return figures.income_index
    sigma_poor, sigma_exited = income[REGISTERED_POOR, 1], income[REGISTERED_EXITED, 1]
    this_year = exited_median_for_mean(figures.registered_income_mean, figures.exited_share,
                                       (income[REGISTERED_POOR, 0] * figures.line_index, sigma_poor), sigma_exited,
                                       figures.poverty_line)
    that_year = exited_median_for_mean(figures.registered_income_mean_described, described,
                                       (income[REGISTERED_POOR, 0], sigma_poor), sigma_exited, figures.line_described)
    return this_year / that_year


def year_incomes(income: np.ndarray, figures: YearFigures) -> tuple[np.ndarray, np.ndarray]:
    """Income medians of the year [group, (median, sigma)] and their bounds [group, (low, high)], yuan a person.

    Households still registered as poor are below the year's line and exited ones above it (exit requires
    income steadily above the line); exited households' incomes follow the published mean income of registered
    persons (`exited_index`); the other groups grow with rural incomes in poverty-stricken areas.
    """
    scaled = income.copy()
    scaled[:, 0] *= figures.income_index
    scaled[REGISTERED_POOR, 0] = income[REGISTERED_POOR, 0] * figures.line_index
    scaled[REGISTERED_EXITED, 0] = income[REGISTERED_EXITED, 0] * exited_index(income, figures)
    bounds = np.tile([0.0, np.inf], (income.shape[0], 1))
    bounds[REGISTERED_POOR, 1] = figures.poverty_line
    bounds[REGISTERED_EXITED, 0] = figures.poverty_line
    return scaled, bounds


def bounded_lognormal(median: np.ndarray, sigma: np.ndarray, low: np.ndarray, high: np.ndarray, z: np.ndarray) -> np.ndarray:
    """median·exp(σ z') where z' is z carried through the normal CDF onto the part of the distribution within
    [low, high]: one standard normal draw a value, so bounds never shift other draws."""
    from scipy.special import ndtr, ndtri  # here, not at import: reading a scheme (hpa adjudicate) needs no scipy

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
