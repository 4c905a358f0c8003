"""General outpatient visits spread between persons: a gamma factor of mean 1 on each person's rate, from its own stream,
the same for a person in every year of a run (illness.outpatient.person_spread)."""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np
import pytest

from model.codes import SERVICE_CODE
from model.population import population_params
from model.population.build import StageSeeds, synthetic_county
from model.population.households import synthesize
from model.population.illness import draw_illness, person_spread_factors
from model.scenario import load_scenario
from model.validation import implied_shape

PERSONS = 30_000
GENERAL = SERVICE_CODE["outpatient"]


@lru_cache(maxsize=1)
def _people():
    params = population_params(load_scenario("baseline"))
    seeds = StageSeeds.of_replication(5, 0)
    population = synthesize(params, PERSONS, synthetic_county(params, seeds), seeds.population)
    return params, seeds, population


def _general_counts(illness, n: int) -> np.ndarray:
    return np.bincount(illness.visits.person[illness.visits.service == GENERAL], minlength=n)


def _rates(params, population) -> np.ndarray:
    return params.outpatient_visits[population.age_band()] * np.where(population.poor, params.outpatient_poor_rr, 1.0)


def test_the_preset_spreads_general_visits_between_persons_and_keeps_their_mean() -> None:
    params, seeds, population = _people()
    n = population.n_persons
    shape = params.outpatient_person_spread
    assert shape == pytest.approx(0.37)
    rate = _rates(params, population)
    counts = _general_counts(draw_illness(params, population, seeds.illness), n)
    # the share with no general visit is the gamma-Poisson one, (1 + rate/k)^(-k), averaged over persons
    none, expected_none = (counts == 0).mean(), ((1 + rate / shape) ** -shape).mean()
    assert abs(none - expected_none) < 4 * np.sqrt(expected_none * (1 - expected_none) / n)
    assert none > 0.30  # a Poisson count for everyone leaves under 1% of the poor without a visit
    assert abs(counts.mean() - rate.mean()) < 4 * counts.std() / np.sqrt(n)
    # a large shape is no spread: the Poisson share with none, and the same mean
    flat = dataclasses.replace(params, outpatient_person_spread=10_000.0)
    counts = _general_counts(draw_illness(flat, population, seeds.illness), n)
    expected_none = np.exp(-rate).mean()
    assert abs((counts == 0).mean() - expected_none) < 4 * np.sqrt(expected_none / n) + 1e-3
    assert abs(counts.mean() - rate.mean()) < 4 * counts.std() / np.sqrt(n)


def test_only_general_visit_counts_change_and_the_same_seed_draws_the_same() -> None:
    params, seeds, population = _people()
    spread = draw_illness(params, population, seeds.illness)
    again = draw_illness(params, population, seeds.illness)
    for name in ("person", "day", "level", "total", "eligible"):
        assert np.array_equal(getattr(spread.visits, name), getattr(again.visits, name))
    none = draw_illness(dataclasses.replace(params, outpatient_person_spread=None), population, seeds.illness)
    chronic = spread.visits.service != GENERAL
    assert np.array_equal(spread.visits.person[chronic], none.visits.person[none.visits.service != GENERAL])
    assert np.array_equal(spread.visits.total[chronic], none.visits.total[none.visits.service != GENERAL])
    assert np.array_equal(spread.chronic, none.chronic) and np.array_equal(spread.general_u, none.general_u)
    assert np.array_equal(spread.admissions().person, none.admissions().person)
    assert np.array_equal(spread.admissions().cost_z, none.admissions().cost_z)
    assert not np.array_equal(_general_counts(spread, population.n_persons), _general_counts(none, population.n_persons))


def test_a_persons_spread_stays_with_them_across_years_and_through_deaths_and_births() -> None:
    from model.population.demography import cohort_of, demography_seed, next_year
    from model.years.rules import load_rules

    params, seeds, population = _people()
    n = population.n_persons
    rate = _rates(params, population)  # what age and poverty alone would link between the years

    def linked(p) -> float:
        first = _general_counts(draw_illness(p, population, seeds.illness), n) - rate
        second = _general_counts(draw_illness(p, population, seeds.illness, year=1), n) - rate
        return float(np.corrcoef(first, second)[0, 1])

    assert linked(params) > 0.4  # frequent users stay frequent users
    assert abs(linked(dataclasses.replace(params, outpatient_person_spread=10_000.0))) < 0.05
    shape = params.outpatient_person_spread
    cohort = cohort_of(population, seeds.illness, shape)
    assert np.array_equal(cohort.spread_factor, person_spread_factors(seeds.illness, n, shape))
    later, change = next_year(cohort, load_rules().demography, 2019, demography_seed(seeds.population, 0, 0), shape)
    newborn = later.population.age == 0
    assert change.births > 0 and np.isin(later.spread_factor[~newborn], cohort.spread_factor).all()
    assert not np.isin(later.spread_factor[newborn], cohort.spread_factor).any()
    # deaths and births are those of a run without the spread
    plain, _ = next_year(cohort_of(population, seeds.illness), load_rules().demography, 2019,
                         demography_seed(seeds.population, 0, 0))
    assert plain.spread_factor is None and np.array_equal(plain.population.age, later.population.age)
    # the carried factors are the ones draw_illness uses
    carried = draw_illness(params, population, seeds.illness, spread_factors=cohort.spread_factor)
    assert np.array_equal(carried.visits.person, draw_illness(params, population, seeds.illness).visits.person)


def test_implied_shape_inverts_the_gamma_poisson_share_with_none() -> None:
    assert implied_shape(4.6, 0.367) == pytest.approx(0.395, abs=0.001)  # SAGE China Wave 1, rural persons 50+
    for k in (0.2, 1.0, 5.0):
        assert implied_shape(3.0, (1 + 3.0 / k) ** -k) == pytest.approx(k, rel=1e-6)
    assert np.isnan(implied_shape(5.0, 0.001))  # fewer zeros than a Poisson count gives: no gamma spread does it
