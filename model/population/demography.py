"""Deaths and births between the years of a --years run: who dies (by age and sex), who is born and into which
household, and the household table that follows (sizes, dissolved households), all as arrays."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from model.codes import CHRONIC_CODES
from model.population.households import Population
from model.population.illness import person_spread_factors
from model.population.params import AGE_LIMITS
from model.seeds import child_seed

OLDEST = int(AGE_LIMITS[-1, 1])  # ages stop at the last band's upper age: survivors stay in that band
LIFE_TABLE_END = 120  # ages the life expectancy is summed over
WORKING_AGES = (16, 64)


@dataclass(frozen=True)
class DemographyRules:
    """What the years rules say about deaths and births; dated tables hold a value from their year on."""

    life_expectancy: dict[int, float]  # at birth, both sexes
    infant_mortality: dict[int, float]  # deaths before age 1 per 1,000 live births
    gompertz_slope: float  # yearly rise of the log death rate with age, from age 1
    male_relative_risk: float  # men's death rate / women's, at every age
    birth_rate: dict[int, float]  # births per 1,000 persons a year
    mother_ages: tuple[int, int]  # women of these ages (inclusive) give birth
    male_share_at_birth: float


def _at(table: dict[int, float], year: int) -> float:
    years = [y for y in table if y <= year]
    return float(table[max(years)] if years else table[min(table)])


def _survival(level: float, slope: float, relative: float, infant: float) -> np.ndarray:
    """l(x) for x = 0..LIFE_TABLE_END of one sex: q(0) the infant mortality, then q(x) = 1 − exp(−μ(x)) with
    μ(x) = level · relative · exp(slope · x)."""
    age = np.arange(1, LIFE_TABLE_END)
    q = np.concatenate([[infant], 1 - np.exp(-level * relative * np.exp(slope * age))])
    return np.concatenate([[1.0], np.cumprod(1 - q)])


def _life_expectancy(level: float, slope: float, male_rr: float, infant: float) -> float:
    """At birth, both sexes (half of births each): person-years lived, deaths taken at mid-year."""
    years = []
    for relative in (male_rr, 1.0):
        survival = _survival(level, slope, relative, infant)
        years.append(float(np.sum((survival[:-1] + survival[1:]) / 2)))
    return float(np.mean(years))


@lru_cache(maxsize=64)
def death_table(life_expectancy: float, infant_per_1000: float, slope: float, male_rr: float) -> np.ndarray:
    """[sex (0 women, 1 men), age 0..OLDEST]: the chance of dying within the year. A Gompertz curve from age 1 whose
    level is solved (bisection) so that life expectancy at birth is the year's figure; q(0) is infant mortality."""
    infant = infant_per_1000 / 1000
    low, high = 1e-9, 1.0
    for _ in range(100):  # life expectancy falls as the level rises
        middle = np.sqrt(low * high)
        low, high = (middle, high) if _life_expectancy(middle, slope, male_rr, infant) > life_expectancy else (low, middle)
    level = np.sqrt(low * high)
    age = np.arange(OLDEST + 1)
    table = np.empty((2, OLDEST + 1))
    for sex, relative in ((0, 1.0), (1, male_rr)):
        table[sex] = 1 - np.exp(-level * relative * np.exp(slope * age))
        table[sex, 0] = infant
    return table


@dataclass
class Cohort:
    """One chunk's persons in the current year, with what follows each person from year to year."""

    population: Population  # persons grouped by household, ages of the current year
    since_band: np.ndarray  # the age band a person was first simulated in (newborns: 0)
    chronic_u: np.ndarray  # float64 [person, condition]: the person's own draws for chronic conditions
    certified_u: np.ndarray  # float64 [person, condition]: and for their certification
    spread_factor: np.ndarray | None = None  # float64 [person]: their factor on their general visit rate (illness.py)


def cohort_of(population: Population, illness_seed: np.random.SeedSequence, spread_shape: float | None = None) -> Cohort:
    """The persons of the run's first year, with the chronic draws model.population.illness.draw_illness made for
    them in that year (the same stream), so that conditions stay with their person when others die or are born."""
    rng = np.random.default_rng(child_seed(illness_seed, 0))
    shape = (population.n_persons, len(CHRONIC_CODES))
    chronic_u = rng.random(shape)
    certified_u = rng.random(shape)
    spread_factor = person_spread_factors(illness_seed, population.n_persons, spread_shape)
    return Cohort(population, population.age_band(), chronic_u, certified_u, spread_factor)


