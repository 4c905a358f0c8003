"""The multi-year replication: the same households followed year by year, each scenario with its own incomes,
debts and poverty status (exits, returns to poverty, new entries), and dated rules for each year."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from model.codes import CATEGORY_CODE
from model.outcomes.metrics import RATE_METRICS, Outcome
from model.population.build import synthesize
from model.population.households import Population
from model.population.illness import Admissions, draw_illness
from model.population.demography import WORKING_AGES, Cohort, YearChange, cohort_of, demography_seed, next_year
from model.rules.claim_arrays import ClaimArrays
from model.rules.engine import ClaimPayments
from model.runner.plan import RunPlan
from model.scenario import Scenario, load_scenario
from model.seeds import child_seed
from model.years.rules import YearsRules, load_rules, scheme_sets, variant_rules

ORDINARY, REGISTERED = CATEGORY_CODE["ordinary"], CATEGORY_CODE["registered_poor"]


def _registered(category: np.ndarray) -> np.ndarray:
    """Households whose category set includes registered_poor (spec v2: registered_poor+dibao too)."""
    from model.rules.program import MEMBERS

    return MEMBERS[category, REGISTERED]
# Transition counts of a year, summed over chunks; rates are taken over all households.
COUNTS = ("households", "registered_poor_start", "exited_poverty", "returned_to_poverty", "returned_due_to_illness",
          "became_poor", "became_poor_due_to_illness", "entries_via_lost_work", "entries_via_bills", "monitored",
          "poor_end", "debt_fen", "lost_income_fen", "serious_illness_households", "persons", "deaths", "births")
# Multi-year metrics: labels, Chinese first.
YEARS_METRIC_LABELS = {
    "exited_poverty": "脱贫户占比 / households exiting poverty",
    "returned_to_poverty": "返贫户占比 / households returning to poverty",
    "returned_due_to_illness": "因病返贫户占比 / returns caused by illness",
    "became_poor": "新致贫户占比 / households newly poor",
    "became_poor_due_to_illness": "因病致贫户占比 / new entries caused by illness",
    "poor_due_to_illness_share": "致贫返贫中因病占比 / share of entries into poverty caused by illness",
    "entries_via_lost_work_share": "因病致贫中劳动力损失占比 / illness-caused entries through lost work",
    "entries_via_bills_share": "因病致贫中医疗费用占比 / illness-caused entries through bills",
    "monitored_share": "监测户占比 / households monitored",
    "poor_share_end": "年末贫困户占比 / households poor at year end",
    "debt_per_household": "户均医疗负债（元） / medical debt a household (yuan)",
    "backstop_balance": "兜底基金余额 / backstop fund balance",
    "deaths_per_1000": "死亡率（‰） / deaths per 1,000 persons",
    "births_per_1000": "出生率（‰） / births per 1,000 persons",
}


# Shares of all households (the others ending in _share are rates too; debt and balance are yuan).
YEARS_RATE_METRICS = {"exited_poverty", "returned_to_poverty", "returned_due_to_illness", "became_poor",
                      "became_poor_due_to_illness"}


@dataclass
class HouseholdState:
    """One scenario's households of one chunk, carried from year to year (money in fen, whole household)."""

    size: np.ndarray
    permanent: np.ndarray  # float64 yuan a person: trend income, grows each year
    transitory: np.ndarray  # float64: transitory part of log income (AR(1))
    potential: np.ndarray  # int64 fen: this year's income had nobody been ill (no lost work, no debts)
    income: np.ndarray  # int64 fen: this year's income (after lost work and debt repaid)
    consumption_ratio: np.ndarray
    food_share: np.ndarray
    consumption: np.ndarray
    food: np.ndarray
    category: np.ndarray  # int8 current category (ordinary households can be registered)
    exited: np.ndarray  # bool
    monitored: np.ndarray  # bool: under 防止返贫监测 this year
    years_above: np.ndarray  # int64 consecutive assessed years above the line
    debt: np.ndarray  # int64 fen owed for past bills
    lost: np.ndarray  # float64 share of income lost to last year's serious illness
    # this year's, set by record()
    oop: np.ndarray | None = None
    serious_working: np.ndarray | None = None
    serious_other: np.ndarray | None = None

    @classmethod
    def of(cls, population: Population) -> "HouseholdState":
        size = population.household_size
        income = population.household_income.copy()
        return cls(
            size=size, permanent=income / 100 / np.maximum(size, 1), transitory=np.zeros(size.shape[0]),
            potential=income.copy(), income=income,
            consumption_ratio=population.household_consumption / np.maximum(income, 1),
            food_share=population.household_food / np.maximum(population.household_consumption, 1),
            consumption=population.household_consumption.copy(), food=population.household_food.copy(),
            category=population.household_category.copy(), exited=population.household_exited.copy(),
            monitored=np.zeros(size.shape[0], dtype=bool), years_above=np.zeros(size.shape[0], dtype=np.int64),
            debt=np.zeros(size.shape[0], dtype=np.int64), lost=np.zeros(size.shape[0]),
        )


