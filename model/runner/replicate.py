"""One replication of a run, in three passes over fixed chunks of persons so that memory stays bounded:

1. draw each chunk's people and their admissions (no visits yet);
2. route every admission of the county and fill its beds (fast path, or the DES when beds run out);
3. draw each chunk again from its own seeds, now with visits, build its claims, settle them under
   every scenario and fold them into that scenario's outcome totals.

Every scenario sees the same people and illnesses (common random numbers); only aggregates leave.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from model.care.claims import build_claims
from model.care.debts import pay_after_treatment_of
from model.care.facilities import build_facilities
from model.care.params import CareParams, care_params
from model.care.pathway import Routes
from model.arrays import take_rows
from model.care.pricing import fixed_prices_of, reprice
from model.care.simulate import People, background_seed, category_multiplier, place_admissions
from model.care.stays import Stays
from model.outcomes.metrics import Outcome, OutcomeAccumulator, quintile_edges
from model.outcomes.params import outcome_params
from model.outcomes.targets import scheme_targets
from model.outcomes.protection import subsistence_per_equivalent_adult
from model.population import population_params
from model.population.build import CHUNK_PERSONS, StageSeeds, chunk_sizes, draw_chunk, synthetic_county
from model.population.households import County
from model.population.illness import Admissions, draw_illness
from model.population.table import population_from_table
from model.finance.capitation import capitation_of
from model.programmes.ledger import ledger_of
from model.rules.engine import settle_pools
from model.runner.plan import RunPlan
from model.scenario import Scenario, load_scenario
from model.scenario.financing import parse as parse_financing
from model.scenario.node import Node
from model.seeds import child_seed
from model.uncertainty.runs import replication_scenarios

_loaded: dict[str, list[Scenario]] = {}


def _key(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def scenarios(plan: RunPlan) -> list[Scenario]:
    """The plan's scenarios, loaded and validated once per process."""
    key = _key(plan.as_dict())
    if key not in _loaded:
        _loaded.clear()
        from model.years.rules import scheme_sets

        # years.* options are the multi-year rules' own (model/years), checked there
        _loaded[key] = [load_scenario(v.reference, scheme_sets(v.sets, plan.years), population=plan.population)
                        for v in plan.variants]
    return _loaded[key]


def _financing(scenario: Scenario):
    tree = scenario.tree.get("financing")
    return parse_financing(Node(tree, ("financing",), scenario.origins)) if tree is not None else None


@dataclass
class Pathway:
    """Scenarios sharing a care system and demand behaviour share their admissions, routes and stays."""

    care: CareParams
    multiplier: np.ndarray | None  # by category, or None
    labels: list[str]
    admissions: list[Admissions]  # pass 1, one per chunk, persons numbered across the replication
    township: list[np.ndarray]  # pass 1: each admission's township
    km_to_township: list[np.ndarray]
    routes: Routes | None = None
    stays: Stays | None = None
    chunk_of: np.ndarray | None = None  # the chunk of each admission (after concatenation)


class Chunks:
    """The replication's population, chunk by chunk, drawn again on demand from fixed seeds."""

    def __init__(self, scenario: Scenario, plan: RunPlan, replication: int) -> None:
        self.params = population_params(scenario)
        self.seeds = StageSeeds.of_replication(plan.seed, replication)
        self.table = None
        if plan.households:
            population, county = population_from_table(Path(plan.households), self.params, self.seeds.population)
            self.table, self.county, self.sizes = population, county, [population.n_persons]
        else:
            self.county = synthetic_county(self.params, self.seeds)
            self.sizes = chunk_sizes(plan.persons, CHUNK_PERSONS)
        self.first_person = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)

    year = 0  # a later year of the same persons (model/years sets it); 0: the run's own year

    def people(self, index: int, with_visits: bool) -> People:
        if self.year:
            from model.years.engine import later_year_people

            return later_year_people(self, index, with_visits)
        if self.table is not None:
            population = self.table
            illness = draw_illness(self.params, population, child_seed(self.seeds.illness, index), with_visits=with_visits)
        else:
            chunk = draw_chunk(self.params, index, self.sizes[index], self.county, self.seeds, with_visits)
            population, illness = chunk.population, chunk.illness
        return People(self.params, population, self.county, illness, self.seeds)


def _county_stays(pathway: Pathway, county: County, persons_by_township: np.ndarray, bed_use_ratio: float,
                  population_params, engine: str, seeds: StageSeeds) -> None:
    facilities = build_facilities(pathway.care, county, persons_by_township, bed_use_ratio, population_params.county_residents)
    admissions = Admissions.concatenate(pathway.admissions)
    pathway.chunk_of = np.repeat(np.arange(len(pathway.admissions)), [len(a) for a in pathway.admissions])
    pathway.routes, pathway.stays = place_admissions(pathway.care, population_params, facilities, admissions,
                                                     np.concatenate(pathway.township),
                                                     np.concatenate(pathway.km_to_township), engine, background_seed(seeds))
    pathway.admissions = [admissions]


def run_replication(plan: RunPlan, replication: int, uniforms=None) -> dict[str, Outcome]:
    """Outcomes of every scenario of the plan for one replication (its parameters at `uniforms`, the
    quantiles of each uncertain parameter, when given: else its own Sobol point). A multi-year plan
    (model/years) follows its households year by year with the scenarios as written."""
    if plan.years is not None:
        from model.years.engine import run_years

        return run_years(plan, replication)
    loaded = replication_scenarios(plan, replication, scenarios(plan), uniforms)
    results: dict[str, Outcome] = {}
    by_population: dict[str, list[tuple[str, Scenario]]] = {}
    for variant, scenario in zip(plan.variants, loaded):
        by_population.setdefault(_key(scenario.tree["population"]), []).append((variant.label, scenario))
    for members in by_population.values():
        results.update(_population_group(plan, replication, members))
    return {v.label: results[v.label] for v in plan.variants}


