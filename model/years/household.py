"""A scenario's households from one year to the next: incomes with shocks and illness's lost work, bills paid or
owed, the year's assessment (exits, returns to poverty, new entries), deaths and births, and the hooks through
which a year's replication settles each scenario's claims under its households' own status."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from model.codes import CATEGORY_CODE
from model.population.demography import WORKING_AGES, YearChange
from model.population.households import Population
from model.population.illness import Admissions
from model.rules.claim_arrays import ClaimArrays
from model.rules.engine import ClaimPayments
from model.years.rules import YearsRules

ORDINARY, REGISTERED = CATEGORY_CODE["ordinary"], CATEGORY_CODE["registered_poor"]


def is_registered(category: np.ndarray) -> np.ndarray:
    """Households whose category set includes registered_poor (spec v2: registered_poor+dibao too)."""
    from model.rules.program import MEMBERS

    return MEMBERS[category, REGISTERED]
# Transition counts of a year, summed over chunks; rates are taken over all households.
COUNTS = ("households", "registered_poor_start", "exited_poverty", "returned_to_poverty", "returned_due_to_illness",
          "became_poor", "became_poor_due_to_illness", "entries_via_lost_work", "entries_via_bills", "monitored",
          "poor_end", "debt_fen", "lost_income_fen", "serious_illness_households", "persons", "deaths", "births",
          "lifted_to_line", "registered_poor_end", "poor_due_to_illness_end")



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
    lost: np.ndarray  # float64 share of this year's income lost to serious illness in the years before
    # [household, years ago - 1]: the share each past year's serious illness still costs (illness.lost_work_years)
    lost_history: np.ndarray | None = None
    # this year's, set by record()
    oop: np.ndarray | None = None
    serious_working: np.ndarray | None = None
    serious_other: np.ndarray | None = None
    # the share of income the chronic conditions of working-age members cost, set by record() each year: it is
    # already in the first year's drawn income, and lowers the next year's (illness.chronic_lost_work)
    chronic_loss: np.ndarray | None = None
    # the first year's lost_history: serious illness in the years before the run (prior_illness), None: none
    prior_history: np.ndarray | None = None

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
           detail: dict | None = None, clear_all: bool = False) -> dict[str, int]:
    """The year's assessment (年度核查): bills paid, debt taken on, assessed income, and who crossed the line.

    `exit_task`: the share of still-poor registered households the year's exit task takes out; those below
    the line on their own are lifted to it (their trend income), highest assessed income first.
    `clear_all`: the year's published year-end poor count is zero, so every household below the line at the
    assessment is lifted to it (counted as `lifted_to_line`, not as a return or an entry).
    Returns the year's counts; `state` is updated in place (status, debt, supported incomes).
    """
    line_fen = np.round(line * 100 * state.size).astype(np.int64)
    oop = state.oop if state.oop is not None else np.zeros_like(state.income)
    paid = np.minimum(oop, np.floor(rules.bills_paid_from_income * np.maximum(state.income, 0)).astype(np.int64))
    # the assessment reads income; under income_less_bills, income net of the bills paid from it in the year
    assessed = state.income - paid if rules.assessed_less_bills else state.income.copy()
    below = assessed < line_fen
    # without any illness (no lost work, no debts from past bills, no bills) the household would have had
    # its potential income: a fall below the line that would not have happened is caused by illness
    illness_caused = below & (state.potential >= line_fen)
    # one cause a household, as seed 003 counts them: lost work when it took more of the year's income than
    # bills did (those paid this year and older debt repaid from this year's income)
    lost_income = state.potential - np.round(state.potential * (1 - state.lost)).astype(np.int64)
    bills_part = (state.potential - state.income - lost_income) + (paid if rules.assessed_less_bills else 0)
    via_work = illness_caused & (lost_income > 0) & (lost_income >= bills_part)
    registered = is_registered(state.category)
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
    lifted_back = np.zeros_like(below)
    if clear_all:
        # the published year-end count is zero (none left poor under the line): support lifts every household
        # still below it at the assessment, exited or never registered, to the line (their trend income)
        lifted_back = below & ~still_poor
        state.permanent[lifted_back] = np.maximum(state.permanent[lifted_back], line)
        below = below & ~lifted_back
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
    not_poor_now = ((is_registered(state.category)) & state.exited) | (state.category == ORDINARY)
    state.monitored = at_risk & not_poor_now
    state.debt = state.debt + (oop - paid)
    # the stock at the year's end, as the published 因病致贫 share counts it: registered households not exited
    # (建档立卡, still poor); poor because of illness when under the line with an income without illness at or
    # above it (`illness_caused`)
    poor_now = is_registered(state.category) & ~state.exited
    serious = np.zeros_like(below) if state.serious_working is None else (state.serious_working + state.serious_other) > 0
    if detail is not None:  # per household, for hpa simulate --years
        detail.update(assessed=assessed, oop=oop, exited_now=exits, returned=returns, became_poor=new_poor,
                      caused_by_illness=entries & illness_caused, poor_due_to_illness=poor_now & illness_caused,
                      lost_work_share=state.lost.copy())
    return {
        "households": below.size, "registered_poor_start": int(still_poor.sum()), "exited_poverty": int(exits.sum()),
        "returned_to_poverty": int(returns.sum()), "returned_due_to_illness": int((returns & illness_caused).sum()),
        "became_poor": int(new_poor.sum()), "became_poor_due_to_illness": int((new_poor & illness_caused).sum()),
        "entries_via_lost_work": int((entries & via_work).sum()), "entries_via_bills": int((entries & illness_caused & ~via_work).sum()),
        "monitored": int(state.monitored.sum()),
        "poor_end": int(((state.category != ORDINARY) & ~((is_registered(state.category)) & state.exited)).sum()),
        "debt_fen": int(state.debt.sum()), "lost_income_fen": int((state.potential - np.round(state.potential * (1 - state.lost))).sum()),
        "serious_illness_households": int(serious.sum()), "lifted_to_line": int(lifted_back.sum()),
        "registered_poor_end": int(poor_now.sum()), "poor_due_to_illness_end": int((poor_now & illness_caused).sum()),
    }


def advance(state: HouseholdState, growth: float, rules: YearsRules, z: np.ndarray,
            growth_registered: float | None = None) -> None:
    """Next year's incomes: trend growth (registered households' own), a persistent transitory shock, the lost
    work of serious illness in the last `lost_work_years` years and of this year's chronic conditions of working-age
    members, and debts repaid from income; consumption and food follow income at the household's own ratios."""
    if growth_registered is not None:
        growth = np.where(is_registered(state.category), growth_registered, growth)
    state.permanent = state.permanent * (1 + growth)
    rho = rules.persistence
    state.transitory = rho * state.transitory + rules.shock_sigma * np.sqrt(1 - rho * rho) * z
    working = state.serious_working if state.serious_working is not None else np.zeros(state.size.shape[0])
    other = state.serious_other if state.serious_other is not None else np.zeros(state.size.shape[0])
    new_loss = rules.lost_work_working_age * working + rules.lost_work_other * other
    if state.lost_history is None:
        state.lost_history = np.zeros((state.size.shape[0], rules.lost_work_years))
    # a serious illness costs income for lost_work_years years (the newest first), as long as the sources saw
    state.lost_history = np.column_stack([new_loss, state.lost_history[:, :-1]])
    chronic = state.chronic_loss if state.chronic_loss is not None else 0.0
    state.lost = np.minimum(rules.lost_work_cap, state.lost_history.sum(axis=1) + chronic)
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
        state.chronic_loss = chronic_loss(population, people.illness.chronic, self.rules)
        if state.lost_history is None:
            start_history(state, self.rules)


