"""The year's claims: visits and settled stays as one claims table (spec §1 columns, then pathway columns)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from model.care.params import CareParams
from model.care.pathway import Routes
from model.care.stays import Stays
from model.codes import LEVELS, SERVICE_CODE
from model.population.costs import admission_total, out_of_list_amount
from model.population.households import Population
from model.population.illness import Admissions, Visits
from model.population.params import PopulationParams
from model.arrays import take_rows
from model.rules.claim_arrays import EPOCH, ClaimArrays, spec_columns
from model.rules.kernel import processing_order

INPATIENT = SERVICE_CODE["inpatient"]
CHRONIC = SERVICE_CODE["chronic_outpatient"]
NONE = -1


@dataclass
class ClaimsTable:
    """Claims in processing order (person by person, date by date), with where they came from."""

    claims: ClaimArrays
    episode: np.ndarray  # int64: admission index for inpatient claims, -1 for visits
    admit_day: np.ndarray  # int64 day (epoch) of admission; the visit's day for visits
    los_days: np.ndarray  # int64 (0 for visits)
    entry_level: np.ndarray  # int8 (the visit's level for visits)
    wait_days: np.ndarray  # float64
    facility: np.ndarray  # int64 (-1 for visits)

    def __len__(self) -> int:
        return len(self.claims)


def year_start(year: int) -> int:
    """The day number (days since the claims epoch, model/rules/claim_arrays.EPOCH) of 1 January of `year`.

    Parameters
    ----------
    year : int
        A calendar year.

    Returns
    -------
    int
        Days since the epoch.
    """
    return int((np.datetime64(f"{year}-01-01", "D") - EPOCH).astype(np.int64))


def build_claims(population_params: PopulationParams, care: CareParams, population: Population, visits: Visits,
                 admissions: Admissions, routes: Routes, stays: Stays) -> ClaimsTable:
    """The year's claims: every visit and every settled stay as one claims table, in processing order.

    Parameters
    ----------
    population_params : PopulationParams
        The population file (costs: admission totals and out-of-list amounts in fen).
    care : CareParams
        The care file (its year dates the claims).
    population : Population
        The persons (insured status, category) the claims belong to.
    visits : Visits
        Outpatient and chronic-outpatient visits (costs in fen).
    admissions : Admissions
        Admission episodes (who, why, how severe).
    routes : Routes
        Each admission's route (arrival in days from 1 January, entry and treating level).
    stays : Stays
        Each admission's stay (admission and discharge in days from 1 January, facility).

    Returns
    -------
    ClaimsTable
        Spec §1 claims (money in fen) with each claim's episode, admission day, length of stay and facility.
    """
    # Each person's admissions in arrival order, so that same-day claims settle in an order that does not
    # depend on how admissions were gathered (all at once, or chunk by chunk).
    arranged = np.lexsort((routes.arrival, admissions.person))
    episode_index = arranged
    admissions, routes, stays = (take_rows(record, arranged) for record in (admissions, routes, stays))
    start = year_start(care.year)
    total = admission_total(population_params, stays.level, admissions.cost_multiplier, admissions.cost_z)
    eligible = total - out_of_list_amount(population_params, stays.level, total, admissions.list_factor)
    admit_day = start + np.floor(stays.admit).astype(np.int64)
    discharge_day = start + np.floor(stays.discharge).astype(np.int64)
    n_visits, n_stays = len(visits), len(admissions)
    visit_compliant = care.outpatient_compliant[visits.level] | (visits.service == CHRONIC)
    person = np.concatenate([visits.person, admissions.person])
    day = np.concatenate([start + visits.day, discharge_day])
    order = processing_order(person, day, population.n_persons)
    category = population.category

    def stacked(visit_values, stay_values, dtype):
        return np.concatenate([np.asarray(visit_values, dtype=dtype), np.asarray(stay_values, dtype=dtype)])[order]

    claims = ClaimArrays(
        person=person[order],
        day=day[order],
        service=stacked(visits.service, np.full(n_stays, INPATIENT), np.int8),
        level=stacked(visits.level, stays.level, np.int8),
        disease=stacked(visits.disease, admissions.disease, np.int16),
        category=category[person[order]].astype(np.int8),
        compliant=stacked(visit_compliant, routes.compliant, np.bool_),
        total=stacked(visits.total, total, np.int64),
        eligible=stacked(visits.eligible, eligible, np.int64),
        n_persons=population.n_persons,
    )
    return ClaimsTable(
        claims=claims,
        episode=stacked(np.full(n_visits, NONE), episode_index, np.int64),
        admit_day=stacked(start + visits.day, admit_day, np.int64),
        los_days=stacked(np.zeros(n_visits), discharge_day - admit_day, np.int64),
        entry_level=stacked(visits.level, routes.entry_level, np.int8),
        wait_days=stacked(np.zeros(n_visits), stays.wait, np.float64),
        facility=stacked(np.full(n_visits, NONE), stays.facility, np.int64),
    )


def _dates(days: np.ndarray) -> np.ndarray:
    return (EPOCH + days.astype("timedelta64[D]")).astype(str)


def claims_arrow(table: ClaimsTable, person_ids: np.ndarray, facility_names: tuple[str, ...]) -> pa.Table:
    """claims.csv: spec §1 columns first, then episode_id, admit_date, los_days, entry_level, wait_days, facility."""
    c = table.claims
    inpatient = table.episode >= 0
    names = np.array(facility_names + ("",))
    return pa.table(spec_columns(c, np.char.add("c", np.arange(len(c)).astype(str)), person_ids) | {
        "episode_id": np.where(inpatient, np.char.add("e", table.episode.astype(str)), ""),
        "admit_date": np.where(inpatient, _dates(table.admit_day), ""),
        "los_days": table.los_days,
        "entry_level": np.array(LEVELS)[table.entry_level],
        "wait_days": np.round(table.wait_days, 2),
        "facility": names[table.facility],
    })
