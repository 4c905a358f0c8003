"""One replication's outcomes: outlays, reimbursement, catastrophic spending, impoverishment, targets, funding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.care.cashflow import MAX_MONTHS, advanced_by_month, repayments
from model.care.debts import debt_flows, debt_metrics, deferred_by_month
from model.care.params import CareParams
from model.care.pathway import Routes
from model.care.simulate import People
from model.care.stays import Stays
from model.codes import CATEGORY_CODE, LEVEL_CODE, LEVELS, PAYERS, SERVICE_CODE, joined_labels
from model.finance.capitation import bundle_balance
from model.outcomes.funding import LEVEL_OUTLAY_METRICS, LEVEL_OUTLAY_NAMES, PREMIUM_KEYS, funding, premium_sums
from model.outcomes.params import OutcomeParams
from model.outcomes.targets import SchemeTargets
from model.outcomes.protection import (PROTECTION_METRICS, SCOPES, capacity_to_pay, protection_flags,
                                       subsistence_per_equivalent_adult)
from model.programmes.ledger import programme_metrics
from model.rules.claim_arrays import ClaimArrays
from model.rules.engine import ClaimPayments
from model.rules.program import MEMBERS
from model.scenario.financing import Financing

INPATIENT, CHRONIC = SERVICE_CODE["inpatient"], SERVICE_CODE["chronic_outpatient"]
QUINTILES = 5

# The metrics summary.json always carries (money in yuan a year for the simulated population; rates as fractions).
CORE_METRICS = (
    "person_years", "total_cost", "outlay_bmi", "outlay_cii", "outlay_ma", "outlay_backstop", "outlay_supplementary",
    "outlay_hospital", "outlay_charity", "oop", "effective_reimbursement", "policy_reimbursement", "oop_share") + PROTECTION_METRICS + (
    "county_internal_share", "target_reimbursement_share", "oop_share_inpatient",
    "oop_share_chronic", "compliant_reimbursement", "target_reimbursement", "target_oop_compliant_max", "funding_province", "funding_prefecture",
    "funding_county", "funding_bmi_fund", "funding_insurer", "funding_hospital", "funding_households",
    "funding_charity",
) + LEVEL_OUTLAY_METRICS
# Each metric's Chinese and English names, kept apart; METRIC_LABELS is the '中文 / English' form terminal lines
# print.
METRIC_NAMES = {
    "person_years": {"zh": "人年", "en": "person-years"},
    "total_cost": {"zh": "总费用", "en": "total cost"},
    "outlay_bmi": {"zh": "基本医保支出", "en": "BMI outlay"},
    "outlay_cii": {"zh": "大病保险支出", "en": "CII outlay"},
    "outlay_ma": {"zh": "医疗救助支出", "en": "medical assistance outlay"},
    "outlay_backstop": {"zh": "兜底保障支出", "en": "backstop outlay"},
    "outlay_backstop_ma": {"zh": "兜底保障+医疗救助支出", "en": "backstop + medical assistance outlay"},
    "outlay_supplementary": {"zh": "补充保险支出", "en": "supplementary outlay"},
    "outlay_hospital": {"zh": "医院基金支出", "en": "hospital fund outlay"},
    "outlay_charity": {"zh": "社会资金（慈善）支出", "en": "charity outlay"},
    "oop": {"zh": "个人自付", "en": "out of pocket"},
    "effective_reimbursement": {"zh": "实际报销比", "en": "effective reimbursement"},
    "policy_reimbursement": {"zh": "政策范围内报销比", "en": "policy-range reimbursement"},
    "oop_share": {"zh": "县域内个人自付比", "en": "OOP share (county)"},
    "che_10": {"zh": "灾难性支出(10%收入,全部自付)", "en": "CHE 10% of income, all OOP"},
    "che_25": {"zh": "灾难性支出(25%收入,全部自付)", "en": "CHE 25% of income, all OOP"},
    "che_ctp40": {"zh": "灾难性支出(40%支付能力,全部自付)", "en": "CHE 40% capacity to pay, all OOP"},
    "impoverishment": {"zh": "因病致贫(全部自付)", "en": "impoverishment, all OOP"},
    "che_10_inpatient_chronic": {"zh": "灾难性支出(10%收入,住院及慢特病)", "en": "CHE 10% of income, inpatient+chronic"},
    "che_25_inpatient_chronic": {"zh": "灾难性支出(25%收入,住院及慢特病)", "en": "CHE 25% of income, inpatient+chronic"},
    "che_ctp40_inpatient_chronic": {"zh": "灾难性支出(40%支付能力,住院及慢特病)", "en": "CHE 40% capacity to pay, inpatient+chronic"},
    "impoverishment_inpatient_chronic": {"zh": "因病致贫(住院及慢特病)", "en": "impoverishment, inpatient+chronic"},
    "county_internal_share": {"zh": "县域内住院占比", "en": "county-internal admissions"},
    "target_reimbursement_share": {"zh": "报销达方案目标的住院占比", "en": "admissions reimbursed at the scheme's target"},
    "oop_share_inpatient": {"zh": "县域内住院个人自付比", "en": "OOP share, county inpatient"},
    "oop_share_chronic": {"zh": "县域内慢病门诊个人自付比", "en": "OOP share, county chronic outpatient"},
    "compliant_reimbursement": {"zh": "合规住院实际报销比", "en": "reimbursement of compliant admissions"},
    "target_reimbursement": {"zh": "方案报销目标", "en": "the scheme's reimbursement target"},
    "target_oop_compliant_max": {"zh": "方案合规自付上限", "en": "the scheme's cap on compliant out-of-pocket"},
    "funding_province": {"zh": "省级承担", "en": "province"},
    "funding_prefecture": {"zh": "市州承担", "en": "prefecture"},
    "funding_county": {"zh": "县级承担", "en": "county"},
    "funding_bmi_fund": {"zh": "医保基金承担", "en": "BMI fund"},
    "funding_insurer": {"zh": "保险公司承担", "en": "insurer (claims − premium)"},
    "funding_hospital": {"zh": "医院承担", "en": "hospital"},
    "funding_households": {"zh": "家庭承担", "en": "households"},
    "funding_charity": {"zh": "社会资金承担", "en": "charity (social funds)"},
}
METRIC_NAMES.update(LEVEL_OUTLAY_NAMES)
METRIC_LABELS = joined_labels(METRIC_NAMES)
RATE_METRICS = {"effective_reimbursement", "policy_reimbursement", "oop_share", "county_internal_share",
                "target_reimbursement_share", "oop_share_inpatient", "oop_share_chronic", "compliant_reimbursement",
                "target_reimbursement", "target_oop_compliant_max"} | set(PROTECTION_METRICS)


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


def household_outcomes(people: People, claims: ClaimArrays, oop_fen: np.ndarray, params: OutcomeParams,
                       subsistence: float | None = None) -> dict:
    """Per household-year: out-of-pocket, and whether it was catastrophic or impoverishing, in both scopes.

    `subsistence`: spending per equivalent adult (yuan) from the whole simulated population; None computes it
    from these households alone.
    """
    population = people.population
    income = population.household_income / 100
    size = population.household_size
    if subsistence is None:
        subsistence = subsistence_per_equivalent_adult(population.household_consumption, population.household_food, size, params)
    capacity = capacity_to_pay(population.household_consumption, population.household_food, size, subsistence, params)
    line = params.poverty_line if params.poverty_line is not None else people.population_params.year.poverty_line
    household = population.household[claims.person]
    in_scope = {"": np.ones(len(claims.person), dtype=bool),
                "_inpatient_chronic": (claims.service == INPATIENT) | (claims.service == CHRONIC)}
    result = {"per_capita_income": income / size}
    for scope in SCOPES:
        mask = in_scope[scope]
        oop = np.bincount(household[mask], weights=oop_fen[mask], minlength=population.n_households) / 100
        if scope == "":
            result["oop"] = oop
        for name, flags in protection_flags(oop, income, size, capacity, params, line).items():
            result[name + scope] = flags
    return result


class OutcomeAccumulator:
    """One scenario's outcomes summed over chunks of persons; `finish` turns the sums into an Outcome.

    Money sums stay in integer fen, so the result does not depend on how persons were chunked.
    """

    def __init__(self, params: OutcomeParams, care: CareParams, financing: Financing | None, quintile_edges: np.ndarray,
                 targets: SchemeTargets = SchemeTargets(), subsistence: float | None = None):
        self.params, self.care, self.financing, self.targets = params, care, financing, targets
        self.quintile_edges = quintile_edges
        self.subsistence = subsistence  # yuan per equivalent adult, from the whole population (None: per chunk)
        self.fen = {name: 0 for name in ("total", "oop", "covered_oop", "covered_total", "covered_eligible",
                                         "covered_paid_eligible", "county_oop", "county_total",
                                         "county_inpatient_oop", "county_inpatient_total", "county_chronic_oop",
                                         "county_chronic_total", "compliant_oop", "compliant_total")}
        self.outlay = np.zeros(len(PAYERS), dtype=np.int64)
        self.tilt = np.zeros(len(PAYERS), dtype=np.int64)  # paid the poor above the ordinary layers, by payer
        self.counts = {name: 0 for name in ("persons", "poor_persons", "registered_persons", "households",
                                            "compliant_admissions", "target_met", "registered_persons_65_plus",
                                            "registered_exited") + PROTECTION_METRICS}
        self.ledger = None  # the scheme's programme ledger (model.programmes.ledger), set by the runner
        self.capitation = None  # the scheme's capitation (model.finance.capitation), set by the runner
        self.capitated_outlay = np.zeros(len(PAYERS), dtype=np.int64)  # paid on the covered persons' claims, by payer
        self.capitated_persons = 0
        self.debts = None  # the scheme's pay-after-treatment terms (model.care.debts), set by the runner
        self.deferred = np.zeros(MAX_MONTHS, dtype=np.int64)  # patients' out-of-pocket deferred at discharge, by month
        self.county_units = {"villages": 0, "townships": 0, "county": 1}  # the county's places, for the ledger
        self.premiums = dict.fromkeys(PREMIUM_KEYS, 0)
        self.advanced = np.zeros((len(PAYERS), MAX_MONTHS), dtype=np.int64)
        self.quintile_households = np.zeros(QUINTILES)
        self.quintile_sums = {name: np.zeros(QUINTILES) for name in PROTECTION_METRICS}
        self.quintile_oop_fen = np.zeros(QUINTILES, dtype=np.int64)
        self.top_income = 0.0

    def add(self, people: People, claims: ClaimArrays, settlement: ClaimPayments, as_ordinary: ClaimPayments | None = None) -> None:
        """Fold in a chunk: its persons (`people`) and all their claims, settled; `as_ordinary`: the same
        claims settled as if every claimant were an ordinary resident (for a scheme whose tilt has a
        funder of its own, spec §6.6)."""
        amounts = settlement.amounts
        total, oop = claims.total, amounts[:, -1]
        population = people.population
        self.fen["total"] += int(total.sum())
        self.fen["oop"] += int(oop.sum())
        self.outlay += amounts[:, :len(PAYERS)].sum(axis=0)
        if self.capitation is not None:  # XZ (七)2: the covered persons' claims are paid out of the lead hospital's budget
            covered = self.capitation.covered(people.population.category[claims.person])
            self.capitated_outlay += amounts[covered, :len(PAYERS)].sum(axis=0)
            self.capitated_persons += int(self.capitation.covered(people.population.category).sum())
        poor = claims.category != CATEGORY_CODE["ordinary"]
        if as_ordinary is not None:
            self.tilt += (amounts[poor, :len(PAYERS)] - as_ordinary.amounts[poor, :len(PAYERS)]).sum(axis=0)
        covered = poor & ((claims.service == INPATIENT) | (claims.service == CHRONIC))
        self.fen["covered_oop"] += int(oop[covered].sum())
        self.fen["covered_total"] += int(total[covered].sum())
        self.fen["covered_eligible"] += int(claims.eligible[covered].sum())
        self.fen["covered_paid_eligible"] += int((claims.eligible - settlement.oop_eligible)[covered].sum())
        in_county = covered & (claims.level <= LEVEL_CODE["county"])
        self.fen["county_oop"] += int(oop[in_county].sum())
        self.fen["county_total"] += int(total[in_county].sum())
        for service, name in ((INPATIENT, "county_inpatient"), (CHRONIC, "county_chronic")):  # seed 002: each ≤ 10%
            part = in_county & (claims.service == service)
            self.fen[f"{name}_oop"] += int(oop[part].sum())
            self.fen[f"{name}_total"] += int(total[part].sum())
        # the scheme's reimbursement target is for whom its document names (XZ, MJ: the registered poor)
        covered_by_target = poor if self.targets.covers == "poor" else MEMBERS[claims.category, CATEGORY_CODE["registered_poor"]]
        compliant_admissions = covered_by_target & (claims.service == INPATIENT) & claims.compliant
        self.counts["compliant_admissions"] += int(compliant_admissions.sum())
        self.fen["compliant_oop"] += int(oop[compliant_admissions].sum())
        self.fen["compliant_total"] += int(total[compliant_admissions].sum())
        if self.targets.reimbursement is not None:
            self.counts["target_met"] += int(meets_target(total, oop, self.targets.reimbursement)[compliant_admissions].sum())

        households = household_outcomes(people, claims, oop, self.params, self.subsistence)
        self.counts["persons"] += population.n_persons
        self.counts["poor_persons"] += int(population.poor.sum())
        registered = MEMBERS[population.category, CATEGORY_CODE["registered_poor"]]
        self.counts["registered_persons"] += int(registered.sum())
        self.counts["registered_persons_65_plus"] += int((registered & (population.age >= 65)).sum())  # XZ (十)'s check-ups
        self.counts["registered_exited"] += int((registered & population.household_exited[population.household]).sum())
        self.counts["households"] += population.n_households
        for key in PROTECTION_METRICS:
            self.counts[key] += int(households[key].sum())
        quintile = np.searchsorted(self.quintile_edges, households["per_capita_income"], side="right")
        self.top_income = max(self.top_income, float(households["per_capita_income"].max(initial=0.0)))
        self.quintile_households += np.bincount(quintile, minlength=QUINTILES)
        for name in PROTECTION_METRICS:
            self.quintile_sums[name] += np.bincount(quintile, weights=households[name].astype(float), minlength=QUINTILES)
        household_oop_fen = np.bincount(population.household[claims.person], weights=oop, minlength=population.n_households)
        self.quintile_oop_fen += np.bincount(quintile, weights=household_oop_fen, minlength=QUINTILES).round().astype(np.int64)
        for key, amount in premium_sums(self.financing, population.category,
                                        population.household_exited[population.household]).items():
            self.premiums[key] += amount
        self.advanced += advanced_by_month(self.care, claims.day, amounts)
        if self.debts is not None:
            self.deferred += deferred_by_month(self.debts, claims, oop, self.care.year)

    def finish(self, stays: Stays, routes: Routes) -> Outcome:
        fen, counts = self.fen, self.counts
        metrics: dict[str, float] = {"person_years": float(counts["persons"]), "total_cost": fen["total"] / 100}
        for p, payer in enumerate(PAYERS):
            metrics[f"outlay_{payer}"] = int(self.outlay[p]) / 100
        metrics["oop"] = fen["oop"] / 100
        metrics["effective_reimbursement"] = 1 - _ratio(fen["covered_oop"], fen["covered_total"], 1.0)
        metrics["policy_reimbursement"] = _ratio(fen["covered_paid_eligible"], fen["covered_eligible"])
        metrics["oop_share"] = _ratio(fen["county_oop"], fen["county_total"], 0.0)
        target = self.targets.reimbursement
        metrics["target_reimbursement_share"] = (_ratio(counts["target_met"], counts["compliant_admissions"])
                                                 if target is not None else float("nan"))
        metrics["target_reimbursement"] = float("nan") if target is None else target
        cap = self.targets.oop_compliant_max
        metrics["target_oop_compliant_max"] = float("nan") if cap is None else cap
        metrics["target_oop_share"] = self.params.target_oop_share
        metrics["compliant_reimbursement"] = 1 - _ratio(fen["compliant_oop"], fen["compliant_total"], 1.0)
        metrics["oop_share_inpatient"] = _ratio(fen["county_inpatient_oop"], fen["county_inpatient_total"], 0.0)
        metrics["oop_share_chronic"] = _ratio(fen["county_chronic_oop"], fen["county_chronic_total"], 0.0)
        households = max(counts["households"], 1)
        for name in PROTECTION_METRICS:
            metrics[name] = counts[name] / households
        metrics["county_internal_share"] = float(np.mean(stays.level <= LEVEL_CODE["county"])) if len(stays.level) else 1.0
        metrics["admissions"] = float(len(stays.level))
        metrics["waited_for_bed_share"] = float(np.mean(stays.wait > 0)) if len(stays.wait) else 0.0
        for level, name in enumerate(LEVELS[1:], start=1):
            metrics[f"admissions_{name}"] = float(np.sum(stays.level == level))
        outlay = self.outlay
        if self.capitation is not None:  # each bundled payer's funder pays its part of the budget, not the claims
            outlay = self.outlay.copy()
            for payer, amount in self.capitation.per_capita.items():
                p = PAYERS.index(payer)
                outlay[p] += amount * self.capitated_persons - self.capitated_outlay[p]
        metrics.update(funding(self.financing, outlay, fen["oop"], counts["persons"], counts["poor_persons"], self.premiums,
                               counts["registered_persons"], self.tilt))
        metrics.update(programme_metrics(self.ledger, {**counts, **self.county_units}, self.financing))
        if self.capitation is not None:
            metrics.update(capitation_metrics(self.capitation, self.capitated_persons, self.capitated_outlay, metrics))
        count = np.maximum(self.quintile_households, 1)
        quintiles = {"households": self.quintile_households.tolist()}
        for name, sums in self.quintile_sums.items():
            quintiles[name] = (sums / count).tolist()
        quintiles["oop_per_household"] = (self.quintile_oop_fen / 100 / count).tolist()
        quintiles["income_per_person_upper"] = self.quintile_edges.tolist() + [self.top_income]
        flows = repayments(self.care, self.advanced)
        monthly = {f"{key}_{payer}": (flows[key][p] / 100).tolist() for key in ("advanced", "repaid", "receivable")
                   for p, payer in enumerate(PAYERS)}
        if self.debts is not None:  # 先诊疗后付费: patients' deferred out-of-pocket, instalments, bad debt
            debts = debt_flows(self.debts, self.deferred)
            metrics.update(debt_metrics(self.debts, debts, self.care.year))
            monthly.update({f"{key}_patients": (debts[key] / 100).tolist() for key in ("deferred", "repaid", "bad_debt", "receivable")})
        flows_matrix = np.zeros((len(LEVELS), len(LEVELS)))
        np.add.at(flows_matrix, (routes.entry_level, stays.level), 1)
        return Outcome(metrics, quintiles, monthly, stays.engine, flows_matrix.tolist())


def capitation_metrics(capitation, covered_persons: int, capitated_outlay: np.ndarray, metrics: dict[str, float]) -> dict[str, float]:
    """summary.json's capitation figures (yuan a year): `capitation_budget` (what the government pays the lead
    hospital), `capitation_bundled_outlay` (what the bundled payers paid on the covered persons' claims: the
    government's outlay without capitation), `capitation_surplus` (the hospital's, negative for a deficit).
    The hospital bears the deficit or keeps the surplus: `funding_hospital` moves by −surplus (the funding
    metrics, which `funding` computed with the budget in place of the bundled outlays, still add up to total cost)."""
    balance = bundle_balance(capitation, covered_persons, capitated_outlay)
    by_payer = {f"capitation_outlay_{payer}": int(capitated_outlay[PAYERS.index(payer)]) / 100 for payer in capitation.per_capita}
    return {
        **by_payer,
        "capitation_budget": balance["budget"] / 100,
        "capitation_bundled_outlay": balance["outlay"] / 100,
        "capitation_surplus": balance["surplus"] / 100,
        "capitation_persons": float(covered_persons),
        "funding_hospital": metrics["funding_hospital"] - balance["surplus"] / 100,
    }


def quintile_edges(per_capita_income: np.ndarray) -> np.ndarray:
    """Upper per-person income bounds of the poorer four fifths of households (the fifth is open)."""
    if per_capita_income.size == 0:
        return np.zeros(QUINTILES - 1)
    return np.quantile(per_capita_income, np.linspace(0, 1, QUINTILES + 1)[1:-1])