def regroup(state: HouseholdState, change: YearChange) -> None:
    """A scenario's households after the year's deaths and births: a working-age member's death takes their
    per-person share of the household's income; a child's or older member's death, and a birth, leave it to be
    shared among those left or one more (assumed); households with nobody left are dropped."""
    old_size = np.maximum(state.size, 1)
    total = state.permanent * old_size * (1 - np.minimum(change.working_deaths, old_size) / old_size)
    for item in dataclasses.fields(state):
        value = getattr(state, item.name)
        if isinstance(value, np.ndarray) and value.shape[:1] == change.kept.shape:
            setattr(state, item.name, value[change.kept])
    state.size = change.size.copy()
    state.permanent = total[change.kept] / np.maximum(state.size, 1)


def settlement_category(state: HouseholdState, tilts: str) -> np.ndarray:
    """The category a household's claims settle under this year: exited households by the year's rule."""
    category = state.category.copy()
    if tilts != "keep":
        demoted = (category == REGISTERED) & state.exited & ((tilts == "none") | ~state.monitored)
        category[demoted] = ORDINARY
    return category


def assess(state: HouseholdState, line: float, rules: YearsRules, exit_task: float = 0.0,
           detail: dict | None = None) -> dict[str, int]:
    """The year's assessment (年度核查): bills paid, debt taken on, assessed income, and who crossed the line.

    `exit_task`: the share of still-poor registered households the year's exit task takes out; those below
    the line on their own are lifted to it (their trend income), highest assessed income first.
    Returns the year's counts; `state` is updated in place (status, debt, supported incomes).
    """
    line_fen = np.round(line * 100 * state.size).astype(np.int64)
    oop = state.oop if state.oop is not None else np.zeros_like(state.income)
    paid = np.minimum(oop, np.floor(rules.bills_paid_from_income * np.maximum(state.income, 0)).astype(np.int64))
    assessed = state.income - paid
    below = assessed < line_fen
    # without any illness (no lost work, no debts from past bills, no bills) the household would have had
    # its potential income: a fall below the line that would not have happened is caused by illness
    illness_caused = below & (state.potential >= line_fen)
    via_work = illness_caused & (np.round(state.potential * (1 - state.lost)) < line_fen)
    registered = _registered(state.category)
    still_poor = registered & ~state.exited
    state.years_above = np.where(below, 0, state.years_above + 1)
    exits = still_poor & (state.years_above >= rules.exit_years)
    if exit_task > 0:
        candidates = np.flatnonzero(still_poor & ~exits)
        wanted = int(np.floor(exit_task * still_poor.sum() + 0.5)) - int(exits.sum())
        if wanted > 0 and candidates.size:
            # per person, so that large and small households are ranked alike; ties by position (reproducible)
            order = candidates[np.argsort(-(assessed[candidates] / state.size[candidates]), kind="stable")]
            lifted = order[:wanted]
            exits[lifted] = True
            state.permanent[lifted] = np.maximum(state.permanent[lifted], line)
            below[lifted] = False
    returns = registered & state.exited & below
    new_poor = (state.category == ORDINARY) & below & rules.register_new_poor
    entries = returns | new_poor
    at_risk = np.zeros_like(below)
    if rules.monitor_income_ratio > 0:
        at_risk |= assessed < np.round(rules.monitor_income_ratio * line_fen)
    if rules.monitor_oop_share > 0:
        at_risk |= oop > rules.monitor_oop_share * np.maximum(state.income, 0)
    state.exited = (state.exited | exits) & ~returns
    state.category = np.where(new_poor, REGISTERED, state.category).astype(np.int8)
    not_poor_now = ((_registered(state.category)) & state.exited) | (state.category == ORDINARY)
    state.monitored = at_risk & not_poor_now
    state.debt = state.debt + (oop - paid)
    serious = np.zeros_like(below) if state.serious_working is None else (state.serious_working + state.serious_other) > 0
    if detail is not None:  # per household, for hpa simulate --years
        detail.update(assessed=assessed, oop=oop, exited_now=exits, returned=returns, became_poor=new_poor,
                      caused_by_illness=entries & illness_caused, lost_work_share=state.lost.copy())
    return {
        "households": below.size, "registered_poor_start": int(still_poor.sum()), "exited_poverty": int(exits.sum()),
        "returned_to_poverty": int(returns.sum()), "returned_due_to_illness": int((returns & illness_caused).sum()),
        "became_poor": int(new_poor.sum()), "became_poor_due_to_illness": int((new_poor & illness_caused).sum()),
        "entries_via_lost_work": int((entries & via_work).sum()), "entries_via_bills": int((entries & illness_caused & ~via_work).sum()),
        "monitored": int(state.monitored.sum()),
        "poor_end": int(((state.category != ORDINARY) & ~((_registered(state.category)) & state.exited)).sum()),
        "debt_fen": int(state.debt.sum()), "lost_income_fen": int((state.potential - np.round(state.potential * (1 - state.lost))).sum()),
        "serious_illness_households": int(serious.sum()),
    }


