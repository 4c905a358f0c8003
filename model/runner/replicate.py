"""One replication of a run: the care of each group of scenarios sharing a population (the pipeline of
model/care/simulate.replication_care, in fixed chunks of persons so that memory stays bounded), then each
chunk's claims settled under every scenario and folded into that scenario's outcome totals.

Every scenario sees the same people and illnesses (common random numbers); only aggregates leave.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from model.care.debts import pay_after_treatment_of
from model.care.params import care_params
from model.care.simulate import People, content_key, replication_care
from model.outcomes.metrics import Outcome, OutcomeAccumulator, quintile_edges
from model.outcomes.params import outcome_params
from model.outcomes.targets import scheme_targets
from model.outcomes.protection import subsistence_per_equivalent_adult
from model.population import population_params
from model.population.build import CHUNK_PERSONS, StageSeeds, chunk_sizes, draw_chunk, synthetic_county
from model.population.illness import draw_illness
from model.population.table import population_from_table
from model.finance.capitation import capitation_of
from model.programmes.ledger import ledger_of
from model.rules.engine import settle_pools
from model.runner.plan import RunPlan
from model.scenario import Scenario, load_scenario
from model.scenario.financing import financing_of as _financing
from model.seeds import child_seed
from model.uncertainty.runs import replication_scenarios

_loaded: dict[str, list[Scenario]] = {}


def scenarios(plan: RunPlan) -> list[Scenario]:
    """The plan's scenarios, loaded and validated once per process."""
    key = content_key(plan.as_dict())
    if key not in _loaded:
        _loaded.clear()
        from model.years.rules import scheme_sets

        # years.* options are the multi-year rules' own (model/years), checked there
        _loaded[key] = [load_scenario(v.reference, scheme_sets(v.sets, plan.years), population=plan.population)
                        for v in plan.variants]
    return _loaded[key]


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
        by_population.setdefault(content_key(scenario.tree["population"]), []).append((variant.label, scenario))
    for members in by_population.values():
        results.update(population_group(plan, replication, members))
    return {v.label: results[v.label] for v in plan.variants}


def with_scheme_extras(accumulator: OutcomeAccumulator, scenario: Scenario, county) -> OutcomeAccumulator:
    """What a scheme pays for besides claims (issue 18): its programme ledger (with the county's villages and
    townships to count units by), capitation and pay-after-treatment terms, given to its accumulator."""
    accumulator.ledger = ledger_of(scenario)
    accumulator.capitation = capitation_of(scenario)
    accumulator.debts = pay_after_treatment_of(scenario)
    accumulator.county_units = {"villages": int(county.village_township.shape[0]), "townships": county.townships, "county": 1}
    return accumulator


def population_group(plan: RunPlan, replication: int, members: list[tuple[str, Scenario]],
                     chunks: Chunks | None = None, economy=None) -> dict[str, Outcome]:
    """One year of a group of scenarios sharing a population: their care (model/care/simulate.replication_care),
    each scenario's claims settled chunk by chunk and folded into its outcome totals. `chunks` and `economy`
    (model/years) carry a later year: the persons of that year and each scenario's own incomes and poverty status."""
    chunks = chunks or Chunks(members[0][1], plan, replication)
    accumulators: dict[str, OutcomeAccumulator] = {}
    for label, scenario in members:
        accumulators[label] = OutcomeAccumulator(outcome_params(scenario), care_params(scenario), _financing(scenario),
                                                 np.zeros(0), scheme_targets(scenario))
        with_scheme_extras(accumulators[label], scenario, chunks.county)
    care = replication_care(chunks, members, plan.engine)

    edges = quintile_edges(np.concatenate(care.incomes))
    household_arrays = [np.concatenate(parts) for parts in (care.consumption, care.food, care.sizes)]
    for label, accumulator in accumulators.items():
        if economy is not None:  # each scenario's households have their own incomes after year one
            per_capita, *household_arrays = economy.household_arrays(label)
            edges = quintile_edges(per_capita)
        accumulator.quintile_edges = edges
        # Xu et al.: subsistence spending from the food shares of the whole simulated population
        accumulator.subsistence = subsistence_per_equivalent_adult(*household_arrays, accumulator.params)
    scenario_of = dict(members)
    for chunk in care.claims():
        label, claims_of_scheme = chunk.label, chunk.claims.claims
        scheme = scenario_of[label].scheme
        if economy is not None:  # a later year: this scheme's own households (model/years)
            own_people, claims_of_scheme = economy.own(label, chunk.index, chunk.people, claims_of_scheme)
        else:
            own_people = chunk.people
        as_ordinary = None
        if accumulators[label].financing is not None and accumulators[label].financing.tilt_funder:
            as_ordinary = settle_pools(scheme, replace(claims_of_scheme, category=np.zeros_like(claims_of_scheme.category)))
        settlement = settle_pools(scheme, claims_of_scheme)
        accumulators[label].add(own_people, claims_of_scheme, settlement, as_ordinary)
        if economy is not None:
            economy.record(label, chunk.index, own_people, claims_of_scheme, settlement, chunk.admissions)
    return {label: accumulators[label].finish(care.pathway(label).stays, care.pathway(label).routes)
            for label, _ in members}