@dataclass
class YearChange:
    """What happened to one chunk's households between two years (indices of the households before)."""

    kept: np.ndarray  # bool [household]: still has members
    size: np.ndarray  # int64 [kept household]: members after deaths and births
    working_deaths: np.ndarray  # int64 [household]: members of working age (16-64) who died
    deaths: int
    births: int
    persons_before: int


def next_year(cohort: Cohort, rules: DemographyRules, year: int, seed: np.random.SeedSequence,
              spread_shape: float | None = None) -> tuple[Cohort, YearChange]:
    """The cohort one year on: deaths at the end of `year` by age and sex, survivors a year older, births to women
    of the mother ages into their households (infants of age 0, from the county's own illness parameters in later
    years), households with nobody left dropped. Draws come from `seed` alone (one stream a chunk and year)."""
    population = cohort.population
    rng = np.random.default_rng(seed)
    table = death_table(_at(rules.life_expectancy, year), _at(rules.infant_mortality, year), rules.gompertz_slope,
                        rules.male_relative_risk)
    n = population.n_persons
    dies = rng.random(n) < table[population.male.astype(np.int64), np.minimum(population.age, OLDEST)]
    low, high = rules.mother_ages
    mothers = ~dies & ~population.male & (population.age >= low) & (population.age <= high)
    expected = _at(rules.birth_rate, year) / 1000 * n
    chance = min(1.0, expected / mothers.sum()) if mothers.any() else 0.0
    born_to = np.flatnonzero(mothers & (rng.random(n) < chance))
    k = born_to.shape[0]
    newborn_male = rng.random(k) < rules.male_share_at_birth
    conditions = len(CHRONIC_CODES)
    newborn_chronic = rng.random((k, conditions))
    newborn_certified = rng.random((k, conditions))
    # drawn last, so deaths and births are as before
    newborn_spread = None if spread_shape is None else rng.standard_gamma(spread_shape, k) / spread_shape

    alive = np.flatnonzero(~dies)
    household = np.concatenate([population.household[alive], population.household[born_to]])
    order = np.argsort(household, kind="stable")  # members stay grouped by household, newborns after the others
    household = household[order]
    age = np.concatenate([np.minimum(population.age[alive] + 1, OLDEST), np.zeros(k, dtype=np.int64)])[order]
    male = np.concatenate([population.male[alive], newborn_male])[order]
    since_band = np.concatenate([cohort.since_band[alive], np.zeros(k, dtype=np.int64)])[order]
    chronic_u = np.concatenate([cohort.chronic_u[alive], newborn_chronic])[order]
    certified_u = np.concatenate([cohort.certified_u[alive], newborn_certified])[order]
    spread_factor = (None if cohort.spread_factor is None or newborn_spread is None
                     else np.concatenate([cohort.spread_factor[alive], newborn_spread])[order])

    n_households = population.n_households
    size = np.bincount(household, minlength=n_households)
    kept = size > 0
    renumber = np.cumsum(kept) - 1
    working = dies & (population.age >= WORKING_AGES[0]) & (population.age <= WORKING_AGES[1])
    labels = population.household_ids()  # ids stay with their household when others are dropped
    households = {name: getattr(population, name)[kept] for name in (
        "household_category", "household_exited", "household_income", "household_consumption", "household_food",
        "household_township", "household_village")}
    later = dataclasses.replace(population, **households, household_size=size[kept].astype(np.int64),
                                household_label=labels[kept], household=renumber[household].astype(np.int64),
                                age=age.astype(np.int64), male=male, first_person=0, first_household=0)
    change = YearChange(kept=kept, size=size[kept].astype(np.int64),
                        working_deaths=np.bincount(population.household[working], minlength=n_households),
                        deaths=int(dies.sum()), births=int(k), persons_before=n)
    return Cohort(later, since_band, chronic_u, certified_u, spread_factor), change


def demography_seed(population_seed: np.random.SeedSequence, year_index: int, chunk: int) -> np.random.SeedSequence:
    """The stream of chunk `chunk`'s deaths and births after the run's year number `year_index` (0 first)."""
    return child_seed(child_seed(population_seed, 4_000_000 + year_index), chunk)