def advance(state: HouseholdState, growth: float, rules: YearsRules, z: np.ndarray,
            growth_registered: float | None = None) -> None:
    """Next year's incomes: trend growth (registered households' own), a persistent transitory shock, last
    year's serious illness's lost work, and debts repaid from income; consumption and food follow income at
    the household's own ratios."""
    if growth_registered is not None:
        growth = np.where(_registered(state.category), growth_registered, growth)
    state.permanent = state.permanent * (1 + growth)
    rho = rules.persistence
    state.transitory = rho * state.transitory + rules.shock_sigma * np.sqrt(1 - rho * rho) * z
    working = state.serious_working if state.serious_working is not None else np.zeros(state.size.shape[0])
    other = state.serious_other if state.serious_other is not None else np.zeros(state.size.shape[0])
    state.lost = np.minimum(rules.lost_work_cap, rules.lost_work_working_age * working + rules.lost_work_other * other)
    state.potential = np.round(state.permanent * np.exp(state.transitory) * state.size * 100).astype(np.int64)
    gross = np.round(state.potential * (1 - state.lost)).astype(np.int64)
    repaid = np.minimum(state.debt, np.floor(rules.debt_repaid_share * gross).astype(np.int64))
    state.debt = state.debt - repaid
    state.income = gross - repaid
    state.consumption = np.round(np.maximum(state.income, 0) * state.consumption_ratio).astype(np.int64)
    state.food = np.round(state.consumption * state.food_share).astype(np.int64)
    state.oop = state.serious_working = state.serious_other = None


class Economy:
    """Every scenario's household states for one replication, chunk by chunk, and the hooks the year's
    replication calls (model/runner/replicate.population_group): each scenario's own people, claims, and what they cost."""

    def __init__(self, labels: list[str], populations: list[Population], rules: YearsRules):
        self.rules = rules
        self.states = {label: [HouseholdState.of(p) for p in populations] for label in labels}
        self.tilts = dict.fromkeys(labels, "keep")  # each scenario's rule for exited households this year

    def household_arrays(self, label: str) -> tuple[np.ndarray, ...]:
        states = self.states[label]
        per_capita = np.concatenate([s.income / 100 / s.size for s in states])
        return (per_capita, np.concatenate([s.consumption for s in states]), np.concatenate([s.food for s in states]),
                np.concatenate([s.size for s in states]))

    def own(self, label: str, index: int, people, claims: ClaimArrays):
        """This scenario's view of a chunk: its households' incomes and status, its claims' categories."""
        state = self.states[label][index]
        population = dataclasses.replace(
            people.population, household_income=state.income, household_consumption=state.consumption,
            household_food=state.food, household_category=state.category, household_exited=state.exited)
        category = settlement_category(state, self.tilts[label])
        own_claims = dataclasses.replace(claims, category=category[population.household[claims.person]])
        return dataclasses.replace(people, population=population), own_claims

    def record(self, label: str, index: int, people, claims: ClaimArrays, settlement: ClaimPayments,
               admissions: Admissions) -> None:
        state = self.states[label][index]
        population = people.population
        household = population.household[claims.person]
        state.oop = np.bincount(household, weights=settlement.amounts[:, -1],
                                minlength=population.n_households).round().astype(np.int64)
        patients = np.unique(admissions.person[admissions.major])
        age = population.age[patients]
        working = (age >= WORKING_AGES[0]) & (age <= WORKING_AGES[1])
        state.serious_working = np.bincount(population.household[patients[working]], minlength=population.n_households)
        state.serious_other = np.bincount(population.household[patients[~working]], minlength=population.n_households)


