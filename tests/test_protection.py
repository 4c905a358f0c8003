"""Financial protection: the population year, capacity to pay as Xu et al. (2003), both scopes, and per-person
results that do not depend on how many persons are simulated."""

from __future__ import annotations

import numpy as np
import pytest

from model.cli import main
from model.outcomes.params import outcome_params
from model.outcomes.protection import capacity_to_pay, protection_flags, subsistence_per_equivalent_adult
from model.population import population_params
from model.population.households import INCOME_GROUP_EXITED, PRIMARY, INCOME_GROUP_OF_CATEGORY, synthesize, draw_county
from model.population.year import bounded_lognormal, bounded_mean
from model.runner.scaling import disagreements, per_person_results
from model.scenario import load_scenario


def test_subsistence_and_capacity_follow_xu_et_al() -> None:
    params = outcome_params(load_scenario("baseline"))
    # eleven one-person households with food shares 0.10 ... 0.60: the 45th-55th percentile band holds only the
    # middle one (share 0.35, food 350), so subsistence is 350 a (one-person) equivalent adult
    consumption = np.full(11, 100_000)  # fen: 1,000 yuan
    food = np.round(consumption * np.linspace(0.10, 0.60, 11)).astype(np.int64)
    size = np.ones(11, dtype=np.int64)
    subsistence = subsistence_per_equivalent_adult(consumption, food, size, params)
    assert subsistence == pytest.approx(350.0)
    capacity = capacity_to_pay(consumption, food, size, subsistence, params)
    # food below subsistence: capacity = consumption − food; otherwise consumption − subsistence
    assert capacity[0] == pytest.approx(1000 - 100)
    assert capacity[-1] == pytest.approx(1000 - 350)
    # a household of four counts 4^0.56 equivalent adults
    four = capacity_to_pay(np.array([400_000]), np.array([300_000]), np.array([4]), subsistence, params)
    assert four[0] == pytest.approx(4000 - 350 * 4 ** 0.56)


def test_scopes_count_only_their_claims() -> None:
    params = outcome_params(load_scenario("baseline"))
    income, size, capacity = np.array([10_000.0]), np.array([2]), np.array([5_000.0])
    every = protection_flags(np.array([1_500.0]), income, size, capacity, params, 3218.0)
    inpatient_only = protection_flags(np.array([200.0]), income, size, capacity, params, 3218.0)
    assert every["che_10"][0] and not inpatient_only["che_10"][0]
    # above the line before paying, below after: impoverished
    poor = protection_flags(np.array([4_000.0]), np.array([7_000.0]), size, capacity, params, 3218.0)
    assert poor["impoverishment"][0] and not protection_flags(np.array([0.0]), np.array([7_000.0]), size, capacity,
                                                               params, 3218.0)["impoverishment"][0]


def test_bounded_draws_stay_on_their_side_of_the_line_and_unbounded_ones_are_untouched() -> None:
    z = np.random.default_rng(1).standard_normal(10_000)
    n = z.shape[0]
    below = bounded_lognormal(np.full(n, 2900.0), np.full(n, 0.3), np.zeros(n), np.full(n, 3218.0), z)
    above = bounded_lognormal(np.full(n, 6900.0), np.full(n, 0.45), np.full(n, 3218.0), np.full(n, np.inf), z)
    free = bounded_lognormal(np.full(n, 9940.0), np.full(n, 0.55), np.zeros(n), np.full(n, np.inf), z)
    assert below.max() <= 3218 and above.min() >= 3218
    assert np.array_equal(free, 9940.0 * np.exp(0.55 * z))
    # the draw keeps its rank: a higher z gives a higher income on either side of the line
    order = np.argsort(z)
    assert np.all(np.diff(below[order]) >= 0) and np.all(np.diff(above[order]) >= 0)


