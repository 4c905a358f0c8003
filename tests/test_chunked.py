"""Memory-bounded replications: chunk by chunk gives exactly what one replication held in memory gives."""

from __future__ import annotations

import json

import numpy as np

import model.runner.replicate as replicate
from model.care.params import care_params
from model.care.simulate import draw_people, provide_care
from model.outcomes.metrics import OutcomeAccumulator, quintile_edges
from model.outcomes.params import outcome_params
from model.outcomes.targets import scheme_targets
from model.rules.engine import settle_pools
from model.runner.plan import RunPlan, Variant

CHUNK = 4_000
PERSONS = 10_500  # three chunks, the last a short one


def _in_memory(label: str, scheme: str, engine: str):
    from model.scenario import load_scenario

    scenario = load_scenario(scheme)
    people = draw_people(scenario, PERSONS, seed=31, replication=2, chunk_persons=CHUNK)
    care = provide_care(scenario, people, engine)
    population = people.population
    edges = quintile_edges(population.household_income / 100 / population.household_size)
    accumulator = OutcomeAccumulator(outcome_params(scenario), care_params(scenario), replicate._financing(scenario), edges,
                                     scheme_targets(scenario))
    replicate.with_scheme_extras(accumulator, scenario, people.county)
    accumulator.add(people, care.claims.claims, settle_pools(scenario.scheme, care.claims.claims))
    return accumulator.finish(care.stays, care.routes)


def test_chunked_replication_equals_in_memory(monkeypatch) -> None:
    monkeypatch.setattr(replicate, "CHUNK_PERSONS", CHUNK)
    for engine, sets in (("fast", ()), ("auto", ("care.facilities.county.beds_per_1000=0.8",))):
        plan = RunPlan(kind="compare", variants=(Variant("xz", "x_prefecture", sets), Variant("sx", "sui_county", sets)),
                       persons=PERSONS, replications=3, seed=31, engine=engine, uncertainty=None)  # the scenario as written
        chunked = replicate.run_replication(plan, 2)
        for label, scheme in (("xz", "x_prefecture"), ("sx", "sui_county")):
            from model.scenario import load_scenario

            expected = _in_memory(label, scheme, engine) if not sets else None
            if expected is None:  # with tight beds, compare through the same scenario sets
                scenario = load_scenario(scheme, list(sets))
                people = draw_people(scenario, PERSONS, seed=31, replication=2, chunk_persons=CHUNK)
                care = provide_care(scenario, people, engine)
                population = people.population
                accumulator = OutcomeAccumulator(outcome_params(scenario), care_params(scenario), replicate._financing(scenario),
                                                 quintile_edges(population.household_income / 100 / population.household_size),
                                                 scheme_targets(scenario))
                replicate.with_scheme_extras(accumulator, scenario, people.county)
                accumulator.add(people, care.claims.claims, settle_pools(scenario.scheme, care.claims.claims))
                expected = accumulator.finish(care.stays, care.routes)
                assert care.stays.engine == "discrete-event simulation"
            # json writes NaN (a target the scheme does not set) as NaN on both sides: equal as text
            assert json.dumps(chunked[label].metrics, sort_keys=True) == json.dumps(expected.metrics, sort_keys=True), label
            assert chunked[label].quintiles == expected.quintiles
            assert chunked[label].monthly == expected.monthly
            assert chunked[label].flows == expected.flows


def test_visits_are_drawn_from_their_own_streams() -> None:
    from model.population import population_params
    from model.population.build import StageSeeds, synthetic_county
    from model.population.households import synthesize
    from model.population.illness import draw_illness
    from model.scenario import load_scenario

    params = population_params(load_scenario("poor_households"))
    seeds = StageSeeds.of_replication(3, 0)
    population = synthesize(params, 5_000, synthetic_county(params, seeds), seeds.population)
    full = draw_illness(params, population, seeds.illness)
    bare = draw_illness(params, population, seeds.illness, with_visits=False)
    assert len(bare.visits) == 0 and len(full.visits) > 0
    a, b = full.admissions(), bare.admissions()
    assert np.array_equal(a.person, b.person) and np.array_equal(a.cost_z, b.cost_z)
