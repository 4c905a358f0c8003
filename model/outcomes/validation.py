"""`hpa validate`, protection section: catastrophic spending, impoverishment and the schemes' effect beside
published figures for China's rural and poor households, each marked a calibration or a validation target."""

from __future__ import annotations

import numpy as np

from model.care.params import care_params
from model.care.simulate import People, draw_people, provide_care
from model.codes import CATEGORY_CODE, SERVICE_CODE
from model.outcomes.metrics import OutcomeAccumulator, quintile_edges
from model.outcomes.params import outcome_params
from model.outcomes.protection import PROTECTION_METRICS, subsistence_per_equivalent_adult
from model.population.year import ORDINARY
from model.rules.engine import settle_pools
from model.scenario import Scenario, known_scenarios, load_scenario

INPATIENT = SERVICE_CODE["inpatient"]
CALIBRATION, VALIDATION = "calibration", "validation"

# Published figures, peer-reviewed, with their sample and year (compared only: nothing was set from them).
CFPS_RURAL_2018 = ("BMC Health Serv Res 2021, doi 10.1186/s12913-021-06533-x, CFPS national panel 2010-2018: "
                   "CHE (OOP ≥ 40% of consumption − food) in rural households 16.8% (2010) → 10.9% (2018)")
CHFS_2017 = ("Lancet Reg Health West Pac 2022, doi 10.1016/j.lanwpc.2022.100633, CHFS 2017 (28 provinces, urban and rural): "
             "medical impoverishment 2.0% (95% CI 1.8-2.1%) of households nationally")
CHISHUI_2019 = ("Int J Equity Health 2019, doi 10.1186/s12939-019-0982-6, Chishui City administrative panel of 63,426 rural "
                "households 2014-2017, DID with matching: the health poverty alleviation project lowered the probability of "
                "OOP > 10% of income by 7.2-7.7 percentage points (marginal effects, Table 6)")
NHSS_OOP_2018 = ("Liu X et al., Int J Equity Health 2023, doi 10.1186/s12939-023-02000-7, NHSS 2013 and 2018: OOP share of "
                 "inpatient costs 31.9% for the registered poor vs 45.4% for the non-poor (2018)")


def poverty_schemes() -> list[str]:
    """The seed schemes in the library besides the baseline (reforms left out)."""
    return [name for name in known_scenarios(("",)) if name != "baseline"]


def protection_outcomes(scenario: Scenario, people: People, claims, settlement, stays, routes) -> dict[str, float]:
    """One replication's metrics of a settled population, subsistence from all its households."""
    population = people.population
    params = outcome_params(scenario)
    accumulator = OutcomeAccumulator(params, care_params(scenario), None,
                                     quintile_edges(population.household_income / 100 / population.household_size),
                                     subsistence=subsistence_per_equivalent_adult(population.household_consumption,
                                                                      population.household_food, population.household_size, params))
    accumulator.add(people, claims, settlement)
    return accumulator.finish(stays, routes).metrics


def inpatient_oop_share(claims, settlement, rows: np.ndarray) -> float:
    at = rows & (claims.service == INPATIENT)
    total = claims.total[at].sum()
    return float(settlement.amounts[at, -1].sum() / total) if total else float("nan")


