"""Pay after treatment from the patient's side (先诊疗后付费: XZ (八), MJ (十四)(二十八), SX 四): deferred
out-of-pocket, instalments, defaults; the hospitals' receivables from patients and their bad debt.

A scheme's `pay_after_treatment:` section says whose admissions are covered (categories, levels),
what share of their out-of-pocket is deferred at discharge under an instalment agreement, over how
many months it is repaid, and what share is never repaid (written off as bad debt when the term
ends). Amounts are expected values in fen, rounded per claim, so sums over chunks of claims do not
depend on how claims were chunked and the same seed gives the same result bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.care.cashflow import MAX_MONTHS, month_index
from model.codes import CATEGORY_CODE, LEVEL_CODE, SERVICE_CODE
from model.money import RATE_SCALE
from model.rules.claim_arrays import ClaimArrays
from model.rules.program import MEMBERS  # [category-set code, category code]
from model.scenario.sections import PayAfterTreatmentFile
from model.scenario.messages import Origins, validated


@dataclass(frozen=True)
class PayAfterTreatment:
    """Pay after treatment (先诊疗后付费, XZ (八)): whose out-of-pocket may be deferred at discharge, where, how much of it
    (ppm), over how many monthly instalments, and how much is never repaid (ppm)."""

    categories: tuple[str, ...]  # whose admissions may be deferred (any of a claim's categories)
    levels: tuple[str, ...]  # where (XZ (八): 县域内)
    deferred_share: int  # ppm of the covered admissions' out-of-pocket deferred at discharge
    instalment_months: int  # repaid in equal monthly instalments from the month after discharge
    default_share: int  # ppm of what is deferred that is never repaid: bad debt when the term ends


def parse_pay_after_treatment(section: object, origins: Origins,
                              path: tuple[str, ...] = ("pay_after_treatment",)) -> PayAfterTreatment:
    """The terms of a scheme's `pay_after_treatment` section, or InputError naming file and field."""
    found = validated(PayAfterTreatmentFile, section, origins, path)
    return PayAfterTreatment(
        categories=found.categories.value,
        levels=found.levels.value,
        deferred_share=found.deferred_share.value,
        instalment_months=found.instalment_months.value,
        default_share=found.default_share.value,
    )


def pay_after_treatment_of(scenario) -> PayAfterTreatment | None:
    """The scenario's pay-after-treatment terms, None without a `pay_after_treatment:` section."""
    if "pay_after_treatment" not in scenario.tree:
        return None
    return parse_pay_after_treatment(scenario.tree["pay_after_treatment"], scenario.origins)


def deferred_by_month(terms: PayAfterTreatment, claims: ClaimArrays, oop: np.ndarray, year: int) -> np.ndarray:
    """Fen of out-of-pocket deferred at discharge in each month (from January of `year`); sums over chunks."""
    covered = (MEMBERS[claims.category][:, [CATEGORY_CODE[c] for c in terms.categories]].any(axis=1)
               & (claims.service == SERVICE_CODE["inpatient"])
               & np.isin(claims.level, [LEVEL_CODE[level] for level in terms.levels]))
    deferred = (terms.deferred_share * oop[covered] + RATE_SCALE // 2) // RATE_SCALE
    month = month_index(claims.day[covered], year)
    out = np.zeros(MAX_MONTHS, dtype=np.int64)
    np.add.at(out, month, deferred)
    return out


def debt_flows(terms: PayAfterTreatment, deferred: np.ndarray) -> dict[str, np.ndarray]:
    """Monthly fen: `deferred` at discharge, `repaid` in instalments, `bad_debt` written off at the end of each
    month's term, and `receivable` (owed by patients at month end), over a horizon that sees every term end."""
    used = np.flatnonzero(deferred)
    horizon = (int(used.max()) + 1 if used.size else 1) + terms.instalment_months + 1
    flows = {key: np.zeros(horizon, dtype=np.int64) for key in ("deferred", "repaid", "bad_debt")}
    n = terms.instalment_months
    for month in used:  # months, not claims: at most MAX_MONTHS
        amount = int(deferred[month])
        lost = (terms.default_share * amount + RATE_SCALE // 2) // RATE_SCALE
        paid = amount - lost
        flows["deferred"][month] += amount
        instalments = np.full(n, paid // n, dtype=np.int64)
        instalments[: paid % n] += 1  # the fen that do not divide evenly, one each in the first months
        flows["repaid"][month + 1: month + 1 + n] += instalments
        flows["bad_debt"][month + n] += lost
    flows["receivable"] = np.cumsum(flows["deferred"] - flows["repaid"] - flows["bad_debt"])
    return flows


def debt_metrics(terms: PayAfterTreatment, flows: dict[str, np.ndarray], year: int) -> dict[str, float]:
    """summary.json: `deferred_oop` and `bad_debt` (yuan, all of the simulated year's admissions), and
    `bad_debt_<year>` by the calendar year it is written off in."""
    metrics = {"deferred_oop": int(flows["deferred"].sum()) / 100, "bad_debt": int(flows["bad_debt"].sum()) / 100}
    months = np.arange(flows["bad_debt"].shape[0])
    for offset in range(int(months[-1]) // 12 + 1):
        metrics[f"bad_debt_{year + offset}"] = int(flows["bad_debt"][(months // 12) == offset].sum()) / 100
    return metrics
