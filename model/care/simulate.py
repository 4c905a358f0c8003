"""One replication of the county's care: who falls ill, where they are treated and for how long, their claims.

`replication_care` is the one pipeline that builds a replication's care, chunk by chunk: hpa run, compare and
sweep (model/runner/replicate.py, model/years) and hpa simulate and validate (`provide_care`, on drawn people)
all go through it, so the same seeds give the same claims everywhere. Settlement and outcomes follow in the
runner; the demand response to price is model/care/demand.py.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import numpy as np

from model.arrays import take_rows
from model.care.background import background_routes, with_background
from model.care.claims_table import ClaimsTable, build_claims
from model.care.demand import category_multiplier, person_multiplier
from model.care.des import des_stays
from model.care.facilities import Facilities, build_facilities
from model.care.params import CareParams, care_params
from model.care.pathway import Routes, route
from model.care.pricing import fixed_prices_of, reprice
from model.care.stays import Stays, capacity_binds, fast_stays
from model.codes import LEVEL_CODE
from model.population import population_params
from model.population.build import CHUNK_PERSONS, StageSeeds, chunks, concatenate, synthetic_county
from model.population.households import County, Population
from model.population.illness import Admissions, Illness, merge
from model.population.params import PopulationParams
from model.population.table import population_from_table
from model.scenario import Scenario
from model.seeds import child_seed

ENGINES = ("auto", "des", "fast")


@dataclass
class People:
    """Who lives in the county and how they fall ill: independent of the scheme (common random numbers)."""

    population_params: PopulationParams
    population: Population
    county: County
    illness: Illness
    seeds: StageSeeds


@dataclass
class Care:
    """What the care system did with one set of admissions."""

    admissions: Admissions
    facilities: Facilities
    routes: Routes
    stays: Stays
    claims: ClaimsTable


def draw_people(scenario: Scenario, n_persons: int, seed: int, replication: int = 0,
                households: Path | None = None, chunk_persons: int = CHUNK_PERSONS) -> People:
    """A replication's persons and their year of illness, all in memory (hpa simulate, validate).

    Synthetic persons are drawn in chunks of `chunk_persons` (as the runner draws them) and joined; with
    `households` (a household table, spec §1) the table's persons, `n_persons` unused.
    """
    params = population_params(scenario)
    seeds = StageSeeds.of_replication(seed, replication)
    if households is not None:
        from model.population.illness import draw_illness

        population, county = population_from_table(households, params, seeds.population)
        illness = draw_illness(params, population, seeds.illness)
    else:
        county = synthetic_county(params, seeds)
        parts = list(chunks(params, n_persons, county, seeds, chunk_persons))
        population = concatenate([part.population for part in parts])
        illness = merge([part.illness for part in parts], [part.population.n_persons for part in parts])
    return People(params, population, county, illness, seeds)


def place_admissions(care: CareParams, population_params: PopulationParams, facilities: Facilities,
                     admissions: Admissions, township: np.ndarray, km_to_township: np.ndarray,
                     engine: str = "auto", background_seed: np.random.SeedSequence | None = None) -> tuple[Routes, Stays]:
    """Route admissions and give them beds: the fast path, or the DES when asked or when a bed would run out.

    With `background_seed`, the admissions of the residents the simulated persons do not stand for share the
    wards (model/care/background.py); only the simulated admissions' stays are returned.
    """
    routes = route(care, population_params, facilities, admissions, township, km_to_township)
    everyone, los_z, facility_u = routes, admissions.los_z, admissions.facility_u
    if background_seed is not None:
        others, other_los_z, other_u = background_routes(facilities, routes, background_seed)
        everyone = with_background(routes, others)
        los_z, facility_u = np.concatenate([los_z, other_los_z]), np.concatenate([facility_u, other_u])
    stays = fast_stays(care, facilities, everyone, los_z)
    if engine == "des" or (engine == "auto" and capacity_binds(facilities, stays)):
        stays = des_stays(care, facilities, everyone, los_z, facility_u)
    return routes, take_rows(stays, np.arange(len(admissions)))


def background_seed(seeds: StageSeeds) -> np.random.SeedSequence:
    """The stream of the background admissions: a child of the care stage's, the same for every scheme."""
    return child_seed(seeds.care, 1_000_000)


