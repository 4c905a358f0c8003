"""The multi-year replication: the year loop that follows the same households year by year (each year's
scenarios with their dated rules, its replication, its assessment, deaths and births, next year's incomes); the
household transitions are in model/years/household.py, the metrics in model/years/metrics.py."""

from __future__ import annotations

import dataclasses

import numpy as np

from model.outcomes.metrics import Outcome
from model.population.build import synthesize
from model.population.demography import Cohort, YearChange, cohort_of, demography_seed, next_year
from model.population.households import Population
from model.population.illness import draw_illness
from model.runner.plan import RunPlan
from model.scenario import Scenario, load_scenario
from model.seeds import child_seed
from model.years.household import COUNTS, Economy, HouseholdState, advance, assess, prior_illness, regroup
# the metrics' labels are read from here by the report (model/report/labels.py) and the CLI
from model.years.metrics import period_outcome
from model.years.rules import YearsRules, load_rules, scheme_sets, variant_rules


def later_year_people(chunks, index: int, with_visits: bool):
    """Chunk `index` in year `chunks.year` (> 0): the persons alive that year (older, the year's newborns among
    them), each with the chronic conditions they had and the year's own visits and admissions."""
    from model.care.simulate import People

    cohort: Cohort = chunks.cohorts[index]
    illness = draw_illness(chunks.params, cohort.population, child_seed(chunks.seeds.illness, index),
                           with_visits=with_visits, year=chunks.year, since_band=cohort.since_band,
                           chronic_draws=(cohort.chronic_u, cohort.certified_u), spread_factors=cohort.spread_factor)
    return People(chunks.params, cohort.population, chunks.county, illness, chunks.seeds)


_year_scenarios: dict[tuple, list[Scenario]] = {}


def year_scenarios(plan: RunPlan, rules: YearsRules, first_year: int, year: int) -> list[Scenario]:
    """The plan's scenarios as they stand in `year`: claim dates of that year, its poverty line for the
    protection metrics (after the first year), and the rules' dated scheme values."""
    from model.runner.replicate import scenarios

    if year == first_year and not rules.scheme_sets:
        return scenarios(plan)
    key = (repr(plan.as_dict()), rules.path, year)
    if key not in _year_scenarios:
        _year_scenarios.clear() if len(_year_scenarios) > 64 else None
        loaded = []
        for variant, scenario in zip(plan.variants, scenarios(plan)):
            extra = rules.sets_in(year)
            if year != first_year:  # the protection metrics' line: the population's line of that year
                extra = (f"care.year={year}", f"outcomes.poverty_line={line_of(scenario, year):g}") + extra
            loaded.append(load_scenario(variant.reference, scheme_sets(variant.sets, plan.years) + list(extra),
                                        population=plan.population))
        _year_scenarios[key] = loaded
    return _year_scenarios[key]


def line_of(scenario: Scenario, year: int) -> float:
    """The national poverty line of `year` for a scenario's population (population.by_year.poverty_line)."""
    from model.population import population_params

    return population_params(scenario).year.line_in(year)


def check_plan(plan: RunPlan) -> None:
    """Refuse, before anything is written, a multi-year plan whose rules file, a scenario's years.* rule, or a
    year's poverty line (population.by_year) is missing or bad."""
    from model.runner.replicate import scenarios

    if plan.years is None:
        return
    rules = load_rules(plan.years_rules)
    for variant, scenario in zip(plan.variants, scenarios(plan)):
        variant_rules(rules, variant.sets)
        first = first_year_of(scenario)
        for year in range(first, first + plan.years):
            line_of(scenario, year)


def first_year_of(scenario: Scenario) -> int:
    """The first year of a multi-year run: the year of the scenario's people.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    int
    """
    from model.population import population_params

    return population_params(scenario).year.year


