"""Settlement cash flow: hospitals advance every payer's share at discharge (one-stop settlement); each payer
repays them monthly after a lag, a share within the year and the rest at the annual settlement."""

from __future__ import annotations

import numpy as np

from model.care.params import CareParams
from model.codes import PAYERS
from model.money import RATE_SCALE
from model.rules.claim_arrays import EPOCH

ANNUAL_SETTLEMENT_MONTH = 12  # months after January of the simulated year: the next January


def month_index(days: np.ndarray, year: int) -> np.ndarray:
    """Months since January of `year` (0 = January; 12 = the next January)."""
    months = (EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)
    return months - (year - 1970) * 12


MAX_MONTHS = 48  # months tracked from January of the simulated year: discharges run at most a few months over


def advanced_by_month(care: CareParams, settle_day: np.ndarray, payments: np.ndarray) -> np.ndarray:
    """Fen each payer owes hospitals for claims settled in each month ([payer, month]); sums over chunks of claims."""
    if payments.shape[1] != len(PAYERS) + 1:  # engine.settle_pools' amounts: every payer, then oop
        raise ValueError(f"payments with a column for each of {len(PAYERS)} payers and oop expected, found {payments.shape[1]} columns")
    month = month_index(settle_day, care.year)
    if month.size and (month.min() < 0 or month.max() >= MAX_MONTHS):
        raise ValueError(f"claims settled outside {care.year}-01 .. {MAX_MONTHS} months on")
    advanced = np.zeros((len(PAYERS), MAX_MONTHS), dtype=np.int64)
    for p in range(len(PAYERS)):
        np.add.at(advanced[p], month, payments[:, p])
    return advanced


def repayments(care: CareParams, advanced_full: np.ndarray) -> dict[str, np.ndarray]:
    """Monthly fen by payer: advanced by hospitals, repaid by the payer, and hospitals' receivables at month end.

    The payer's monthly repayment is its disbursement rate of what was advanced `lag` months
    earlier; what is left of the simulated year's advances is paid at the annual settlement.
    """
    used = np.flatnonzero(advanced_full.any(axis=0))
    last_month = int(used.max()) if used.size else 0
    horizon = int(max(last_month + 1, ANNUAL_SETTLEMENT_MONTH + 1) + care.repayment_lag_months.max() + 1)
    advanced = np.zeros((advanced_full.shape[0], horizon), dtype=np.int64)
    width = min(horizon, advanced_full.shape[1])
    advanced[:, :width] = advanced_full[:, :width]
    repaid = np.zeros_like(advanced)
    for p in range(advanced.shape[0]):
        lag = int(care.repayment_lag_months[p])
        on_time = (care.disbursement_ppm[p] * advanced[p] + RATE_SCALE // 2) // RATE_SCALE
        repaid[p, lag:] += on_time[: horizon - lag]
        rest = advanced[p] - on_time
        # what the year's monthly repayments leave is settled the next January, or with the month's own repayment after
        late = np.arange(horizon) + lag >= ANNUAL_SETTLEMENT_MONTH
        repaid[p, ANNUAL_SETTLEMENT_MONTH] += int(rest[~late].sum())
        late_months = np.flatnonzero(late) + lag
        np.add.at(repaid[p], late_months[late_months < horizon], rest[late][late_months < horizon])
    receivable = np.cumsum(advanced, axis=1) - np.cumsum(repaid, axis=1)
    return {"advanced": advanced, "repaid": repaid, "receivable": receivable}


def cash_flow(care: CareParams, settle_day: np.ndarray, payments: np.ndarray) -> dict[str, np.ndarray]:
    """Monthly cash flow of a set of settled claims (see repayments)."""
    return repayments(care, advanced_by_month(care, settle_day, payments))