def later_year_people(chunks, index: int, with_visits: bool):
    """Chunk `index` in year `chunks.year` (> 0): the persons alive that year (older, the year's newborns among
    them), each with the chronic conditions they had and the year's own visits and admissions."""
    from model.care.simulate import People

    cohort: Cohort = chunks.cohorts[index]
    illness = draw_illness(chunks.params, cohort.population, child_seed(chunks.seeds.illness, index),
                           with_visits=with_visits, year=chunks.year, since_band=cohort.since_band,
                           chronic_draws=(cohort.chronic_u, cohort.certified_u))
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
        # the persons of each chunk from year to year (the same under every scenario): model/population/demography
        chunks.cohorts = [cohort_of(p, child_seed(seeds0.illness, c)) for c, p in enumerate(populations)]
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
            growth, growth_registered = rules.growth_in(year + 1), rules.growth_registered_in(year + 1)
            # deaths at the year's end and the next year's births, the same in every scenario (its own stream)
            changes: list[YearChange] = []
            if plan.years > 1 and rules.demography is not None:
                for c, cohort in enumerate(chunks.cohorts):
                    later, change = next_year(cohort, rules.demography, year, demography_seed(seeds0.population, k, c))
                    changes.append(change)
                    if k + 1 < plan.years:
                        chunks.cohorts[c] = later
            for label in members_labels:
                counts = dict.fromkeys(COUNTS, 0)
                for c, state in enumerate(economy.states[label]):
                    detail = {} if trace is not None else None
                    for name, value in assess(state, line, rules, task, detail).items():
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
    return {label: _period_outcome(label, years, by_year, transitions, plan.backstop_appropriation) for label in labels}


def _base_population(chunks, index: int) -> Population:
    if chunks.table is not None:
        return chunks.table
    return synthesize(chunks.params, chunks.sizes[index], chunks.county, child_seed(chunks.seeds.population, index))


def transition_metrics(counts: dict[str, int]) -> dict[str, float]:
    households = max(counts["households"], 1)
    entries = counts["returned_to_poverty"] + counts["became_poor"]
    caused = counts["returned_due_to_illness"] + counts["became_poor_due_to_illness"]
    return {
        "exited_poverty": counts["exited_poverty"] / households,
        "returned_to_poverty": counts["returned_to_poverty"] / households,
        "returned_due_to_illness": counts["returned_due_to_illness"] / households,
        "became_poor": counts["became_poor"] / households,
        "became_poor_due_to_illness": counts["became_poor_due_to_illness"] / households,
        "poor_due_to_illness_share": caused / entries if entries else float("nan"),
        "entries_via_lost_work_share": counts["entries_via_lost_work"] / caused if caused else float("nan"),
        "entries_via_bills_share": counts["entries_via_bills"] / caused if caused else float("nan"),
        "monitored_share": counts["monitored"] / households,
        "poor_share_end": counts["poor_end"] / households,
        "debt_per_household": counts["debt_fen"] / 100 / households,
        "deaths_per_1000": 1000 * counts["deaths"] / counts["persons"] if counts["persons"] else float("nan"),
        "births_per_1000": 1000 * counts["births"] / counts["persons"] if counts["persons"] else float("nan"),
    }


def is_rate(name: str) -> bool:
    return name in RATE_METRICS or name.endswith("_share")


def _period_outcome(label: str, years: list[int], by_year: dict[int, dict[str, Outcome]],
                    transitions: dict[int, dict[str, dict[str, int]]], appropriation: float | None) -> Outcome:
    """The period's outcome: money summed over the years, rates averaged, transitions counted over the
    period; each year's metrics beside them as 'YEAR:name'; the last year's tables."""
    last = by_year[years[-1]][label]
    metrics: dict[str, float] = {}
    names = list(by_year[years[0]][label].metrics)
    for name in names:
        values = [by_year[y][label].metrics.get(name, float("nan")) for y in years]
        metrics[name] = float(np.mean(values)) if is_rate(name) else float(np.sum(values))
    total = dict.fromkeys(COUNTS, 0)
    for y in years:
        for name in COUNTS:
            if name not in ("households", "monitored", "poor_end", "debt_fen"):
                total[name] += transitions[y][label][name]
    final = transitions[years[-1]][label]
    total.update(households=final["households"], monitored=final["monitored"], poor_end=final["poor_end"],
                 debt_fen=final["debt_fen"])
    metrics.update(transition_metrics(total))
    metrics["monitored_share"] = float(np.mean([transitions[y][label]["monitored"] / max(transitions[y][label]["households"], 1)
                                                for y in years]))
    balance = 0.0
    for y in years:
        year_metrics = dict(by_year[y][label].metrics)
        year_metrics.update(transition_metrics(transitions[y][label]))
        if appropriation is not None:
            balance += appropriation - year_metrics["outlay_backstop"]
            year_metrics["backstop_balance"] = balance
        for name, value in year_metrics.items():
            metrics[f"{y}:{name}"] = value
    if appropriation is not None:
        metrics["backstop_balance"] = balance
    return Outcome(metrics, last.quintiles, last.monthly, last.engine, last.flows)


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
        "poor_because_of_illness": detail["caused_by_illness"],
    })
