"""A household's years (model/years/household.py): illness's cost in income through lost work and debt, deaths and
births, the assessment of who is poor and why, the year's rules and its one poverty line. Whole --years runs:
test_years.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from model.cli import main
from model.codes import CATEGORY_CODE
from model.years.household import HouseholdState, advance, assess, is_registered, settlement_category
from model.years.rules import load_rules


def _state(n: int = 4_000, seed: int = 3) -> HouseholdState:
    from model.population import population_params
    from model.population.build import StageSeeds, synthetic_county
    from model.population.households import synthesize
    from model.scenario import load_scenario

    params = population_params(load_scenario("baseline", population="rural_county"))
    seeds = StageSeeds.of_replication(seed, 0)
    return HouseholdState.of(synthesize(params, n, synthetic_county(params, seeds), seeds.population))


def _line(year: int) -> float:
    from model.population import population_params
    from model.scenario import load_scenario

    return population_params(load_scenario("baseline")).year.line_in(year)


def _years(state: HouseholdState, oop, serious, years: int = 5) -> list[dict]:
    rules = load_rules()
    counts = []
    rng = np.random.default_rng(1)
    for k in range(years):
        state.oop = oop(state)
        state.serious_working = serious(state)
        state.serious_other = np.zeros_like(state.serious_working)
        counts.append(assess(state, _line(2019 + k), rules))
        advance(state, rules.growth_in(2020 + k), rules, rng.standard_normal(state.size.shape[0]))
    return counts


def test_without_illness_nobody_becomes_poor_from_medical_bills() -> None:
    healthy = _years(_state(), lambda s: np.zeros_like(s.income), lambda s: np.zeros(s.size.shape[0], dtype=np.int64))
    assert sum(c["returned_to_poverty"] + c["became_poor"] for c in healthy) > 0  # shocks alone move some
    assert sum(c["returned_due_to_illness"] + c["became_poor_due_to_illness"] for c in healthy) == 0
    assert sum(c["poor_due_to_illness_end"] for c in healthy) == 0 < sum(c["registered_poor_end"] for c in healthy)
    assert all(c["debt_fen"] == 0 and c["lost_income_fen"] == 0 for c in healthy)
    # the same households with bills of one and a half years' income and a serious illness in every tenth household
    ill = _years(_state(), lambda s: s.income * 3 // 2,
                 lambda s: (np.arange(s.size.shape[0]) % 10 == 0).astype(np.int64))
    assert sum(c["returned_due_to_illness"] + c["became_poor_due_to_illness"] for c in ill) > 0
    assert sum(c["entries_via_lost_work"] for c in ill) > 0 and sum(c["entries_via_bills"] for c in ill) > 0


def test_debt_beyond_what_a_household_can_pay_lowers_next_years_income() -> None:
    rules = load_rules()
    state = _state(500)
    line = _line(2019)
    state.oop = 2 * state.income  # two years' income in bills: one is paid, one borrowed
    assess(state, line, rules)
    assert (state.debt > 0).all()
    before = state.debt.copy()
    advance(state, 0.0, dataclasses.replace(rules, shock_sigma=0.0), np.zeros(state.size.shape[0]))
    repaid = before - state.debt
    assert (repaid > 0).all() and (state.income == state.potential - repaid).all()


def test_exited_households_settle_by_the_years_rule() -> None:
    state = _state(2_000)
    registered = state.category == CATEGORY_CODE["registered_poor"]
    state.exited = registered.copy()
    state.monitored = np.arange(state.size.shape[0]) % 2 == 0
    keep = settlement_category(state, "keep")
    none = settlement_category(state, "none")
    monitored = settlement_category(state, "monitored_only")
    assert (keep == state.category).all()
    assert (none[registered] == CATEGORY_CODE["ordinary"]).all()
    assert (monitored[registered & state.monitored] == CATEGORY_CODE["registered_poor"]).all()
    assert (monitored[registered & ~state.monitored] == CATEGORY_CODE["ordinary"]).all()
    rules = load_rules()
    assert [rules.tilts_in(y) for y in (2019, 2021, 2022, 2025)] == ["keep", "keep", "none", "none"]


def test_chronic_conditions_persist_as_persons_age() -> None:
    from model.population import population_params
    from model.population.build import StageSeeds, synthetic_county
    from model.population.households import synthesize
    from model.population.illness import draw_illness
    from model.scenario import load_scenario

    params = population_params(load_scenario("baseline"))
    seeds = StageSeeds.of_replication(5, 0)
    population = synthesize(params, 20_000, synthetic_county(params, seeds), seeds.population)
    first = draw_illness(params, population, seeds.illness, with_visits=False)
    band = population.age_band()
    for year in (1, 5, 12):
        older = dataclasses.replace(population, age=np.minimum(population.age + year, 94))
        later = draw_illness(params, older, seeds.illness, with_visits=False, year=year, since_band=band)
        assert (later.chronic >= first.chronic).all()  # nothing once had is lost
        assert later.chronic.sum() > first.chronic.sum()  # and older persons have more
        assert not np.array_equal(later.general_u, first.general_u)  # the year's own admissions


def test_one_poverty_line_for_every_year_read_from_the_population(tmp_path: Path, capsys) -> None:
    # the rules file may not carry a second table of lines (it had drifted: 3,340 against 4,000 for 2020)
    assert _line(2019) == 3218 and _line(2020) == 4000
    rules = tmp_path / "rules.yaml"
    text = Path("scenarios/years/default.yaml").read_text(encoding="utf-8")
    rules.write_text(text.replace("poverty:\n", "poverty:\n  line: {value: {2019: 3218}, source: x}\n", 1), encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", "baseline", "--persons", "500", "--reps", "1", "--out", str(out)]
    assert main(args + ["--years", "2", "--years-rules", str(rules)]) == 2
    message = capsys.readouterr().err
    assert "poverty.line" in message and "by_year.poverty_line" in message and "Traceback" not in message
    assert main(args + ["--years", "30"]) == 2  # 2019-2048: the population's lines stop at 2035
    message = capsys.readouterr().err
    assert "by_year.poverty_line" in message and "2036" in message and "Traceback" not in message
    assert not out.exists()


def test_deaths_and_births_between_years_change_the_households_reproducibly() -> None:
    from model.population import population_params
    from model.population.build import StageSeeds, synthetic_county
    from model.population.demography import cohort_of, demography_seed, next_year
    from model.population.households import synthesize
    from model.population.illness import draw_illness
    from model.scenario import load_scenario

    params = population_params(load_scenario("baseline"))
    seeds = StageSeeds.of_replication(11, 0)
    population = synthesize(params, 60_000, synthetic_county(params, seeds), seeds.population)
    cohort = cohort_of(population, seeds.illness)
    # the carried draws are the ones the first year drew: its chronic conditions come out the same
    first = draw_illness(params, population, seeds.illness, with_visits=False)
    carried = draw_illness(params, population, seeds.illness, with_visits=False, chronic_draws=(cohort.chronic_u, cohort.certified_u))
    assert np.array_equal(first.chronic, carried.chronic) and np.array_equal(first.certified, carried.certified)
    rules = load_rules().demography
    later, change = next_year(cohort, rules, 2019, demography_seed(seeds.population, 0, 0))
    again, _ = next_year(cohort, rules, 2019, demography_seed(seeds.population, 0, 0))
    assert np.array_equal(later.population.age, again.population.age) and np.array_equal(later.chronic_u, again.chronic_u)
    n = population.n_persons
    assert later.population.n_persons == n - change.deaths + change.births
    assert 0 < change.deaths and abs(change.births - 10.48 / 1000 * n) < 4 * np.sqrt(10.48 / 1000 * n)  # 2019's rate
    newborn = later.population.age == 0
    assert newborn.sum() == change.births and (later.since_band[newborn] == 0).all()
    # survivors keep their own chronic draws; newborns have draws of their own
    assert np.isin(later.chronic_u[~newborn, 0], cohort.chronic_u[:, 0]).all()
    assert not np.isin(later.chronic_u[newborn, 0], cohort.chronic_u[:, 0]).any()
    # members grouped by household, sizes counted, households with nobody left dropped (ids kept)
    people = later.population
    assert (np.diff(people.household) >= 0).all()
    assert np.array_equal(np.bincount(people.household, minlength=people.n_households), people.household_size)
    assert (people.household_size > 0).all() and people.n_households == change.kept.sum() < population.n_households
    assert np.array_equal(people.household_ids(), population.household_ids()[change.kept])
    # older people die more: the survivors' ages moved up by one, the old band thinned most
    old = (population.age >= 80).sum() - (people.age >= 81).sum()
    young = (population.age < 40).sum() - ((people.age >= 1) & (people.age < 41)).sum()
    assert old / (population.age >= 80).sum() > 10 * max(young, 1) / (population.age < 40).sum()
    # newborns fall ill with the population's own parameters for their age
    illness = draw_illness(params, people, seeds.illness, year=1, since_band=later.since_band,
                           chronic_draws=(later.chronic_u, later.certified_u))
    assert np.isin(illness.visits.person, np.flatnonzero(newborn)).any()


def test_a_dead_persons_claims_stop_and_a_working_deaths_income_goes(tmp_path: Path) -> None:
    from model.population.demography import YearChange
    from model.years.household import regroup

    state = _state(300)
    size = state.size.copy()
    total = state.permanent * size
    kept = np.ones(size.shape[0], dtype=bool)
    kept[0] = False  # everybody in the first household died
    working = np.zeros(size.shape[0], dtype=np.int64)
    working[1] = 1
    new_size = size.copy()
    new_size[1] -= 1
    new_size[2] += 1  # a birth
    regroup(state, YearChange(kept, new_size[kept], working, 0, 0, 0))
    assert state.size.shape[0] == size.shape[0] - 1
    after = state.permanent * state.size
    if size[1] > 1:
        assert after[0] == pytest.approx(total[1] * (size[1] - 1) / size[1])  # a working member's share gone
    assert after[1] == pytest.approx(total[2])  # a birth: the same income for one more
    # in a run, year two's households are the survivors and the newborns (the dead are not simulated again)
    args = ["simulate", "baseline", "--persons", "2000", "--seed", "9", "--years", "2", "--out", str(tmp_path / "s")]
    assert main(args) == 0
    import pandas as pd

    table = pd.read_csv(tmp_path / "s" / "households_by_year.csv")
    sizes = table.pivot(index="household_id", columns="year", values="household_size")
    assert (sizes[2020].dropna() != sizes.loc[sizes[2020].notna(), 2019]).any()  # deaths and births changed sizes


def test_a_serious_illness_costs_income_for_lost_work_years_and_losses_add_up() -> None:
    rules = dataclasses.replace(load_rules(), shock_sigma=0.0, debt_repaid_share=0.0)
    assert rules.lost_work_years == 5 and rules.lost_work_working_age == 0.128
    state = _state(300)
    ill = np.arange(state.size.shape[0]) % 3 == 0
    lost = []
    for year in range(7):
        state.oop = np.zeros_like(state.income)
        state.serious_working = (ill & (year in (0, 2))).astype(np.int64)  # two illnesses, two years apart
        state.serious_other = np.zeros_like(state.serious_working)
        assess(state, _line(2019), rules)
        advance(state, 0.0, rules, np.zeros(state.size.shape[0]))
        lost.append(state.lost.copy())
    # the years after the illness of year 0 (advance k gives year k + 1's income): 1-5, and of year 2: 3-7
    expected = [0.128, 0.128, 0.256, 0.256, 0.256, 0.128, 0.128]
    for share, value in zip(lost, expected):
        assert np.allclose(share[ill], value) and (share[~ill] == 0).all()
    assert (state.income[ill] < state.potential[ill]).all()


def test_the_assessment_reads_income_and_bills_reach_it_through_debt() -> None:
    rules = load_rules()
    assert rules.assessed_less_bills is False
    line = _line(2019)
    for less_bills in (False, True):
        state = _state(2_000)
        state.oop = 2 * state.income  # two years' income in bills, nobody seriously ill
        counts = assess(state, line, dataclasses.replace(rules, assessed_less_bills=less_bills))
        if less_bills:  # the impoverishment reading: the bills paid this year take households under the line
            assert counts["returned_due_to_illness"] > 0
        else:  # income alone: the bills become debt, nobody's status changes this year
            assert counts["returned_to_poverty"] == counts["returned_due_to_illness"] == 0
            assert counts["debt_fen"] > 0
            advance(state, 0.0, dataclasses.replace(rules, shock_sigma=0.0), np.zeros(state.size.shape[0]))
            state.oop = np.zeros_like(state.income)
            later = assess(state, line, rules)
            assert later["returned_due_to_illness"] > 0 and later["entries_via_bills"] > 0  # the debt repaid


def test_an_entry_counts_through_lost_work_when_lost_work_took_more_than_bills() -> None:
    rules = dataclasses.replace(load_rules(), shock_sigma=0.0, lost_work_working_age=0.5, lost_work_cap=0.6)
    state = _state(3_000)
    state.oop = np.zeros_like(state.income)
    state.serious_working = np.ones(state.size.shape[0], dtype=np.int64)  # everyone's household: lost work only
    state.serious_other = np.zeros_like(state.serious_working)
    assess(state, _line(2019), rules)
    advance(state, 0.0, rules, np.zeros(state.size.shape[0]))
    state.oop = np.zeros_like(state.income)
    counts = assess(state, _line(2019), rules)
    caused = counts["returned_due_to_illness"] + counts["became_poor_due_to_illness"]
    assert caused > 0 and counts["entries_via_lost_work"] == caused and counts["entries_via_bills"] == 0


def test_in_a_year_the_published_count_is_zero_every_household_below_the_line_is_lifted() -> None:
    rules = dataclasses.replace(load_rules(), shock_sigma=0.0)
    assert rules.clears_in(2020) and not rules.clears_in(2019) and not rules.clears_in(2021)
    state = _state(3_000)
    registered = state.category == CATEGORY_CODE["registered_poor"]
    state.exited = registered.copy()
    state.income = state.income // 4  # every household far under the line
    state.oop = np.zeros_like(state.income)
    plain = assess(dataclasses.replace(state), _line(2020), rules)
    assert plain["returned_to_poverty"] > 0 and plain["lifted_to_line"] == 0
    state = _state(3_000)
    state.exited = registered.copy()
    state.income = state.income // 4
    state.oop = np.zeros_like(state.income)
    permanent = state.permanent.copy()
    cleared = assess(state, _line(2020), rules, exit_task=1.0, clear_all=True)
    assert cleared["returned_to_poverty"] == cleared["became_poor"] == 0
    # those who would have returned or entered, and other households under the line (dibao-only and the like)
    assert cleared["lifted_to_line"] >= plain["returned_to_poverty"] + plain["became_poor"]
    lifted = registered & (permanent < _line(2020))
    assert (state.permanent[lifted] >= _line(2020)).all() and state.exited[registered].all()


def test_the_illness_share_of_the_poor_is_a_stock_of_registered_households_still_poor() -> None:
    from model.years.metrics import transition_metrics

    rules = dataclasses.replace(load_rules(), shock_sigma=0.0)
    state = _state(3_000)
    line = _line(2019)
    state.exited = np.zeros_like(state.exited)
    line_fen = np.round(line * 100 * state.size).astype(np.int64)
    state.income = line_fen // 2  # everyone under the line
    state.potential = np.where(np.arange(state.size.shape[0]) % 4 == 0, line_fen, state.income)  # a quarter by illness
    state.oop = np.zeros_like(state.income)
    counts = assess(state, line, rules)
    # still poor at the year's end: every registered household (none above the line exits), the ordinary
    # households under the line registered at the assessment; not the other households under it (dibao only...)
    poor = is_registered(state.category) & ~state.exited
    assert 0 < counts["registered_poor_end"] == poor.sum() < state.size.shape[0]
    assert counts["poor_due_to_illness_end"] == (poor & (np.arange(poor.size) % 4 == 0)).sum()
    metrics = transition_metrics({**counts, "persons": 0, "deaths": 0, "births": 0})  # the engine adds these
    assert metrics["poor_due_to_illness_share"] == pytest.approx(counts["poor_due_to_illness_end"] / poor.sum())
    # the flow counts only the year's entries (here the ordinary households registered), not the whole stock
    entries = counts["returned_to_poverty"] + counts["became_poor"]
    assert 0 < entries < counts["registered_poor_end"]
    assert metrics["entries_due_to_illness_share"] == pytest.approx(
        (counts["returned_due_to_illness"] + counts["became_poor_due_to_illness"]) / entries)


def test_a_chronically_ill_working_age_member_costs_the_household_work_from_the_next_year() -> None:
    from types import SimpleNamespace

    from model.years.household import chronic_loss

    rules = dataclasses.replace(load_rules(), shock_sigma=0.0, debt_repaid_share=0.0)
    assert (rules.chronic_lost_work, rules.earned_share_of_income) == (0.192, 0.713)
    # three households: two workers one of them ill; one worker ill and a child; an ill older member only
    population = SimpleNamespace(age=np.array([30, 40, 35, 5, 70]), household=np.array([0, 0, 1, 1, 2]), n_households=3)
    chronic = np.array([[True], [False], [True], [True], [True]])
    share = chronic_loss(population, chronic, rules)
    assert share == pytest.approx([0.192 * 0.713 / 2, 0.192 * 0.713, 0.0])
    state = _state(300)
    state.chronic_loss = np.where(np.arange(state.size.shape[0]) % 2 == 0, 0.192 * 0.713, 0.0)
    state.oop = np.zeros_like(state.income)
    assess(state, _line(2019), rules)
    advance(state, 0.0, rules, np.zeros(state.size.shape[0]))
    ill = state.chronic_loss > 0
    assert np.allclose(state.lost[ill], 0.192 * 0.713) and (state.lost[~ill] == 0).all()
    assert (state.income[ill] < state.potential[ill]).all() and (state.income[~ill] == state.potential[~ill]).all()


def test_illness_before_the_run_changes_only_attribution_and_without_illness_there_is_no_stock() -> None:
    from types import SimpleNamespace

    from model.population import population_params
    from model.scenario import load_scenario
    from model.seeds import child_seed
    from model.years.household import prior_illness, start_history

    rules = dataclasses.replace(load_rules(), shock_sigma=0.0)
    assert rules.prior_illness_years == rules.lost_work_years == 5
    params = population_params(load_scenario("baseline"))
    # ages now 3, 20 and 70: the child was 2, 1, 0, then unborn; the 20-year-old was 15 (not working age) five years ago
    tiny = SimpleNamespace(age=np.array([3, 20, 70]), household=np.array([0, 1, 1]), n_households=2)
    certain = prior_illness(tiny, np.full(params.major_incidence.shape, 0.9999), params.major_child_only, rules,
                            np.random.SeedSequence(1))
    assert certain[0] == pytest.approx([0.06, 0.06, 0.06, 0, 0])
    assert certain[1] == pytest.approx([0.128 + 0.06] * 4 + [0.06 + 0.06])
    seed = child_seed(np.random.SeedSequence(5), 4_000_000)
    states = {}
    for name, incidence in (("none", 0.0), ("drawn", 1.0), ("heavy", 40.0)):
        # households enough that the real incidence leaves a few poor by illness: 6 of 16,000 (0 of 2,000 since
        # ordinary incomes spread as NBS's rural mean and median give, σ 0.47: fewer households sit near the line)
        state = _state(16_000)
        population = SimpleNamespace(age=np.repeat(40, state.size.sum()), n_households=state.size.shape[0],
                                     household=np.repeat(np.arange(state.size.shape[0]), state.size))
        state.prior_history = prior_illness(population, params.major_incidence * incidence, params.major_child_only,
                                            rules, seed)
        state.chronic_loss, state.oop = np.zeros(state.size.shape[0]), np.zeros_like(state.income)
        income = state.income.copy()
        start_history(state, rules)
        assert (state.income == income).all()  # the drawn incomes are observed ones: the history is in them
        states[name] = (state, assess(state, _line(2019), rules))
    none, drawn, heavy = (states[k] for k in ("none", "drawn", "heavy"))
    assert (none[0].potential == none[0].income).all() and none[1]["poor_due_to_illness_end"] == 0  # no illness, no stock
    assert 0 < drawn[1]["poor_due_to_illness_end"] < heavy[1]["poor_due_to_illness_end"]
    for state, counts in (drawn, heavy):  # the same statuses, so the same settlement next year: only the cause differs
        for name in ("exited_poverty", "returned_to_poverty", "became_poor", "registered_poor_end", "monitored"):
            assert counts[name] == none[1][name]
        assert (state.category == none[0].category).all() and (state.exited == none[0].exited).all()
    # the next year, the oldest illness's loss has ended and this year's (none here) begins
    state = heavy[0]
    before = state.lost_history.copy()
    state.serious_working = state.serious_other = np.zeros(state.size.shape[0], dtype=np.int64)
    advance(state, 0.0, rules, np.zeros(state.size.shape[0]))
    assert (state.lost_history[:, 1:] == before[:, :-1]).all() and (state.lost_history[:, 0] == 0).all()