def run_years(plan: RunPlan, replication: int, trace: list | None = None) -> dict[str, Outcome]:
    """Outcomes of every scenario over plan.years years: the last year's tables, the period's metrics, and each
    year's metrics named 'YEAR:metric' (model/runner/summary.py files them under by_year).

    `trace`: a list that gets one table of households a year and scenario (hpa simulate --years).
    """
    from model.care.simulate import content_key
    from model.runner.replicate import Chunks, population_group, scenarios

    rules = load_rules(plan.years_rules)
    base = scenarios(plan)
    first = first_year_of(base[0])
    labels = [v.label for v in plan.variants]
    own_rules = [variant_rules(rules, v.sets) for v in plan.variants]
    groups: dict[str, list[int]] = {}
    for i, scenario in enumerate(base):
        groups.setdefault(content_key(scenario.tree["population"]), []).append(i)
    by_year: dict[int, dict[str, Outcome]] = {}
    transitions: dict[int, dict[str, dict[str, int]]] = {}
    for indices in groups.values():
        members_labels = [labels[i] for i in indices]
        chunks = Chunks(base[indices[0]], plan, replication)
        populations = [_base_population(chunks, k) for k in range(len(chunks.sizes))]
        offset = 0
        for population in populations:  # households numbered across chunks, as hpa simulate numbers them
            population.first_household, offset = offset, offset + population.n_households
        economy = Economy(members_labels, populations, rules)
        seeds0 = chunks.seeds
        # serious illness in the years before the run, the same in every scenario (its own stream)
        history_seed = child_seed(seeds0.care, 4_000_000)
        for c, population in enumerate(populations):
            history = prior_illness(population, chunks.params.major_incidence, chunks.params.major_child_only,
                                    rules, child_seed(history_seed, c))
            for label in members_labels:
                economy.states[label][c].prior_history = history
        # the persons of each chunk from year to year (the same under every scenario): model/population/demography
        spread = chunks.params.outpatient_person_spread
        chunks.cohorts = [cohort_of(p, child_seed(seeds0.illness, c), spread) for c, p in enumerate(populations)]
        first_person0 = chunks.first_person
        shocks = child_seed(seeds0.care, 3_000_000)
        for k in range(plan.years):
            year = first + k
            loaded = year_scenarios(plan, rules, first, year)
            chunks.year = k
            chunks.seeds = seeds0 if k == 0 else dataclasses.replace(seeds0, care=child_seed(seeds0.care, 2_000_000 + k))
            economy.tilts = {labels[i]: own_rules[i].tilts_in(year) for i in indices}
            members = [(labels[i], loaded[i]) for i in indices]
            trace_population = [cohort.population for cohort in chunks.cohorts]  # this year's, before deaths
            outcomes = population_group(plan, replication, members, chunks, economy)
            by_year.setdefault(year, {}).update(outcomes)
            line = chunks.params.year.line_in(year)
            task = rules.exit_task_in(year) if k > 0 else 0.0  # the first year's stock is already its year-end one
            clear_all = k > 0 and rules.clears_in(year)
            growth, growth_registered = rules.growth_in(year + 1), rules.growth_registered_in(year + 1)
            # deaths at the year's end and the next year's births, the same in every scenario (its own stream)
            changes: list[YearChange] = []
            if plan.years > 1 and rules.demography is not None:
                for c, cohort in enumerate(chunks.cohorts):
                    later, change = next_year(cohort, rules.demography, year, demography_seed(seeds0.population, k, c), spread)
                    changes.append(change)
                    if k + 1 < plan.years:
                        chunks.cohorts[c] = later
            for label in members_labels:
                counts = dict.fromkeys(COUNTS, 0)
                for c, state in enumerate(economy.states[label]):
                    detail = {} if trace is not None else None
                    for name, value in assess(state, line, rules, task, detail, clear_all).items():
                        counts[name] += value
                    if trace is not None:
                        trace.append(_trace_table(label, year, c, trace_population[c], state, detail))
                for change in changes:
                    counts["persons"] += change.persons_before
                    counts["deaths"] += change.deaths
                    counts["births"] += change.births
                transitions.setdefault(year, {})[label] = counts
            if k + 1 < plan.years:
                for c in range(len(chunks.sizes)):
                    if changes:
                        for label in members_labels:
                            regroup(economy.states[label][c], changes[c])
                    # the same shocks in every scenario: common random numbers
                    z = np.random.default_rng(child_seed(child_seed(shocks, k + 1), c)).standard_normal(
                        economy.states[members_labels[0]][c].size.shape[0])
                    for label in members_labels:
                        advance(economy.states[label][c], growth, rules, z, growth_registered)
                sizes = [cohort.population.n_persons for cohort in chunks.cohorts]
                chunks.first_person = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        chunks.year, chunks.seeds, chunks.first_person = 0, seeds0, first_person0
    years = sorted(by_year)
    if plan.years == 1:
        return by_year[years[0]]
    return {label: period_outcome(label, years, by_year, transitions, plan.backstop_appropriation) for label in labels}


def _base_population(chunks, index: int) -> Population:
    if chunks.table is not None:
        return chunks.table
    return synthesize(chunks.params, chunks.sizes[index], chunks.county, child_seed(chunks.seeds.population, index))



def _trace_table(label: str, year: int, chunk: int, population: Population, state: HouseholdState, detail: dict):
    """One chunk's households at the year's assessment (money in yuan, whole household)."""
    import pyarrow as pa

    from model.codes import CATEGORY_SET_NAMES
    from model.tables import yuan_text

    first = population.first_household
    return pa.table({
        "scenario": np.full(state.size.shape[0], label),
        "year": np.full(state.size.shape[0], year),
        "household_id": np.char.add("h", (np.arange(state.size.shape[0]) + first).astype(str))
        if population.household_label is None else population.household_label,
        "chunk": np.full(state.size.shape[0], chunk),
        "category": np.array(CATEGORY_SET_NAMES)[state.category],
        "exited_poverty": state.exited,
        "monitored": state.monitored,
        "household_size": state.size,
        "income": yuan_text(state.income),
        "income_without_illness": yuan_text(state.potential),
        "oop": yuan_text(detail["oop"]),
        "assessed_income": yuan_text(detail["assessed"]),
        "debt": yuan_text(state.debt),
        "lost_work_share": np.round(detail["lost_work_share"], 4),
        "exited_this_year": detail["exited_now"],
        "returned_to_poverty": detail["returned"],
        "became_poor": detail["became_poor"],
        # the stock poor_due_to_illness_share counts (registered, still poor at the year's end, only because of
        # illness) and the flow entries_due_to_illness_share counts (entered poverty this year because of illness)
        "poor_because_of_illness": detail["poor_due_to_illness"],
        "entered_because_of_illness": detail["caused_by_illness"],
    })
