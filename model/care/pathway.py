"""Where an admission goes: the level its severity needs, where the patient enters (behaviour, distance),
referral up, bypass without referral, the hospital, and the stay. Vectorized; the DES adds only queues."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.care.facilities import Facilities
from model.care.params import CareParams
from model.codes import LEVEL_CODE
from model.population.costs import lognormal_factor
from model.population.illness import Admissions
from model.population.params import PopulationParams

TOWNSHIP, COUNTY, PREFECTURE, PROVINCE = (LEVEL_CODE[name] for name in ("township", "county", "prefecture", "province"))


@dataclass
class Routes:
    """Each admission's route before any queueing: arrival time (days from 1 January), entry and treating level."""

    arrival: np.ndarray  # float64 days
    needed_level: np.ndarray  # int8: the lowest level that can treat it
    entry_level: np.ndarray  # int8: where the patient first presents
    level: np.ndarray  # int8: where it is treated (before capacity referrals)
    facility: np.ndarray  # int64
    compliant: np.ndarray  # bool: referral-compliant
    township: np.ndarray  # int64: the patient's township (its centre is their township facility)


def needed_level(population_params: PopulationParams, severity: np.ndarray) -> np.ndarray:
    """The lowest level (township and up) whose treatable limit is above the severity."""
    limits = population_params.treatable_below[TOWNSHIP:]
    return (TOWNSHIP + np.searchsorted(limits, severity, side="right")).clip(TOWNSHIP, PROVINCE).astype(np.int8)


def hospital_at(facilities: Facilities, level: np.ndarray, township: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The facility of `level` a patient uses: their own township centre, or a hospital drawn by the level's shares."""
    facility = np.empty(level.shape[0], dtype=np.int64)
    at_township = level == TOWNSHIP
    facility[at_township] = facilities.first_of_level[TOWNSHIP] + township[at_township]
    for hospital_level in (COUNTY, PREFECTURE, PROVINCE):
        rows = np.flatnonzero(level == hospital_level)
        members = facilities.of_level(hospital_level)
        cumulative = np.cumsum(facilities.share[members])
        cumulative[-1] = 1.0
        facility[rows] = members[np.searchsorted(cumulative, u[rows], side="right").clip(0, members.size - 1)]
    return facility


def route(care: CareParams, population_params: PopulationParams, facilities: Facilities, admissions: Admissions,
          household_township: np.ndarray, km_to_township: np.ndarray) -> Routes:
    """Each admission's route before any queueing: when it arrives, where it enters and at which level it is
    treated (bypass, referral up, first contact at the township; design.md, care pathway).

    Parameters
    ----------
    care : CareParams
        The care file (bypass, referral and first-contact shares).
    population_params : PopulationParams
        The population file (the level each severity needs).
    facilities : Facilities
        The county's wards.
    admissions : Admissions
        Admission episodes with their severity and random draws.
    household_township : numpy.ndarray
        int64 township of each household.
    km_to_township : numpy.ndarray
        float64 distance (km) from each household to its township centre.

    Returns
    -------
    Routes
    """
    needed = needed_level(population_params, admissions.severity)
    u = admissions.choice_u
    # Bypass: a county-treatable case goes above the county without referral.
    bypass = (needed <= COUNTY) & (u < care.bypass_share)
    v = np.where(bypass, u / max(care.bypass_share, 1e-300), (u - care.bypass_share) / max(1 - care.bypass_share, 1e-300))
    bypass_level = np.where(v < care.bypass_to_province_share, PROVINCE, PREFECTURE)
    # Township-treatable cases start at the township centre less often the farther away it is.
    township_first = care.township_first_share * 0.5 ** (km_to_township / care.township_distance_km)
    # Cases needing a hospital sometimes present one level too low first, and are referred up at assessment.
    misjudged = (needed >= COUNTY) & (v < care.misjudged_share)
    entry = np.where(needed == TOWNSHIP, np.where(v < township_first, TOWNSHIP, COUNTY), np.where(misjudged, needed - 1, needed))
    entry = np.where(bypass, bypass_level, entry).astype(np.int8)
    level = np.maximum(entry, needed).astype(np.int8)
    return Routes(
        arrival=admissions.day + admissions.timing_u,
        needed_level=needed,
        entry_level=entry,
        level=level,
        facility=hospital_at(facilities, level, household_township, admissions.facility_u),
        compliant=~bypass,
        township=household_township,
    )


def stay_days(care: CareParams, level: np.ndarray, los_z: np.ndarray) -> np.ndarray:
    """Whole days of stay at a level (at least 1), the episode's stay quantile kept whatever the level."""
    return np.maximum(1, np.round(care.stay_mean_days[level] * lognormal_factor(care.stay_sigma, los_z))).astype(np.int64)
