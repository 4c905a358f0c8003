"""Realized statistics of a synthetic population beside what its parameters imply, with standard errors and sources."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.codes import ALSO_REGISTERED, CATEGORIES, CATEGORY_CODE, LEVELS, SERVICE_CODE
from model.population.costs import admission_total
from model.population.households import PRIMARY, INCOME_GROUP_EXITED, INCOME_GROUP_OF_CATEGORY, Population, member_age_shares
from model.population.illness import Illness
from model.population.year import bounded_median
from model.population.params import AGE_BANDS, INCOME_GROUPS, PopulationParams
from model.textwidth import table

TOLERANCE_SE = 4.0


@dataclass(frozen=True)
class Statistic:
    """One checked statistic of a drawn population: realized against expected, its standard error and where the
    expectation comes from."""

    name: str
    realized: float
    expected: float
    standard_error: float
    source: str
    unit: str = ""

    @property
    def within(self) -> bool:
        if self.standard_error == 0:
            return abs(self.realized - self.expected) <= 1e-9 * max(1.0, abs(self.expected))
        return abs(self.realized - self.expected) <= TOLERANCE_SE * self.standard_error

    @property
    def z(self) -> float:
        return (self.realized - self.expected) / self.standard_error if self.standard_error else 0.0


def _source(tree: dict, *path: str) -> str:
    node = tree
    for key in path:
        node = node[key]
    return str(node.get("source", "")) if isinstance(node, dict) else ""


def _share(name: str, hits: np.ndarray, expected: float, source: str) -> Statistic:
    n = max(hits.size, 1)
    p = float(hits.mean()) if hits.size else 0.0
    return Statistic(name, p, expected, float(np.sqrt(max(expected * (1 - expected), 1e-12) / n)), source, "share")


def _mean(name: str, values: np.ndarray, expected: float, source: str, unit: str = "") -> Statistic:
    n = max(values.size, 1)
    return Statistic(name, float(values.mean()) if values.size else 0.0, expected,
                     float(values.std() / np.sqrt(n)) if values.size > 1 else 0.0, source, unit)


def describe(params: PopulationParams, tree: dict, population: Population, illness: Illness) -> list[Statistic]:
    """Statistics a reviewer can check: every one should fall within 4 standard errors of its expectation."""
    stats: list[Statistic] = []
    size = population.household_size
    sets = population.household_category
    category = PRIMARY[sets]  # each household's primary category: what its parameters are drawn by
    expected_sizes = params.size_shares @ np.arange(1, params.size_shares.shape[1] + 1)
    stats.append(_mean("mean household size", size.astype(float), float(params.category_shares @ expected_sizes),
                       _source(tree, "households", "size_shares"), "persons"))
    for code, name in enumerate(CATEGORIES):
        if params.category_shares[code] > 0 or (category == code).any():
            stats.append(_share(f"households {name} (primary category)", category == code, float(params.category_shares[code]),
                                _source(tree, "households", "category_shares")))
    for name, code in ALSO_REGISTERED.items():
        primary = category == CATEGORY_CODE[name]
        if primary.any():
            stats.append(_share(f"{name} households also registered poor", sets[primary] == code,
                                params.also_registered_share[name], _source(tree, "households", "also_registered_share")))
    registered = category == CATEGORY_CODE["registered_poor"]
    if registered.any():
        stats.append(_share("registered poor households that exited poverty", population.household_exited[registered],
                            params.exited_share, _source(tree, "by_year", "rural_poor_population_millions")))
    person_category = PRIMARY[population.category]
    stats.append(_share("persons male", population.male, params.male_share, _source(tree, "persons", "male_share")))
    head_shares, other_shares = member_age_shares(params)
    old_bands = [AGE_BANDS.index("60-79"), AGE_BANDS.index("80-94")]
    is_head = np.ones(population.n_persons, dtype=bool)
    is_head[1:] = population.household[1:] != population.household[:-1]
    expected_old = np.where(is_head, head_shares[:, old_bands].sum(axis=1)[person_category],
                            other_shares[:, old_bands].sum(axis=1)[person_category])
    stats.append(_share("persons aged 60+ (heads are adults)", population.age >= 60, float(expected_old.mean()),
                        _source(tree, "persons", "age_band_shares")))
    stats.append(_share("household heads aged 18+", population.age[is_head] >= 18, 1.0, "model: a household's first member is an adult"))
    group = np.where(population.household_exited, INCOME_GROUP_EXITED, INCOME_GROUP_OF_CATEGORY[category])
    per_capita = population.household_income / size / 100
    for index, name in enumerate(INCOME_GROUPS):
        members = per_capita[group == index]
        if members.size < 30:
            continue
        median, sigma = params.income[index]
        median = bounded_median(median, sigma, *params.income_bounds[index])  # still poor below the line, exited above
        # compared on the log scale, where the median's standard error is about 1.2533 σ / √n
        stats.append(Statistic(f"log median income per person, {name}", float(np.log(np.median(members))),
                               float(np.log(median)), 1.2533 * sigma / np.sqrt(members.size),
                               _source(tree, "households", "income_per_capita"), f"log yuan (median {np.median(members):,.0f})"))

    band = population.age_band()
    poor = population.poor
    prevalence = params.chronic_prevalence[:, band].T * np.where(poor, params.chronic_poor_rr, 1.0)[:, None]
    prevalence = np.minimum(prevalence, 0.99)
    adults = population.age >= 35
    stats.append(_share("hypertension, persons aged 35+", illness.chronic[adults, 0], float(prevalence[adults, 0].mean()),
                        _source(tree, "illness", "chronic", "prevalence_by_age")))
    stats.append(_mean("chronic-outpatient certificates a person", illness.certified.sum(axis=1).astype(float),
                       float((prevalence * params.certified_share).sum(axis=1).mean()),
                       _source(tree, "illness", "chronic", "certified_share")))
    visits = np.bincount(illness.visits.person, minlength=population.n_persons).astype(float)
    expected_visits = (params.outpatient_visits[band] * np.where(poor, params.outpatient_poor_rr, 1.0)).mean() + (
        prevalence * params.certified_share * params.chronic_visits).sum(axis=1).mean()
    stats.append(_mean("outpatient visits a person a year (chronic included)", visits, float(expected_visits),
                       _source(tree, "illness", "outpatient", "visits_per_year"), "visits"))
    admissions = illness.admissions()
    admitted = np.zeros(population.n_persons, dtype=bool)
    admitted[admissions.person] = True
    for name, members in (("poor", poor), ("ordinary", ~poor)):
        if members.sum() >= 30:
            stats.append(_share(f"persons admitted at least once, {name}", admitted[members], params.admission_share[name],
                                _source(tree, "illness", "admissions", "share_admitted")))
    per_person = np.bincount(admissions.person, minlength=population.n_persons).astype(float)
    major_probability = params.major_incidence * np.where(params.major_child_only[None, :], (population.age < 15)[:, None], 1)
    expected_admissions = illness.general_probability.mean() * (1 + params.repeat_admissions_mean) + float(
        (major_probability * params.major_admissions).sum(axis=1).mean())
    stats.append(_mean("admissions a person a year", per_person, expected_admissions,
                       _source(tree, "illness", "admissions", "repeat_admissions_mean"), "admissions"))

    acute = illness.visits.service == SERVICE_CODE["outpatient"]
    for level, name in enumerate(LEVELS):
        at_level = acute & (illness.visits.level == level)
        if at_level.sum() < 30:
            continue
        totals = illness.visits.total[at_level] / 100
        stats.append(_mean(f"cost a visit, {name}", totals, float(params.visit_mean[level]),
                           _source(tree, "costs", "visit_mean"), "yuan"))
        out_share = 1 - illness.visits.eligible[at_level] / np.maximum(illness.visits.total[at_level], 1)
        stats.append(_mean(f"out-of-list share of a visit, {name}", out_share, float(params.out_of_list_share[level]),
                           _source(tree, "costs", "out_of_list_share")))
    general = admissions.take(np.flatnonzero(~admissions.major))
    for level, name in enumerate(LEVELS[1:], start=1):
        if len(general) < 30:
            break
        totals = admission_total(params, np.full(len(general), level), general.cost_multiplier, general.cost_z) / 100
        stats.append(_mean(f"cost an ordinary admission if treated at {name}", totals, float(params.admission_mean[level]),
                           _source(tree, "costs", "admission_mean"), "yuan"))
    return stats


def render(stats: list[Statistic], title: str) -> str:
    """The population check as a text table: each statistic realized against what the parameters imply.

    Parameters
    ----------
    stats : list of Statistic
        The statistics checked.
    title : str
        The table's first line.

    Returns
    -------
    str
    """
    rows = [["statistic 统计量", "realized 实现", "expected 期望", "z", "", "source 来源"]]
    for s in stats:
        fmt = "{:,.4f}" if abs(s.expected) < 10 else "{:,.1f}"
        rows.append([s.name, fmt.format(s.realized), fmt.format(s.expected), f"{s.z:+.1f}",
                     "ok" if s.within else "OUTSIDE", s.source[:90] + ("…" if len(s.source) > 90 else "")])
    ok = sum(s.within for s in stats)
    return f"{title}\n{table(rows, right_aligned={1, 2, 3})}\n{ok} of {len(stats)} within {TOLERANCE_SE:g} standard errors of what the parameters imply."
