"""Synthetic households and their members: category, poverty exit, size, income, consumption, place, age, sex."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.seeds import child_seed

from model.codes import ALSO_REGISTERED, CATEGORY_CODE, CATEGORY_SET_PRIMARY
from model.population.params import AGE_LIMITS, PopulationParams
from model.population.year import bounded_lognormal, food_shares

REGISTERED_POOR = CATEGORY_CODE["registered_poor"]
ORDINARY = CATEGORY_CODE["ordinary"]
# Income groups of PopulationParams.income, by category code (registered poor split by exit below).
INCOME_GROUP_OF_CATEGORY = np.array([0, 1, 3, 4])
INCOME_GROUP_EXITED = 2
PRIMARY = np.array(CATEGORY_SET_PRIMARY, dtype=np.int64)  # [set code]: the category whose parameters it takes


def also_registered(params: PopulationParams, category: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Category sets: dibao and extreme-poor households also registered poor (a share of each, drawn here)."""
    result = category.astype(np.int8)
    draw = rng.random(category.shape[0])
    for name, code in ALSO_REGISTERED.items():
        result[(category == CATEGORY_CODE[name]) & (draw < params.also_registered_share[name])] = code
    return result


@dataclass(frozen=True)
class County:
    """The county's places: fixed for a replication, shared by every chunk of households."""

    township_to_county_km: np.ndarray  # [township]
    village_to_township_km: np.ndarray  # [village]
    village_township: np.ndarray  # [village] the township each village belongs to
    township_names: tuple[str, ...] | None = None  # from a user's household table
    village_names: tuple[str, ...] | None = None

    @property
    def townships(self) -> int:
        return int(self.township_to_county_km.shape[0])

    @property
    def villages(self) -> int:
        return int(self.village_to_township_km.shape[0])


def draw_county(params: PopulationParams, seed: np.random.SeedSequence, villages_of_township: np.ndarray | None = None,
                township_names=None, village_names=None) -> County:
    """Distances of the county's places; by default params.townships townships of equal village counts."""
    rng = np.random.default_rng(seed)
    if villages_of_township is None:
        villages_of_township = np.repeat(np.arange(params.townships), params.villages_per_township)
    n_townships = int(villages_of_township.max()) + 1 if villages_of_township.size else 0
    low, high = params.township_km
    township_km = rng.uniform(low, high, n_townships)
    median, sigma = params.village_km
    village_km = median * np.exp(sigma * rng.standard_normal(villages_of_township.shape[0]))
    return County(township_km, village_km, villages_of_township, township_names, village_names)


@dataclass
class Population:
    """Households and persons as arrays. Money in fen a year for the whole household."""

    # households
    household_category: np.ndarray  # int8
    household_exited: np.ndarray  # bool
    household_size: np.ndarray  # int64
    household_income: np.ndarray  # int64 fen a year
    household_consumption: np.ndarray  # int64 fen a year
    household_food: np.ndarray  # int64 fen a year: the part of consumption spent on food
    household_township: np.ndarray  # int64
    household_village: np.ndarray  # int64, index over the county's villages
    household_label: np.ndarray | None  # household ids from a user's table, else None (h + index)
    # persons, grouped by household
    household: np.ndarray  # int64 index of the person's household
    age: np.ndarray  # int64 years
    male: np.ndarray  # bool
    first_person: int = 0  # index of the first person (chunks of a larger population)
    first_household: int = 0

    @property
    def n_persons(self) -> int:
        return int(self.household.shape[0])

    @property
    def n_households(self) -> int:
        return int(self.household_size.shape[0])

    @property
    def category(self) -> np.ndarray:
        return self.household_category[self.household]

    @property
    def poor(self) -> np.ndarray:
        return self.category != ORDINARY

    def age_band(self) -> np.ndarray:
        return np.searchsorted(AGE_LIMITS[:, 1], self.age, side="left")

    def distances(self, county: County) -> tuple[np.ndarray, np.ndarray]:
        """Household distances (km) to the township centre and to the county hospital."""
        to_township = county.village_to_township_km[self.household_village]
        return to_township, to_township + county.township_to_county_km[self.household_township]

    def household_ids(self) -> np.ndarray:
        if self.household_label is not None:
            return self.household_label
        return np.char.add("h", (np.arange(self.n_households) + self.first_household).astype(str))

    def person_ids(self) -> np.ndarray:
        """'<household id>-<member number>' for every person."""
        starts = np.cumsum(self.household_size) - self.household_size
        member = np.arange(self.n_persons) - starts[self.household] + 1
        return np.char.add(np.char.add(self.household_ids()[self.household], "-"), member.astype(str))