def start_history(state: HouseholdState, rules: YearsRules) -> None:
    """The first year's lost work: its drawn incomes are those of households as they are, the lost work of
    chronic conditions (`state.chronic_loss`) and of serious illness before the run (`state.prior_history`)
    included, so that without illness they would have been higher (the trend later years grow from); the
    earlier illnesses' losses end as their `lost_work_years` run out. Incomes stay as drawn."""
    history = state.prior_history
    if history is None:
        history = np.zeros((state.size.shape[0], rules.lost_work_years))
    chronic = state.chronic_loss if state.chronic_loss is not None else 0.0
    state.lost_history = history.copy()
    state.lost = np.minimum(rules.lost_work_cap, history.sum(axis=1) + chronic)
    kept = 1 - state.lost
    state.permanent = state.permanent / kept
    state.potential = np.round(state.income / kept).astype(np.int64)


def chronic_loss(population: Population, chronic: np.ndarray, rules: YearsRules) -> np.ndarray:
    """Each household's share of income lost to the chronic conditions of its working-age members: each such
    member loses `chronic_lost_work` of their earned income, taken as an equal part of the household's earned
    income (`earned_share_of_income` of its income) among its working-age members."""
    working = (population.age >= WORKING_AGES[0]) & (population.age <= WORKING_AGES[1])
    workers = np.bincount(population.household[working], minlength=population.n_households)
    ill = np.bincount(population.household[working & chronic.any(axis=1)], minlength=population.n_households)
    return rules.chronic_lost_work * rules.earned_share_of_income * ill / np.maximum(workers, 1)



def prior_illness(population: Population, major_incidence: np.ndarray, major_child_only: np.ndarray,
                  rules: YearsRules, seed: np.random.SeedSequence) -> np.ndarray:
    """The share of the first year's income each household still loses to serious illness before the run.

    Parameters
    ----------
    population : Population
        The first year's persons and households (members assumed the same in the years before).
    major_incidence, major_child_only : np.ndarray
        The population's yearly chance of diagnosis of each major disease, and which ones only ages 0-14 get
        (model/population/params.PopulationParams): the chance the care model's own year gives a person.
    rules : YearsRules
        `prior_illness_years` years are drawn; each patient costs `lost_work_working_age` (16-64 then) or
        `lost_work_other` of the household's income while fewer than `lost_work_years` years have passed.
    seed : np.random.SeedSequence
        The history's own stream (no other draw of the run uses it).

    Returns
    -------
    np.ndarray
        float64 [household, years ago − 1] with `lost_work_years` columns, as `HouseholdState.lost_history`.
    """
    n_households, depth = population.n_households, rules.lost_work_years
    history = np.zeros((n_households, depth))
    years = min(rules.prior_illness_years, depth)
    if years == 0:
        return history
    age_then = population.age[:, None] - np.arange(1, years + 1)[None, :]  # [person, years ago − 1]
    spared = 1 - major_incidence
    adult = np.prod(spared[~major_child_only])
    child = np.prod(spared[major_child_only])
    chance = np.where(age_then < 15, 1 - adult * child, 1 - adult) * (age_then >= 0)
    ill = np.random.default_rng(seed).random(age_then.shape) < chance
    working = (age_then >= WORKING_AGES[0]) & (age_then <= WORKING_AGES[1])
    cell = population.household[:, None] * years + np.arange(years)[None, :]
    patients = {kind: np.bincount(cell[ill & chosen], minlength=n_households * years).reshape(n_households, years)
                for kind, chosen in (("working", working), ("other", ~working))}
    history[:, :years] = (rules.lost_work_working_age * patients["working"]
                          + rules.lost_work_other * patients["other"])
    return history