def content_key(value: object) -> str:
    """A hash of a scenario part's content: scenarios whose parts hash alike share what is built from them."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


class DrawnPeople:
    """People already drawn (draw_people), as the one chunk of a replication."""

    def __init__(self, people: People) -> None:
        self.drawn = people
        self.params, self.county, self.seeds = people.population_params, people.county, people.seeds
        self.sizes = [people.population.n_persons]
        self.first_person = np.zeros(1, dtype=np.int64)

    def people(self, index: int, with_visits: bool) -> People:
        return self.drawn


@dataclass
class Pathway:
    """Scenarios sharing a care system and demand behaviour share their admissions, routes and stays."""

    care: CareParams
    multiplier: np.ndarray | None  # by category set, or None
    labels: list[str]
    admissions: list[Admissions]  # pass 1, one per chunk, persons numbered across the replication
    township: list[np.ndarray]  # pass 1: each admission's township
    km_to_township: list[np.ndarray]
    facilities: Facilities | None = None
    routes: Routes | None = None
    stays: Stays | None = None
    chunk_of: np.ndarray | None = None  # the chunk of each admission (after concatenation)


@dataclass
class ChunkClaims:
    """One chunk's claims under one scenario (pass 3)."""

    index: int  # the chunk
    people: People
    label: str
    pathway: Pathway
    admissions: Admissions  # the chunk's admissions, persons numbered within the chunk
    claims: ClaimsTable  # the scenario's fixed prices applied


@dataclass
class ReplicationCare:
    """A replication's care, passes 1 and 2 done: every pathway's admissions, routes and stays, and the
    households' incomes, consumption, food spending and sizes chunk by chunk (for the outcome quintiles)."""

    source: object
    members: list[tuple[str, Scenario]]
    pathways: dict[str, Pathway]
    pathway_of: dict[str, str]
    incomes: list[np.ndarray]  # yuan a person
    consumption: list[np.ndarray]
    food: list[np.ndarray]
    sizes: list[np.ndarray]
    kept: dict[int, People]

    def pathway(self, label: str) -> Pathway:
        return self.pathways[self.pathway_of[label]]

    def claims(self) -> Iterator[ChunkClaims]:
        """Pass 3: each chunk drawn again with its visits, its claims built once a pathway and priced under
        each scenario of the pathway (chunk by chunk, pathway by pathway, scenario by scenario)."""
        source = self.source
        prices = {label: fixed_prices_of(scenario) for label, scenario in self.members}
        params = source.params
        single = len(source.sizes) == 1
        for index in range(len(source.sizes)):
            people = self.kept.pop(index, None) or source.people(index, with_visits=True)
            for pathway in self.pathways.values():
                if single:
                    admissions, routes, stays = pathway.admissions[0], pathway.routes, pathway.stays
                else:
                    rows = np.flatnonzero(pathway.chunk_of == index)
                    admissions = take_rows(pathway.admissions[0], rows)
                    admissions.person = admissions.person - source.first_person[index]
                    routes, stays = take_rows(pathway.routes, rows), take_rows(pathway.stays, rows)
                table = build_claims(params, pathway.care, people.population, people.illness.visits, admissions,
                                     routes, stays)
                for label in pathway.labels:
                    # the scheme's single-disease fixed prices: only those admissions differ
                    priced = replace(table, claims=reprice(prices[label], table.claims))
                    yield ChunkClaims(index, people, label, pathway, admissions, priced)


