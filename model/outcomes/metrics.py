"""One replication's outcomes: outlays, reimbursement, catastrophic spending, impoverishment, targets, funding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.care.cashflow import cash_flow
from model.care.params import CareParams
from model.care.simulate import Care, People
from model.codes import CATEGORY_CODE, LEVEL_CODE, LEVELS, PAYERS, SERVICE_CODE
from model.outcomes.funding import funding
from model.outcomes.params import OutcomeParams
from model.rules.engine import Settlement
from model.scenario.financing import Financing

INPATIENT, CHRONIC = SERVICE_CODE["inpatient"], SERVICE_CODE["chronic_outpatient"]
QUINTILES = 5

# The metrics summary.json always carries (money in yuan a year for the simulated population; rates as fractions).
CORE_METRICS = (
    "person_years", "total_cost", "outlay_bmi", "outlay_cii", "outlay_ma", "outlay_backstop", "outlay_supplementary",
    "outlay_hospital", "oop", "effective_reimbursement", "policy_reimbursement", "oop_share", "che_10", "che_25",
    "che_ctp40", "impoverishment", "county_internal_share", "target90_share", "funding_province", "funding_prefecture",
    "funding_county", "funding_bmi_fund", "funding_insurer", "funding_hospital", "funding_households",
)
METRIC_LABELS = {
    "person_years": "人年 / person-years",
    "total_cost": "总费用 / total cost",
    "outlay_bmi": "基本医保支出 / BMI outlay",
    "outlay_cii": "大病保险支出 / CII outlay",
    "outlay_ma": "医疗救助支出 / medical assistance outlay",
    "outlay_backstop": "兜底保障支出 / backstop outlay",
    "outlay_supplementary": "补充保险支出 / supplementary outlay",
    "outlay_hospital": "医院基金支出 / hospital fund outlay",
    "oop": "个人自付 / out of pocket",
    "effective_reimbursement": "实际报销比 / effective reimbursement",
    "policy_reimbursement": "政策范围内报销比 / policy-range reimbursement",
    "oop_share": "县域内个人自付比 / OOP share (county)",
    "che_10": "灾难性支出(10%收入) / CHE 10% of income",
    "che_25": "灾难性支出(25%收入) / CHE 25% of income",
    "che_ctp40": "灾难性支出(40%支付能力) / CHE 40% capacity to pay",
    "impoverishment": "因病致贫 / impoverishment",
    "county_internal_share": "县域内住院占比 / county-internal admissions",
    "target90_share": "报销达90%的住院占比 / admissions reimbursed ≥90%",
    "funding_province": "省级承担 / province",
    "funding_prefecture": "市州承担 / prefecture",
    "funding_county": "县级承担 / county",
    "funding_bmi_fund": "医保基金承担 / BMI fund",
    "funding_insurer": "保险公司承担 / insurer (claims − premium)",
    "funding_hospital": "医院承担 / hospital",
    "funding_households": "家庭承担 / households",
}
RATE_METRICS = {"effective_reimbursement", "policy_reimbursement", "oop_share", "che_10", "che_25", "che_ctp40",
                "impoverishment", "county_internal_share", "target90_share"}


@dataclass
class Outcome:
    """A replication's aggregates for one scenario: all that travels back from a worker."""

    metrics: dict[str, float]
    quintiles: dict[str, list[float]]  # per household income quintile (1 = poorest)
    monthly: dict[str, list[float]]  # cash flow by month and payer, yuan
    engine: str
    flows: list[list[float]]  # admissions [entry level][treating level], levels in model.codes.LEVELS order


def _ratio(numerator: float, denominator: float, empty: float = float("nan")) -> float:
    return numerator / denominator if denominator else empty


def meets_target(total: np.ndarray, oop: np.ndarray, target: float) -> np.ndarray:
    """Paid ≥ target × total to the fen: a top-up to exactly the target, rounded half up, meets it."""
    target_ppm = int(round(target * 1_000_000))
    return 1_000_000 * (total - oop) >= target_ppm * total - 500_000


def household_outcomes(people: People, claims_person: np.ndarray, oop_fen: np.ndarray, params: OutcomeParams) -> dict:
    """Per household-year: out-of-pocket, and whether it was catastrophic or impoverishing."""
    population = people.population
    household_oop = np.bincount(population.household[claims_person], weights=oop_fen,
                                minlength=population.n_households) / 100
    income = population.household_income / 100
    consumption = population.household_consumption / 100
    size = population.household_size
    low, high = params.che_income_thresholds
    spent = household_oop > 0
    # a household with no income (or no capacity to pay) that pays anything is counted catastrophic
    che_low = spent & (household_oop > low * income)
    che_high = spent & (household_oop > high * income)
    capacity = consumption - params.subsistence_line * size
    che_ctp = spent & (household_oop >= params.che_capacity_threshold * np.maximum(capacity, 0))
    before = income / size >= params.poverty_line
    after = (income - household_oop) / size < params.poverty_line
    return {"oop": household_oop, "che_low": che_low, "che_high": che_high, "che_ctp": che_ctp,
            "impoverished": before & after, "per_capita_income": income / size}