def with_scheme_extras(accumulator: OutcomeAccumulator, scenario: Scenario, county) -> OutcomeAccumulator:
    """What a scheme pays for besides claims (issue 18): its programme ledger (with the county's villages and
    townships to count units by), capitation and pay-after-treatment terms, given to its accumulator."""
    accumulator.ledger = ledger_of(scenario)
    accumulator.capitation = capitation_of(scenario)
    accumulator.debts = pay_after_treatment_of(scenario)
    accumulator.county_units = {"villages": int(county.village_township.shape[0]), "townships": county.townships, "county": 1}
    return accumulator


def _population_group(plan: RunPlan, replication: int, members: list[tuple[str, Scenario]],
                      chunks: Chunks | None = None, economy=None) -> dict[str, Outcome]:
    """One year of a group of scenarios sharing a population. `chunks` and `economy` (model/years) carry a
    later year: the persons of that year and each scenario's own incomes and poverty status."""
    chunks = chunks or Chunks(members[0][1], plan, replication)
    params = chunks.params
    pathways: dict[str, Pathway] = {}
    pathway_of: dict[str, str] = {}
    accumulators: dict[str, OutcomeAccumulator] = {}
    for label, scenario in members:
        care = care_params(scenario)
        accumulators[label] = OutcomeAccumulator(outcome_params(scenario), care, _financing(scenario), np.zeros(0),
                                                 scheme_targets(scenario))
        with_scheme_extras(accumulators[label], scenario, chunks.county)
        multiplier = category_multiplier(scenario, care, params)
        key = _key([scenario.tree["care"], None if multiplier is None else multiplier.tolist(),
                    care.capitation_response])  # a capitated scheme whose hospital responds has a pathway of its own
        pathways.setdefault(key, Pathway(care, multiplier, [], [], [], []))
        pathways[key].labels.append(label)
        pathway_of[label] = key

    # Pass 1: admissions of every chunk, places, and household incomes for the quintiles.
    persons_by_township = np.zeros(chunks.county.townships, dtype=np.int64)
    incomes, consumption, food, sizes = [], [], [], []
    kept = {}
    for index in range(len(chunks.sizes)):
        people = chunks.people(index, with_visits=len(chunks.sizes) == 1)
        if len(chunks.sizes) == 1:
            kept[index] = people  # one chunk: no need to draw it twice
        population = people.population
        persons_by_township += np.bincount(population.household_township[population.household], minlength=chunks.county.townships)
        incomes.append(population.household_income / 100 / population.household_size)
        consumption.append(population.household_consumption)
        food.append(population.household_food)
        sizes.append(population.household_size)
        km_to_township, _ = population.distances(chunks.county)
        for pathway in pathways.values():
            multiplier = None if pathway.multiplier is None else pathway.multiplier[population.category]
            admissions = people.illness.admissions(multiplier)
            household = population.household[admissions.person]
            pathway.township.append(population.household_township[household])
            pathway.km_to_township.append(km_to_township[household])
            admissions.person = admissions.person + chunks.first_person[index]
            pathway.admissions.append(admissions)

    # Pass 2: the county's beds, all admissions at once.
    for pathway in pathways.values():
        _county_stays(pathway, chunks.county, persons_by_township, params.bed_use_ratio, params, plan.engine, chunks.seeds)

    # Pass 3: claims chunk by chunk, settled under every scenario.
    edges = quintile_edges(np.concatenate(incomes))
    household_arrays = [np.concatenate(parts) for parts in (consumption, food, sizes)]
    for label, accumulator in accumulators.items():
        if economy is not None:  # each scenario's households have their own incomes after year one
            per_capita, *household_arrays = economy.household_arrays(label)
            edges = quintile_edges(per_capita)
        accumulator.quintile_edges = edges
        # Xu et al.: subsistence spending from the food shares of the whole simulated population
        accumulator.subsistence = subsistence_per_equivalent_adult(*household_arrays, accumulator.params)
    scenario_of = dict(members)
    prices = {label: fixed_prices_of(scenario) for label, scenario in members}
    for index in range(len(chunks.sizes)):
        people = kept.pop(index, None) or chunks.people(index, with_visits=True)
        for pathway in pathways.values():
            rows = np.flatnonzero(pathway.chunk_of == index)
            admissions = take_rows(pathway.admissions[0], rows)
            admissions.person = admissions.person - chunks.first_person[index]
            claims = build_claims(params, pathway.care, people.population, people.illness.visits, admissions,
                                  take_rows(pathway.routes, rows), take_rows(pathway.stays, rows)).claims
            for label in pathway.labels:
                scheme = scenario_of[label].scheme
                claims_of_scheme = reprice(prices[label], claims)  # single-disease fixed prices: only those admissions differ
                if economy is not None:  # a later year: this scheme's own households (model/years)
                    own_people, claims_of_scheme = economy.own(label, index, people, claims_of_scheme)
                else:
                    own_people = people
                as_ordinary = None
                if accumulators[label].financing is not None and accumulators[label].financing.tilt_funder:
                    as_ordinary = settle_pools(scheme, replace(claims_of_scheme, category=np.zeros_like(claims_of_scheme.category)))
                settlement = settle_pools(scheme, claims_of_scheme)
                accumulators[label].add(own_people, claims_of_scheme, settlement, as_ordinary)
                if economy is not None:
                    economy.record(label, index, own_people, claims_of_scheme, settlement, admissions)
    return {label: accumulators[label].finish(pathways[pathway_of[label]].stays, pathways[pathway_of[label]].routes)
            for label, _ in members}