def replication_care(source, members: list[tuple[str, Scenario]], engine: str = "auto",
                     demand: bool = True) -> ReplicationCare:
    """One replication's care for scenarios sharing a population, in three passes over fixed chunks of persons
    so that memory stays bounded (the one pipeline of hpa simulate, validate and run):

    1. draw each chunk's people and their admissions (no visits yet, unless the replication is one chunk);
    2. route every admission of the county and fill its beds (fast path, or the DES when beds run out);
    3. (ReplicationCare.claims) draw each chunk again from its own seeds, now with visits, and build its claims.

    Parameters
    ----------
    source
        The persons chunk by chunk: `params`, `county`, `seeds`, `sizes` (persons a chunk), `first_person`
        (the first person of each chunk) and `people(index, with_visits)` (DrawnPeople, or the runner's Chunks).
    members : list of (label, Scenario)
        The scenarios, all on the source's population (common random numbers).
    engine : str
        "auto", "des" or "fast" (ENGINES).
    demand : bool
        False: admissions as drawn, whatever the scenarios' demand elasticity (model/care/demand.py).
    """
    params = source.params
    county = source.county
    pathways: dict[str, Pathway] = {}
    pathway_of: dict[str, str] = {}
    for label, scenario in members:
        care = care_params(scenario)
        multiplier = category_multiplier(scenario, care, params) if demand else None
        key = content_key([scenario.tree["care"], None if multiplier is None else multiplier.tolist(),
                           care.capitation_response])  # a capitated scheme whose hospital responds has a pathway of its own
        pathways.setdefault(key, Pathway(care, multiplier, [], [], [], []))
        pathways[key].labels.append(label)
        pathway_of[label] = key

    # Pass 1: admissions of every chunk, places, and household incomes for the quintiles.
    persons_by_township = np.zeros(county.townships, dtype=np.int64)
    result = ReplicationCare(source, members, pathways, pathway_of, [], [], [], [], {})
    single = len(source.sizes) == 1
    for index in range(len(source.sizes)):
        people = source.people(index, with_visits=single)
        if single:
            result.kept[index] = people  # one chunk: no need to draw it twice
        population = people.population
        persons_by_township += np.bincount(population.household_township[population.household], minlength=county.townships)
        result.incomes.append(population.household_income / 100 / population.household_size)
        result.consumption.append(population.household_consumption)
        result.food.append(population.household_food)
        result.sizes.append(population.household_size)
        km_to_township, _ = population.distances(county)
        for pathway in pathways.values():
            admissions = people.illness.admissions(person_multiplier(pathway.multiplier, population.category))
            household = population.household[admissions.person]
            pathway.township.append(population.household_township[household])
            pathway.km_to_township.append(km_to_township[household])
            admissions.person = admissions.person + source.first_person[index]
            pathway.admissions.append(admissions)

    # Pass 2: the county's beds, all admissions at once.
    for pathway in pathways.values():
        pathway.facilities = build_facilities(pathway.care, county, persons_by_township, params.bed_use_ratio,
                                              params.county_residents)
        admissions = pathway.admissions[0] if single else Admissions.concatenate(pathway.admissions)
        pathway.chunk_of = np.repeat(np.arange(len(pathway.admissions)), [len(a) for a in pathway.admissions])
        township = pathway.township[0] if single else np.concatenate(pathway.township)
        km_to_township = pathway.km_to_township[0] if single else np.concatenate(pathway.km_to_township)
        pathway.routes, pathway.stays = place_admissions(pathway.care, params, pathway.facilities, admissions, township,
                                                         km_to_township, engine, background_seed(source.seeds))
        pathway.admissions = [admissions]
    return result


_BY_SCHEME = object()


def provide_care(scenario: Scenario, people: People, engine: str = "auto", multiplier=_BY_SCHEME) -> Care:
    """Route the year's admissions of drawn people through the county's facilities and build its claims table:
    replication_care with the people as one chunk.

    `multiplier`: None, admissions as drawn; by default, the scheme's own demand response (model/care/demand.py).
    """
    if multiplier is not _BY_SCHEME and multiplier is not None:
        raise TypeError("provide_care: multiplier is None (admissions as drawn) or left out (the scheme's own)")
    replication = replication_care(DrawnPeople(people), [(scenario.id, scenario)], engine, demand=multiplier is _BY_SCHEME)
    (chunk,) = replication.claims()
    pathway = chunk.pathway
    return Care(pathway.admissions[0], pathway.facilities, pathway.routes, pathway.stays, chunk.claims)


def county_internal_share(stays: Stays) -> float:
    """The share of admissions treated within the county (county level or below); 1 when there are none."""
    if stays.level.size == 0:
        return 1.0
    return float(np.mean(stays.level <= LEVEL_CODE["county"]))
