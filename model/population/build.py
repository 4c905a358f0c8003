"""A replication's population, built in fixed chunks of persons so memory stays bounded and results never
depend on how the work is split: chunk k always has the same persons, drawn from its own seed."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Iterator

import numpy as np
import pyarrow as pa

from model.codes import CATEGORY_SET_NAMES
from model.population.households import County, Population, draw_county, synthesize
from model.population.illness import Illness, draw_illness
from model.population.params import PopulationParams
from model.seeds import child_seed
from model.tables import yuan_text

CHUNK_PERSONS = 100_000


@dataclass(frozen=True)
class StageSeeds:
    """One replication's streams: one per stage, so changing one stage never shifts another's draws."""

    county: np.random.SeedSequence
    population: np.random.SeedSequence
    illness: np.random.SeedSequence
    care: np.random.SeedSequence

    @classmethod
    def of_replication(cls, root_seed: int, replication: int) -> "StageSeeds":
        replication_seed = child_seed(np.random.SeedSequence(root_seed), replication)
        return cls(*(child_seed(replication_seed, stage) for stage in range(4)))


@dataclass
class Chunk:
    """A slice of the persons of a replication, with their illness."""

    population: Population
    illness: Illness


def chunk_sizes(n_persons: int, chunk_persons: int = CHUNK_PERSONS) -> list[int]:
    """How many persons each chunk of a population holds: full chunks, then the rest.

    Parameters
    ----------
    n_persons : int
        Persons in the population.
    chunk_persons : int
        Persons a chunk.

    Returns
    -------
    list of int
    """
    full, rest = divmod(n_persons, chunk_persons)
    return [chunk_persons] * full + ([rest] if rest else [])


def draw_chunk(params: PopulationParams, index: int, size: int, county: County, seeds: StageSeeds,
               with_visits: bool = True) -> Chunk:
    """Chunk `index` of `size` persons with its year of illness, from that chunk's own seeds (the same every time)."""
    population = synthesize(params, size, county, child_seed(seeds.population, index))
    return Chunk(population, draw_illness(params, population, child_seed(seeds.illness, index), with_visits=with_visits))


def chunks(params: PopulationParams, n_persons: int, county: County, seeds: StageSeeds,
           chunk_persons: int = CHUNK_PERSONS) -> Iterator[Chunk]:
    """The population chunk by chunk, each with its year of illness; persons and households numbered on."""
    first_person = first_household = 0
    for index, size in enumerate(chunk_sizes(n_persons, chunk_persons)):
        chunk = draw_chunk(params, index, size, county, seeds)
        chunk.population.first_person, chunk.population.first_household = first_person, first_household
        first_person += chunk.population.n_persons
        first_household += chunk.population.n_households
        yield chunk


def concatenate(populations: list[Population]) -> Population:
    """One Population from consecutive chunks (household indices shifted)."""
    if len(populations) == 1:
        return populations[0]
    merged = {}
    offsets = np.cumsum([0] + [p.n_households for p in populations[:-1]])
    for field in fields(Population):
        name = field.name
        if name in ("first_person", "first_household"):
            continue
        if name == "household_label":
            labels = [p.household_ids() for p in populations]
            merged[name] = np.concatenate(labels) if any(p.household_label is not None for p in populations) else None
            continue
        values = [getattr(p, name) for p in populations]
        if name == "household":
            values = [v + offset for v, offset in zip(values, offsets)]
        merged[name] = np.concatenate(values)
    return Population(**merged)


def synthetic_county(params: PopulationParams, seeds: StageSeeds) -> County:
    """The county of a synthetic population: townships, villages and their distances, drawn from the
    population file.

    Parameters
    ----------
    params : PopulationParams
        The population file.
    seeds : StageSeeds
        The replication's seeds; the county stage's is used.

    Returns
    -------
    County
    """
    return draw_county(params, seeds.county)


def place_names(population: Population, county: County) -> tuple[np.ndarray, np.ndarray]:
    """Each person's township and village name: the household table's names when it gave them, else 'T01' and
    'T01-V01' style names.

    Parameters
    ----------
    population : Population
        The persons and their households' places.
    county : County
        The county (its place names, when read from a household table).

    Returns
    -------
    tuple of numpy.ndarray
        (township names, village names), one a household.
    """
    if county.township_names is not None:
        townships = np.array(county.township_names)[population.household_township]
        villages = np.array(county.village_names)[population.household_village]
    else:
        townships = np.char.add("T", np.char.zfill((population.household_township + 1).astype(str), 2))
        in_township = population.household_village - np.searchsorted(county.village_township, population.household_township)
        villages = np.char.add(np.char.add(townships, "-V"), np.char.zfill((in_township + 1).astype(str), 2))
    return townships, villages


def persons_table(population: Population, county: County) -> pa.Table:
    """The persons table of `hpa population` (money in yuan a year for the whole household)."""
    h = population.household
    townships, villages = place_names(population, county)
    to_township, to_county = population.distances(county)
    return pa.table({
        "person_id": population.person_ids(),
        "household_id": population.household_ids()[h],
        "category": np.array(CATEGORY_SET_NAMES)[population.household_category[h]],
        "exited_poverty": np.where(population.household_exited[h], "true", "false"),
        "age": population.age,
        "sex": np.where(population.male, "male", "female"),
        "household_size": population.household_size[h],
        "household_income": yuan_text(population.household_income[h]),
        "household_consumption": yuan_text(population.household_consumption[h]),
        "township": townships[h],
        "village": villages[h],
        "km_to_township": np.round(to_township[h], 2),
        "km_to_county": np.round(to_county[h], 2),
    })