@pytest.mark.parametrize("year", [2016, 2019])
def test_the_year_sets_exited_share_incomes_and_line(year: int) -> None:
    params = population_params(load_scenario("baseline", [f"population.year={year}"]))
    remaining = {2016: 43.35, 2019: 5.51}[year]
    assert params.exited_share == pytest.approx(1 - remaining / 98.99)
    line = {2016: 3032, 2019: 3218}[year]
    assert params.year.poverty_line == line
    assert params.income[0, 0] == pytest.approx(10357 * {2016: 8452, 2019: 11567}[year] / 11567)
    county = draw_county(params, np.random.SeedSequence(3))
    population = synthesize(params, 30_000, county, np.random.SeedSequence(4))
    per_capita = population.household_income / 100 / population.household_size
    primary = PRIMARY[population.household_category]  # a household's parameters follow its primary category
    registered = primary == 1
    exited = population.household_exited
    assert abs(exited[registered].mean() - params.exited_share) < 0.03
    assert per_capita[exited].min() >= line - 0.01  # exit requires income above the line
    assert per_capita[registered & ~exited].max() <= line + 0.01
    # registered persons' mean income is the year's published figure (3,416 in 2015 grown 30.2% a year to 9,808 in 2019)
    mean = population.household_income[registered].sum() / 100 / population.household_size[registered].sum()
    assert mean == pytest.approx({2016: 4447, 2019: 9808}[year], rel=0.03)
    # food spending: a share of consumption, larger for poorer households (Engel's law)
    share = population.household_food / population.household_consumption
    assert np.all((share > 0) & (share < 1))
    group = np.where(exited, INCOME_GROUP_EXITED, INCOME_GROUP_OF_CATEGORY[primary])
    assert share[group == 1].mean() > share[group == INCOME_GROUP_EXITED].mean()


@pytest.mark.parametrize("year", [2016, 2017, 2018, 2019, 2020, 2025])
def test_registered_persons_mean_income_is_the_years_published_figure(year: int) -> None:
    # exit does not depend on household size, so the person-weighted mean is the mixture of the two groups' means
    params = population_params(load_scenario("baseline", [f"population.year={year}"]))
    (poor, poor_sigma), (exited, exited_sigma) = params.income[1], params.income[2]
    line, share = params.year.poverty_line, params.exited_share
    mean = (1 - share) * bounded_mean(poor, poor_sigma, 0, line) + share * bounded_mean(exited, exited_sigma, line, np.inf)
    assert mean == pytest.approx(params.year.registered_income_mean, rel=1e-3)
    assert params.year.registered_income_mean == {2016: 4447, 2017: 5788, 2018: 7535, 2019: 9808, 2020: 10740,
                                                   2025: 17603}[year]


def test_year_option_reaches_the_run_and_an_unknown_year_is_one_clear_message(tmp_path, capsys) -> None:
    import json

    out = tmp_path / "run"
    assert main(["run", "baseline", "--persons", "3000", "--reps", "1", "--year", "2017", "--workers", "1",
                 "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert "population.year=2017" in json.dumps(manifest)
    capsys.readouterr()
    assert main(["run", "baseline", "--persons", "3000", "--reps", "1", "--year", "2014", "--out", str(tmp_path / "x")]) == 2
    error = capsys.readouterr().err
    assert "poor_households.yaml" in error and "by_year" in error and "2014" in error
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_per_person_results_do_not_depend_on_the_simulated_population_size() -> None:
    small = per_person_results("sui_county", 10_000, 12, seed=5)
    large = per_person_results("sui_county", 40_000, 6, seed=6)
    assert disagreements(small, large) == {}
    # the check can fail: wards sized for the simulated persons alone (no background residents) queue far more
    # when few persons are simulated
    alone = ("population.county.residents=0",)
    few = per_person_results("sui_county", 2_000, 6, seed=5, sets=alone)
    many = per_person_results("sui_county", 40_000, 2, seed=6, sets=alone)
    assert "waited_for_bed_share" in disagreements(few, many)
