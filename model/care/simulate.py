"""One replication of the county: population and illness, care-seeking and beds, claims, settlement."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.arrays import take_rows
from model.care.background import background_routes, with_background
from model.care.claims import ClaimsTable, build_claims
from model.care.des import des_stays
from model.care.facilities import Facilities, facilities_for
from model.care.params import CareParams, care_params
from model.care.pathway import Routes, route
from model.care.pricing import fixed_prices_of, reprice
from model.care.stays import Stays, capacity_binds, fast_stays
from model.codes import CATEGORY_SET_NAMES, LEVEL_CODE
from model.population import population_params
from model.population.build import CHUNK_PERSONS, StageSeeds, chunks, concatenate, synthetic_county
from model.population.households import County, Population
from model.population.illness import Admissions, Illness, merge
from model.population.params import PopulationParams
from model.population.table import population_from_table
from model.rules.claims import from_records
from model.rules.engine import settle
from model.rules.reference import Claim
from model.scenario import Scenario, load_scenario
from model.scenario.scheme import Scheme
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


def typical_admission_price(scheme: Scheme, admission_mean_yuan: float) -> np.ndarray:
    """Out-of-pocket share of a typical compliant county admission (90% eligible), by category set."""
    total = int(round(admission_mean_yuan * 100))
    claims = [Claim(f"c{i}", f"p{i}", "2019-06-01", "inpatient", "county", "", total, int(total * 0.9), True, category)
              for i, category in enumerate(CATEGORY_SET_NAMES)]
    paid = settle(scheme, from_records(claims))
    return paid[:, -1] / max(total, 1)


def category_multiplier(scenario: Scenario, care: CareParams, population_params: PopulationParams) -> np.ndarray | None:
    """(price under this scheme / price under the baseline)^elasticity by category; None when behaviour is off."""
    if care.demand_elasticity == 0:
        return None
    mean = float(population_params.admission_mean[LEVEL_CODE["county"]])
    price = typical_admission_price(scenario.scheme, mean)
    reference = typical_admission_price(load_scenario("baseline").scheme, mean)
    ratio = np.where(reference > 0, np.maximum(price, 1e-3) / np.maximum(reference, 1e-3), 1.0)
    return ratio ** care.demand_elasticity


def demand_multiplier(scenario: Scenario, care: CareParams, people: People) -> np.ndarray | None:
    """The demand multiplier of each person (by their category); None when behaviour is off."""
    by_category = category_multiplier(scenario, care, people.population_params)
    return None if by_category is None else by_category[people.population.category]


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


_BY_SCHEME = object()


def provide_care(scenario: Scenario, people: People, engine: str = "auto", multiplier=_BY_SCHEME) -> Care:
    """Route the year's admissions through the county's facilities and build its claims table.

    `multiplier`: the per-person demand multiplier (None: as drawn); by default, the scheme's own.
    """
    care = care_params(scenario)
    if multiplier is _BY_SCHEME:
        multiplier = demand_multiplier(scenario, care, people)
    admissions = people.illness.admissions(multiplier)
    population = people.population
    facilities = facilities_for(care, population, people.county, people.population_params.bed_use_ratio,
                                people.population_params.county_residents)
    km_to_township, _ = population.distances(people.county)
    household = population.household[admissions.person]
    routes, stays = place_admissions(care, people.population_params, facilities, admissions,
                                     population.household_township[household], km_to_township[household], engine,
                                     background_seed(people.seeds))
    claims = build_claims(people.population_params, care, population, people.illness.visits, admissions, routes, stays)
    claims.claims = reprice(fixed_prices_of(scenario), claims.claims)  # the scheme's single-disease fixed prices, if any
    return Care(admissions, facilities, routes, stays, claims)


def county_internal_share(stays: Stays) -> float:
    if stays.level.size == 0:
        return 1.0
    return float(np.mean(stays.level <= LEVEL_CODE["county"]))