def protection_checks(scheme: str, persons: int, seed: int, sets: tuple[str, ...], check_type) -> tuple[list, dict]:
    """Checks (calibration and validation targets) and every protection metric, both scopes, by population and scheme."""
    checks = []
    tables: dict[str, dict[str, dict[str, float]]] = {}
    compared = [scheme] + [name for name in ["baseline"] + poverty_schemes() if name != scheme]
    for population in ("poor_households", "rural_county"):
        scenarios = {name: load_scenario(name, list(sets), population=population) for name in compared}
        reference = scenarios[scheme]
        people = draw_people(reference, persons, seed)
        care = provide_care(reference, people, multiplier=None)
        claims = care.claims.claims
        settled = {name: settle_pools(s.scheme, claims) for name, s in scenarios.items()}
        tables[population] = {name: protection_outcomes(scenarios[name], people, claims, settled[name], care.stays, care.routes)
                              for name in compared}
        params = people.population_params
        households = people.population
        if population == "poor_households":
            registered = households.household_category == CATEGORY_CODE["registered_poor"]
            year = params.year
            checks.append(check_type(
                "建档立卡户脱贫比例 / registered-poor households out of poverty", population,
                float(households.household_exited[registered].mean()), year.exited_share, year.exited_share - 0.02,
                year.exited_share + 0.02, f"calibration: Rural poor population, end of {year.year} against end 2012 (NBS)",
                role=CALIBRATION))
            poor_claims = claims.category != CATEGORY_CODE["ordinary"]
            baseline_share = inpatient_oop_share(claims, settled["baseline"], poor_claims)
            scheme_shares = [inpatient_oop_share(claims, settled[name], poor_claims) for name in poverty_schemes()]
            effect = 1 - float(np.mean(scheme_shares)) / baseline_share
            # the survey's poor lived under the schemes as rolled out by 2018, the non-poor under the baseline's kind of rules
            checks.append(check_type(
                "扶贫方案使贫困人口住院自付比下降 / schemes' relative cut in the poor's inpatient OOP share (mean of the seed schemes)",
                population, effect, 1 - 31.9 / 45.4, 1 - 31.9 / 45.4, 1.0,
                NHSS_OOP_2018 + "; at least the survey's cut (the seed schemes state ≤ 10% targets, rolled out fully here)",
                role=VALIDATION))
            by_scheme = tables[population]
            cut = by_scheme["baseline"]["che_10"] - float(np.mean([by_scheme[name]["che_10"] for name in poverty_schemes()]))
            checks.append(check_type(
                "扶贫方案使灾难性支出(10%收入,全部自付)下降 / schemes' cut in CHE at 10% of income, all OOP (points, mean of the seed schemes)",
                population, cut, 0.077, 0.072, 1.0,
                CHISHUI_2019 + "; at least that cut: the seed schemes are fully in force here, Chishui's first two years were not",
                role=VALIDATION))
        else:
            ordinary = households.household_category == CATEGORY_CODE["ordinary"]
            published = float(params.income[ORDINARY, 0] * np.exp(params.income[ORDINARY, 1] ** 2 / 2))
            checks.append(check_type(
                "农村居民人均可支配收入 / income a person, ordinary households", population,
                float(households.household_income[ordinary].sum() / 100 / households.household_size[ordinary].sum()),
                published, published * 0.95, published * 1.05,
                f"calibration: Rural per-capita disposable income, poverty-stricken areas ({params.year.year}, NBS)", "yuan",
                role=CALIBRATION))
            food_share = households.household_food[ordinary].sum() / max(households.household_consumption[ordinary].sum(), 1)
            checks.append(check_type(
                "农村居民恩格尔系数 / food share of consumption, ordinary households", population, float(food_share),
                params.year.engel_coefficient, params.year.engel_coefficient - 0.04, params.year.engel_coefficient + 0.04,
                "calibration: Engel coefficient, rural (NBS 2018, 30.1%)", role=CALIBRATION))
            metrics = tables[population][scheme]
            checks.append(check_type(
                "灾难性支出(40%支付能力,全部自付) / CHE at 40% of capacity to pay, all OOP", population, metrics["che_ctp40"],
                0.109, 0.109 * 0.6, 0.109 * 1.6,
                CFPS_RURAL_2018 + "; band 0.6-1.6×: a poverty county's households are poorer than the national rural sample",
                role=VALIDATION))
            checks.append(check_type(
                "因病致贫(全部自付) / impoverishment, all OOP", population, metrics["impoverishment"], 0.020, 0.018, 0.070,
                CHFS_2017 + "; band 0.9-3.5×: urban households (most of the sample) are rarely near the line",
                role=VALIDATION))
            non_poor = claims.category == CATEGORY_CODE["ordinary"]
            checks.append(check_type(
                "非贫困人口住院自付比(基线) / inpatient OOP share, non-poor, baseline rules", population,
                inpatient_oop_share(claims, settled["baseline"], non_poor), 0.454, 0.454 * 0.75, 0.454 * 1.25,
                NHSS_OOP_2018 + "; band ±25%", role=VALIDATION))
    return checks, tables


def render_protection(tables: dict[str, dict[str, dict[str, float]]]) -> list[list[str]]:
    """Rows of every protection metric (both scopes) by population and scheme, for the printed table."""
    from model.outcomes.protection import definition_text

    rows = [["metric 指标 (definition; scope 定义；口径)", "population"] + list(next(iter(tables.values())))]
    for population, by_scheme in tables.items():
        for metric in PROTECTION_METRICS:
            rows.append([f"{metric}: {definition_text(metric, 'zh')}", population]
                        + [f"{by_scheme[name][metric]:.3f}" for name in by_scheme])
    return rows