def outcome(people: People, care: Care, care_params: CareParams, settlement: Settlement, params: OutcomeParams,
            financing: Financing | None) -> Outcome:
    claims = care.claims.claims
    amounts = settlement.amounts
    total = claims.total
    oop = amounts[:, -1]
    metrics: dict[str, float] = {"person_years": float(people.population.n_persons), "total_cost": total.sum() / 100}
    outlay = amounts[:, :len(PAYERS)].sum(axis=0)
    for p, payer in enumerate(PAYERS):
        metrics[f"outlay_{payer}"] = outlay[p] / 100
    metrics["oop"] = oop.sum() / 100

    poor = claims.category != CATEGORY_CODE["ordinary"]
    covered = poor & ((claims.service == INPATIENT) | (claims.service == CHRONIC))
    metrics["effective_reimbursement"] = 1 - _ratio(oop[covered].sum(), total[covered].sum(), 1.0)
    paid_eligible = claims.eligible - settlement.oop_eligible
    metrics["policy_reimbursement"] = _ratio(paid_eligible[covered].sum(), claims.eligible[covered].sum())
    in_county = covered & (claims.level <= LEVEL_CODE["county"])
    metrics["oop_share"] = _ratio(oop[in_county].sum(), total[in_county].sum(), 0.0)
    compliant_admissions = poor & (claims.service == INPATIENT) & claims.compliant
    metrics["target90_share"] = float(np.mean(meets_target(total, oop, params.target_effective_reimbursement)[compliant_admissions])) \
        if compliant_admissions.any() else float("nan")

    households = household_outcomes(people, claims.person, oop, params)
    metrics["che_10"] = float(households["che_low"].mean())
    metrics["che_25"] = float(households["che_high"].mean())
    metrics["che_ctp40"] = float(households["che_ctp"].mean())
    metrics["impoverishment"] = float(households["impoverished"].mean())
    metrics["county_internal_share"] = float(np.mean(care.stays.level <= LEVEL_CODE["county"])) if len(care.stays.level) else 1.0
    metrics["admissions"] = float(len(care.admissions))
    metrics["waited_for_bed_share"] = float(np.mean(care.stays.wait > 0)) if len(care.stays.wait) else 0.0
    for level, name in enumerate(LEVELS[1:], start=1):
        metrics[f"admissions_{name}"] = float(np.sum(care.stays.level == level))
    population = people.population
    metrics.update(funding(financing, outlay, int(oop.sum()), population.category,
                           population.household_exited[population.household]))

    # by household income quintile (per person in the household), poorest first
    income = households["per_capita_income"]
    edges = np.quantile(income, np.linspace(0, 1, QUINTILES + 1)[1:-1]) if income.size else np.zeros(QUINTILES - 1)
    quintile = np.searchsorted(edges, income, side="right")
    count = np.bincount(quintile, minlength=QUINTILES).astype(float)

    def by_quintile(values: np.ndarray) -> list[float]:
        return (np.bincount(quintile, weights=values.astype(float), minlength=QUINTILES) / np.maximum(count, 1)).tolist()

    quintiles = {
        "households": count.tolist(),
        "che_10": by_quintile(households["che_low"]),
        "che_25": by_quintile(households["che_high"]),
        "che_ctp40": by_quintile(households["che_ctp"]),
        "impoverishment": by_quintile(households["impoverished"]),
        "oop_per_household": by_quintile(households["oop"]),
        "income_per_person_upper": edges.tolist() + [float(income.max(initial=0))],
    }
    flows = cash_flow(care_params, claims.day, amounts)
    monthly = {}
    for key in ("advanced", "repaid", "receivable"):
        for p, payer in enumerate(PAYERS):
            monthly[f"{key}_{payer}"] = (flows[key][p] / 100).tolist()
    flows_matrix = np.zeros((len(LEVELS), len(LEVELS)))
    np.add.at(flows_matrix, (care.routes.entry_level, care.stays.level), 1)
    return Outcome(metrics, quintiles, monthly, care.stays.engine, flows_matrix.tolist())
