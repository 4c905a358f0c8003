"""One replication of a run: the same people and illnesses through every scenario (common random numbers)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from model.care.params import care_params
from model.care.simulate import Care, People, demand_multiplier, draw_people, provide_care
from model.outcomes.metrics import Outcome, outcome
from model.outcomes.params import outcome_params
from model.rules.engine import settle_pools
from model.runner.plan import RunPlan
from model.scenario import Scenario, load_scenario
from model.scenario.financing import parse as parse_financing
from model.scenario.node import Node

_loaded: dict[str, list[Scenario]] = {}


def _key(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def scenarios(plan: RunPlan) -> list[Scenario]:
    """The plan's scenarios, loaded and validated once per process."""
    key = _key(plan.as_dict())
    if key not in _loaded:
        _loaded.clear()
        _loaded[key] = [load_scenario(v.reference, list(v.sets), population=plan.population) for v in plan.variants]
    return _loaded[key]


def _financing(scenario: Scenario):
    tree = scenario.tree.get("financing")
    return parse_financing(Node(tree, ("financing",), scenario.origins)) if tree is not None else None


def run_replication(plan: RunPlan, replication: int) -> dict[str, Outcome]:
    """Outcomes of every scenario of the plan for one replication; only these aggregates leave the worker."""
    people_by_population: dict[str, People] = {}
    care_by_pathway: dict[str, Care] = {}
    results: dict[str, Outcome] = {}
    households = Path(plan.households) if plan.households else None
    for variant, scenario in zip(plan.variants, scenarios(plan)):
        population_key = _key(scenario.tree["population"])
        if population_key not in people_by_population:
            people_by_population[population_key] = draw_people(scenario, plan.persons, plan.seed, replication, households)
        people = people_by_population[population_key]
        care = care_params(scenario)
        multiplier = demand_multiplier(scenario, care, people)
        behaviour = None if multiplier is None else hashlib.sha256(multiplier.tobytes()).hexdigest()
        pathway_key = _key([population_key, scenario.tree["care"], behaviour])
        if pathway_key not in care_by_pathway:
            care_by_pathway[pathway_key] = provide_care(scenario, people, plan.engine, multiplier)
        provided = care_by_pathway[pathway_key]
        settlement = settle_pools(scenario.scheme, provided.claims.claims)
        results[variant.label] = outcome(people, provided, care, settlement, outcome_params(scenario), _financing(scenario))
    return results
