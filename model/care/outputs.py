"""The tables `hpa simulate` writes: flows between levels, daily bed occupancy, monthly cash flow by payer."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from model.care.cashflow import cash_flow
from model.care.claims_table import year_start
from model.care.params import CareParams
from model.care.simulate import Care
from model.codes import LEVELS, PAYERS
from model.rules.claim_arrays import EPOCH


def flows_table(care: Care) -> pa.Table:
    """Admissions from entry level to treating level, by compliance and capacity referral."""
    routes, stays = care.routes, care.stays
    referred = stays.capacity_referrals > 0
    key = ((routes.entry_level.astype(np.int64) * 5 + stays.level) * 2 + routes.compliant) * 2 + referred
    values, counts = np.unique(key, return_counts=True)
    referred_value = values % 2
    compliant = (values // 2) % 2
    treating = (values // 4) % 5
    entry = values // 20
    wait = np.bincount(np.searchsorted(values, key), weights=stays.wait, minlength=values.size)
    return pa.table({
        "entry_level": np.array(LEVELS)[entry],
        "treating_level": np.array(LEVELS)[treating],
        "compliant": np.where(compliant == 1, "true", "false"),
        "referred_for_beds": np.where(referred_value == 1, "true", "false"),
        "admissions": counts,
        "mean_wait_days": np.round(wait / counts, 3),
    })


def occupancy_table(care_params: CareParams, care: Care) -> pa.Table:
    """Patients in bed and waiting for one at the end of each day, by facility."""
    stays, facilities = care.stays, care.facilities
    n_days = int(np.ceil(stays.discharge.max(initial=1.0))) + 1
    n_facilities = len(facilities)
    in_bed = np.zeros((n_facilities, n_days + 1), dtype=np.int64)
    # at the end of day d (time d + 1) a patient is in bed when admit ≤ d + 1 < discharge
    first = np.ceil(stays.admit).astype(np.int64) - 1
    last = np.ceil(stays.discharge).astype(np.int64) - 1
    np.add.at(in_bed, (stays.facility, np.clip(first, 0, n_days)), 1)
    np.add.at(in_bed, (stays.facility, np.clip(last, 0, n_days)), -1)
    in_bed = np.cumsum(in_bed, axis=1)[:, :n_days]
    waiting = np.zeros_like(in_bed)
    waited = stays.wait > 0
    if waited.any():
        # counted at the facility where they were finally admitted
        w_first = np.ceil(care.routes.arrival[waited]).astype(np.int64) - 1
        w_last = np.ceil(stays.admit[waited]).astype(np.int64) - 1
        diff = np.zeros((n_facilities, n_days + 1), dtype=np.int64)
        np.add.at(diff, (stays.facility[waited], np.clip(w_first, 0, n_days)), 1)
        np.add.at(diff, (stays.facility[waited], np.clip(w_last, 0, n_days)), -1)
        waiting = np.cumsum(diff, axis=1)[:, :n_days]
    day = year_start(care_params.year) + np.arange(n_days)
    dates = (EPOCH + day.astype("timedelta64[D]")).astype(str)
    beds = facilities.beds[:, None].repeat(n_days, axis=1)
    return pa.table({
        "date": np.tile(dates, n_facilities),
        "facility": np.repeat(np.array(facilities.name), n_days),
        "level": np.repeat(np.array(LEVELS)[facilities.level], n_days),
        "beds": beds.ravel(),
        "in_bed": in_bed.ravel(),
        "waiting": waiting.ravel(),
        "occupancy": np.round(in_bed.ravel() / np.maximum(beds.ravel(), 1), 4),
    })


def cashflow_table(care_params: CareParams, settle_day: np.ndarray, payments: np.ndarray) -> pa.Table:
    """The month-by-month cash flow of each payer, as run folders store it (cashflow.csv).

    Parameters
    ----------
    care_params : CareParams
        The care file (its year and repayment delays).
    settle_day : numpy.ndarray
        int64 day (days from the claims epoch) each claim settles.
    payments : numpy.ndarray
        int64 fen, one row a claim and one column a payer (model.codes.PAYERS).

    Returns
    -------
    pyarrow.Table
        One row a month and payer: what hospitals advanced, what the payer repaid and what it owed at the month's
        end, in yuan (two decimals; the sums are taken in fen first).
    """
    flows = cash_flow(care_params, settle_day, payments)
    n_payers, horizon = flows["advanced"].shape
    months = np.datetime64(f"{care_params.year}-01", "M") + np.arange(horizon)
    to_yuan = lambda fen: np.round(fen / 100, 2)  # noqa: E731 - reporting only; sums stay exact in fen
    return pa.table({
        "month": np.tile(months.astype(str), n_payers),
        "payer": np.repeat(np.array(PAYERS), horizon),
        "advanced_by_hospitals": to_yuan(flows["advanced"].ravel()),
        "repaid_by_payer": to_yuan(flows["repaid"].ravel()),
        "receivable_at_month_end": to_yuan(flows["receivable"].ravel()),
    })