def _sizes(params: PopulationParams, category: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cumulative = np.cumsum(params.size_shares, axis=1)
    cumulative[:, -1] = 1.0
    return (rng.random(category.shape[0])[:, None] >= cumulative[category]).sum(axis=1) + 1


def draw_households(params: PopulationParams, n_persons: int, county: County, rng: np.random.Generator) -> dict:
    """Households whose members number exactly n_persons (the last household is cut to fit)."""
    mean_size = float(params.category_shares @ (params.size_shares @ np.arange(1, params.size_shares.shape[1] + 1)))
    categories: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    drawn = 0
    while drawn < n_persons:  # nearly always one round: 1.1 times the expected number of households
        batch = int((n_persons - drawn) / mean_size * 1.1) + 16
        category = rng.choice(len(params.category_shares), batch, p=params.category_shares)
        size = _sizes(params, category, rng)
        categories.append(category)
        sizes.append(size)
        drawn += int(size.sum())
    category = np.concatenate(categories)
    size = np.concatenate(sizes)
    running = np.cumsum(size)
    n_households = int(np.searchsorted(running, n_persons) + 1) if n_persons else 0
    category, size = category[:n_households], size[:n_households].copy()
    if n_households:
        size[-1] -= int(running[n_households - 1] - n_persons)
    exited = (category == REGISTERED_POOR) & (rng.random(n_households) < params.exited_share)
    group = np.where(exited, INCOME_GROUP_EXITED, INCOME_GROUP_OF_CATEGORY[category])
    median, sigma = params.income[group, 0], params.income[group, 1]
    low, high = params.income_bounds[group, 0], params.income_bounds[group, 1]
    per_capita = bounded_lognormal(median, sigma, low, high, rng.standard_normal(n_households))
    ratio_median, ratio_sigma = params.consumption_ratio[category, 0], params.consumption_ratio[category, 1]
    ratio = ratio_median * np.exp(ratio_sigma * rng.standard_normal(n_households))
    income = np.round(per_capita * size * 100).astype(np.int64)
    village = rng.integers(0, county.villages, n_households)
    township = county.village_township[village]
    consumption = np.round(per_capita * ratio * size * 100).astype(np.int64)
    return {
        "household_category": also_registered(params, category, rng),
        "household_exited": exited,
        "household_size": size.astype(np.int64),
        "household_income": income,
        "household_consumption": consumption,
        "household_food": household_food(params, consumption, size, rng),
        "household_township": township.astype(np.int64),
        "household_village": village.astype(np.int64),
    }


def household_food(params: PopulationParams, consumption: np.ndarray, size: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Food spending (fen a year) of households of given consumption (fen a year) and size, by Engel's law."""
    per_capita = consumption / 100 / np.maximum(size, 1)
    share = food_shares(params.year, params.food_reference_consumption, per_capita, rng.standard_normal(consumption.shape[0]))
    return np.round(consumption * share).astype(np.int64)


HEAD_MIN_AGE = 18


def member_age_shares(params: PopulationParams) -> tuple[np.ndarray, np.ndarray]:
    """Age-band shares [category, band] of household heads (adults: the category's bands from 15 up,
    renormalized, ages 18+) and of other members (the category's shares)."""
    head = params.age_shares.copy()
    head[:, 0] = 0.0
    head /= head.sum(axis=1, keepdims=True)
    return head, params.age_shares


def draw_members(params: PopulationParams, household_category: np.ndarray, household_size: np.ndarray,
                 rng: np.random.Generator) -> dict:
    """Members of each household: the first (the head) an adult, the others from the category's age bands
    (ages uniform within a band), and sexes."""
    household = np.repeat(np.arange(household_size.shape[0]), household_size)
    category = PRIMARY[household_category[household]]
    is_head = np.ones(household.shape[0], dtype=bool)
    is_head[1:] = household[1:] != household[:-1]
    head_shares, other_shares = member_age_shares(params)
    cumulative = np.cumsum(np.where(is_head[:, None], head_shares[category], other_shares[category]), axis=1)
    cumulative[:, -1] = 1.0
    band = (rng.random(household.shape[0])[:, None] >= cumulative).sum(axis=1)
    low = np.where(is_head, np.maximum(AGE_LIMITS[band, 0], HEAD_MIN_AGE), AGE_LIMITS[band, 0])
    high = AGE_LIMITS[band, 1]
    age = low + np.floor(rng.random(household.shape[0]) * (high - low + 1)).astype(np.int64)
    return {"household": household, "age": age, "male": rng.random(household.shape[0]) < params.male_share}


def synthesize(params: PopulationParams, n_persons: int, county: County, seed: np.random.SeedSequence) -> Population:
    """A synthetic population of about `n_persons` persons in households placed in `county`.

    Parameters
    ----------
    params : PopulationParams
        The population file (household sizes, categories, ages, incomes in fen).
    n_persons : int
        Persons wanted; whole households are drawn, so the count is close to it.
    county : County
        The county the households are placed in.
    seed : numpy.random.SeedSequence
        The population stage's seed: households and members each get a child of it.

    Returns
    -------
    Population
    """
    households_seed, members_seed = child_seed(seed, 0), child_seed(seed, 1)
    households = draw_households(params, n_persons, county, np.random.default_rng(households_seed))
    members = draw_members(params, households["household_category"], households["household_size"],
                           np.random.default_rng(members_seed))
    return Population(household_label=None, **households, **members)
